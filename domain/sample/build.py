"""Building the sample bank: plan the organisation, then generate and write clients chunk by chunk.

Everything goes through `domain.bulk.write_rows`, the importer's writer. On a fresh build the
secondary indexes of the four big tables are dropped first and recreated from the models at the
end (building an index once is much faster than growing it row by row), and SQLite skips syncing
to disk until the build is over.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, time
from time import perf_counter

import numpy as np
from sqlalchemy import Connection, Engine, Index, text
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.config import Settings
from domain import derived, name_parts
from domain.bulk import (
    BALANCE,
    CLIENT,
    INTERACTION,
    STAFF,
    TEAM,
    TRANSACTION,
    UNIT,
    TableSpec,
    write_rows,
)
from domain.models import ClientKind, Direction, Source
from domain.sample.clients import (
    CARD_LEVELS,
    CONTRIBUTIONS,
    CORP_SIZES,
    TIERS,
    VALUE_CLASSES,
    Clients,
    Thresholds,
    generate_clients,
)
from domain.sample.days import DAY, Columns, epoch_day, utc_instant, utc_offsets
from domain.sample.history import (
    INTERACTION_KINDS,
    Clock,
    History,
    cadence_days,
    generate_history,
)
from domain.sample.org import Organisation, plan_organisation

CHUNK_CLIENTS = 20_000
"""Part of what a seed means: the same seed, size and day give the same bank only with the same chunks."""

SAMPLE_CLIENT = TableSpec(
    CLIENT.table,
    (*CLIENT.columns, "last_contact_at", "last_contact_kind", "next_follow_up", "last_transaction_at"),
    CLIENT.key,
    keep=CLIENT.keep,
)
"""The importer's client columns plus the fields `domain.derived` keeps, generated consistently here."""

HISTORY_TABLES = ("client", "balance_snapshot", "transactions", "interaction")
_SEQUENCES = np.array([f"{i:03d}" for i in range(10_000)], dtype=object)


class BankNotEmpty(Exception):
    """The database already holds a bank; the sample refuses to mix with it."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        labels = {"client": "clients", "staff": "staff", "unit": "units"}
        held = ", ".join(f"{labels.get(table, table)}: {count:,}" for table, count in counts.items() if count)
        super().__init__(f"the database already holds a bank ({held})")


@dataclass
class SampleReport:
    clients: int
    seed: int
    today: date
    units: int = 0
    teams: int = 0
    staff: int = 0
    snapshots: int = 0
    transactions: int = 0
    interactions: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return (
            self.units + self.teams + self.staff + self.clients + self.snapshots + self.transactions + self.interactions
        )


def bank_tables() -> list[str]:
    """Every table of the models, children first (so deleting in this order respects foreign keys)."""
    return [table.name for table in reversed(SQLModel.metadata.sorted_tables)]


def bank_counts(connection: Connection) -> dict[str, int]:
    return {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in ("client", "staff", "unit")
    }


def empty_bank(connection: Connection) -> None:
    """Delete every row of the bank's tables (the schema and its revision stay)."""
    tables = bank_tables()
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            connection.execute(text(f"DELETE FROM {table}"))
    connection.commit()


def build_sample_bank(
    engine: Engine,
    settings: Settings,
    *,
    clients: int,
    today: date,
    seed: int = 7,
    replace: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SampleReport:
    """Write a deterministic sample bank of `clients` clients as of `today` into an empty database.

    Raises BankNotEmpty when the database already holds units, staff or clients, unless `replace`,
    which empties every table of the bank first.
    """
    if clients < 1:
        raise ValueError("a sample bank needs at least one client")
    started = perf_counter()
    report = SampleReport(clients=clients, seed=seed, today=today)
    with engine.connect() as connection:
        counts = bank_counts(connection)
        connection.commit()
        if any(counts.values()):
            if not replace:
                raise BankNotEmpty(counts)
            empty_bank(connection)
        with (
            _no_cyclic_gc(),
            _fast_sqlite(connection),
            _indexes_deferred(connection, HISTORY_TABLES, report),
            name_parts.triggers_suspended(connection),
        ):
            _Builder(connection, settings, seed=seed, today=today, report=report).run(progress)
            books = perf_counter()  # inside the fast settings: the join reads every snapshot once, unmapped
            derived.refresh_book(connection)
            derived.refresh_moved_books(connection)
            connection.commit()
            report.timings["books"] = perf_counter() - books
    report.seconds = perf_counter() - started
    return report


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Millions of row tuples hold no cycles; the cyclic collector would only rescan them, again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _fast_sqlite(connection: Connection) -> Iterator[None]:
    """No fsync, a big page cache and the rollback journal in memory while the build runs (a fresh
    bank that a crash would leave half-built is rebuilt with --replace anyway); the engine's own
    settings, WAL included, come back after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.commit()
    raw = connection.connection.driver_connection
    before = {
        name: raw.execute(f"PRAGMA {name}").fetchone()[0] for name in ("synchronous", "cache_size", "mmap_size", "journal_mode")
    }
    raw.execute("PRAGMA synchronous=OFF")
    raw.execute("PRAGMA cache_size=-262144")
    raw.execute("PRAGMA mmap_size=0")  # writes gain nothing from it, and mapped pages would count as the build's memory
    try:
        raw.execute("PRAGMA journal_mode=MEMORY")
    except sqlite3.OperationalError:  # another connection has the file open: WAL it stays
        del before["journal_mode"]
    try:
        yield
    finally:
        connection.commit()
        for name, value in before.items():
            raw.execute(f"PRAGMA {name}={value}")


@contextmanager
def _indexes_deferred(connection: Connection, tables: tuple[str, ...], report: SampleReport) -> Iterator[None]:
    """Drop the non-unique indexes of `tables` and build them again from the models afterwards, even on failure."""
    indexes: list[Index] = [
        index for name in tables for index in SQLModel.metadata.tables[name].indexes if not index.unique
    ]
    for index in indexes:
        index.drop(connection)
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        started = perf_counter()
        for index in indexes:
            index.create(connection, checkfirst=True)
        connection.commit()
        report.timings["indexes"] = perf_counter() - started


class _Builder:
    def __init__(
        self, connection: Connection, settings: Settings, *, seed: int, today: date, report: SampleReport
    ) -> None:
        self.connection = connection
        self.settings = settings
        self.seed = seed
        self.today = today
        self.report = report
        self.columns = Columns(connection.dialect.name)
        self.thresholds = Thresholds.of(settings)
        self.cadence = cadence_days(settings)
        first = epoch_day(today) - 1000
        self.clock = Clock(today, first, utc_offsets(settings.tz, first, 1000 + 400))
        self.timings = report.timings

    def run(self, progress: Callable[[int, int], None] | None) -> None:
        organisation = plan_organisation(self.report.clients, np.random.default_rng([self.seed, 0]))
        self._write_organisation(organisation)
        total = self.report.clients
        for chunk, start in enumerate(range(0, total, CHUNK_CLIENTS)):
            stop = min(start + CHUNK_CLIENTS, total)
            self._write_chunk(chunk, start, stop)
            if progress:
                progress(stop, total)

    def _timed(self, name: str, started: float) -> float:
        now = perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + now - started
        return now

    def _ids(self, table: str, key: str, values: list[str]) -> dict[str, int]:
        rows = self.connection.execute(
            text(f"SELECT {key}, id FROM {table} WHERE {key} IN ({', '.join(f':k{i}' for i in range(len(values)))})"),
            {f"k{i}": v for i, v in enumerate(values)},
        )
        return dict(rows.all())

    def _write_organisation(self, organisation: Organisation) -> None:
        c = self.columns
        unit_ids: dict[str, int] = {}
        paths: dict[str, str] = {}
        for level in ("head_office", "branch", "sub_branch", "outlet"):
            units = [u for u in organisation.units if u.kind == level]
            write_rows(
                self.connection,
                UNIT,
                [(u.code, u.name, str(u.kind), unit_ids.get(u.parent) if u.parent else None, "") for u in units],
            )
            unit_ids.update(self._ids("unit", "code", [u.code for u in units]))
            for u in units:
                paths[u.code] = (paths[u.parent] if u.parent else "/") + f"{unit_ids[u.code]}/"
        write_rows(
            self.connection,
            UNIT,
            [
                (u.code, u.name, str(u.kind), unit_ids[u.parent] if u.parent else None, paths[u.code])
                for u in organisation.units
            ],
        )
        write_rows(self.connection, TEAM, [(t.code, t.name, unit_ids[t.unit]) for t in organisation.teams])
        team_ids = self._ids("team", "code", [t.code for t in organisation.teams])
        joined = c.instants(np.array([(epoch_day(self.today) - 400) * DAY + 3600]))[0]
        write_rows(
            self.connection,
            STAFF,
            [
                (
                    s.employee_no,
                    s.name,
                    s.role,
                    unit_ids[s.unit],
                    team_ids.get(s.team) if s.team else None,
                    s.telegram_user_id,
                    "zh_CN" if s.telegram_user_id else None,
                    c.true,
                    joined,
                )
                for s in organisation.staff
            ],
        )
        staff_ids = self._ids("staff", "employee_no", [s.employee_no for s in organisation.staff])
        self.connection.commit()
        by_number = {s.employee_no: s for s in organisation.staff}
        self.rm_staff = np.array([staff_ids[e] for e in organisation.rms])
        self.rm_unit = np.array([unit_ids[by_number[e].unit] for e in organisation.rms])
        self.rm_lead = np.array(
            [staff_ids[organisation.lead_of_team[by_number[e].team]] for e in organisation.rms]  # type: ignore[index]
        )
        self.report.units, self.report.teams, self.report.staff = (
            len(organisation.units),
            len(organisation.teams),
            len(organisation.staff),
        )

    def _write_chunk(self, chunk: int, start: int, stop: int) -> None:
        started = perf_counter()
        clients = generate_clients(
            np.random.default_rng([self.seed, 1, chunk]),
            start,
            stop,
            today=self.today,
            thresholds=self.thresholds,
            rms=len(self.rm_staff),
        )
        history = generate_history(
            np.random.default_rng([self.seed, 2, chunk]),
            clients,
            clock=self.clock,
            thresholds=self.thresholds,
            cadence=self.cadence,
        )
        started = self._timed("generate", started)
        rows = self._client_rows(clients, history)
        started = self._timed("convert", started)
        write_rows(self.connection, SAMPLE_CLIENT, rows)
        started = self._timed("write client", started)
        ids = np.array(
            self.connection.execute(
                text("SELECT id FROM client WHERE client_no >= :first AND client_no <= :last ORDER BY client_no"),
                {"first": clients.client_no[0], "last": clients.client_no[-1]},
            )
            .scalars()
            .all()
        )
        for name, spec, make in (
            ("balance_snapshot", BALANCE, self._snapshot_rows),
            ("transactions", TRANSACTION, self._transaction_rows),
            ("interaction", INTERACTION, self._interaction_rows),
        ):
            rows = make(clients, history, ids)
            started = self._timed("convert", started)
            write_rows(self.connection, spec, rows)
            started = self._timed(f"write {name}", started)
        self.connection.commit()
        self._timed("commit", started)
        self.report.snapshots += len(history.snapshots.client)
        self.report.transactions += len(history.transactions.client)
        self.report.interactions += len(history.interactions.client)

    def _client_rows(self, k: Clients, history: History) -> list[tuple]:
        c, d = self.columns, history.derived
        n = len(k)
        personal = ~k.corporate
        corporate = k.corporate
        phone = k.phone.tolist()
        updated = c.natives.instant(utc_instant(self.today, time(6), self.settings.tz))
        columns = [
            k.client_no.tolist(),
            np.where(corporate, str(ClientKind.corporate), str(ClientKind.personal)).tolist(),
            k.name.tolist(),
            k.pinyin.tolist(),
            k.initials.tolist(),
            phone,
            [p[-4:] for p in phone],
            k.id_number.tolist(),
            c.optional(np.where(k.male, "M", "F").astype(object), personal),
            c.dates(k.birthday, personal),
            c.optional(k.birth_md, personal),
            c.optional(k.lunar_month, k.lunar),
            c.optional(k.lunar_day, k.lunar),
            c.booleans(k.lunar & k.lunar_leap),
            np.array(TIERS, dtype=object)[k.tier].tolist(),
            np.array(VALUE_CLASSES, dtype=object)[k.value_class].tolist(),
            c.optional(np.array(CORP_SIZES, dtype=object)[k.corp_size], corporate),
            c.optional(np.array(CONTRIBUTIONS, dtype=object)[k.contribution], corporate),
            k.industry.tolist(),
            np.array(CARD_LEVELS, dtype=object)[k.card].tolist(),
            k.aum.tolist(),
            k.deposits.tolist(),
            k.loans.tolist(),
            c.dates(np.full(n, d.aum_as_of)),
            k.card_spend.tolist(),
            k.margin.tolist(),
            k.credit_target.tolist(),
            c.optional(k.total_assets, corporate & (k.total_assets > 0)),
            c.optional(k.capital, corporate),
            k.bad_credit.tolist(),
            k.products.tolist(),
            self.rm_staff[k.rm].tolist(),
            self.rm_staff[k.original_rm].tolist(),
            self.rm_unit[k.rm].tolist(),
            c.booleans(k.lost_contact),
            k.tags.tolist(),
            [""] * n,
            c.instants(k.created_at),
            [updated] * n,
            c.instants(d.last_contact, d.contacted),
            c.optional(d.last_kind, d.contacted),
            c.dates(d.next_follow_up, d.has_follow_up),
            c.instants(d.last_transaction, d.transacted),
        ]
        return list(zip(*columns, strict=True))

    def _snapshot_rows(self, k: Clients, history: History, ids: np.ndarray) -> list[tuple]:
        s = history.snapshots
        return list(
            zip(
                ids[s.client].tolist(),
                self.columns.dates(s.as_of),
                s.aum.tolist(),
                s.deposits.tolist(),
                s.loans.tolist(),
                strict=True,
            )
        )

    def _transaction_rows(self, k: Clients, history: History, ids: np.ndarray) -> list[tuple]:
        t, c = history.transactions, self.columns
        prefix = np.array([f"smp-t-{number}-" for number in k.client_no.tolist()], dtype=object)
        return list(
            zip(
                (prefix[t.client] + _SEQUENCES[t.sequence]).tolist(),
                ids[t.client].tolist(),
                c.instants(t.occurred),
                t.amount.tolist(),
                np.where(t.inflow, str(Direction.inflow), str(Direction.outflow)).tolist(),
                t.channel.tolist(),
                t.bank.tolist(),
                c.booleans(t.other_bank),
                t.description.tolist(),
                strict=True,
            )
        )

    def _interaction_rows(self, k: Clients, history: History, ids: np.ndarray) -> list[tuple]:
        i, c = history.interactions, self.columns
        prefix = np.array([f"smp-i-{number}-" for number in k.client_no.tolist()], dtype=object)
        rm = k.rm[i.client]
        staff = np.where(i.by_lead, self.rm_lead[rm], self.rm_staff[rm])
        n = len(i.client)
        return list(
            zip(
                (prefix[i.client] + _SEQUENCES[i.sequence]).tolist(),
                ids[i.client].tolist(),
                staff.tolist(),
                np.array(INTERACTION_KINDS, dtype=object)[i.kind].tolist(),
                c.instants(i.occurred),
                i.participants.tolist(),
                i.note.tolist(),
                i.pitched.tolist(),
                i.outcome.tolist(),
                c.optional(i.expenses, i.has_expenses),
                i.next_step.tolist(),
                c.dates(i.next_date, i.has_next_date),
                [str(Source.sample)] * n,
                c.instants(i.created),
                strict=True,
            )
        )
