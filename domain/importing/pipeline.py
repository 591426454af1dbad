"""`import_file`: one file, streamed in chunks, validated, upserted and reported, in one transaction."""

from __future__ import annotations

import csv
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from domain.bulk import Natives
from domain.importing.base import Context, Loader, Outcome
from domain.importing.columns import COLUMNS, match_columns
from domain.importing.errors import ImportRefused, ImportReport, Reject
from domain.importing.kinds import (
    BalanceLoader,
    ClientLoader,
    InteractionLoader,
    StaffLoader,
    TransactionLoader,
)
from domain.importing.readers import Row, TableReader, open_table
from domain.importing.units import UnitLoader
from domain.importing.writer import (
    ProcessWriter,
    ThreadWriter,
    WriteFailed,
    Writer,
    can_fork,
    restore,
    tune_for_bulk,
)

if TYPE_CHECKING:
    from bot.config import Settings

KINDS = ("units", "staff", "clients", "balances", "transactions", "interactions")
LOADERS: dict[str, Callable[[Context], Loader]] = {
    "units": UnitLoader,
    "staff": StaffLoader,
    "clients": ClientLoader,
    "balances": BalanceLoader,
    "transactions": TransactionLoader,
    "interactions": InteractionLoader,
}

Progress = Callable[[int, int], None]
"""Called after each chunk with (done, total) in the reader's units (bytes, or rows of a workbook)."""


def default_rejects_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.csv")


def check_request(kind: str, path: Path, settings: Settings) -> None:
    """Refuse at once what needs no database: an unknown kind, a missing, empty or oversized file."""
    _check_kind(kind)
    open_table(path, max_bytes=_max_bytes(settings)).close()


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ImportRefused(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}")


def _max_bytes(settings: Settings) -> int:
    return settings.imports.max_file_mb * 1024 * 1024


def import_file(
    engine: Engine,
    kind: str,
    path: Path,
    *,
    settings: Settings,
    dry_run: bool = False,
    skip_invalid: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    keep_rejects: int = 100,
    now: datetime | None = None,
) -> ImportReport:
    """Import `path` as `kind`: upsert by natural key, then refresh the clients' derived fields.

    All or nothing unless `skip_invalid`: one invalid row and nothing is committed. Every invalid
    row goes to the rejects file (`<file>.rejects.csv` unless `rejects_path`); the report keeps
    the first `keep_rejects`. A dry run does everything, then rolls back. Raises ImportRefused
    when the file as a whole cannot be imported; the database is then left as it was.
    """
    _check_kind(kind)
    started = perf_counter()
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    report = ImportReport(kind=kind, path=path, dry_run=dry_run)
    with open_table(path, max_bytes=_max_bytes(settings)) as table:
        columns = match_columns(table.header, COLUMNS[kind], kind)
        report.ignored_columns = columns.ignored
        report.format = table.description
        rejects = RejectsFile(rejects_path or default_rejects_path(path), table.header, report, keep_rejects)
        separate = settings.imports.writer_process and kind != "units" and can_fork(engine)
        report.writer = "process" if separate else "thread"
        writer: Writer | None = None
        try:
            writer = ProcessWriter(engine) if separate else None  # forked before we open a connection
            with engine.connect() as connection, _tuned_for_bulk(connection):
                if writer is not None:
                    writer.attach(connection)
                writes = writer or ThreadWriter(connection)
                context = Context(
                    db=connection,
                    writes=writes,
                    columns=columns,
                    settings=settings,
                    natives=Natives.for_dialect(connection.dialect.name),
                    zone=settings.tz,
                    today=moment.replace(tzinfo=UTC).astimezone(settings.tz).date(),
                    now=moment,
                    skip_invalid=skip_invalid,
                )
                try:
                    _load(context, LOADERS[kind](context), table, report, rejects, progress)
                finally:
                    writes.close()  # before the connection goes back: a write in flight ends first
        except (SQLAlchemyError, WriteFailed, _driver_errors(engine)) as exc:
            raise ImportRefused(f"database error, nothing was imported: {_first_line(exc)}") from exc
        finally:
            if writer is not None:
                writer.close()
            rejects.close()
    report.seconds = perf_counter() - started
    return report


def _load(
    context: Context,
    loader: Loader,
    table: TableReader,
    report: ImportReport,
    rejects: RejectsFile,
    progress: Progress | None,
) -> None:
    """Every chunk, then the loader's finish, in one transaction: committed only when nothing was
    rejected (or invalid rows are skipped) and this is no dry run."""
    for chunk in table.chunks(context.settings.imports.chunk_rows):
        report.rows_read += len(chunk)
        _record(loader.load(chunk), report, rejects, context)
        if progress is not None:
            progress(table.position, table.size)
    if report.rows_read == 0:
        raise ImportRefused(f"{table.path.name} has a header but no data rows")
    _record(loader.finish(), report, rejects, context)
    complete = context.should_write(False)
    commit = complete and not report.dry_run
    written = context.writes.end(commit)
    report.written = report.written + written if complete else 0
    report.committed = commit


@contextmanager
def _tuned_for_bulk(connection: Connection) -> Iterator[None]:
    """For the length of an import: no cyclic garbage collection, and SQLite tuned for it
    (`domain.importing.writer.BULK_PRAGMAS`).

    The rows hold no reference cycles, but each chunk allocates thousands of containers, and the
    collector would keep rescanning everything alive.
    """
    collecting = gc.isenabled()
    gc.disable()
    saved = tune_for_bulk(connection)
    try:
        yield
    finally:
        restore(connection, saved)
        if collecting:
            gc.enable()


def _record(outcome: Outcome, report: ImportReport, rejects: RejectsFile, context: Context) -> None:
    report.written += outcome.written
    if outcome.rejects:
        context.rejected = True
        for row, reject in outcome.rejects:
            rejects.add(row, reject)


def _driver_errors(engine: Engine) -> type[BaseException]:
    """The database driver's own errors: `domain.bulk` writes through the driver's cursor."""
    return getattr(engine.dialect.dbapi, "Error", SQLAlchemyError)


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


class RejectsFile:
    """Every rejected row, as the file had it plus `line`, `column` and `reason`, in a CSV opened
    at the first one (UTF-8 with BOM, so Excel shows the Chinese right)."""

    def __init__(self, path: Path, header: list[str], report: ImportReport, keep: int) -> None:
        self.path = path
        self.header = header
        self.report = report
        self.keep = keep
        self.file: TextIO | None = None
        self.writer: Any = None

    def add(self, row: Row, reject: Reject) -> None:
        report = self.report
        report.rejected += 1
        if len(report.rejects) < self.keep:
            report.rejects.append(reject)
        if self.writer is None:
            self._open()
        self.writer.writerow([*row[1], reject.line, reject.column, reject.reason])

    def _open(self) -> None:
        try:
            self.file = self.path.open("w", encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise ImportRefused(f"cannot write the rejects file {self.path} ({exc.strerror}): choose another with --rejects") from None
        self.writer = csv.writer(self.file)
        self.writer.writerow([*self.header, "line", "column", "reason"])
        self.report.rejects_path = self.path

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
