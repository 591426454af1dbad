"""`rmbot import` as an admin meets it: summaries, clear refusals, rejects files, and a database
left exactly as it was whenever a file is refused."""

import csv
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from domain.importing import import_file
from tests.conftest import table_counts
from tests.factories import database_rows, make_bank, write_csv, write_xlsx

runner = CliRunner()
TX_HEADER = ["external_id", "client_no", "time", "amount", "direction"]


@pytest.fixture
def bank(engine):
    with engine.begin() as connection:
        return make_bank(connection, clients=10)


def rmbot(config_file, *args):
    return runner.invoke(app, ["--config", str(config_file), "import", *map(str, args)])


def flat(result) -> str:
    """The output on one line: rich wraps long lines at the terminal's width."""
    return " ".join(result.output.split())


def refused(config_file, engine, *args) -> str:
    """Run an import that must be refused; check it changed nothing and return its message."""
    before = database_rows(engine)
    counts = table_counts(engine)
    result = rmbot(config_file, *args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert table_counts(engine) == counts
    assert database_rows(engine) == before
    return flat(result)


def transactions(tmp_path, rows, name="tx.csv", **options):
    return write_csv(tmp_path / name, TX_HEADER, rows, **options)


def good_rows(count=3, first=1):
    return [(f"T{i}", f"C{i % 10 + 1:09d}", f"2026-11-19 10:{i % 60:02d}", f"{i}.50", "in") for i in range(first, first + count)]


def test_the_summary_shows_rows_read_new_or_changed_unchanged_rejected_time_and_speed(config_file, engine, bank, tmp_path):
    path = transactions(tmp_path, good_rows(3))
    first = rmbot(config_file, "transactions", path)
    assert first.exit_code == 0, first.output
    text = flat(first)
    assert "transactions from tx.csv (CSV, UTF-8): imported" in text
    for line in ("rows read 3", "new or changed 3", "unchanged 0", "rejected 0"):
        assert line in text
    assert " s, " in text and "rows/s" in text
    again = flat(rmbot(config_file, "transactions", path))
    assert "new or changed 0" in again and "unchanged 3" in again


def test_an_unknown_kind_is_refused_with_the_kinds_to_choose_from(config_file, engine, bank, tmp_path):
    message = refused(config_file, engine, "accounts", transactions(tmp_path, good_rows()))
    assert "unknown kind 'accounts': choose one of units, staff, clients, balances, transactions, interactions" in message


def test_a_missing_file_is_refused(config_file, engine, bank, tmp_path):
    assert "file not found" in refused(config_file, engine, "clients", tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "the file is empty"), (b"  \r\n\n ", "holds no header row"), (b"external_id,client_no,time,amount\n", "has a header but no data rows")],
)
def test_empty_and_header_only_files_are_refused(config_file, engine, bank, tmp_path, content, reason):
    path = tmp_path / "tx.csv"
    path.write_bytes(content)
    assert reason in refused(config_file, engine, "transactions", path)


def test_a_file_over_the_size_limit_is_refused_at_once_without_reading_it(config_file, engine, bank, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.truncate(2 * 1024**3)
    started = time.perf_counter()
    message = refused(config_file, engine, "transactions", path)
    assert time.perf_counter() - started < 5
    assert "the file is 2,048 MB, over the limit of 1,024 MB ([imports] max_file_mb)" in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("external_id,client_no\nT1,C1\n".encode("utf-16"), "UTF-16 or UTF-32 text, which is not supported"),
        ("external_id,client_no\nT1,C1\n".encode("utf-16-le"), "NUL bytes"),
        (bytes(range(256)) * 64, "NUL bytes"),
        (b"\x81\xff\x80\xfe" * 4096, "neither UTF-8 nor GB18030"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "old Excel .xls workbook: save it as .xlsx or as CSV UTF-8"),
    ],
)
def test_files_in_other_encodings_or_formats_are_refused(config_file, engine, bank, tmp_path, content, reason):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    assert reason in refused(config_file, engine, "transactions", path)


def test_a_damaged_workbook_is_refused(config_file, engine, bank, tmp_path):
    path = tmp_path / "tx.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"not really a zip" * 10)
    assert "not a readable XLSX workbook" in refused(config_file, engine, "transactions", path)


def test_a_file_that_changes_encoding_halfway_is_refused_and_nothing_of_it_is_kept(engine, bank, tmp_path, database_url):
    config = tmp_path / "small-chunks.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n[imports]\nchunk_rows = 100\n', encoding="utf-8")
    path = transactions(tmp_path, good_rows(2000))
    with path.open("ab") as file:
        file.write("T9999,C000000001,2026-11-19 10:00,1.00,收入\n".encode("gb18030"))
    message = refused(config, engine, "transactions", path)
    assert "line 2002 is not valid UTF-8: the file mixes encodings" in message


def test_missing_columns_are_named_with_the_headers_each_accepts(config_file, engine, bank, tmp_path):
    path = write_csv(tmp_path / "tx.csv", ["客户号", "金额", "摘要"], [("C000000001", "1", "")])
    message = refused(config_file, engine, "transactions", path)
    assert "a transactions file needs these columns, which the header lacks:" in message
    assert "external_id (accepted headers: external_id, transaction_id, txn_id, 流水号, 交易流水号, 交易编号, 交易号)" in message
    assert "time (accepted headers: time, occurred_at, datetime, 交易时间, 时间)" in message
    assert "Headers found: 客户号, 金额, 摘要" in message


def test_invalid_rows_are_all_listed_and_by_default_nothing_of_the_file_is_committed(config_file, engine, bank, tmp_path):
    rows = good_rows(3) + [
        ("T100", "C999999999", "2026-11-19 10:00", "1", "in"),
        ("T101", "C000000001", "2026-02-30 10:00", "1", "in"),
        ("T102", "C000000001", "2026-11-19 10:00", "abc", "in"),
        ("T103", "C000000001", "2026-11-19 10:00", "-5", "out"),
        ("T1", "C000000002", "2026-11-19 10:00", "5", "out"),
    ]
    before, counts = database_rows(engine), table_counts(engine)
    result = rmbot(config_file, "transactions", transactions(tmp_path, rows))
    assert result.exit_code == 1, result.output
    text = flat(result)
    assert "nothing imported: 5 of 8 rows are invalid. Fix them, or run again with --skip-invalid to import the other 3" in text
    for reject in (
        "line 5, column client_no: unknown client C999999999: import clients first",
        "line 6, column time: '2026-02-30 10:00' is not a real date: February 2026 has 28 days",
        "line 7, column amount: not an amount: 'abc'",
        "line 8, column amount: negative amount: with a direction column, amounts are positive",
        "line 9, column external_id: T1 is already on line 2",
    ):
        assert reject in text
    assert "new or changed - unchanged -" in text
    assert table_counts(engine) == counts and database_rows(engine) == before
    assert (tmp_path / "tx.csv.rejects.csv").exists()


def test_skip_invalid_commits_the_valid_rows_and_writes_the_rejects_with_their_original_columns(config_file, engine, bank, tmp_path):
    rows = good_rows(2) + [("T100", "C999999999", "2026-11-19 10:00", "1", "in"), ("T101", "C000000001", "2026-11-19", "12x", "in")]
    result = rmbot(config_file, "transactions", transactions(tmp_path, rows), "--skip-invalid")
    assert result.exit_code == 0, result.output
    text = flat(result)
    assert "imported, skipping 2 invalid rows" in text and "new or changed 2" in text
    assert table_counts(engine)["transactions"] == 2
    with (tmp_path / "tx.csv.rejects.csv").open(encoding="utf-8-sig", newline="") as file:
        written = list(csv.reader(file))
    assert written == [
        [*TX_HEADER, "line", "column", "reason"],
        ["T100", "C999999999", "2026-11-19 10:00", "1", "in", "4", "client_no", "unknown client C999999999: import clients first"],
        ["T101", "C000000001", "2026-11-19", "12x", "in", "5", "amount", "not an amount: '12x'"],
    ]


def test_the_rejects_file_goes_where_the_admin_says(config_file, engine, bank, tmp_path):
    target = tmp_path / "out" / "bad-rows.csv"
    target.parent.mkdir()
    rows = [("T100", "C999999999", "2026-11-19 10:00", "1", "in")]
    result = rmbot(config_file, "transactions", transactions(tmp_path, rows), "--skip-invalid", "--rejects", target)
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8-sig").count("unknown client") == 1
    assert not (tmp_path / "tx.csv.rejects.csv").exists()


def test_at_most_fifty_rejected_rows_are_printed_but_all_go_to_the_rejects_file(config_file, engine, bank, tmp_path):
    rows = [(f"T{i}", "C999999999", "2026-11-19 10:00", "1", "in") for i in range(120)]
    result = rmbot(config_file, "transactions", transactions(tmp_path, rows))
    assert result.exit_code == 1
    assert result.output.count("unknown client C999999999") == 50
    assert "… and 70 more" in result.output
    with (tmp_path / "tx.csv.rejects.csv").open(encoding="utf-8-sig", newline="") as file:
        assert len(list(csv.reader(file))) == 121


def test_a_dry_run_reports_what_would_change_and_writes_nothing(config_file, engine, bank, tmp_path):
    before = database_rows(engine)
    result = rmbot(config_file, "transactions", transactions(tmp_path, good_rows(3)), "--dry-run")
    assert result.exit_code == 0, result.output
    text = flat(result)
    assert "dry run, nothing was written" in text and "new or changed 3" in text
    assert database_rows(engine) == before


def test_a_dry_run_checks_references_too_and_fails_on_invalid_rows(config_file, engine, bank, tmp_path):
    before = database_rows(engine)
    rows = good_rows(2) + [("T100", "C999999999", "2026-11-19 10:00", "1", "in")]
    result = rmbot(config_file, "transactions", transactions(tmp_path, rows), "--dry-run")
    assert result.exit_code == 1
    text = flat(result)
    assert "1 invalid rows would stop the import" in text
    assert "line 4, column client_no: unknown client C999999999" in text
    assert database_rows(engine) == before


def test_a_row_with_more_values_than_the_header_is_rejected(config_file, engine, bank, tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("external_id,client_no,time,amount\nT1,C000000001,2026-11-19 10:00,1,234.00\n", encoding="utf-8")
    result = rmbot(config_file, "transactions", path)
    assert result.exit_code == 1
    assert "line 2: the row has 5 values but the header has 4 columns (a comma inside a value that is not quoted?)" in flat(result)


def test_gb18030_bom_and_xlsx_files_with_chinese_headers_import_alike(config_file, engine, bank, tmp_path, session):
    header = ["交易流水号", "客户号", "交易时间", "交易金额", "借贷标志", "摘要"]
    write_csv(tmp_path / "gb.csv", header, [("G1", "C000000001", "2026-11-19 10:00", "1.00", "借", "消费")], encoding="gb18030")
    write_csv(tmp_path / "bom.csv", header, [("B1", "C000000001", "2026-11-19 10:00", "2.00", "贷", "工资")], encoding="utf-8-sig")
    write_xlsx(tmp_path / "tx.xlsx", header, [("X1", "C000000001", datetime(2026, 11, 19, 10, 0), 3.0, "贷", "转账")])
    formats = []
    for name in ("gb.csv", "bom.csv", "tx.xlsx"):
        result = rmbot(config_file, "transactions", tmp_path / name)
        assert result.exit_code == 0, result.output
        assert "new or changed 1" in flat(result)
        formats.append(flat(result).split("(")[1].split(")")[0])
    assert formats == ["CSV, GB18030", "CSV, UTF-8 with BOM", "XLSX, sheet 'Sheet'"]
    assert table_counts(engine)["transactions"] == 3


def test_progress_is_reported_after_each_chunk_up_to_the_size_of_the_file(engine, bank, tmp_path, database_url):
    settings = Settings.model_validate({"database": {"url": database_url}, "imports": {"chunk_rows": 100}})
    path = transactions(tmp_path, good_rows(1000))
    calls = []
    import_file(engine, "transactions", path, settings=settings, progress=lambda done, total: calls.append((done, total)))
    assert len(calls) == 10
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (path.stat().st_size, path.stat().st_size)


SAMPLE_FILES = [
    ("units", "units.csv"), ("staff", "staff.csv"), ("clients", "clients.csv"), ("balances", "balances.csv"),
    ("transactions", "transactions.csv"), ("transactions", "transactions.xlsx"), ("interactions", "interactions.csv"),
]


def test_the_documented_samples_import_cleanly_into_a_sample_bank_and_a_second_time_change_nothing(config_file, engine, tmp_path):
    samples = Path(__file__).resolve().parents[2] / "docs" / "samples"
    rejects = tmp_path / "rejects.csv"
    built = runner.invoke(app, ["--config", str(config_file), "sample", "--clients", "1000", "--seed", "7"])
    assert built.exit_code == 0, built.output
    for kind, name in SAMPLE_FILES:
        result = rmbot(config_file, kind, samples / name, "--rejects", rejects)
        assert result.exit_code == 0, result.output
        assert "rejected 0" in flat(result), result.output
    before = database_rows(engine)
    for kind, name in SAMPLE_FILES:
        assert "new or changed 0" in flat(rmbot(config_file, kind, samples / name, "--rejects", rejects)), name
    assert database_rows(engine) == before


def test_the_rejects_file_once_fixed_can_be_imported_as_it_is(config_file, engine, bank, tmp_path):
    rows = good_rows(2) + [("T100", "C000000001", "2026-11-19 10:00", "12x", "in")]
    assert rmbot(config_file, "transactions", transactions(tmp_path, rows), "--skip-invalid").exit_code == 0
    rejects = tmp_path / "tx.csv.rejects.csv"
    rejects.write_text(rejects.read_text(encoding="utf-8-sig").replace("12x", "12.00"), encoding="utf-8-sig")
    result = rmbot(config_file, "transactions", rejects)
    assert result.exit_code == 0, result.output
    assert "new or changed 1" in flat(result) and "ignored columns: line, column, reason" in flat(result)
    assert table_counts(engine)["transactions"] == 3


def test_tab_separated_files_and_values_spanning_lines_keep_their_line_numbers(config_file, engine, bank, tmp_path):
    path = tmp_path / "tx.tsv"
    path.write_text(
        "external_id\tclient_no\ttime\tamount\tdescription\n"
        'T1\tC000000001\t2026-11-19 10:00\t1.00\t"two\nlines"\n'
        "\n"
        "T2\tC000000001\t2026-11-19 10:00\tlots\t\n",
        encoding="utf-8",
    )
    result = rmbot(config_file, "transactions", path)
    assert result.exit_code == 1
    assert "line 5, column amount: not an amount: 'lots'" in flat(result)


def test_a_database_that_cannot_be_opened_is_a_clear_error(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/no/such/dir/rmbot.db"\n', encoding="utf-8")
    result = rmbot(config, "transactions", transactions(tmp_path, good_rows(1)))
    assert result.exit_code == 2
    assert "cannot use the database: unable to open database file" in flat(result)
    assert isinstance(result.exception, SystemExit)


def test_a_transactions_import_runs_the_reminder_scan_at_once(config_file, engine, bank, tmp_path):
    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(second=0, microsecond=0)
    rows = [("BIG1", "C000000001", now.strftime("%Y-%m-%d %H:%M"), "10000000.00", "in")]
    result = rmbot(config_file, "transactions", transactions(tmp_path, rows))
    assert result.exit_code == 0, result.output
    assert "reminder scan: " in flat(result) and "inflow 1" in flat(result)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT kind FROM alert WHERE dedup_key LIKE 'inflow:%'")).scalars().all() == ["inflow"]
    again = rmbot(config_file, "transactions", transactions(tmp_path, rows))
    assert "reminder scan: nothing new" in flat(again)
