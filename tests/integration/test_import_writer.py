"""The import's writer process: what it commits, what it refuses, and when it is not used."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from domain.bulk import TRANSACTION, Natives
from domain.importing import import_file
from domain.importing import writer as writer_module
from domain.importing.writer import ProcessWriter, WriteFailed
from tests.factories import database_rows, make_bank, write_csv

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


@pytest.fixture
def client_ids(engine) -> list[int]:
    with engine.begin() as connection:
        make_bank(connection, clients=3)
        return [row[0] for row in connection.execute(text("SELECT id FROM client ORDER BY id"))]


def transaction_rows(engine, client_id: int, count: int, *, first: int = 0) -> list[tuple]:
    moment = Natives.for_dialect(engine.dialect.name).instant(datetime(2026, 11, 20, 2, 0))
    boolean = Natives.for_dialect(engine.dialect.name).boolean
    return [
        (f"W{first + i:04}", client_id, moment, 100_00, "in", "mobile", "", boolean(False), "")
        for i in range(count)
    ]


def count_transactions(connection) -> int:
    return connection.execute(text("SELECT count(*) FROM transactions")).scalar()


def stored_transactions(engine) -> list[str]:
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT external_id FROM transactions ORDER BY external_id"))]


def test_the_writer_process_commits_what_it_was_given_and_counts_it(engine, client_ids):
    writer = ProcessWriter(engine)
    try:
        writer.submit(TRANSACTION, transaction_rows(engine, client_ids[0], 3))
        writer.submit(TRANSACTION, transaction_rows(engine, client_ids[1], 2, first=3))
        assert stored_transactions(engine) == []  # nothing is visible before the commit
        assert writer.call(count_transactions) == 5
        assert writer.end(commit=True) == 5
    finally:
        writer.close()
    assert stored_transactions(engine) == ["W0000", "W0001", "W0002", "W0003", "W0004"]


def test_a_row_naming_a_client_that_is_gone_refuses_the_commit_and_nothing_is_kept(engine, client_ids):
    """On SQLite the writer checks the foreign keys once before committing instead of row by row:
    a client removed while the file was read must still refuse the whole import."""
    before = database_rows(engine)
    writer = ProcessWriter(engine)
    try:
        writer.submit(TRANSACTION, transaction_rows(engine, client_ids[0], 3))
        writer.submit(TRANSACTION, transaction_rows(engine, max(client_ids) + 1000, 1, first=3))
        with pytest.raises(WriteFailed, match="(?i)foreign key"):
            writer.end(commit=True)
    finally:
        writer.close()
    assert database_rows(engine) == before


def test_a_writer_process_that_dies_is_reported_and_leaves_nothing_behind(engine, client_ids):
    before = database_rows(engine)
    writer = ProcessWriter(engine)
    try:
        writer.submit(TRANSACTION, transaction_rows(engine, client_ids[0], 3))
        writer.process.kill()
        writer.process.join()
        with pytest.raises(WriteFailed, match="writer process stopped"):
            writer.end(commit=True)
    finally:
        writer.close()
    assert database_rows(engine) == before


def test_rolling_back_leaves_the_bank_as_it_was(engine, client_ids):
    before = database_rows(engine)
    writer = ProcessWriter(engine)
    try:
        writer.submit(TRANSACTION, transaction_rows(engine, client_ids[0], 3))
        assert writer.end(commit=False) == 3
    finally:
        writer.close()
    assert database_rows(engine) == before


def test_with_a_connection_of_the_caller_open_the_import_writes_on_a_thread_instead(engine, settings, client_ids, tmp_path):
    """A child must never inherit a connection in use (SQLite's locks, PostgreSQL's session): the
    import then writes on a thread, with the same result."""
    with engine.connect() as connection:
        client_no = connection.execute(text("SELECT client_no FROM client ORDER BY id")).scalar()
        path = write_csv(tmp_path / "tx.csv", ["external_id", "client_no", "time", "amount"], [("X1", client_no, "2026-11-19 10:00", "5")])
        report = import_file(engine, "transactions", path, settings=settings, now=NOW)
    assert (report.writer, report.committed, report.written) == ("thread", True, 1)
    report = import_file(engine, "transactions", path, settings=settings, now=NOW)
    assert (report.writer, report.committed, report.written) == ("process", True, 0)


def test_rows_gathered_into_windows_are_stored_whole_and_each_as_given(engine, client_ids, monkeypatch):
    """The writer sorts each window of rows by client before writing (an ordered pass over the
    (client, time) index): windows cut across chunks, and a call or the end writes a part window."""
    monkeypatch.setattr(writer_module, "WINDOW_ROWS", 4)
    natives = Natives.for_dialect(engine.dialect.name)
    scattered = [
        (f"S{i:03}", client_ids[i % 3], natives.instant(datetime(2026, 11, 20, 2, i)), (i + 1) * 100,
         "in" if i % 2 else "out", f"c{i}", "", natives.boolean(False), f"row {i}")
        for i in range(11)
    ]
    writer = ProcessWriter(engine)
    try:
        writer.submit(TRANSACTION, scattered[:3])
        writer.submit(TRANSACTION, scattered[3:9])
        assert writer.call(count_transactions) == 9  # the part window before the call is written first
        writer.submit(TRANSACTION, scattered[9:])
        assert writer.end(commit=True) == 11
    finally:
        writer.close()
    with engine.connect() as connection:
        stored = connection.execute(text(
            "SELECT external_id, client_id, amount, direction, channel, description FROM transactions "
            "WHERE external_id LIKE 'S%' ORDER BY external_id"
        )).all()
    assert [tuple(row) for row in stored] == [(r[0], r[1], r[3], r[4], r[5], r[8]) for r in scattered]
