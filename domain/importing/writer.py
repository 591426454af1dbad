"""Where an import's writes run: on a thread of the importing process, or in a process of their own.

Reading and checking a file is Python; so is handing its rows to the database driver. On a thread,
the two take turns holding the interpreter's lock, and a million-row file took about the time of
both. A writer process forked for the import has its own interpreter: it holds the import's
transaction and does nothing but write, while the importing process reads and checks the next
chunk on the other core. Both writers keep the order of what they are given, so a loader's
`finish` statements see every row written before them, and one transaction holds it all.

The process writer needs `fork` (Linux) and an engine with no connection open in this process:
SQLite must not see a connection it did not open itself carried into a child, and the child must
never close one of ours (PostgreSQL would end our session). Where either does not hold, the
thread writer is used; the import is the same, only slower.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import pickle
import queue
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from multiprocessing.connection import Connection as Pipe
from multiprocessing.reduction import ForkingPickler
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from domain.bulk import TableSpec, prepare_rows, write_rows

SQLITE_CACHE_KIB = 64 * 1024
"""The writing connection's page cache during an import: it holds the indexes being updated."""

STOP_SECONDS = 60
"""How long a writer process is given to roll back and stop before it is killed."""

SENDS_AHEAD = 2
"""Messages (windows of rows, mostly) waiting for the writer process at most (see `Outbox`)."""

WINDOW_ROWS = 20_000
"""Rows of a table gathered before they are written, sorted by its cluster column (see `Window`)."""


class WriteFailed(Exception):
    """The writer's statement failed; the message is the database's own first line."""


class Writer(Protocol):
    written: int
    """Rows new or changed, of the writes finished so far."""

    def submit(self, spec: TableSpec, rows: list[tuple]) -> None:
        """Upsert `rows` after everything submitted before them (returns before they are written)."""

    def wait(self) -> None:
        """Until the importing process's own connection may be used for reading (raises a failed write)."""

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(connection, *args)` on the writing connection, after the writes before it."""

    def end(self, commit: bool) -> int:
        """Commit (or roll back) everything; returns the rows new or changed."""

    def close(self) -> None:
        """Stop, rolling back what was not committed; safe to call after `end` or a failure."""


class References:
    """The rows a writer process's rows refer to, checked once before it commits.

    SQLite looks up the row each foreign key names on every row written: a second of a million-row
    import. The importing process has looked each of them up already, so the writer process turns
    the check off on its own connection and, before committing, makes sure every row named still
    exists. It holds SQLite's write lock from its first write to its commit, so nothing can remove
    one in between: what is committed is what the foreign keys allow.
    """

    def __init__(self) -> None:
        self.named: dict[tuple[str, str], set[Any]] = {}
        self.columns: dict[str, list[tuple[int, tuple[str, str]]]] = {}

    def note(self, spec: TableSpec, rows: list[tuple]) -> None:
        positions = self.columns.get(spec.table)
        if positions is None:
            positions = self.columns[spec.table] = _foreign_keys(spec)
        for position, target in positions:
            named = self.named.setdefault(target, set())
            named.update(row[position] for row in rows)

    problem: str | None = None
    """After `check`: what is missing, as the import's error, or None."""

    def check(self, connection: Connection) -> None:
        """Whether every row named exists (`problem` says what is missing)."""
        for (table, column), named in self.named.items():
            named.discard(None)
            wanted = list(named)
            found = 0
            for start in range(0, len(wanted), 1000):
                batch = wanted[start:start + 1000]
                sql = f"SELECT count(*) FROM {table} WHERE {column} IN ({', '.join('?' * len(batch))})"
                found += connection.connection.driver_connection.execute(sql, batch).fetchone()[0]
            if found != len(wanted):
                self.problem = (
                    f"FOREIGN KEY constraint failed: {len(wanted) - found} {table} row(s) the file names "
                    "were removed while it was imported"
                )
                return


def _foreign_keys(spec: TableSpec) -> list[tuple[int, tuple[str, str]]]:
    """(position in the spec's columns, (table, column) it refers to), from the models' metadata."""
    from sqlmodel import SQLModel

    import domain.models  # noqa: F401  (the tables are declared there)

    table = SQLModel.metadata.tables[spec.table]
    return [
        (spec.columns.index(key.parent.name), (key.column.table.name, key.column.name))
        for key in table.foreign_keys
        if key.parent.name in spec.columns
    ]


class Window:
    """Rows submitted for one table, gathered until WINDOW_ROWS of them, then handed to `write`
    sorted by the table's `TableSpec.cluster` column (stably: each client's rows keep the file's order).

    A file in time order names its clients at random, and the index on (client, time) then takes
    every row at a random place; a window's rows in client order reach it in one ordered pass.
    Measured on SQLite, a million transactions into a bank of 10,000 clients: 6.8 s to write
    unsorted, 4.9 s sorted in windows of 20,000 (of 5,000: 6.5 s; the sort itself 0.1 s).
    Rows of another table, a call or the end write what is gathered first, so nothing is
    reordered across them; within a window no two rows share a key, so the order changes nothing
    of what is stored.
    """

    def __init__(self, write: Callable[[TableSpec, list[tuple]], None]) -> None:
        self.write = write
        self.spec: TableSpec | None = None
        self.rows: list[tuple] = []

    def add(self, spec: TableSpec, rows: list[tuple]) -> None:
        if spec != self.spec:
            self.flush()
            self.spec = spec
        self.rows.extend(rows)
        if len(self.rows) >= WINDOW_ROWS:
            self.flush()

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        if not rows or self.spec is None:
            return
        if self.spec.cluster is not None:
            rows.sort(key=itemgetter(self.spec.columns.index(self.spec.cluster)))
        self.write(self.spec, rows)


BULK_PRAGMAS = {"cache_size": -SQLITE_CACHE_KIB, "temp_store": 2, "mmap_size": 0}
"""SQLite during an import: a page cache that holds the indexes being updated, staging kept in
memory (2), and no memory-mapped reads: writes gain nothing from them, and the mapped pages of
the database file would count as the import's memory."""


def tune_for_bulk(connection: Connection) -> dict[str, int]:
    """`BULK_PRAGMAS` on a SQLite connection; returns the values they replaced (see `restore`)."""
    if connection.dialect.name != "sqlite":
        return {}
    driver = connection.connection.driver_connection
    saved = {name: int(driver.execute(f"PRAGMA {name}").fetchone()[0]) for name in BULK_PRAGMAS}
    for name, value in BULK_PRAGMAS.items():
        driver.execute(f"PRAGMA {name} = {value}")
    return saved


def restore(connection: Connection, saved: dict[str, int]) -> None:
    driver = connection.connection.driver_connection
    for name, value in saved.items():
        driver.execute(f"PRAGMA {name} = {value}")


def can_fork(engine: Engine) -> bool:
    """Whether a writer process may be forked for `engine` now (see the module's docstring)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    if engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return False
    checked_out = getattr(engine.pool, "checkedout", None)
    return checked_out is not None and checked_out() == 0


class ThreadWriter:
    """The writes on one worker thread, one chunk in flight: the drivers let go of the interpreter's
    lock while the database works, so reading and writing overlap in part."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.transaction = connection.begin()
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future[int] | None = None
        self.written = 0
        self.window = Window(self._write)

    def submit(self, spec: TableSpec, rows: list[tuple]) -> None:
        self.window.add(spec, rows)

    def _write(self, spec: TableSpec, rows: list[tuple]) -> None:
        self.wait()
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="import-writes")
        self.pending = self.pool.submit(write_rows, self.connection, spec, rows)

    def wait(self) -> None:
        """Until the write in flight is done; raises what it raised."""
        pending, self.pending = self.pending, None
        if pending is not None:
            self.written += pending.result()

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        self.window.flush()
        self.wait()
        return function(self.connection, *args)

    def end(self, commit: bool) -> int:
        self.window.flush()  # a dry run too: it counts what would be written
        self.wait()
        if commit:
            self.transaction.commit()
        else:
            self.transaction.rollback()
        return self.written

    def close(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.exception()  # its error, if any, is someone else's to report
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None
        if self.transaction.is_active:
            self.transaction.rollback()


class Outbox:
    """Messages for the writer process, sent in order by a thread of their own.

    A window of rows is far more than a pipe holds, so sending one waits until the writer has
    finished the window before it; on this thread that wait costs the importing process nothing
    (the send lets go of the interpreter's lock). SENDS_AHEAD windows wait at most, so memory
    stays bounded. Once the writer takes nothing more, the rest is dropped and `put` says so.
    """

    def __init__(self, pipe: Pipe) -> None:
        self.pipe = pipe
        self.queue: queue.Queue[bytes | None] = queue.Queue(SENDS_AHEAD)
        self.broken = False
        self.thread = threading.Thread(target=self._run, name="import-outbox", daemon=True)
        self.thread.start()

    def put(self, data: bytes) -> None:
        if self.broken:
            raise OSError("the writer process takes nothing more")
        self.queue.put(data)

    def close(self) -> None:
        """After everything put before has been sent (or dropped)."""
        self.queue.put(None)
        self.thread.join()

    def _run(self) -> None:
        while (data := self.queue.get()) is not None:
            if not self.broken:
                try:
                    self.pipe.send_bytes(data)
                except OSError:
                    self.broken = True


class ProcessWriter:
    """The writes in a forked process holding the import's transaction, fed through a pipe by an
    `Outbox`. A failed write is reported at the next `submit`, `call` or `end`; the writer then
    ignores rows until it is told to end.
    """

    def __init__(self, engine: Engine) -> None:
        engine.dispose()  # no pooled connection of ours goes into the child
        context = multiprocessing.get_context("fork")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=_serve, args=(engine, theirs), name="rmbot-import-writer", daemon=True)
        self.process.start()
        theirs.close()
        self.outbox = Outbox(self.pipe)
        self.written = 0
        self.ended = False
        self.reading: Connection | None = None
        self.window = Window(self._write)

    def attach(self, connection: Connection) -> None:
        """The importing process's own connection: rows are made ready for the writer on it (see
        `domain.bulk.prepare_rows`), so the writer does as little as it can."""
        self.reading = connection

    def submit(self, spec: TableSpec, rows: list[tuple]) -> None:
        self.window.add(spec, rows)

    def _write(self, spec: TableSpec, rows: list[tuple]) -> None:
        if self.pipe.poll():
            self._reply()  # only a failure arrives unasked
        ready = rows if self.reading is None else prepare_rows(self.reading, spec, rows)
        self._send(("rows", spec, ready), flat=True)

    def wait(self) -> None:
        """Reading is on a connection of the importing process's own: nothing to wait for."""

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        self.window.flush()
        self._send(("call", function, args))
        return self._reply()

    def end(self, commit: bool) -> int:
        self.window.flush()  # a dry run too: it counts what would be written
        self._send(("end", commit))
        self.ended = True
        self.written = self._reply()
        return self.written

    def close(self) -> None:
        if not self.ended:
            self.ended = True
            with suppress(OSError, EOFError, WriteFailed):
                self._send(("end", False))
                self._reply()
        self.outbox.close()
        self.pipe.close()
        self.process.join(STOP_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    def _send(self, message: tuple, *, flat: bool = False) -> None:
        """`flat`: the message holds no cycle (rows of plain values), so it is
        pickled without a memo: three times faster for a window of rows, and smaller."""
        if flat:
            buffer = io.BytesIO()
            pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
            pickler.fast = True
            pickler.dump(message)
            data = buffer.getvalue()
        else:
            data = bytes(ForkingPickler.dumps(message))
        try:
            self.outbox.put(data)
        except OSError:
            raise WriteFailed(self._gone()) from None

    def _reply(self) -> Any:
        try:
            status, value = self.pipe.recv()
        except (EOFError, OSError):
            raise WriteFailed(self._gone()) from None
        if status == "error":
            raise WriteFailed(value)
        return value

    def _gone(self) -> str:
        self.process.join(1)
        return f"the import's writer process stopped (exit code {self.process.exitcode})"


def _serve(engine: Engine, pipe: Pipe) -> None:
    """The writer process: one connection, one transaction, until told to end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the importing process decides; Ctrl-C reaches it too
    gc.disable()
    engine.dispose(close=False)  # a pool of its own, and never touch the parent's connections
    failed: str | None = None
    written = 0
    with engine.connect() as connection:
        tune_for_bulk(connection)
        references = None
        if connection.dialect.name == "sqlite":  # checked once at the end instead (see References)
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
            references = References()
        transaction = connection.begin()
        while True:
            try:
                message = pipe.recv()
            except EOFError:  # the importing process is gone: nothing is committed
                break
            what = message[0]
            if what == "end":
                if failed is None and message[1] and references is not None:
                    failed = _attempt(lambda: references.check(connection)) or references.problem
                if failed is None and message[1]:
                    failed = _attempt(transaction.commit)
                if transaction.is_active:
                    transaction.rollback()
                pipe.send(("error", failed) if failed else ("done", written))
                break
            if failed is not None:
                if what == "call":
                    pipe.send(("error", failed))
                continue
            if what == "rows":
                if references is not None:
                    references.note(message[1], message[2])
                result: list[Any] = []
                failed = _attempt(lambda: result.append(write_rows(connection, message[1], message[2])))
                if failed is None:
                    written += result[0]
                else:
                    pipe.send(("error", failed))
            elif what == "call":
                result = []
                failed = _attempt(lambda: result.append(message[1](connection, *message[2])))
                pipe.send(("error", failed) if failed else ("result", result[0]))
    pipe.close()


def _attempt(action: Callable[[], Any]) -> str | None:
    """None when `action` ran, else the first line of what it raised (the database's message)."""
    try:
        action()
    except Exception as exc:  # noqa: BLE001  (whatever failed is reported to the importing process)
        original = getattr(exc, "orig", None) or exc
        return (str(original).strip().splitlines() or [type(original).__name__])[0]
    return None
