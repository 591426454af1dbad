"""How fast the reminder scan (`rmbot remind scan`) goes over the million-client sample bank, next to
the same detection written by hand as raw SQL in the same run.

The target (issue): 1,000,000 clients on SQLite in ≤ 10 s with peak memory ≤ 300 MB, and the ratio
to hand-tuned raw SQL reported. The scan runs as an admin runs it, `rmbot remind scan --date D`, in
a child process (wall time with start-up, and the scan's own time as it prints it), on the sample
bank's last day D (a fresh outbox: every finding is new; a day whose balance snapshots have just
come in) and then on the next working day (the outbox holds D's alerts). The raw SQL is four
`INSERT … SELECT … ON CONFLICT DO NOTHING` statements on the sqlite3 module into a copy of the
outbox table with the same indexes; its dedup keys must equal the scan's, or the bench fails.

The scan runs with the bot's default settings, whose 8 GiB memory map of the database makes
the RSS count every database page the scan reads through the map (page cache the kernel may drop
at any time): the memory the scan itself needs is its peak anonymous memory, sampled from
/proc. A balances import runs the scan with AUM falls and tier changes too (`--balances`); the
daily scan leaves them out, since they change only when balances do.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import Context, Section, machine_table, measure

NAME = "scan"
TITLE = "the reminder scan over a million clients (SQLite), next to raw SQL"
CLIENTS = 1_000_000
SECONDS_TARGET = 10.0
MEMORY_TARGET_MB = 300
ZONE = ZoneInfo("Asia/Shanghai")
_SCANNED = re.compile(r"([\d,]+) new alert\(s\).*scanned in ([\d.]+) s")


@dataclass(frozen=True)
class ScanRun:
    day: date
    balances: bool
    wall: float
    scan: float
    peak_mb: float
    """Peak RSS: with the bot's memory-mapped database, it counts the pages read through the map."""
    anonymous_mb: float
    """Peak anonymous memory: what the process itself holds (heap, caches, stacks)."""
    created: int


def run(context: Context) -> Section | None:
    from bench.chat_bench import _bank

    clients = context.clients or CLIENTS
    path = _bank(context, clients)
    if path is None:
        return None
    config = context.out / "scan.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{path}"\n', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(context.root)}
    cli = [context.python, "-m", "bot.cli", "--config", str(config)]
    if measure([*cli, "db", "upgrade"], cwd=context.root, env=env).exit_code != 0:
        print("upgrading the sample bank failed")
        return None
    first = _last_day(path)
    second = _next_workday(first)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("DELETE FROM alert")
        connection.commit()
        _fresh_raw_table(connection)
        _raw_scan(connection, first, balances=True)  # warms the page cache for both, then thrown away
        _fresh_raw_table(connection)
    runs = []
    for day, balances in ((first, True), (second, False), (first, False)):
        scanned = _scan(cli, day, context, env, balances=balances)
        if scanned is None:
            return None
        runs.append(scanned)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        raw = [_raw_scan(connection, first, balances=True), _raw_scan(connection, second)]
        missing, extra = _compare(connection)
        if missing or extra:
            for side, query in (("scan only", "SELECT dedup_key FROM alert EXCEPT SELECT dedup_key FROM alert_raw"),
                                ("raw only", "SELECT dedup_key FROM alert_raw EXCEPT SELECT dedup_key FROM alert")):
                print(side, [key for (key,) in connection.execute(query + " LIMIT 5")])
        connection.execute("DELETE FROM alert")
        connection.execute("DROP TABLE alert_raw")
        connection.commit()
    if missing or extra:
        print(f"scan bench failed: the raw SQL finds {extra:,} alert(s) the scan does not, and misses {missing:,} it writes")
        return None
    return Section(NAME, _section(runs, raw, clients, path, context))


def _last_day(path: Path) -> date:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        latest = connection.execute("SELECT max(occurred_at) FROM transactions").fetchone()[0]
    return datetime.fromisoformat(latest).replace(tzinfo=UTC).astimezone(ZONE).date()


def _next_workday(day: date) -> date:
    from domain.calendar import is_workday

    following = day + timedelta(days=1)
    while not is_workday(following, "cn"):
        following += timedelta(days=1)
    return following


def _scan(cli: list[str], day: date, context: Context, env: dict[str, str], *, balances: bool) -> ScanRun | None:
    """`rmbot remind scan --date day [--balances]` in a child: wall time, the scan's own time (it
    prints it), peak RSS (wait4) and peak anonymous memory (RssAnon, read every 20 ms)."""
    started = time.perf_counter()
    extra = ["--balances"] if balances else []
    child = subprocess.Popen([*cli, "remind", "scan", "--date", day.isoformat(), *extra], cwd=context.root,
                             env={**env, "COLUMNS": "200"}, stdout=subprocess.PIPE, text=True)
    anonymous = 0
    status_file = Path(f"/proc/{child.pid}/status")
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        with contextlib.suppress(OSError):
            found = re.search(r"^RssAnon:\s+(\d+) kB", status_file.read_text(), re.MULTILINE)
            anonymous = max(anonymous, int(found.group(1)) if found else 0)
        time.sleep(0.02)  # sampling a child's memory, not waiting for an outcome
    wall = time.perf_counter() - started
    output = child.stdout.read() if child.stdout else ""
    found = _SCANNED.search(output)
    if os.waitstatus_to_exitcode(status) != 0 or found is None:
        print(f"rmbot remind scan --date {day} failed:\n{output}")
        return None
    return ScanRun(day, balances, wall, float(found.group(2)), usage.ru_maxrss / 1024, anonymous / 1024, int(found.group(1).replace(",", "")))


# --- the same detection as raw SQL -------------------------------------------------------------


def _fresh_raw_table(connection: sqlite3.Connection) -> None:
    """A copy of the outbox table with the same columns, key and indexes, empty."""
    connection.execute("DROP TABLE IF EXISTS alert_raw")
    (ddl,) = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'alert'").fetchone()
    connection.execute(ddl.replace("CREATE TABLE alert", "CREATE TABLE alert_raw", 1))
    for (index,) in connection.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'alert' AND sql IS NOT NULL").fetchall():
        connection.execute(index.replace("ix_alert_", "ix_alert_raw_").replace(" ON alert ", " ON alert_raw "))
    connection.commit()


def _utc(day: date) -> str:
    """The local midnight starting `day`, as the UTC text SQLite stores."""
    return datetime.combine(day, datetime.min.time(), ZONE).astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _raw_scan(connection: sqlite3.Connection, today: date, *, balances: bool = False) -> float:
    """What `domain.alerts.scan` finds on `today` (with `balances`: after a balances import), by
    hand: the rules' constants computed here from the configured defaults, the rest one statement
    per kind. Returns the seconds it took."""
    from bot.config import Settings
    from domain import lists
    from domain.alerts import PRIORITY, AlertKind
    from domain.rules import ContactClass, Tier, corporate_contacts_expected, months_before

    settings = Settings()
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    offset = int(ZONE.utcoffset(datetime.combine(today, datetime.min.time())).total_seconds() // 60)
    head = "INSERT INTO alert_raw (dedup_key, kind, client_id, staff_id, occasion, priority, payload, status, created_at) "
    tail = " ON CONFLICT (dedup_key) DO NOTHING"
    statements: list[tuple[str, tuple]] = []
    statements.append((
        head + "SELECT 'follow_up:' || id || ':' || next_follow_up, 'follow_up', id, rm_id, next_follow_up, ?, "
        "'{\"tier\": \"' || tier || '\"}', 'pending', ? FROM client WHERE rm_id IS NOT NULL AND next_follow_up <= ?" + tail,
        (PRIORITY[AlertKind.follow_up], now, today.isoformat()),
    ))
    tiers = settings.cadence.personal_days
    overdue = " OR ".join("(tier = ? AND (last_contact_at IS NULL OR last_contact_at < ?))" for _ in tiers)
    statements.append((
        head + "SELECT 'overdue:' || id || ':' || coalesce(CAST(strftime('%s', last_contact_at) AS INTEGER), 'never'), 'overdue', "
        "id, rm_id, CASE WHEN last_contact_at IS NULL THEN '1900-01-01' ELSE ? END, ?, '{\"tier\": \"' || tier || '\"}', 'pending', ? "
        f"FROM client WHERE rm_id IS NOT NULL AND ({overdue})" + tail,
        (today.isoformat(), PRIORITY[AlertKind.overdue], now,
         *[value for tier, days in tiers.items() for value in (tier, _utc(today - timedelta(days=days)))]),
    ))
    reminders = {tier: sorted(days) for tier, days in lists.birthday_reminders(today, settings).items() if days}
    if reminders:
        solar, lunar = lists._birthday_window(today, today + timedelta(days=max(max(d) for d in reminders.values())))
        wanted = [(tier, days) for tier, all_days in reminders.items() for days in all_days]
        values = lambda rows, width: ", ".join("(" + ", ".join("?" * width) + ")" for _ in rows)  # noqa: E731
        sql = (
            f"WITH solar(md, days) AS (VALUES {values(solar, 2)}), "
            f"lunar(m, d, leap, days) AS (VALUES {values(lunar, 4)}), "
            f"wanted(tier, days) AS (VALUES {values(wanted, 2)}), "
            "found(id, rm_id, tier, days, calendar) AS ("
            " SELECT c.id, c.rm_id, c.tier, s.days, 'solar' FROM client c JOIN solar s ON c.birth_md = s.md"
            " WHERE c.lunar_birth_month IS NULL"
            " UNION ALL SELECT c.id, c.rm_id, c.tier, l.days, 'lunar' FROM client c"
            " JOIN lunar l ON c.lunar_birth_month = l.m AND c.lunar_birth_day = l.d AND c.lunar_birth_leap = l.leap) "
            + head + "SELECT 'birthday:' || f.id || ':' || date(?, '+' || f.days || ' days') || ':' || f.days, 'birthday', f.id, f.rm_id, "
            "date(?, '+' || f.days || ' days'), ?, json_object('tier', f.tier, 'days', f.days, 'calendar', f.calendar), 'pending', ? "
            "FROM found f JOIN wanted w ON w.tier = f.tier AND w.days = f.days WHERE f.rm_id IS NOT NULL" + tail
        )
        if not lunar:
            sql = sql.replace(f"lunar(m, d, leap, days) AS (VALUES {values(lunar, 4)}), ", "lunar(m, d, leap, days) AS (SELECT 0, 0, 0, 0 WHERE 0), ")
        statements.append((sql, (
            *[v for md, days in solar for v in (md, days)],
            *[v for (m, d, leap), days in lunar for v in (m, d, int(leap), days)],
            *[v for pair in wanted for v in pair],
            today.isoformat(), today.isoformat(), PRIORITY[AlertKind.birthday], now,
        )))
    lines = {tier: int(amount * 100) for tier, amount in settings.movements.absolute.items()}
    line = ("CASE c.tier " + " ".join(f"WHEN '{tier}' THEN {fen}" for tier, fen in lines.items())
            + f" ELSE CASE WHEN c.tier LIKE 'class%' THEN {lines['corporate']} ELSE {lines['mass']} END END")
    numerator, denominator = settings.movements.share_of_aum.as_integer_ratio()
    whole, rest = f"(c.aum * {numerator} / {denominator})", f"(c.aum * {numerator} % {denominator})"
    share = f"({whole} + (({rest} * 2 > {denominator}) OR ({rest} * 2 = {denominator} AND {whole} % 2 = 1)))"
    threshold = f"CASE WHEN c.aum > 0 AND {share} > 0 AND {share} < {line} THEN {share} ELSE {line} END"
    kind = "CASE WHEN t.direction = 'out' AND t.other_bank THEN 'attrition' WHEN t.direction = 'out' THEN 'outflow' ELSE 'inflow' END"
    priority = f"CASE {kind} " + " ".join(f"WHEN '{k.value}' THEN {PRIORITY[k]}" for k in (AlertKind.attrition, AlertKind.outflow, AlertKind.inflow)) + " END"
    local_day = f"date(t.occurred_at, '{offset:+d} minutes')"
    statements.append((
        head + f"SELECT {kind} || ':' || t.client_id || ':' || {local_day} || ':' || t.id, {kind}, t.client_id, c.rm_id, {local_day}, "
        f"{priority}, json_object('tier', c.tier, 'amount', printf('%.2f', t.amount / 100.0), 'transaction_id', t.id), 'pending', ? "
        "FROM transactions t JOIN client c ON c.id = t.client_id "
        f"WHERE t.occurred_at >= ? AND t.occurred_at < ? AND c.rm_id IS NOT NULL AND t.amount >= {threshold}" + tail,
        (now, _utc(today - timedelta(days=1)), _utc(today + timedelta(days=1))),
    ))
    personal = ", ".join(f"'{t.value}'" for t in Tier)
    month = today.replace(day=1)
    expected = {c.value: corporate_contacts_expected(contact_class=c, on=today, cadence=settings.cadence) for c in ContactClass}
    expected = {tier: n for tier, n in expected.items() if n > 0}
    if expected:
        statements.append((
            head + f"SELECT 'overdue:' || c.id || ':m{month:%Y-%m}', 'overdue', c.id, c.rm_id, ?, ?, '{{\"tier\": \"' || c.tier || '\"}}', "
            "'pending', ? FROM client c WHERE c.rm_id IS NOT NULL AND c.tier IN (" + ", ".join("?" * len(expected)) + ") "
            "AND (SELECT count(*) FROM interaction i WHERE i.client_id = c.id AND i.occurred_at >= ? AND i.occurred_at < ?) < "
            "CASE c.tier " + " ".join(f"WHEN '{tier}' THEN {n}" for tier, n in expected.items()) + " END" + tail,
            (month.isoformat(), PRIORITY[AlertKind.overdue], now, *expected, _utc(month), _utc(today + timedelta(days=1))),
        ))
    statements.append((
        head + "SELECT 'dormant:' || id || ':' || coalesce(CAST(strftime('%s', last_transaction_at) AS INTEGER), 'never'), 'dormant', "
        f"id, rm_id, ?, ?, '{{\"tier\": \"' || tier || '\"}}', 'pending', ? FROM client WHERE rm_id IS NOT NULL AND tier IN ({personal}) "
        "AND (last_transaction_at IS NULL OR last_transaction_at < ?) AND aum < ?" + tail,
        (today.isoformat(), PRIORITY[AlertKind.dormant], now, _utc(months_before(today, settings.dormant.idle_months)),
         int(settings.dormant.balance * 100)),
    ))
    statements.append((
        head + f"SELECT kind || ':' || client_id || ':' || day || ':total', kind, client_id, rm_id, day, "
        f"CASE kind " + " ".join(f"WHEN '{k.value}' THEN {PRIORITY[k]}" for k in (AlertKind.attrition, AlertKind.outflow, AlertKind.inflow))
        + " END, json_object('tier', tier, 'amount', printf('%.2f', total / 100.0)), 'pending', ? FROM ("
        f" SELECT t.client_id, c.rm_id, c.tier, {kind} AS kind, {local_day} AS day, sum(t.amount) AS total, count(*) AS n,"
        f" max({threshold}) AS line FROM transactions t JOIN client c ON c.id = t.client_id"
        f" WHERE t.occurred_at >= ? AND t.occurred_at < ? AND c.rm_id IS NOT NULL AND t.amount < {threshold}"
        f" GROUP BY t.client_id, {local_day}, {kind}) WHERE n > 1 AND total >= line" + tail,
        (now, _utc(today - timedelta(days=1)), _utc(today + timedelta(days=1))),
    ))
    if balances:
        span = settings.movements.aum_drop_days
        keep_num, keep_den = (1 - settings.movements.aum_drop_share).as_integer_ratio()
        statements.append((
            head + "SELECT 'aum_drop:' || c.id || ':' || s1.as_of, 'aum_drop', c.id, c.rm_id, s1.as_of, ?, "
            "json_object('tier', c.tier, 'peak_fen', max(s0.aum), 'aum_fen', s1.aum), 'pending', ? "
            "FROM balance_snapshot s1 JOIN client c ON c.id = s1.client_id AND c.aum_as_of = s1.as_of "
            f"JOIN balance_snapshot s0 ON s0.client_id = s1.client_id AND s0.as_of < s1.as_of AND s0.as_of >= date(s1.as_of, '-{span} days') "
            f"WHERE s1.as_of >= ? AND s1.as_of <= ? AND c.rm_id IS NOT NULL AND s1.aum * {keep_den} <= s0.aum * {keep_num} "
            "GROUP BY c.id, s1.as_of" + tail,
            (PRIORITY[AlertKind.aum_drop], now, (today - timedelta(days=span)).isoformat(), today.isoformat()),
        ))
        t, kept = settings.tiers, settings.maintained
        fen = lambda v: int(v * 100)  # noqa: E731
        by_aum = (f"CASE WHEN aum >= {fen(t.private)} THEN 'private' WHEN aum >= {fen(t.wealth)} THEN 'wealth' "
                  f"WHEN aum >= {fen(t.premium)} THEN 'premium' WHEN aum >= {fen(t.basic)} AND NOT (birthday IS NOT NULL AND "
                  f"birthday <= '{today.replace(year=today.year - t.basic_max_age).isoformat()}') THEN 'basic' ELSE 'mass' END")
        levels = ", ".join(f"'{level}'" for level in kept.card_levels)
        maintained = (f"(card_spend_year >= {fen(kept.card_spend_year)} OR loans >= {fen(kept.personal_loans)} OR "
                      f"custody_margin >= {fen(kept.custody_margin)} OR card_level IN ({levels}))")
        implied = f"CASE WHEN {maintained} AND {by_aum} = 'mass' THEN '{kept.tier}' ELSE {by_aum} END"
        band = (f"(tier = 'private' AND aum < {fen(t.private)}) OR (tier = 'wealth' AND (aum < {fen(t.wealth)} OR aum >= {fen(t.private)})) "
                f"OR (tier = 'premium' AND (aum < {fen(t.premium)} OR aum >= {fen(t.wealth)})) "
                f"OR (tier = 'basic' AND (aum < {fen(t.basic)} OR aum >= {fen(t.premium)})) OR (tier = 'mass' AND aum >= {fen(t.basic)})")
        statements.append((
            head + f"SELECT 'tier_change:' || id || ':m{today:%Y-%m}:' || tier || '-' || implied, 'tier_change', id, rm_id, ?, ?, "
            "json_object('tier', tier, 'to', implied), 'pending', ? "
            f"FROM (SELECT id, rm_id, tier, {implied} AS implied FROM client WHERE ({band}) AND rm_id IS NOT NULL AND aum_as_of IS NOT NULL) "
            "WHERE implied != tier" + tail,
            (today.isoformat(), PRIORITY[AlertKind.tier_change], now),
        ))
    started = time.perf_counter()
    for sql, parameters in statements:
        connection.execute(sql, parameters)
    connection.commit()
    return time.perf_counter() - started


def _compare(connection: sqlite3.Connection) -> tuple[int, int]:
    """Alerts the scan wrote that the raw SQL did not, and the other way round."""
    missing = connection.execute("SELECT count(*) FROM (SELECT dedup_key FROM alert EXCEPT SELECT dedup_key FROM alert_raw)").fetchone()[0]
    extra = connection.execute("SELECT count(*) FROM (SELECT dedup_key FROM alert_raw EXCEPT SELECT dedup_key FROM alert)").fetchone()[0]
    return missing, extra


# --- the report --------------------------------------------------------------------------------


def _section(runs: list[ScanRun], raw: list[float], clients: int, path: Path, context: Context) -> str:
    after_import, daily, again = runs
    worst = max(run.wall for run in (daily, again))
    memory = max(run.anonymous_mb for run in runs)
    verdict = "pass" if worst <= SECONDS_TARGET and memory <= MEMORY_TARGET_MB else "**fail**"
    rows = [
        ("after a balances import (`--balances`), empty outbox", after_import, raw[0]),
        ("the next working day's scan (the daily one)", daily, raw[1]),
        ("the first day again, daily (everything already there)", again, None),
    ]
    table = ("| run | day | new alerts | wall (with start-up) | scan | peak anonymous memory | peak RSS | raw SQL | scan ÷ raw |\n"
             "|---|---|---|---|---|---|---|---|---|\n")
    for label, run, raw_seconds in rows:
        ratio = f"{run.scan / raw_seconds:.1f}×" if raw_seconds else "—"
        raw_text = f"{raw_seconds:.2f} s" if raw_seconds else "—"
        table += (f"| {label} | {run.day.isoformat()} | {run.created:,} | {run.wall:.2f} s | {run.scan:.2f} s | "
                  f"{run.anonymous_mb:,.0f} MiB | {run.peak_mb:,.0f} MiB | {raw_text} | {ratio} |\n")
    return f"""## Reminder scan

{__doc__.split(chr(10) + chr(10), 1)[1].strip()}

Target: the daily scan ≤ {SECONDS_TARGET:.0f} s, ≤ {MEMORY_TARGET_MB} MB, for {clients:,} clients — **{verdict}** (slowest daily wall
{worst:.2f} s with start-up; peak anonymous memory {memory:,.0f} MiB). The raw SQL found exactly the scan's alerts (dedup keys
compared both ways).

{table}
| | |
|---|---|
| bank | `{path.relative_to(context.root) if path.is_relative_to(context.root) else path}`, {clients:,} clients, transactions over the last 90 days, weekly balance snapshots |
| command | `rmbot --config bench/out/scan.toml remind scan --date D [--balances]` (the bot's default settings) |

{machine_table()}"""
