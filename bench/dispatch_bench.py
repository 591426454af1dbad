"""How fast the morning digests go out through the emulator when it enforces Telegram's flood limits.

The target (issue): 2,500 digests at ≥ 95 % of the allowed rate (30 messages a second over all
chats) with zero 429 responses. Every RM of the million-client sample bank is linked to an
emulator user who has started the bot; the emulator's limits are on (30 a second overall, a burst
of 3 then 1 a second per chat); rmbot's own Application (`build_application`, its AIORateLimiter
at `telegram.messages_per_second`) sends what `reminders.dispatch.send_due_digests` finds due at
08:31 on the sample bank's last day: each digest is read from the database, drawn and sent, and
its row claimed and finished, exactly as the scheduled job does. The emulator runs in a process
of its own (`python -m bot.emulator --rate-limits`), as Telegram is a server of its own; the two
processes share the machine's two cores. The CPU figure is the bot's process alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import Context, Section, machine_table

NAME = "dispatch"
TITLE = "2,500 morning digests through the emulator enforcing Telegram's limits"
CLIENTS = 1_000_000
ALLOWED_PER_SECOND = 30.0
SHARE_TARGET = 0.95
ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Report:
    recipients: int
    sent: int
    seconds: float
    too_many: int
    failed: int
    cpu_seconds: float
    characters: int
    per_second_setting: float
    concurrency: int

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds

    @property
    def share(self) -> float:
        return self.per_second / ALLOWED_PER_SECOND


def run(context: Context) -> Section | None:
    from bench.chat_bench import _bank, _link_rms

    clients = context.clients or CLIENTS
    path = _bank(context, clients)
    if path is None:
        return None
    with contextlib.closing(sqlite3.connect(path)) as connection:
        _link_rms(connection)
        connection.execute("DELETE FROM digest")
        connection.execute("UPDATE staff SET blocked_at = NULL")
        connection.commit()
    try:
        report = asyncio.run(_measure(path))
    finally:
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("DELETE FROM digest")
            connection.commit()
    missed = report.share < SHARE_TARGET or report.too_many
    if missed:
        print(f"targets missed: {report.per_second:.1f}/s ({report.share:.0%} of the allowed rate), {report.too_many} × 429", flush=True)
    return Section(NAME, _section(report, clients, path, context))


def _last_day(path: Path):  # noqa: ANN202
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        latest = connection.execute("SELECT max(occurred_at) FROM transactions").fetchone()[0]
    return datetime.fromisoformat(latest).replace(tzinfo=UTC).astimezone(ZONE).date()


async def _measure(path: Path) -> Report:
    from bot.app import build_application
    from bot.bootstrap import open_database
    from bot.config import Settings
    from reminders.dispatch import send_due_digests

    day = _last_day(path)
    now = datetime.combine(day, clock_time(8, 31), ZONE).astimezone(UTC)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        ids = [row[0] for row in connection.execute(
            "SELECT telegram_user_id FROM staff WHERE role IN ('rm', 'team_lead') AND active AND telegram_user_id IS NOT NULL"
        )]
    async with _emulator_process() as (emulator, info):
        for user_id in ids:
            await emulator.create_user(user_id=user_id, first_name=f"RM {user_id}", language_code="zh-hans", started=True)
        settings = Settings.model_validate({
            "database": {"url": f"sqlite:///{path}"},
            "telegram": {"base_url": info["base_url"], "base_file_url": info["base_file_url"], "token": info["token"]},
        })
        database = open_database(settings, upgrade=True)
        application = build_application(settings, database, token=info["token"], clock=lambda: now, jobs=False)
        async with application:
            cpu = _cpu_seconds()
            started = time.perf_counter()
            sent = await send_due_digests(application)
            seconds = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu
        database.engine.dispose()
        sends = await emulator.calls("sendMessage")
        statuses = [call["status"] for call in sends]
        characters = sum(len(str(call["params"].get("text", ""))) for call in sends if call["status"] == 200)
        return Report(
            recipients=len(ids), sent=sent, seconds=seconds, too_many=statuses.count(429),
            failed=sum(1 for status in statuses if status not in (200, 429)), cpu_seconds=cpu,
            characters=characters // max(sent, 1), per_second_setting=settings.telegram.messages_per_second,
            concurrency=settings.schedule.dispatch_concurrency,
        )


@contextlib.asynccontextmanager
async def _emulator_process():  # noqa: ANN202
    """`python -m bot.emulator --rate-limits` on a free port; its control API and what the bot needs."""
    from bot.emulator.remote import RemoteEmulator

    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.emulator", "--port", "0", "--rate-limits", stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        info = {}
        while len(info) < 4:
            line = (await asyncio.wait_for(child.stdout.readline(), 30)).decode()
            if not line:
                raise RuntimeError("the emulator exited before it was ready")
            key, _, value = line.strip().partition(" ")
            info[key] = value.strip()
        async with RemoteEmulator(info["control"].removesuffix("/control/")) as emulator:
            yield emulator, info
    finally:
        child.terminate()
        await child.wait()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _section(report: Report, clients: int, path: Path, context: Context) -> str:
    verdict = "pass" if report.share >= SHARE_TARGET and not report.too_many and report.sent == report.recipients else "fail"
    return f"""## Morning digest dispatch

{__doc__.split(chr(10) + chr(10), 1)[1].strip()}

Target: ≥ {SHARE_TARGET:.0%} of {ALLOWED_PER_SECOND:g} messages/s with zero 429 — **{verdict}**.

| | |
|---|---|
| digests due / sent | {report.recipients:,} / {report.sent:,} |
| wall time | **{report.seconds:.1f} s** |
| rate | **{report.per_second:.2f} messages/s** ({report.share:.1%} of the allowed {ALLOWED_PER_SECOND:g}/s) |
| 429 responses | **{report.too_many}** |
| other refusals | {report.failed} |
| average digest | {report.characters:,} characters |
| CPU (the bot's process) | {report.cpu_seconds:.1f} s ({report.cpu_seconds / max(report.sent, 1) * 1000:.1f} ms a digest) |
| settings | `telegram.messages_per_second = {report.per_second_setting:g}`, `schedule.dispatch_concurrency = {report.concurrency}` |
| bank | `{path.relative_to(context.root) if path.is_relative_to(context.root) else path}`, {clients:,} clients |

{machine_table()}"""
