"""How `rmbot import` reads one cell, one header, the first bytes of a file: no database here."""

import codecs
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.importing.base import RowParser
from domain.importing.columns import (
    COLUMNS,
    TRANSACTION_COLUMNS,
    match_columns,
    normalise_header,
)
from domain.importing.errors import ImportRefused, Problem
from domain.importing.kinds import (
    DIRECTIONS,
    INTERACTION_KINDS,
    ROLES,
    interaction_digest,
)
from domain.importing.parsing import (
    Invalid,
    choice,
    instant_in,
    money,
    parse_bool,
    parse_date,
    parse_fen,
    parse_instant,
    parse_int,
    parse_lunar_birthday,
    parse_phone,
    text_of,
)
from domain.importing.readers import detect_encoding

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1234.56", 123456),
        ("1234.5", 123450),
        ("1234", 123400),
        ("0.01", 1),
        ("1,234,567.89", 123456789),
        ("¥1,000", 100000),
        ("1000元", 100000),
        ("12.345", 1235),
        ("12.344", 1234),
        ("1.5E+6", 150000000),
        (".5", 50),
    ],
)
def test_amounts_become_integer_fen_rounded_half_up(text, fen):
    assert parse_fen(text) == fen


def test_negative_amounts_are_refused_unless_the_column_allows_them():
    with pytest.raises(Invalid, match="negative amount"):
        parse_fen("-12.00")
    assert parse_fen("-12.00", negative=True) == -1200
    assert parse_fen("(1,200.00)", negative=True) == -120000


@pytest.mark.parametrize("text", ["12x", "abc", "NaN", "Infinity", "1.2.3", "--1"])
def test_text_that_is_not_a_number_is_not_an_amount(text):
    with pytest.raises(Invalid, match="not an amount"):
        parse_fen(text)


@pytest.mark.parametrize("text", ["1" + "0" * 20, "1234567890123456.78", "1e999999", "-1e30"])
def test_an_implausibly_large_amount_is_refused_before_it_overflows_the_database(text):
    with pytest.raises(Invalid, match="implausibly large"):
        parse_fen(text, negative=True)


@pytest.mark.parametrize(
    "text", ["2026-02-03", "2026/2/3", "2026/02/03", "20260203", "2026年2月3日", "2026-02-03 00:00:00", "2026.02.03"]
)
def test_dates_are_read_in_the_spellings_banks_export(text):
    assert parse_date(text) == date(2026, 2, 3)


def test_an_impossible_date_is_named_as_such():
    with pytest.raises(Invalid, match="not a real date: February 2026 has 28 days"):
        parse_date("2026-02-30")
    with pytest.raises(Invalid, match="no month 13"):
        parse_date("2026-13-01")
    assert parse_date("2024-02-29") == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["tomorrow", "03/02/2026", "2026-02", "2026-02-03 10:00"])
def test_text_that_is_not_a_day_is_refused_with_the_expected_format(text):
    with pytest.raises(Invalid, match="YYYY-MM-DD"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-02-03 09:30", datetime(2026, 2, 3, 1, 30)),
        ("2026-02-03 09:30:15", datetime(2026, 2, 3, 1, 30, 15)),
        ("2026-02-03T09:30:00", datetime(2026, 2, 3, 1, 30)),
        ("2026/2/3 9:30", datetime(2026, 2, 3, 1, 30)),
        ("2026年2月3日 9时30分", datetime(2026, 2, 3, 1, 30)),
        ("2026-02-03", datetime(2026, 2, 2, 16, 0)),
        ("2026-02-03T09:30:00+08:00", datetime(2026, 2, 3, 1, 30)),
        ("2026-02-03T01:30:00Z", datetime(2026, 2, 3, 1, 30)),
        ("2026-02-03 09:30:00-05:00", datetime(2026, 2, 3, 14, 30)),
    ],
)
def test_times_without_an_offset_are_local_and_are_stored_as_naive_utc(text, utc):
    assert parse_instant(text, SHANGHAI) == utc


def test_local_times_follow_daylight_saving_where_the_zone_has_it():
    new_york = ZoneInfo("America/New_York")
    assert parse_instant("2026-01-15 12:00", new_york) == datetime(2026, 1, 15, 17, 0)
    assert parse_instant("2026-07-15 12:00", new_york) == datetime(2026, 7, 15, 16, 0)


@pytest.mark.parametrize("text", ["2026-02-30 10:00", "2026-02-03 25:00", "yesterday at noon", "0001-01-01 00:00", "9999-12-31T23:00-05:00"])
def test_impossible_times_are_refused(text):
    with pytest.raises(Invalid):
        parse_instant(text, SHANGHAI)


@pytest.mark.parametrize(
    ("text", "lunar"),
    [
        ("04-15", (4, 15, False)),
        ("4-5", (4, 5, False)),
        ("闰04-15", (4, 15, True)),
        ("閏4月15日", (4, 15, True)),
        ("leap 04-15", (4, 15, True)),
        ("08/15", (8, 15, False)),
    ],
)
def test_lunar_birthdays_are_month_and_day_with_an_optional_leap_mark(text, lunar):
    assert parse_lunar_birthday(text) == lunar


@pytest.mark.parametrize(("text", "reason"), [("13-01", "1 to 12"), ("04-31", "at most 30"), ("四月十五", "MM-DD")])
def test_impossible_lunar_birthdays_are_refused(text, reason):
    with pytest.raises(Invalid, match=reason):
        parse_lunar_birthday(text)


def test_a_phone_number_is_kept_as_written_and_searched_by_its_last_four_digits():
    assert parse_phone("+86 138-0013-8000") == ("+86 138-0013-8000", "8000")
    with pytest.raises(Invalid, match="not a phone number"):
        parse_phone("n/a")


@pytest.mark.parametrize(("text", "value"), [("true", True), ("是", True), ("Y", True), ("1", True), ("否", False), ("FALSE", False), ("0", False)])
def test_yes_no_cells_accept_english_chinese_and_digits(text, value):
    assert parse_bool(text) is value


def test_a_yes_no_cell_with_anything_else_is_refused():
    with pytest.raises(Invalid, match="not a yes/no value"):
        parse_bool("maybe")


def test_choices_accept_codes_and_chinese_spellings_whatever_the_case():
    role = choice(ROLES, "role")
    assert [role(t) for t in ("rm", "RM", "客户经理", "团队长", "支行行长", "管理员", "Team_Lead")] == [
        "rm", "rm", "rm", "team_lead", "branch_head", "admin", "team_lead",
    ]
    with pytest.raises(Invalid, match="unknown role '经理助理': use one of rm, team_lead, branch_head, admin"):
        role("经理助理")


def test_directions_and_contact_kinds_have_the_bank_words_for_them():
    direction = choice(DIRECTIONS, "direction")
    assert [direction(t) for t in ("借", "贷", "转出", "收入", "IN", "debit")] == ["out", "in", "out", "in", "in", "out"]
    kind = choice(INTERACTION_KINDS, "kind of contact")
    assert [kind(t) for t in ("拜访", "电话", "微信", "会议", "沙龙")] == ["visit", "call", "message", "meeting", "event"]


def test_whole_columns_of_choices_parse_like_single_cells():
    direction = choice(DIRECTIONS, "direction")
    assert direction.column(["in", "借", "OUT"]) == ["in", "out", "out"]
    with pytest.raises(Invalid):
        direction.column(["in", "sideways"])


def test_text_longer_than_its_column_is_refused():
    assert text_of(4)("abcd") == "abcd"
    with pytest.raises(Invalid, match="too long: 5 characters, at most 4 fit"):
        text_of(4)("abcde")


def test_whole_numbers_have_bounds():
    assert parse_int("3") == 3
    assert parse_int("3.0") == 3
    with pytest.raises(Invalid, match="below the minimum 0"):
        parse_int("-1", minimum=0)
    with pytest.raises(Invalid, match="not a whole number"):
        parse_int("2.5")


@pytest.mark.parametrize(
    ("header", "name"),
    [("客户号", "client_no"), ("Client No.", "client_no"), ("CLIENT_NO", "client_no"), ("交易金额(元)", "amount"),
     ("金额（元）", "amount"), (" 交易时间 ", "time"), ("Transaction-ID", "external_id")],
)
def test_headers_match_their_column_in_english_or_chinese_ignoring_case_spacing_and_units(header, name):
    headers = {"external_id": "流水号", "client_no": "客户号", "time": "交易时间", "amount": "金额"}
    headers[name] = header
    columns = match_columns(list(headers.values()), TRANSACTION_COLUMNS, "transactions")
    assert columns.index[name] == list(headers).index(name)


def test_unknown_headers_are_ignored_and_listed():
    columns = match_columns(["流水号", "客户号", "交易时间", "金额", "柜员备注"], TRANSACTION_COLUMNS, "transactions")
    assert columns.ignored == ("柜员备注",)
    assert columns.title("client_no") == "客户号"


def test_a_missing_required_column_is_named_with_the_headers_it_accepts():
    with pytest.raises(ImportRefused) as refused:
        match_columns(["客户号", "交易时间", "金额"], TRANSACTION_COLUMNS, "transactions")
    message = str(refused.value)
    assert "external_id (accepted headers: external_id, transaction_id, txn_id, 流水号" in message
    assert "Headers found: 客户号, 交易时间, 金额" in message


def test_two_headers_for_the_same_column_are_refused():
    with pytest.raises(ImportRefused, match="columns '客户号' and 'client_no' both give client_no"):
        match_columns(["流水号", "客户号", "client_no", "交易时间", "金额"], TRANSACTION_COLUMNS, "transactions")


def test_no_two_columns_of_a_kind_share_a_header():
    for kind, columns in COLUMNS.items():
        spellings = [normalise_header(h) for c in columns for h in c.headers]
        assert len(spellings) == len(set(spellings)), kind


@pytest.mark.parametrize(
    ("sample", "encoding"),
    [
        ("客户号,姓名\n".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "客户号,姓名\n".encode(), "utf-8-sig"),
        ("客户号,姓名\n".encode("gb18030"), "gb18030"),
        (b"client_no,name\n", "utf-8"),
    ],
)
def test_the_encoding_is_utf8_with_or_without_bom_or_gb18030(sample, encoding):
    assert detect_encoding(sample, complete=True) == encoding


def test_a_multibyte_character_cut_at_the_end_of_the_sample_is_not_an_error():
    sample = "客户号,姓名\n".encode()[:-3]
    assert detect_encoding(sample, complete=False) == "utf-8"


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("客户号".encode("utf-16"), "UTF-16"),
        ("client".encode("utf-16-le"), "NUL bytes"),
        (bytes(range(256)) * 4, "NUL bytes"),
        (b"\x80\xff\xfe\x81" * 64, "neither UTF-8 nor GB18030"),
        (b"abc\x01\x02\x03def", "control characters"),
    ],
)
def test_files_in_other_encodings_or_binary_are_refused(sample, reason):
    with pytest.raises(ImportRefused, match=reason):
        detect_encoding(sample, complete=True)


def test_the_digest_of_an_interaction_without_an_id_depends_on_client_staff_moment_and_kind():
    moment = datetime(2026, 2, 3, 1, 30)
    key = interaction_digest("C1", "E1", moment, "visit")
    assert key == interaction_digest("C1", "E1", moment, "visit")
    assert len(key) <= 64
    assert key != interaction_digest("C1", "E1", moment, "call")
    assert key != interaction_digest("C2", "E1", moment, "visit")


def test_every_column_and_header_a_kind_accepts_is_documented():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text(encoding="utf-8")
    for kind, columns in COLUMNS.items():
        section = guide.split(f"\n### {kind}\n", 1)[1].split("\n### ", 1)[0]
        for column in columns:
            row = next((line for line in section.splitlines() if line.startswith(f"| `{column.name}` |")), None)
            assert row is not None, (kind, column.name)
            assert all(alias in row for alias in column.aliases), (kind, column.name)
            assert ("| yes |" in row) == column.required, (kind, column.name)


def test_null_markers_of_database_and_spreadsheet_exports_are_empty_cells():
    columns = match_columns(["external_id", "client_no", "time", "amount", "channel"], TRANSACTION_COLUMNS, "transactions")
    parser = RowParser(columns, TRANSACTION_COLUMNS, {c.name: str for c in TRANSACTION_COLUMNS})
    row = ["T1", "C1", "2026-11-19 10:00", "1", "NULL"]
    assert parser.parse_chunk([row, ["T2", "C1", "2026-11-19 10:00", "1", "#N/A"]])[5] == [None, None]
    assert parser.parse(["T1", "C1", "2026-11-19 10:00", "N/A", "x"])[1] == [Problem("amount", "empty, but this column is required")]
    assert parser.parse(row)[0][5] is None


@pytest.mark.parametrize(
    "cells",
    [
        ["1234.56", "0.01", "999999999999999.99", "-12.30"],
        ["1234.56", "1,234.50", "12", "-0.50", "(3.00)"],
    ],
)
def test_a_column_of_amounts_reads_as_each_cell_would(cells):
    assert money(negative=True).column(cells) == [parse_fen(cell, negative=True) for cell in cells]


def test_a_column_of_amounts_refuses_what_a_cell_would_refuse():
    with pytest.raises(Invalid):
        money().column(["1.00", "-2.00"])
    with pytest.raises(Invalid):
        money().column(["1.00", "12.30\n45.60"])


@pytest.mark.parametrize(
    "cells",
    [
        ["2026-02-03 09:30:15", "2026-02-03 10:00:00", "2026-07-15 12:00:00"],
        ["2026-02-03 09:30", "2026/2/3 9:30", "2026-02-03T01:30:00Z", "2026-02-03 09:30:00-05:00"],
    ],
)
@pytest.mark.parametrize("zone", [SHANGHAI, ZoneInfo("America/New_York")])
def test_a_column_of_times_reads_as_each_cell_would(cells, zone):
    assert instant_in(zone).column(cells) == [parse_instant(cell, zone) for cell in cells]


def test_a_column_of_times_refuses_what_a_cell_would_refuse():
    with pytest.raises(Invalid):
        instant_in(SHANGHAI).column(["2026-02-03 09:30", "2026-02-30 10:00"])
