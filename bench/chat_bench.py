"""The chat's speed targets on the million-client sample bank.

1. In process: the real `Application` from `bot.app.build_application`, its Bot API requests
   answered inside the process (no HTTP), one update at a time through `process_update`: a search
   and a card from update in to reply out, with the handler's database work and templates.
2. Over HTTP: the same Application polling the local Bot API emulator while 200 linked RMs search
   at once, against a bare PTB echo bot on a fresh emulator in the same run.

The bank is the one the sample benchmark builds (bench/out/sample.db), opened in place. The bench
writes to it what the bot itself writes (an audit row per search and per card) and, once, Telegram
ids for the RMs that have none (`LINKED_IDS + staff.id`) so that RMs other than the four demo
personas can sign in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import resource
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

from telegram import Bot, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData

from bench import Context, Section, machine_table, measure
from bench.sample_bench import CLIENTS, SEED
from bot.bootstrap import Database, open_database
from bot.config import Settings
from bot.emulator import Emulator
from bot.emulator.control import WaitTimeout
from bot.emulator.serving import serving

NAME = "chat"
TITLE = "search and card latency, throughput through the emulator"

P50_MS, P99_MS = 5.0, 20.0
UPDATES_PER_SECOND = 200.0

DEMO_RM = ("E00004", 100004, "张经理")
BRANCH_HEAD = ("E00002", 100002, "王行长")
LINKED_IDS = 300_000
"""Telegram id of a linked RM = this + staff.id (the demo personas keep their 10000x)."""

WARM_UP, TIMED = 100, 1_000
WARM_UP_SECONDS, SERIES_SECONDS = 15.0, 60.0
"""Time budgets of one in-process series: a series this slow has missed its target anyway."""
MIX = (("name", 30), ("name_prefix", 15), ("pinyin", 15), ("initials", 15), ("client_no", 15), ("phone_last4", 10))
"""What RMs type, by weight: a full name, its first one or two characters, full pinyin, pinyin
initials, the client number, the phone's last four digits."""

USERS, ROUNDS, LIMITED_ROUNDS = 200, 10, 1
ROUND_TIMEOUT = 60.0
HTTP_BUDGET = 120.0
"""Seconds the HTTP runs may take together; a run over budget stops after its current round."""


def run(context: Context) -> Section | None:
    clients = context.clients or CLIENTS
    database_path = _bank(context, clients)
    if database_path is None:
        return None
    load = os.getloadavg()[0]
    try:
        report = asyncio.run(_measure(database_path, clients))
    except BenchFailed as failed:
        print(f"chat bench failed: {failed}")
        return None
    missed = report.missed()
    if missed:
        print("targets missed: " + "; ".join(missed), flush=True)
    return Section(NAME, _section(report, clients, database_path, context, load))


class BenchFailed(Exception):
    """The bench could not measure what it set out to (not: a target was missed)."""


# --- the bank ----------------------------------------------------------------------------------


def _client_count(path: Path) -> int | None:
    if not path.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            return connection.execute("SELECT count(*) FROM client").fetchone()[0]
    except sqlite3.Error:
        return None


def _bank(context: Context, clients: int) -> Path | None:
    """The sample benchmark's bank when it has `clients` clients; else a bank of our own, built once
    the same way (sample.db is the sample benchmark's: built here only when absent, at its size)."""
    shared = context.out / "sample.db"
    if _client_count(shared) == clients:
        return shared
    path = shared if clients == CLIENTS and not shared.exists() else context.out / f"chat-{clients}.db"
    if _client_count(path) == clients:
        return path
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    config = path.with_suffix(".toml")
    config.write_text(f'[database]\nurl = "sqlite:///{path}"\n', encoding="utf-8")
    print(f"building a {clients:,}-client sample bank at {path} (the sample benchmark's build step)", flush=True)
    command = [context.python, "-m", "bot.cli", "--config", str(config), "sample", "--clients", str(clients), "--seed", str(SEED)]
    built = measure(command, cwd=context.root, env={**os.environ, "PYTHONPATH": str(context.root)})
    if built.exit_code != 0 or _client_count(path) != clients:
        print(f"building the sample bank failed (exit {built.exit_code})")
        return None
    print(f"built in {built.seconds:,.0f} s", flush=True)
    return path


def _link_rms(connection: sqlite3.Connection) -> None:
    """Give every RM without one a Telegram id; running it again changes nothing."""
    connection.execute(
        "UPDATE staff SET telegram_user_id = ? + id WHERE role = 'rm' AND telegram_user_id IS NULL", (LINKED_IDS,)
    )
    connection.commit()


@dataclass(frozen=True)
class Known:
    """What a person remembers of a client: enough to type any kind of query."""

    id: int
    client_no: str
    name: str
    pinyin: str
    initials: str
    phone_last4: str | None


_KNOWN = "id, client_no, name, name_pinyin, name_initials, phone_last4"


def _book(connection: sqlite3.Connection, employee_no: str) -> list[Known]:
    rows = connection.execute(
        f"SELECT {_KNOWN} FROM client WHERE rm_id = (SELECT id FROM staff WHERE employee_no = ?) ORDER BY id",
        (employee_no,),
    )
    return [Known(*row) for row in rows]


def _sample_of_bank(connection: sqlite3.Connection, clients: int, count: int, rng: random.Random) -> list[Known]:
    ids = sorted(rng.sample(range(1, clients + 1), min(count, clients)))
    rows = connection.execute(f"SELECT {_KNOWN} FROM client WHERE id IN ({','.join('?' * len(ids))})", ids)
    return [Known(*row) for row in rows]


def _books_of_linked_rms(connection: sqlite3.Connection, count: int) -> dict[int, list[Known]]:
    """Telegram id → book, for `count` linked RMs other than the demo personas."""
    rms = dict(
        connection.execute(
            "SELECT id, telegram_user_id FROM staff WHERE role = 'rm' AND active AND telegram_user_id >= ? ORDER BY id LIMIT ?",
            (LINKED_IDS, count),
        ).fetchall()
    )
    books: dict[int, list[Known]] = {telegram_id: [] for telegram_id in rms.values()}
    marks = ",".join("?" * len(rms))
    for rm_id, *known in connection.execute(f"SELECT rm_id, {_KNOWN} FROM client WHERE rm_id IN ({marks})", list(rms)):
        books[rms[rm_id]].append(Known(*known))
    return {telegram_id: book for telegram_id, book in books.items() if book}


def _query(known: Known, kind: str, rng: random.Random) -> str:
    if kind == "name_prefix":
        return known.name[: rng.choice((1, 2))]
    if kind == "pinyin":
        return known.pinyin or known.name
    if kind == "initials":
        return known.initials or known.name
    if kind == "client_no":
        return known.client_no
    if kind == "phone_last4":
        return known.phone_last4 or known.client_no
    return known.name


def _searches(book: Sequence[Known], count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, text) pairs in MIX's proportions, each about a client drawn from `book`."""
    kinds = rng.choices([kind for kind, _ in MIX], weights=[weight for _, weight in MIX], k=count)
    return [(kind, _query(rng.choice(book), kind, rng)) for kind in kinds]


# --- in process --------------------------------------------------------------------------------


class InProcessTelegram:
    """A Bot API that answers at once inside the process: a minimal valid result per method."""

    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self.calls: Counter[str] = Counter()
        self.texts: list[str] = []
        self._message_id = 0

    def answer(self, method: str, parameters: dict[str, Any]) -> object:
        self.calls[method] += 1
        if method == "getMe":
            return {"id": self.bot_id, "is_bot": True, "first_name": "RM Bot", "username": "rmbot_bench_bot"}
        if method in ("sendMessage", "editMessageText"):
            text = str(parameters.get("text", ""))
            self.texts.append(text)
            return self.message(parameters, text=text)
        return True

    def message(self, parameters: dict[str, Any], **content: object) -> dict[str, Any]:
        """The Message a send returns: a new id (or the edited one), the chat, the bot, `content`."""
        self._message_id += 1
        return {
            "message_id": int(parameters.get("message_id") or self._message_id),
            "date": int(time.time()),
            "chat": {"id": int(parameters.get("chat_id") or 1), "type": "private"},
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "RM Bot"},
            **content,
        }

    def request(self) -> BaseRequest:
        return InProcessRequest(self)


class InProcessRequest(BaseRequest):
    def __init__(self, telegram: InProcessTelegram) -> None:
        self.telegram = telegram

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, *_: object, **__: object) -> tuple[int, bytes]:
        parameters = request_data.parameters if request_data else {}
        if request_data:
            request_data.json_parameters  # noqa: B018  (the encoding HTTPXRequest does for every call)
        result = self.telegram.answer(url.rsplit("/", 1)[1], parameters)
        return 200, json.dumps({"ok": True, "result": result}).encode()


@contextlib.contextmanager
def _in_process(telegram: InProcessTelegram) -> Iterator[None]:
    """Make `bot.app.build_application` give its ApplicationBuilder our requests.

    build_application takes no `request=`; rather than copy it (and drift from it), the bench
    swaps the builder class it uses for one that adds the in-process requests just before building.
    """
    import bot.app

    class InProcessBuilder(ApplicationBuilder):
        def build(self) -> Application:
            self.request(telegram.request()).get_updates_request(telegram.request())
            return super().build()

    with mock.patch.object(bot.app, "ApplicationBuilder", InProcessBuilder):
        yield


@dataclass
class Timings:
    label: str
    seen: str
    """What the viewer sees, for the table."""
    seconds: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    warm_up: int = 0
    budget_spent: bool = False

    def add(self, kind: str, elapsed: float) -> None:
        self.seconds.append(elapsed)
        self.by_kind.setdefault(kind, []).append(elapsed)

    @property
    def passed(self) -> bool:
        p = percentiles(self.seconds)
        return p["p50"] <= P50_MS and p["p99"] <= P99_MS


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 and max in milliseconds (nearest rank)."""
    ordered = sorted(seconds)

    def rank(p: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * p // 100) - 1))] * 1000

    return {"p50": rank(50), "p90": rank(90), "p99": rank(99), "max": ordered[-1] * 1000}


class UpdateMaker:
    """Updates shaped like Telegram's: a private-chat text, or a press on a bot message's button."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.update_id = 0

    def _message(self, chat_id: int, name: str, sender: dict[str, Any], text: str) -> dict[str, Any]:
        self.update_id += 1
        chat = {"id": chat_id, "type": "private", "first_name": name}
        return {"message_id": self.update_id, "date": int(time.time()), "chat": chat, "from": sender, "text": text}

    @staticmethod
    def _user(user_id: int, name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": name, "language_code": "zh-hans"}

    def text(self, user_id: int, name: str, text: str) -> Update:
        message = self._message(user_id, name, self._user(user_id, name), text)
        return Update.de_json({"update_id": self.update_id, "message": message}, self.bot)

    def press(self, user_id: int, name: str, data: str) -> Update:
        bot = {"id": self.bot.id, "is_bot": True, "first_name": "RM Bot"}
        message = self._message(user_id, name, bot, "search results")
        query = {"id": str(self.update_id), "from": self._user(user_id, name), "chat_instance": str(user_id), "data": data, "message": message}
        return Update.de_json({"update_id": self.update_id, "callback_query": query}, self.bot)


@dataclass(frozen=True)
class Step:
    kind: str
    update: Update
    reply: str
    """The Bot API method that must carry the answer."""


async def _time_steps(application: Application, telegram: InProcessTelegram, steps: Sequence[Step], timings: Timings, errors: list[str]) -> None:
    """Warm up, then time each step; a series too slow to finish stops when its budget is spent."""
    warm_until = time.monotonic() + WARM_UP_SECONDS
    timed_until: float | None = None
    for number, step in enumerate(steps):
        replies, failures = telegram.calls[step.reply], len(errors)
        started = time.perf_counter()
        await application.process_update(step.update)
        elapsed = time.perf_counter() - started
        if telegram.calls[step.reply] != replies + 1 or len(errors) != failures:
            raise BenchFailed(f"{timings.label}: update {number} ({step.kind}) got no {step.reply}; errors: {errors[failures:]}")
        if timed_until is None:
            timings.warm_up += 1
            if timings.warm_up >= WARM_UP or time.monotonic() > warm_until:
                timed_until = time.monotonic() + SERIES_SECONDS
            continue
        timings.add(step.kind, elapsed)
        if len(timings.seconds) >= TIMED:
            return
        if time.monotonic() > timed_until:
            timings.budget_spent = True
            print(f"  {timings.label}: stopped after {len(timings.seconds)} timed updates ({SERIES_SECONDS:g} s budget)", flush=True)
            return


async def _latency(database: Database, settings: Settings, bank: sqlite3.Connection, clients: int) -> list[Timings]:
    from bot.app import build_application

    rng = random.Random(SEED)
    telegram = InProcessTelegram(bot_id=7_000_000_001)
    with _in_process(telegram):
        application = build_application(settings, database, token="7000000001:in-process-bench", rate_limit=False, jobs=False)
    errors: list[str] = []

    async def record_error(_update: object, context: CallbackContext) -> None:
        errors.append(type(context.error).__name__)

    application.add_error_handler(record_error)
    await application.initialize()
    try:
        make = UpdateMaker(application.bot)
        total = WARM_UP + TIMED
        (rm_no, rm_id, rm_name), (head_no, head_id, head_name) = DEMO_RM, BRANCH_HEAD
        book = _book(bank, rm_no)
        if not book:
            raise BenchFailed(f"{rm_no} has no clients in this bank")
        rm_searches = Timings(f"search, RM {rm_no}", f"own book, {len(book):,} clients")
        cards = Timings(f"card, RM {rm_no}", "own book")
        head_searches = Timings(f"search, branch head {head_no}", f"branch subtree, up to {clients:,} clients")
        searches = [Step(kind, make.text(rm_id, rm_name, text), "sendMessage") for kind, text in _searches(book, total, rng)]
        await _time_steps(application, telegram, searches, rm_searches, errors)
        presses = [Step("card", make.press(rm_id, rm_name, f"c:{rng.choice(book).id}"), "editMessageText") for _ in range(total)]
        await _time_steps(application, telegram, presses, cards, errors)
        bank_sample = _sample_of_bank(bank, clients, 2_000, rng)
        searches = [Step(kind, make.text(head_id, head_name, text), "sendMessage") for kind, text in _searches(bank_sample, total, rng)]
        await _time_steps(application, telegram, searches, head_searches, errors)
        if _error_text(settings) in telegram.texts:
            raise BenchFailed("the bot answered with its error message")
        return [rm_searches, head_searches, cards]
    finally:
        await application.shutdown()


def _error_text(settings: Settings) -> str:
    from handlers.render import Renderer

    renderer = Renderer(time_zone=settings.schedule.time_zone, aum_mode=settings.display.aum, aum_bands=settings.chat.aum_bands)
    return renderer.render("zh_CN", "error_generic")


# --- over HTTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Throughput:
    label: str
    users: int
    rounds: int
    updates: int
    seconds: float
    cpu_seconds: float
    """User and system time of the whole process (bot and emulator) over the run."""
    bad_replies: int

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_ms_per_update(self) -> float:
        return self.cpu_seconds / self.updates * 1000


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _throughput(label: str, make_application: Callable, texts: dict[int, list[str]], rounds: int, bad: Callable[[str], bool], deadline: float) -> Throughput:
    """Every user sends one text a round; a round ends when the bot is idle and each user has one reply."""
    async with Emulator() as emulator:
        users = [emulator.create_user(user_id=user_id, first_name=f"RM {user_id}", language_code="zh-hans") for user_id in texts]
        application = make_application(emulator)
        try:
            async with serving(emulator, application):
                await emulator.wait_until_idle(ROUND_TIMEOUT)
                bad_replies, done = 0, 0
                cpu, started = _cpu_seconds(), time.perf_counter()
                for round_number in range(rounds):
                    for user in users:
                        await emulator.send_text(user, texts[user.id][round_number])
                    await emulator.wait_until_idle(ROUND_TIMEOUT)
                    for user in users:
                        bad_replies += bad((await emulator.next_message(user.id, timeout=ROUND_TIMEOUT)).content)
                    done += 1
                    if time.monotonic() > deadline and done < rounds:
                        print(f"  {label}: stopped after {done} of {rounds} rounds (time budget spent)", flush=True)
                        break
                elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        except WaitTimeout as timeout:
            raise BenchFailed(f"{label}: {timeout}") from None
    return Throughput(label, len(users), done, done * len(users), elapsed, cpu, bad_replies)


def _echo_application(concurrent: int | bool) -> Callable:
    async def echo(update: Update, _context: object) -> None:
        await update.effective_message.reply_text(update.effective_message.text)

    def make(emulator: Emulator) -> Application:
        builder = ApplicationBuilder().token(emulator.token).base_url(emulator.base_url).base_file_url(emulator.base_file_url)
        application = builder.concurrent_updates(concurrent).build()
        application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        return application

    return make


def _rmbot_application(settings: Settings, database: Database, *, rate_limit: bool) -> Callable:
    from bot.app import build_application

    def make(emulator: Emulator) -> Application:
        data = settings.model_dump()
        data["telegram"].update(base_url=emulator.base_url, base_file_url=emulator.base_file_url, token=emulator.token)
        return build_application(Settings.model_validate(data), database, token=emulator.token, rate_limit=rate_limit, jobs=False)

    return make


async def _http(database: Database, settings: Settings, bank: sqlite3.Connection) -> list[Throughput]:
    rng = random.Random(SEED)
    books = _books_of_linked_rms(bank, USERS)
    if len(books) < USERS:
        print(f"  only {len(books)} linked RMs have clients in this bank (wanted {USERS})", flush=True)
    texts = {telegram_id: [text for _, text in _searches(book, ROUNDS, rng)] for telegram_id, book in books.items()}
    error_text = _error_text(settings)
    deadline = time.monotonic() + HTTP_BUDGET

    def rmbot_bad(content: str) -> bool:
        return content == error_text

    def echo_bad(_content: str) -> bool:
        return False

    rmbot = _rmbot_application(settings, database, rate_limit=False)
    limited = _rmbot_application(settings, database, rate_limit=True)
    results = []
    for label, make, rounds, bad in (
        ("rmbot", rmbot, ROUNDS, rmbot_bad),
        ("echo", _echo_application(False), ROUNDS, echo_bad),
        ("echo, 64 at a time", _echo_application(64), ROUNDS, echo_bad),
        ("rmbot with AIORateLimiter", limited, LIMITED_ROUNDS, rmbot_bad),
    ):
        result = await _throughput(label, make, texts, rounds, bad, deadline)
        print(f"  {label}: {result.updates} updates in {result.seconds:.2f} s = {result.per_second:,.0f}/s", flush=True)
        results.append(result)
    return results


# --- the run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    latency: list[Timings]
    throughput: list[Throughput]
    audit_rows: int

    def http(self, label: str) -> Throughput:
        return next(result for result in self.throughput if result.label == label)

    def missed(self) -> list[str]:
        missed = [timings.label for timings in self.latency if not timings.passed]
        rmbot = self.http("rmbot")
        if rmbot.per_second < UPDATES_PER_SECOND:
            missed.append(f"{rmbot.per_second:,.0f} updates/s over HTTP")
        return missed


async def _measure(path: Path, clients: int) -> Report:
    from domain import db

    settings = Settings.model_validate({"database": {"url": f"sqlite:///{path}"}})
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as bank:
        try:
            _link_rms(bank)
        except sqlite3.OperationalError as error:
            raise BenchFailed(f"could not link RMs to Telegram ids in {path}: {error}") from None
        audit_before = bank.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        database = open_database(settings, upgrade=False, background_checkpoints=True)  # as `rmbot run` opens it
        engine = database.engine
        try:
            if db.current_revision(engine) != db.head_revision():
                raise BenchFailed(f"{path} is not at the newest schema: run `rmbot --config {path.with_suffix('.toml')} db upgrade`")
            print("in process: searches and cards, one update at a time", flush=True)
            latency = await _latency(database, settings, bank, clients)
            for timings in latency:
                shown = ", ".join(f"{key} {value:.2f} ms" for key, value in percentiles(timings.seconds).items())
                print(f"  {timings.label}: {shown}", flush=True)
            print(f"over HTTP: {USERS} users × {ROUNDS} rounds through the emulator", flush=True)
            throughput = await _http(database, settings, bank)
        finally:
            engine.dispose()
        audit_rows = bank.execute("SELECT count(*) FROM audit_log").fetchone()[0] - audit_before
    return Report(latency, throughput, audit_rows)


def _verdict(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def _latency_rows(report: Report) -> str:
    rows = []
    for timings in report.latency:
        p = percentiles(timings.seconds)
        n = f"{len(timings.seconds):,} after {timings.warm_up}"
        if timings.budget_spent:
            n += f" (the {SERIES_SECONDS:g} s budget ran out)"
        rows.append(
            f"| {timings.label} ({timings.seen}) | {n} | {p['p50']:.2f} | {p['p90']:.2f} | {p['p99']:.2f} | {p['max']:.1f} | {_verdict(timings.passed)} |"
        )
    return "\n".join(rows)


def _kind_rows(report: Report) -> str:
    rows = []
    for timings in report.latency:
        for kind, _ in MIX:
            if seconds := timings.by_kind.get(kind):
                p = percentiles(seconds)
                rows.append(f"| {timings.label} | {kind} | {len(seconds)} | {p['p50']:.2f} | {p['p99']:.2f} | {p['max']:.1f} |")
    return "\n".join(rows)


def _section(report: Report, clients: int, path: Path, context: Context, load: float) -> str:
    http_rows = "\n".join(
        f"| {r.label} | {r.users} × {r.rounds} | {r.updates:,} | {r.seconds:.2f} | **{r.per_second:,.0f}** | {r.cpu_ms_per_update:.1f} | {r.bad_replies} |"
        for r in report.throughput
    )
    rmbot, echo, concurrent = report.http("rmbot"), report.http("echo"), report.http("echo, 64 at a time")
    mix = ", ".join(f"{kind} {weight} %" for kind, weight in MIX)
    shown = str(path).replace(f"{context.root}/", "")
    return f"""## Chat: search and card latency, throughput on {clients:,} clients (SQLite)

Targets: a search and a card handled in process in p50 ≤ {P50_MS:g} ms and p99 ≤ {P99_MS:g} ms; at least
{UPDATES_PER_SECOND:g} updates/s through the emulator over HTTP.

**In process**: the real Application (`build_application(…, rate_limit=False)`) with its Bot API
requests answered inside the process; each update timed from `process_update` to its return, one at
a time, after up to {WARM_UP} warm-up updates ({WARM_UP_SECONDS:g} s at most; a series stops after
{SERIES_SECONDS:g} s). That includes the sign-in gate, the database work in its worker thread, the
audit row, templates and keyboards, and excludes the transport. Searches mix {mix}, about clients
drawn from the viewer's own book (RM) or from the whole bank (branch head); cards are `c:<client_id>`
presses on the RM's own clients.

| in process | timed, after warm-up | p50 ms | p90 ms | p99 ms | max ms | target |
|---|---:|---:|---:|---:|---:|---|
{_latency_rows(report)}

| search by kind | kind | n | p50 ms | p99 ms | max ms |
|---|---|---:|---:|---:|---:|
{_kind_rows(report)}

**Over HTTP**: the Application polling the local emulator, both in this one process; {USERS} linked
RMs each send one search from their own book per round; a round ends when the emulator is idle and
every user has their reply; updates/s from the first send to the last reply. CPU is the process's
user and system time per update (bot and emulator). The echo bots reply with the text, one update
at a time (PTB's default) or 64 at a time (as rmbot runs). The rate-limited row is rmbot as
`rmbot run` deploys it: AIORateLimiter allows 30 messages/s overall, Telegram's own limit.

| over HTTP | users × rounds | updates | seconds | updates/s | CPU ms/update | error replies |
|---|---|---:|---:|---:|---:|---:|
{http_rows}

| | |
|---|---|
| rmbot ≥ {UPDATES_PER_SECOND:g} updates/s | {rmbot.per_second:,.0f}/s — {_verdict(rmbot.per_second >= UPDATES_PER_SECOND)} |
| rmbot / echo | **{rmbot.per_second / echo.per_second:.2f}** (against the echo 64 at a time: {rmbot.per_second / concurrent.per_second:.2f}) |
| bank | `{shown}`, opened in place; the run wrote {report.audit_rows:,} audit rows (one per search and card, as the bot does) |
| load average (1 min) when the run began | {load:.2f} |

{machine_table(date.today())}"""
