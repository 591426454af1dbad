"""What every kind of import shares: the context, row parsing, reference lookups, stored rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from sqlalchemy import Connection, bindparam, text

from domain.bulk import Natives, TableSpec
from domain.importing.columns import Column, ColumnMap
from domain.importing.errors import Problem, Reject
from domain.importing.parsing import Invalid
from domain.importing.readers import Row
from domain.importing.writer import Writer

if TYPE_CHECKING:
    from bot.config import Settings

IN_BATCH = 1000
"""Keys per `IN (…)` query: well under every database's limit on bound parameters."""

NULL_MARKERS = frozenset({"NULL", "null", "Null", "None", "N/A", "n/a", "#N/A", "\\N"})
"""How database and spreadsheet exports write an empty cell; read as empty."""


@dataclass
class Context:
    db: Connection
    """The import's reading connection: use `connection`, which first lets a write in flight on it end."""
    writes: Writer
    """Where the rows go, in order, in the import's one transaction (see `domain.importing.writer`)."""
    columns: ColumnMap
    settings: Settings
    natives: Natives
    zone: tzinfo
    today: date
    now: datetime
    """Naive UTC: when rows created by this import say they were created."""
    skip_invalid: bool = False
    """Write the valid rows even when others are rejected (else the import is all or nothing)."""
    rejected: bool = False
    """Some row was rejected already."""

    @property
    def connection(self) -> Connection:
        """For reading what was stored before the import (rows of other tables, or rows this file
        has not written: a file names each key once)."""
        self.writes.wait()
        return self.db

    def apply(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(connection, *args)` in the import's transaction, after the rows written before."""
        return self.writes.call(function, *args)

    def should_write(self, chunk_rejected: bool) -> bool:
        """An all-or-nothing import stops writing at the first invalid row, but goes on validating."""
        return self.skip_invalid or not (self.rejected or chunk_rejected)


@dataclass
class Outcome:
    written: int = 0
    """Rows new or changed."""
    rejects: list[tuple[Row, Reject]] | None = None


class Loader(Protocol):
    """One kind of file: `load` each chunk, then `finish` (rows kept to the end, derived fields)."""

    def load(self, chunk: list[Row]) -> Outcome: ...

    def finish(self) -> Outcome: ...


class RowInvalid(Exception):
    """A row that parsed but cannot be used (unknown reference, duplicate key…)."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.problem = Problem(column, reason)


class RowParser:
    """Turns a row's cells into one value per kind column (None for an empty cell or absent column)."""

    def __init__(self, columns: ColumnMap, kind_columns: Sequence[Column], parsers: dict[str, Callable[[str], Any]]) -> None:
        self.width = len(columns.header)
        self.plan = [
            (columns.index.get(c.name), parsers[c.name], c.required, columns.title(c.name)) for c in kind_columns
        ]

    def parse_chunk(self, rows: list[list[str]]) -> list[list[Any]] | None:
        """The values of every row, a list per kind column, parsed a column at a time (the fast path
        for clean files); None when some row has a problem, for `parse` to find them row by row."""
        if set(map(len, rows)) != {self.width}:
            return None
        columns = list(zip(*rows))
        parsed: list[list[Any]] = []
        try:
            for index, parse, required, _ in self.plan:
                if index is None:
                    parsed.append([None] * len(rows))
                    continue
                cells = list(map(str.strip, columns[index]))
                if not NULL_MARKERS.isdisjoint(cells):
                    cells = ["" if cell in NULL_MARKERS else cell for cell in cells]
                if all(cells):
                    if parse is str:
                        parsed.append(cells)
                    elif hasattr(parse, "column"):
                        parsed.append(parse.column(cells))
                    else:
                        parsed.append(list(map(parse, cells)))
                elif required:
                    return None
                else:
                    parsed.append([parse(cell) if cell else None for cell in cells])
        except Invalid:
            return None
        return parsed

    def parse(self, cells: list[str]) -> tuple[list[Any], list[Problem] | None]:
        width = self.width
        if len(cells) != width:
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                extra = Problem("", f"the row has {len(cells)} values but the header has {width} columns "
                                    "(a comma inside a value that is not quoted?)")
                return [], [extra]
            cells = (cells + [""] * width)[:width]
        values: list[Any] = []
        append = values.append
        problems: list[Problem] | None = None
        for index, parse, required, title in self.plan:
            if index is None:
                append(None)
                continue
            cell = cells[index].strip()
            if not cell or cell in NULL_MARKERS:
                if required:
                    problems = (problems or []) + [Problem(title, "empty, but this column is required")]
                append(None)
                continue
            try:
                append(parse(cell))
            except Invalid as exc:
                problems = (problems or []) + [Problem(title, str(exc))]
                append(None)
        return values, problems


class Lookup:
    """Natural key → stored id (or tuple of values), fetched a chunk at a time with `IN` queries."""

    def __init__(self, context: Context, table: str, key: str, values: str = "id", *, limit: int = 2_000_000) -> None:
        self.context = context
        self.single = "," not in values
        self.sql = text(f"SELECT {key}, {values} FROM {table} WHERE {key} IN :keys").bindparams(
            bindparam("keys", expanding=True)
        )
        self.limit = limit
        self.found: dict[str, Any] = {}

    def fetch(self, keys: Iterable[str | None]) -> None:
        found = self.found
        wanted = set(keys)
        wanted.discard(None)
        missing = list(wanted - found.keys())
        if not missing:
            return
        if len(found) + len(missing) > self.limit:
            found.clear()
        for start in range(0, len(missing), IN_BATCH):
            for row in self.context.connection.execute(self.sql, {"keys": missing[start:start + IN_BATCH]}):
                found[row[0]] = row[1] if self.single else tuple(row[1:])
        for key in missing:
            found.setdefault(key, None)

    def get(self, key: str | None) -> Any:
        return None if key is None else self.found.get(key)


def stored_rows(
    connection: Connection, spec: TableSpec, columns: Sequence[str], keys: Iterable[Any]
) -> dict[Any, tuple]:
    """Stored values (as the database holds them) of `columns`, by key, for the rows with these keys.

    A one-column key is given and returned as a scalar, a longer key as a tuple; the query selects on
    the key's first column.
    """
    composite = len(spec.key) > 1
    firsts = list({k[0] for k in keys} if composite else set(keys))
    selected = ", ".join((*spec.key, *columns))
    sql = text(f"SELECT {selected} FROM {spec.table} WHERE {spec.key[0]} IN :keys").bindparams(
        bindparam("keys", expanding=True)
    )
    width = len(spec.key)
    found: dict[Any, tuple] = {}
    for start in range(0, len(firsts), IN_BATCH):
        for row in connection.execute(sql, {"keys": firsts[start:start + IN_BATCH]}):
            found[tuple(row[:width]) if composite else row[0]] = tuple(row[width:])
    return found


class ChunkLoader:
    """A kind whose rows are parsed, checked, resolved and written one chunk at a time.

    Subclasses give the columns, parsers and table; `resolve` looks up what each chunk refers to;
    `build` turns parsed values into the row to write and its natural key, or raises RowInvalid.
    Columns absent from the file keep their stored values on rows that already exist.
    """

    columns: Sequence[Column]
    spec: TableSpec
    optional: tuple[str, ...] = ()
    """Table columns a file may leave out: existing rows then keep their stored values."""
    given_by: ClassVar[dict[str, tuple[str, ...]]] = {}
    """Table columns each file column sets (by default a column sets the table column of its name)."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self.natives = context.natives
        self.parser = RowParser(context.columns, self.columns, self.parsers())
        self.seen: dict[Any, int] = {}
        self.since: Any = None
        self.key_title = context.columns.title(self.columns[0].name)
        given = set()
        for column in self.columns:
            if column.name in context.columns:
                given.update(self.given_by.get(column.name, (column.name,)))
        self.kept = tuple(c for c in self.spec.update if c not in given and c in self.optional)
        self.kept_positions = tuple(self.spec.columns.index(c) for c in self.kept)

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        raise NotImplementedError

    def resolve(self, columns: list[Sequence[Any]]) -> None:
        """Fetch the references the chunk's rows name (values by kind column), one query per kind."""

    def build(self, values: Sequence[Any]) -> tuple[tuple, Any]:
        raise NotImplementedError

    def build_columns(self, columns: list[Sequence[Any]]) -> tuple[list[tuple], list[Any]] | None:
        """Rows and keys of a whole clean chunk at once, or None to build them one by one.

        Kinds with files of millions of rows implement it; it must leave no trace when it gives up.
        """
        return None

    def duplicate(self, key: Any, first_line: int) -> str:
        """Why a second row with the same key is refused."""
        return f"{key} is already on line {first_line}"

    def load(self, chunk: list[Row]) -> Outcome:
        columns = self.parser.parse_chunk([row[1] for row in chunk])
        if columns is not None:
            self.resolve(columns)
            built = self.build_columns(columns)
            if built is not None and self._new_keys(built[1], chunk):
                rows, keys = built
                return Outcome(self.write(rows, keys) if self.context.should_write(False) else 0)
            return self._load_rows(list(zip(chunk, zip(*columns))), [])
        rejects: list[tuple[Row, Reject]] = []
        parsed: list[tuple[Row, Any]] = []
        for row in chunk:
            values, problems = self.parser.parse(row[1])
            if problems:
                rejects.append((row, Reject(row[0], tuple(problems))))
            else:
                parsed.append((row, values))
        if parsed:
            self.resolve(list(zip(*(values for _, values in parsed))))
        return self._load_rows(parsed, rejects)

    def _new_keys(self, keys: list[Any], chunk: list[Row]) -> bool:
        """Record the chunk's keys if none repeats (in the chunk or earlier in the file)."""
        seen = self.seen
        if not seen.keys().isdisjoint(keys):
            return False
        before = len(seen)
        seen.update(zip(keys, (row[0] for row in chunk)))
        if len(seen) != before + len(keys):  # a key repeats within the chunk: forget the chunk's keys
            for key in keys:
                seen.pop(key, None)
            return False
        return True

    def _load_rows(self, parsed: list[tuple[Row, Any]], rejects: list[tuple[Row, Reject]]) -> Outcome:
        rows: list[tuple] = []
        keys: list[Any] = []
        seen = self.seen
        build = self.build
        for row, values in parsed:
            line = row[0]
            try:
                built, key = build(values)
            except RowInvalid as exc:
                rejects.append((row, Reject(line, (exc.problem,))))
                continue
            first = seen.setdefault(key, line)
            if first != line:
                rejects.append((row, Reject(line, (Problem(self.key_title, self.duplicate(key, first)),))))
                continue
            rows.append(built)
            keys.append(key)
        written = self.write(rows, keys) if rows and self.context.should_write(bool(rejects)) else 0
        rejects.sort(key=lambda rejected: rejected[1].line)
        return Outcome(written, rejects)

    def write(self, rows: list[tuple], keys: list[Any]) -> int:
        """Upsert the rows, keeping the stored values of columns the file lacks, on the writer thread:
        returns 0, the rows written are counted in `context.writes.written`."""
        if self.kept:
            self._keep_stored(rows, keys)
        self.context.writes.submit(self.spec, rows)
        return 0

    def _keep_stored(self, rows: list[tuple], keys: list[Any]) -> None:
        stored = stored_rows(self.context.connection, self.spec, self.kept, keys)
        if not stored:
            return
        positions = self.kept_positions
        for i, key in enumerate(keys):
            old = stored.get(key)
            if old is not None:
                row = list(rows[i])
                for position, value in zip(positions, old):
                    row[position] = value
                rows[i] = tuple(row)

    def finish(self) -> Outcome:
        """Refresh what depends on the rows written (derived client fields)."""
        return Outcome()
