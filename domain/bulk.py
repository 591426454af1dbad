"""Set-based upserts by natural key, shared by `rmbot import` and the sample bank.

Callers hand over rows of database-native values (money in fen, instants as naive UTC, see
`Natives`) that have already passed validation; this module only writes them, as fast as each
database allows: multi-row `INSERT … VALUES … ON CONFLICT` on SQLite, `COPY` into a temporary
table and one `MERGE` (before PostgreSQL 15, `INSERT … SELECT … ON CONFLICT`) on PostgreSQL. A
row whose values equal what is stored is not rewritten, so importing the same file twice changes
nothing.
"""

from __future__ import annotations

import io
import itertools
import sqlite3
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection


@dataclass(frozen=True)
class TableSpec:
    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    keep: tuple[str, ...] = ()
    """Columns written on insert but left alone when the row already exists."""
    cluster: str | None = None
    """The column leading the index whose entries a file's rows scatter most (a client's, in a
    file in time order): an import writes each window of rows sorted by it (see
    `domain.importing.writer.Window`)."""
    update: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        skip = set(self.key) | set(self.keep)
        object.__setattr__(self, "update", tuple(c for c in self.columns if c not in skip))


UNIT = TableSpec("unit", ("code", "name", "kind", "parent_id", "path"), ("code",))
TEAM = TableSpec("team", ("code", "name", "unit_id"), ("code",))
STAFF = TableSpec(
    "staff",
    ("employee_no", "name", "role", "unit_id", "team_id", "telegram_user_id", "locale", "active", "created_at"),
    ("employee_no",),
    keep=("telegram_user_id", "locale", "created_at"),
)
CLIENT = TableSpec(
    "client",
    (
        "client_no", "kind", "name", "name_pinyin", "name_initials", "phone", "phone_last4",
        "id_number", "gender", "birthday", "birth_md", "lunar_birth_month", "lunar_birth_day",
        "lunar_birth_leap", "tier", "value_class", "corp_size", "corp_contribution", "industry",
        "card_level", "aum", "deposits", "loans", "aum_as_of", "card_spend_year", "custody_margin",
        "credit_target", "total_assets", "registered_capital", "bad_credit_records", "products",
        "rm_id", "original_rm_id", "unit_id", "lost_contact", "tags", "notes", "created_at",
        "updated_at",
    ),
    ("client_no",),
    keep=("original_rm_id", "aum_as_of", "created_at", "updated_at"),
)
BALANCE = TableSpec(
    "balance_snapshot", ("client_id", "as_of", "aum", "deposits", "loans"), ("client_id", "as_of"), cluster="client_id"
)
TRANSACTION = TableSpec(
    "transactions",
    ("external_id", "client_id", "occurred_at", "amount", "direction", "channel", "counterparty_bank", "other_bank", "description"),
    ("external_id",),
    cluster="client_id",
)
INTERACTION = TableSpec(
    "interaction",
    (
        "external_id", "client_id", "staff_id", "kind", "occurred_at", "participants", "note",
        "products_pitched", "outcome", "expenses", "next_step", "next_date", "source", "created_at",
    ),
    ("external_id",),
    keep=("created_at",),
    cluster="client_id",
)

@dataclass(frozen=True)
class Natives:
    """How Python values become what the database driver stores for our column types."""

    date: Callable[[date | None], object]
    instant: Callable[[datetime | None], object]
    boolean: Callable[[bool], object]
    instants: Callable[[Sequence[datetime]], Sequence[object]] = lambda ts: ts
    """`instant` of a whole column without an empty cell (one call for thousands of values)."""

    @classmethod
    def for_dialect(cls, name: str) -> Natives:
        if name == "sqlite":
            return cls(
                date=lambda d: None if d is None else d.isoformat(),
                instant=lambda t: None if t is None else t.isoformat(" ", "microseconds"),  # as SQLAlchemy stores it
                boolean=int,
                instants=lambda ts: [t.isoformat(" ", "microseconds") for t in ts],
            )
        return cls(date=lambda d: d, instant=lambda t: t, boolean=bool)


@dataclass(frozen=True)
class CopyData:
    """Rows already in PostgreSQL's binary `COPY` format, with its signature and trailer.

    An import's writer process is its bottleneck; the importing process formats the rows (see
    `prepare_rows`) and hands over one byte string, which costs nothing to pass and little to send.
    """

    data: bytes
    rows: int

    def __len__(self) -> int:
        return self.rows


def prepare_rows(connection: Connection, spec: TableSpec, rows: Sequence[tuple]) -> Sequence[tuple] | CopyData:
    """`rows` as `write_rows` on another connection to the same database takes them fastest: on
    PostgreSQL formatted for `COPY` here, elsewhere as they are."""
    if connection.dialect.name != "postgresql" or not rows:
        return rows
    from psycopg import Copy
    from psycopg.copy import FileWriter

    types = _column_types(connection, spec)
    buffer = io.BytesIO()
    cursor = connection.connection.driver_connection.cursor()
    try:
        with Copy(cursor, binary=True, writer=FileWriter(buffer)) as copy:
            copy.set_types(types)  # binary: a third of the time of text, which formats every value
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()
    return CopyData(buffer.getvalue(), len(rows))


def _column_types(connection: Connection, spec: TableSpec) -> list[int]:
    """The type oids of `spec.columns` in the table, asked once per connection and spec."""
    cache = connection.connection.info.setdefault("rmbot_column_types", {})
    types = cache.get(spec)
    if types is None:
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0", (spec.table,)
            )
            oids = dict(cursor.fetchall())
        finally:
            cursor.close()
        types = cache[spec] = [oids[column] for column in spec.columns]
    return types


def write_rows(connection: Connection, spec: TableSpec, rows: Sequence[tuple] | CopyData) -> int:
    """Upsert `rows` (in `spec.columns` order, no duplicate keys, or `CopyData` of them on
    PostgreSQL); returns how many were new or changed."""
    if not len(rows):
        return 0
    if connection.dialect.name == "postgresql":
        return _write_postgresql(connection, spec, rows)
    return _write_sqlite(connection, spec, rows)


def _conflict_clause(spec: TableSpec, excluded: str) -> str:
    if not spec.update:
        return f"ON CONFLICT ({', '.join(spec.key)}) DO NOTHING"
    sets = ", ".join(f"{c} = {excluded}.{c}" for c in spec.update)
    return f"ON CONFLICT ({', '.join(spec.key)}) DO UPDATE SET {sets} WHERE {_changed(spec, excluded)}"


def _changed(spec: TableSpec, excluded: str) -> str:
    if excluded == "excluded":  # SQLite: `IS NOT` is its null-safe inequality
        return " OR ".join(f"{spec.table}.{c} IS NOT excluded.{c}" for c in spec.update)
    mine = ", ".join(f"{spec.table}.{c}" for c in spec.update)
    theirs = ", ".join(f"EXCLUDED.{c}" for c in spec.update)
    return f"({mine}) IS DISTINCT FROM ({theirs})"


SQLITE_VARIABLES = 32_766
"""Bound parameters per statement at most: SQLite's default limit since 3.32 (`getlimit` tells a build's own)."""


def _write_sqlite(connection: Connection, spec: TableSpec, rows: Sequence[tuple]) -> int:
    """Upsert the rows with multi-row `INSERT … VALUES (…), (…) … ON CONFLICT`, thousands a statement.

    About half the time of staging them in a temporary table first (no table to create, fill
    row by row and drop), and unlike an `executemany` of a one-row upsert, SQLite does not seek
    every index afresh for each row.
    """
    driver = connection.connection.driver_connection
    width = len(spec.columns)
    per_statement = max(1, min(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), SQLITE_VARIABLES) // width)
    head = f"INSERT INTO {spec.table} ({', '.join(spec.columns)}) VALUES "
    tail = f" {_conflict_clause(spec, 'excluded')}"
    row = "(" + ", ".join("?" * width) + ")"
    written = 0
    cursor = driver.cursor()
    try:
        for start in range(0, len(rows), per_statement):
            batch = rows[start:start + per_statement]
            cursor.execute(head + ", ".join([row] * len(batch)) + tail, list(itertools.chain.from_iterable(batch)))
            written += max(cursor.rowcount, 0)
    finally:
        cursor.close()
    return written


def _write_postgresql(connection: Connection, spec: TableSpec, rows: Sequence[tuple] | CopyData) -> int:
    """`COPY` the rows (binary) into a temporary table, then upsert them in one statement.

    On PostgreSQL 15 and later the statement is a `MERGE`: it joins the staged rows to the table
    once, where `INSERT … ON CONFLICT` inserts each row speculatively and checks its key again
    (measured: about 6 % less time for a million new transactions). Unlike `ON CONFLICT`, a
    `MERGE` does not wait for another transaction inserting the same key, so bulk writers of a
    table take turns: each holds an advisory lock on the table until it commits. The bot itself never inserts a key an import
    brings (its contacts are keyed `bot-<uuid>`).
    """
    columns = ", ".join(spec.columns)
    stage = f"_stage_{spec.table}_{zlib.crc32(columns.encode()):08x}"  # specs of one table differ in columns
    driver = connection.connection.driver_connection
    if not isinstance(rows, CopyData):
        rows = prepare_rows(connection, spec, rows)  # formatted before the connection starts copying
    cursor = driver.cursor()
    try:
        # one staging table for the transaction, emptied after each use (creating and dropping one
        # for every chunk was a thirtieth of an import)
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS SELECT {columns} FROM {spec.table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(rows.data)  # the whole binary stream, signature and trailer included
        if driver.info.server_version >= 150000:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s)), current_setting('enable_hashjoin'), "
                "current_setting('enable_mergejoin')",
                (ADVISORY_CLASS, spec.table),
            )
            joins = cursor.fetchone()[1:]
            cursor.execute(_JOINS, ("off", "off"))
            cursor.execute(_merge(spec, stage))
            written = max(cursor.rowcount, 0)
            cursor.execute(_JOINS, joins)  # a failed MERGE aborts the transaction, and the settings with it
        else:
            cursor.execute(
                f"INSERT INTO {spec.table} ({columns}) SELECT {columns} FROM {stage} {_conflict_clause(spec, 'EXCLUDED')}"
            )
            written = max(cursor.rowcount, 0)
        cursor.execute(f"TRUNCATE {stage}")
        return written
    finally:
        cursor.close()


_JOINS = "SELECT set_config('enable_hashjoin', %s, true), set_config('enable_mergejoin', %s, true)"
"""The `MERGE` joins its staged rows to the table by the key's index, row by row: the planner,
going by statistics that do not yet count the rows this import added, would otherwise hash the
whole table for every chunk (measured on a million transactions: 20 s of `MERGE` against 9 s)."""

ADVISORY_CLASS = 0x726D  # "rm": the first key of rmbot's advisory locks, the table's name the second


def _merge(spec: TableSpec, stage: str) -> str:
    """Insert the staged rows that are new, update those that differ from what is stored."""
    on = " AND ".join(f"t.{c} = s.{c}" for c in spec.key)
    insert = (
        f"WHEN NOT MATCHED THEN INSERT ({', '.join(spec.columns)}) VALUES ({', '.join(f's.{c}' for c in spec.columns)})"
    )
    if not spec.update:
        return f"MERGE INTO {spec.table} AS t USING {stage} AS s ON {on} {insert}"
    mine = ", ".join(f"t.{c}" for c in spec.update)
    theirs = ", ".join(f"s.{c}" for c in spec.update)
    sets = ", ".join(f"{c} = s.{c}" for c in spec.update)
    return (
        f"MERGE INTO {spec.table} AS t USING {stage} AS s ON {on} "
        f"WHEN MATCHED AND ({mine}) IS DISTINCT FROM ({theirs}) THEN UPDATE SET {sets} {insert}"
    )
