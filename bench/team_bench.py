"""/team's speed targets on the million-client sample bank (SQLite): the summary for a branch head
over the whole bank, end to end including the chart, and its export.

The real `Application` from `bot.app.build_application`, its Bot API requests answered inside the
process as in the chat bench (`bench.chat_bench.InProcessTelegram`), one update at a time through
`process_update`: the timing runs from the update in to the last reply out (the text and then the
chart's photo; the workbook's document), files encoded as multipart bodies as PTB sends them. The
PNG and the XLSX that came out are checked (a PNG signature and size; the workbook opened with
openpyxl, its sheets and the summary's client count against the database).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import resource
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext
from telegram.request import BaseRequest, RequestData

from bench import Context, Section, machine_table
from bench.chat_bench import CLIENTS, BenchFailed, InProcessRequest, InProcessTelegram, UpdateMaker, _bank, _in_process

NAME = "team"
TITLE = "/team and /team export for a branch head and a team lead"

SUMMARY_SECONDS, EXPORT_SECONDS = 2.0, 10.0
RUNS, EXPORT_RUNS = 5, 3
"""Timed runs after one warm-up (the first run reads the bank's pages from disk)."""

BRANCH_HEAD = ("E00002", 100002)
TEAM_LEAD = ("E00003", 100003)


class FilesTelegram(InProcessTelegram):
    """The chat bench's in-process Bot API, also answering sendPhoto and sendDocument, keeping the
    files sent and when each reply went out."""

    def __init__(self, bot_id: int) -> None:
        super().__init__(bot_id)
        self.files: list[tuple[str, bytes]] = []
        self.sent_at: list[tuple[str, float]] = []
        self.upload = b""
        """The file of the request being answered, as its multipart body carried it."""

    def answer(self, method: str, parameters: dict[str, Any]) -> object:
        self.sent_at.append((method, time.perf_counter()))
        if method not in ("sendPhoto", "sendDocument"):
            return super().answer(method, parameters)
        self.calls[method] += 1
        self.files.append((method, self.upload))
        self.upload = b""
        if method == "sendPhoto":
            return self.message(parameters, photo=[{"file_id": "p", "file_unique_id": "p", "width": 1000, "height": 800}])
        return self.message(parameters, document={"file_id": "d", "file_unique_id": "d", "file_name": "team.xlsx"})

    def request(self) -> BaseRequest:
        return FilesRequest(self)


class FilesRequest(InProcessRequest):
    """An in-process request that also encodes uploads as the multipart body HTTPXRequest sends."""

    telegram: FilesTelegram

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, *args: object, **kwargs: object) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            parts = request_data.multipart_data
            self.telegram.upload = next(iter(parts.values()))[1] if parts else b""
        return await super().do_request(url, method, request_data, *args, **kwargs)


@dataclass
class Series:
    label: str
    seen: str
    target: float | None
    seconds: list[float] = field(default_factory=list)
    first_reply: list[float] = field(default_factory=list)
    warm_up: float = 0.0
    file_bytes: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def passed(self) -> bool:
        return self.target is None or self.median <= self.target


@dataclass
class Report:
    series: list[Series]
    rows: dict[str, int]
    peak_rss_mb: float


def run(context: Context) -> Section | None:
    clients = context.clients or CLIENTS
    path = _bank(context, clients)
    if path is None:
        return None
    load = os.getloadavg()[0]
    try:
        report = asyncio.run(_measure(path))
    except BenchFailed as failed:
        print(f"team bench failed: {failed}")
        return None
    missed = [f"{s.label}: median {s.median:.2f} s > {s.target:g} s" for s in report.series if not s.passed]
    if missed:
        print("targets missed: " + "; ".join(missed), flush=True)
    return Section(NAME, _section(report, clients, load))


def _counts(bank: sqlite3.Connection) -> dict[str, int]:
    rm_roles = "('rm', 'team_lead')"
    return {
        "clients": bank.execute("SELECT count(*) FROM client").fetchone()[0],
        "rms": bank.execute(f"SELECT count(*) FROM staff WHERE active AND role IN {rm_roles}").fetchone()[0],
        "snapshots": bank.execute("SELECT count(*) FROM balance_snapshot").fetchone()[0],
        "transactions": bank.execute("SELECT count(*) FROM transactions").fetchone()[0],
        "interactions": bank.execute("SELECT count(*) FROM interaction").fetchone()[0],
    }


async def _measure(path: Path) -> Report:
    from bot.app import build_application
    from bot.bootstrap import open_database
    from bot.config import Settings
    from domain import db

    settings = Settings.model_validate({"database": {"url": f"sqlite:///{path}"}})
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as bank:
        rows = _counts(bank)
        database = open_database(settings, upgrade=False, background_checkpoints=True)  # as `rmbot run` opens it
        try:
            if db.current_revision(database.engine) != db.head_revision():
                raise BenchFailed(f"{path} is not at the newest schema: run `rmbot --config {path.with_suffix('.toml')} db upgrade`")
            telegram = FilesTelegram(bot_id=7_000_000_002)
            with _in_process(telegram):
                application = build_application(settings, database, token="7000000002:in-process-bench", rate_limit=False, jobs=False)
            errors: list[str] = []

            async def record_error(_update: object, context: CallbackContext) -> None:
                errors.append(f"{type(context.error).__name__}: {context.error}")

            application.add_error_handler(record_error)
            await application.initialize()
            try:
                make = UpdateMaker(application.bot)
                head_clients = rows["clients"]
                lead_clients = _team_clients(bank, TEAM_LEAD[0])
                series = [
                    Series("/team, branch head", f"whole bank: {head_clients:,} clients, {rows['rms']:,} RMs", SUMMARY_SECONDS),
                    Series("/team export, branch head", f"whole bank, list sheets up to {settings.team.export_rows:,} rows", EXPORT_SECONDS),
                    Series("/team, team lead", f"one team: {lead_clients:,} clients", None),
                    Series("/team export, team lead", "one team", None),
                ]
                plan = [(series[0], BRANCH_HEAD, "/team", RUNS), (series[1], BRANCH_HEAD, "/team export", EXPORT_RUNS),
                        (series[2], TEAM_LEAD, "/team", RUNS), (series[3], TEAM_LEAD, "/team export", EXPORT_RUNS)]
                for timed, (_, user_id), text, runs in plan:
                    print(f"  {timed.label} ({timed.seen}) …", flush=True)
                    for number in range(runs + 1):
                        elapsed, first, data = await _one(application, telegram, make, user_id, text, errors)
                        if number == 0:
                            timed.warm_up = elapsed
                            _check(text, data, bank, user_id)
                            timed.file_bytes = len(data)
                            continue
                        timed.seconds.append(elapsed)
                        timed.first_reply.append(first)
                    print(f"    median {timed.median:.2f} s (warm-up {timed.warm_up:.2f} s, runs {', '.join(f'{s:.2f}' for s in timed.seconds)})", flush=True)
            finally:
                await application.shutdown()
        finally:
            database.engine.dispose()
    return Report(series, rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _team_clients(bank: sqlite3.Connection, lead: str) -> int:
    return bank.execute(
        "SELECT count(*) FROM client WHERE rm_id IN (SELECT id FROM staff WHERE team_id = (SELECT team_id FROM staff WHERE employee_no = ?))",
        (lead,),
    ).fetchone()[0]


async def _one(application: Any, telegram: FilesTelegram, make: UpdateMaker, user_id: int, text: str, errors: list[str]) -> tuple[float, float, bytes]:
    """One update timed to its last reply; the seconds to the first reply, and the file it sent."""
    sent, files, failures = len(telegram.sent_at), len(telegram.files), len(errors)
    started = time.perf_counter()
    await application.process_update(_command(make, user_id, text))
    elapsed = time.perf_counter() - started
    replies = [at for method, at in telegram.sent_at[sent:] if method in ("sendMessage", "sendPhoto", "sendDocument")]
    if len(errors) != failures or len(telegram.files) != files + 1 or not replies:
        raise BenchFailed(f"{text} by {user_id}: {len(replies)} replies, {len(telegram.files) - files} files; errors: {errors[failures:]}")
    return elapsed, replies[0] - started, telegram.files[-1][1]


def _command(make: UpdateMaker, user_id: int, text: str) -> Update:
    """A command as Telegram delivers it: the text with its bot_command entity."""
    message = make._message(user_id, "bench", make._user(user_id, "bench"), text)
    message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return Update.de_json({"update_id": make.update_id, "message": message}, make.bot)


def _check(text: str, data: bytes, bank: sqlite3.Connection, user_id: int) -> None:
    """What came out is what the user should get: a PNG of a phone's width, or a workbook whose
    summary counts the clients the database holds."""
    if "export" not in text:
        if not data.startswith(b"\x89PNG\r\n\x1a\n") or not 20_000 < len(data) < 2_000_000:
            raise BenchFailed(f"the chart is not a PNG of a sensible size ({len(data):,} bytes)")
        return
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    if len(book.sheetnames) != 4:
        raise BenchFailed(f"the workbook has sheets {book.sheetnames}")
    summary = list(book[book.sheetnames[0]].iter_rows(min_row=2, values_only=True))
    counted = int(summary[3][1])
    if user_id == BRANCH_HEAD[1] and counted != bank.execute("SELECT count(*) FROM client WHERE rm_id IS NOT NULL").fetchone()[0]:
        raise BenchFailed(f"the workbook counts {counted:,} clients, the database holds another number")


def _section(report: Report, clients: int, load: float) -> str:
    def verdict(series: Series) -> str:
        if series.target is None:
            return "(reference)"
        return f"≤ {series.target:g} s: " + ("pass" if series.passed else "**FAIL**")

    table = "\n".join(
        f"| {s.label} | {s.seen} | **{s.median:.2f}** | {max(s.seconds):.2f} | {statistics.median(s.first_reply):.2f} | {s.warm_up:.2f} | "
        f"{s.file_bytes / 1024:,.0f} KB | {verdict(s)} |"
        for s in report.series
    )
    rows = report.rows
    return f"""## /team: a branch head's summary and export on {clients:,} clients (SQLite)

Targets: `/team` for a branch head over {rows['clients']:,} clients and {rows['rms']:,} RMs in ≤ {SUMMARY_SECONDS:g} s end to
end including the chart; `/team export` in ≤ {EXPORT_SECONDS:g} s.

The real Application with its Bot API requests answered inside the process (as the chat bench), one
update at a time: from `process_update` to its return, which is after the last reply (the summary
text, then the chart's PNG; the XLSX document), files encoded as PTB's multipart bodies. Median of
{RUNS} runs ({EXPORT_RUNS} for exports) after a warm-up run, which is shown too (it reads the bank's pages
from disk). The bank: {rows['snapshots']:,} balance snapshots, {rows['transactions']:,} transactions, {rows['interactions']:,}
contacts; the default period (the last 7 days). Load average before the run: {load:.2f}.

| update | sees | median s | max s | first reply s | warm-up s | file | target |
|---|---|---:|---:|---:|---:|---:|---|
{table}

Peak RSS of the bench process (bot, bank pages it mapped, workbooks): {report.peak_rss_mb:,.0f} MiB.

{machine_table(date.today())}"""
