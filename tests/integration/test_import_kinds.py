"""What each kind of file does to the bank's data, on the real database."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.config import Settings
from domain.importing import import_file
from domain.models import (
    BalanceSnapshot,
    Client,
    Interaction,
    Staff,
    Team,
    Transaction,
    Unit,
)
from tests.factories import Bank, database_rows, make_bank, write_csv

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture
def bank(engine) -> Bank:
    with engine.begin() as connection:
        return make_bank(connection, clients=10)


def run(engine, settings, kind, path, **options):
    return import_file(engine, kind, path, settings=settings, now=NOW, **options)


def writing_in(settings: Settings, writer: str) -> Settings:
    """`settings` with the import's writes in a forked process of their own, or on a thread."""
    imports = settings.imports.model_copy(update={"writer_process": writer == "process"})
    return settings.model_copy(update={"imports": imports})


def rejected(report):
    return [str(r) for r in report.rejects]


def one(session, statement):
    return session.exec(statement).one()


@pytest.mark.parametrize("writer", ["process", "thread"])
def test_each_documented_sample_imports_cleanly_and_a_second_time_changes_nothing(engine, settings, bank, writer):
    settings = writing_in(settings, writer)
    for kind, name in [
        ("units", "units.csv"), ("staff", "staff.csv"), ("clients", "clients.csv"), ("balances", "balances.csv"),
        ("transactions", "transactions.csv"), ("transactions", "transactions.xlsx"), ("interactions", "interactions.csv"),
    ]:
        first = run(engine, settings, kind, SAMPLES / name)
        assert (first.rejected, first.committed) == (0, True), (name, rejected(first))
        assert first.writer == ("thread" if kind == "units" else writer), name
        assert first.written == first.rows_read > 0, name
        before = database_rows(engine)
        again = run(engine, settings, kind, SAMPLES / name)
        assert (again.rows_read, again.written, again.unchanged) == (first.rows_read, 0, first.rows_read), name
        assert database_rows(engine) == before, name


def test_units_are_imported_even_when_children_come_before_their_parents(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "units.csv", ["机构号", "机构名称", "类型", "上级机构"], [
        ("T9002", "新团队", "团队", "OT9002"),
        ("OT9002", "新网点", "网点", "SB9001"),
        ("SB9001", "新支行", "支行", "BR01"),
    ])
    report = run(engine, settings, "units", path)
    assert (report.rows_read, report.written, report.rejected) == (3, 3, 0)
    units = {u.code: u for u in session.exec(select(Unit))}
    assert units["SB9001"].parent_id == units["BR01"].id
    assert units["OT9002"].parent_id == units["SB9001"].id
    assert units["OT9002"].kind == "outlet"
    ids = [units[c].id for c in ("HO", "BR01", "SB9001", "OT9002")]
    assert units["OT9002"].path == "/" + "/".join(map(str, ids)) + "/"
    assert one(session, select(Team).where(Team.code == "T9002")).unit_id == units["OT9002"].id


def test_moving_a_unit_moves_the_paths_of_its_whole_subtree(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "units.csv", ["code", "name", "kind", "parent"], [("SB01", "第一支行", "sub_branch", "HO")])
    assert run(engine, settings, "units", path).written == 1
    units = {u.code: u for u in session.exec(select(Unit))}
    assert units["SB01"].path == f"/{units['HO'].id}/{units['SB01'].id}/"
    assert units["OT0001"].path == f"/{units['HO'].id}/{units['SB01'].id}/{units['OT0001'].id}/"


def test_units_whose_parents_loop_or_are_unknown_are_rejected_with_their_children(engine, settings, bank, tmp_path):
    before = database_rows(engine)
    path = write_csv(tmp_path / "units.csv", ["code", "name", "kind", "parent"], [
        ("SB01", "第一支行", "sub_branch", "OT0001"),
        ("OT9003", "孤儿网点", "outlet", "SB9999"),
        ("T9003", "孤儿团队", "team", "OT9003"),
        ("T9004", "团队下的团队", "team", "T0001"),
        ("HO", "总行", "head_office", "HO"),
    ])
    report = run(engine, settings, "units", path, skip_invalid=True)
    assert rejected(report) == [
        "line 2, column parent: the parents loop back to SB01: SB01 → OT0001 → SB01",
        "line 3, column parent: unknown parent unit SB9999: not stored and not in this file",
        "line 4, column parent: its parent OT9003 (line 3) was rejected",
        "line 5, column parent: T0001 is a team; teams cannot hold units or teams",
        "line 6, column parent: a unit cannot be its own parent",
    ]
    assert report.written == 0
    assert database_rows(engine) == before


def test_staff_roles_are_read_in_chinese_and_their_unit_and_team_by_code(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "staff.csv", ["工号", "姓名", "岗位", "所属机构", "团队", "状态"], [
        ("E90001", "陈晓明", "客户经理", "OT0001", "T0001", "在职"),
        ("E90002", "林芳", "团队长", "OT0001", "", "在职"),
        ("E90003", "赵志刚", "支行行长", "SB01", "", "离职"),
        ("E90004", "钱管理", "管理员", "HO", "", ""),
    ], encoding="utf-8-sig")
    assert run(engine, settings, "staff", path).written == 4
    staff = {s.employee_no: s for s in session.exec(select(Staff))}
    assert [(staff[e].role, staff[e].active) for e in ("E90001", "E90002", "E90003", "E90004")] == [
        ("rm", True), ("team_lead", True), ("branch_head", False), ("admin", True),
    ]
    assert staff["E90001"].team_id == bank.teams["T0001"]
    assert staff["E90001"].unit_id == bank.units["OT0001"]
    assert staff["E90002"].team_id is None


def test_a_staff_file_without_team_or_status_columns_leaves_them_as_they_are(engine, settings, bank, tmp_path, session):
    with engine.begin() as connection:
        connection.execute(text("UPDATE staff SET active = :no WHERE employee_no = 'E00003'"), {"no": False})
    path = write_csv(tmp_path / "staff.csv", ["employee_no", "name", "role", "unit"], [
        ("E00003", "李组长", "team_lead", "OT0001"),
        ("E00004", "张经理", "rm", "OT0001"),
        ("E90005", "新经理", "rm", "OT0001"),
    ])
    assert run(engine, settings, "staff", path).written == 1
    staff = {s.employee_no: s for s in session.exec(select(Staff))}
    assert staff["E00004"].team_id == bank.teams["T0001"]
    assert staff["E00003"].active is False
    assert (staff["E90005"].team_id, staff["E90005"].active) == (None, True)


def test_staff_in_unknown_units_or_teams_or_with_unknown_roles_are_rejected(engine, settings, bank, tmp_path):
    path = write_csv(tmp_path / "staff.csv", ["employee_no", "name", "role", "unit", "team"], [
        ("E90006", "甲", "rm", "OT9999", ""),
        ("E90007", "乙", "rm", "OT0001", "T9999"),
        ("E90008", "丙", "经理助理", "OT0001", ""),
    ])
    report = run(engine, settings, "staff", path)
    assert rejected(report) == [
        "line 2, column unit: unknown unit OT9999: import units first",
        "line 3, column team: unknown team T9999: add it to the units file first",
        "line 4, column role: unknown role '经理助理': use one of rm, team_lead, branch_head, admin",
    ]
    assert not report.committed


CLIENT_HEADER = ["客户号", "姓名", "客户经理", "手机号", "性别", "生日", "农历生日", "金融资产"]


def test_clients_get_pinyin_initials_phone_digits_and_birthday_keys_for_search(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "clients.csv", CLIENT_HEADER, [
        ("C900000001", "单田芳", "E00004", "+86 139-0013-9002", "女", "1962-08-03", "闰04-15", "350,000.00"),
    ], encoding="gb18030")
    assert run(engine, settings, "clients", path).written == 1
    client = one(session, select(Client).where(Client.client_no == "C900000001"))
    assert (client.name_pinyin, client.name_initials, client.phone_last4) == ("shantianfang", "stf", "9002")
    assert (client.gender, client.birthday, client.birth_md) == ("F", date(1962, 8, 3), 803)
    assert (client.lunar_birth_month, client.lunar_birth_day, client.lunar_birth_leap) == (4, 15, True)
    assert (client.rm_id, client.original_rm_id, client.unit_id) == (bank.staff["E00004"], bank.staff["E00004"], bank.units["OT0001"])
    assert client.aum == Decimal("350000.00")
    assert client.kind == "personal"


def test_a_leap_column_marks_a_lunar_birthday_in_a_leap_month(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "clients.csv", ["client_no", "name", "lunar_birthday", "leap"], [
        ("C900000002", "王一", "04-15", "true"),
        ("C900000003", "王二", "04-15", "false"),
    ])
    run(engine, settings, "clients", path)
    leaps = dict(session.exec(select(Client.client_no, Client.lunar_birth_leap).where(Client.client_no.like("C9%"))).all())
    assert leaps == {"C900000002": True, "C900000003": False}


def test_the_tier_is_worked_out_from_aum_age_and_card_when_the_file_gives_none(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "clients.csv", ["客户号", "姓名", "客户类型", "生日", "金融资产", "存款", "卡等级"], [
        ("C900000011", "甲", "个人", "1980-01-01", "2000000", "0", ""),
        ("C900000012", "乙", "个人", "1980-01-01", "199999.99", "0", ""),
        ("C900000013", "丙", "个人", "1950-01-01", "60000", "0", ""),
        ("C900000014", "丁", "个人", "1990-01-01", "60000", "0", ""),
        ("C900000015", "戊", "个人", "1990-01-01", "1000", "0", "金卡"),
        ("C900000016", "某某公司", "对公", "", "0", "250,000,000", ""),
        ("C900000017", "某某小店", "对公", "", "0", "1,000,000", ""),
    ])
    run(engine, settings, "clients", path)
    tiers = dict(session.exec(select(Client.client_no, Client.tier).where(Client.client_no.like("C9%"))).all())
    assert tiers == {
        "C900000011": "private", "C900000012": "premium", "C900000013": "mass", "C900000014": "basic",
        "C900000015": "basic", "C900000016": "class1", "C900000017": "class3",
    }


def test_a_tier_given_in_the_file_is_kept_but_must_suit_the_kind_of_client(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "clients.csv", ["client_no", "name", "kind", "tier", "aum"], [
        ("C900000021", "甲", "personal", "私人银行", "10"),
        ("C900000022", "某公司", "corporate", "二类", "0"),
        ("C900000023", "乙", "personal", "class1", "0"),
        ("C900000024", "丙", "personal", "钻石", "0"),
    ])
    report = run(engine, settings, "clients", path, skip_invalid=True)
    assert rejected(report) == [
        "line 4, column tier: class1 is not a tier of a personal client: use one of private, wealth, premium, basic, mass",
        "line 5, column tier: unknown tier '钻石': use one of private, wealth, premium, basic, mass, class1, class2, class3",
    ]
    tiers = dict(session.exec(select(Client.client_no, Client.tier).where(Client.client_no.like("C9%"))).all())
    assert tiers == {"C900000021": "private", "C900000022": "class2"}


def test_the_original_maintainer_is_set_once_and_later_files_do_not_move_it(engine, settings, bank, tmp_path, session):
    header = ["client_no", "name", "rm", "original_rm"]
    run(engine, settings, "clients", write_csv(tmp_path / "a.csv", header, [("C900000031", "甲", "E00004", ""), ("C900000032", "乙", "E00004", "E00003")]))
    run(engine, settings, "clients", write_csv(tmp_path / "b.csv", header, [("C900000031", "甲", "E00003", "E00002")]))
    clients = {c.client_no: c for c in session.exec(select(Client).where(Client.client_no.like("C9%")))}
    assert (clients["C900000031"].rm_id, clients["C900000031"].original_rm_id) == (bank.staff["E00003"], bank.staff["E00004"])
    assert clients["C900000032"].original_rm_id == bank.staff["E00003"]


def test_a_client_file_without_amounts_leaves_the_loaded_balances_and_other_columns_alone(engine, settings, bank, tmp_path, session):
    write_csv(tmp_path / "balances.csv", ["client_no", "as_of", "aum", "deposits"], [("C000000001", "2026-11-20", "2500000", "100000")])
    run(engine, settings, "balances", tmp_path / "balances.csv")
    path = write_csv(tmp_path / "clients.csv", ["客户号", "姓名"], [("C000000001", "李伟")])
    assert run(engine, settings, "clients", path).written == 1
    client = one(session, select(Client).where(Client.client_no == "C000000001"))
    assert (client.aum, client.deposits, client.tier) == (Decimal("2500000.00"), Decimal("100000.00"), "private")
    assert (client.phone_last4, client.rm_id) == ("0001", bank.staff["E00004"])


def test_clients_with_unknown_staff_or_implausible_birthdays_are_rejected(engine, settings, bank, tmp_path):
    path = write_csv(tmp_path / "clients.csv", ["客户号", "姓名", "客户经理", "初始维护人", "生日"], [
        ("C900000041", "甲", "E99999", "", ""),
        ("C900000042", "乙", "E00004", "E88888", ""),
        ("C900000043", "丙", "E00004", "", "2030-01-01"),
        ("C900000044", "丁", "E00004", "", "2026-02-30"),
    ])
    report = run(engine, settings, "clients", path)
    assert rejected(report) == [
        "line 2, column 客户经理: no staff with employee number E99999: import staff first",
        "line 3, column 初始维护人: no staff with employee number E88888: import staff first",
        "line 4, column 生日: birthday 2030-01-01 is not a plausible date of birth",
        "line 5, column 生日: '2026-02-30' is not a real date: February 2026 has 28 days",
    ]


def test_balances_are_kept_per_client_and_day_and_the_newest_becomes_the_clients_aum(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "balances.csv", ["客户号", "数据日期", "金融资产", "存款", "贷款"], [
        ("C000000001", "2026-11-20", "158500.00", "58500.00", "0"),
        ("C000000001", "2026-10-31", "152000.00", "52000.00", "0"),
        ("C000000002", "2026/11/20", "48000", "48000", "300000"),
    ])
    assert run(engine, settings, "balances", path).written == 3
    assert len(session.exec(select(BalanceSnapshot)).all()) == 3
    client = one(session, select(Client).where(Client.client_no == "C000000001"))
    assert (client.aum, client.deposits, client.aum_as_of) == (Decimal("158500.00"), Decimal("58500.00"), date(2026, 11, 20))
    assert one(session, select(Client).where(Client.client_no == "C000000002")).loans == Decimal("300000.00")


def test_balances_for_unknown_clients_future_days_or_negative_amounts_are_rejected(engine, settings, bank, tmp_path):
    path = write_csv(tmp_path / "balances.csv", ["client_no", "as_of", "aum"], [
        ("C999999999", "2026-11-20", "1"),
        ("C000000001", "2026-11-23", "1"),
        ("C000000001", "2026-11-20", "-5"),
        ("C000000002", "2026-11-20", "1"),
        ("C000000002", "2026-11-20", "2"),
    ])
    report = run(engine, settings, "balances", path)
    assert rejected(report) == [
        "line 2, column client_no: unknown client C999999999: import clients first",
        "line 3, column as_of: 2026-11-23 is in the future",
        "line 4, column aum: negative amount '-5' is not allowed here",
        "line 6, column client_no: a second balance for this client and day: the first is on line 5",
    ]


TX_HEADER = ["流水号", "客户号", "交易时间", "金额", "方向", "对方行", "跨行"]


def test_transaction_times_are_local_stored_in_utc_and_move_the_clients_last_transaction(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "tx.csv", TX_HEADER, [
        ("T1", "C000000001", "2026-11-19 14:02:31", "250000.00", "转出", "招商银行", "是"),
        ("T2", "C000000001", "2026-11-18 09:15", "5000", "in", "", "否"),
        ("T3", "C000000002", "2026-11-19T10:30:00Z", "1.5", "贷", "", ""),
    ])
    report = run(engine, settings, "transactions", path)
    assert (report.written, report.rejected) == (3, 0)
    t1 = one(session, select(Transaction).where(Transaction.external_id == "T1"))
    assert (t1.occurred_at, t1.amount, t1.direction, t1.other_bank) == (
        datetime(2026, 11, 19, 6, 2, 31, tzinfo=UTC), Decimal("250000.00"), "out", True,
    )
    assert one(session, select(Transaction).where(Transaction.external_id == "T3")).occurred_at == datetime(2026, 11, 19, 10, 30, tzinfo=UTC)
    client = one(session, select(Client).where(Client.client_no == "C000000001"))
    assert client.last_transaction_at == datetime(2026, 11, 19, 6, 2, 31, tzinfo=UTC)


def test_without_a_direction_column_a_negative_amount_is_money_going_out(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "tx.csv", ["external_id", "client_no", "time", "amount"], [
        ("T1", "C000000001", "2026-11-19 10:00", "-88.00"),
        ("T2", "C000000001", "2026-11-19 11:00", "12.50"),
    ])
    run(engine, settings, "transactions", path)
    moves = session.exec(select(Transaction.external_id, Transaction.direction, Transaction.amount).order_by(Transaction.external_id)).all()
    assert [tuple(m) for m in moves] == [("T1", "out", Decimal("88.00")), ("T2", "in", Decimal("12.50"))]


def test_invalid_transactions_are_all_reported_each_with_its_line_column_and_reason(engine, settings, bank, tmp_path):
    path = write_csv(tmp_path / "tx.csv", TX_HEADER, [
        ("T1", "C999999999", "2026-11-19 10:00", "1", "in", "", ""),
        ("T2", "C000000001", "2026-02-30 10:00", "1", "in", "", ""),
        ("T3", "C000000001", "2026-11-19 10:00", "12x", "in", "", ""),
        ("T4", "C000000001", "2026-11-19 10:00", "-1", "out", "", ""),
        ("T5", "C000000001", "2026-11-19 10:00", "1", "sideways", "", "maybe"),
        ("T6", "C000000001", "2026-11-19 10:00", "1", "in", "", ""),
        ("T6", "C000000002", "2026-11-19 11:00", "2", "in", "", ""),
    ])
    report = run(engine, settings, "transactions", path)
    assert rejected(report) == [
        "line 2, column 客户号: unknown client C999999999: import clients first",
        "line 3, column 交易时间: '2026-02-30 10:00' is not a real date: February 2026 has 28 days",
        "line 4, column 金额: not an amount: '12x'",
        "line 5, column 金额: negative amount: with a direction column, amounts are positive",
        "line 6: 方向: unknown direction 'sideways': use one of in, out; 跨行: not a yes/no value: 'maybe' (use true/false, 1/0 or 是/否)",
        "line 8, column 流水号: T6 is already on line 7",
    ]
    assert (report.rejected, report.committed, report.written) == (6, False, 0)


def test_duplicate_keys_are_found_across_chunks(engine, bank, tmp_path, database_url):
    settings = Settings.model_validate({"database": {"url": database_url}, "imports": {"chunk_rows": 2}})
    rows = [(f"T{i}", "C000000001", f"2026-11-19 10:0{i}", "1") for i in range(5)] + [("T1", "C000000002", "2026-11-19 11:00", "1")]
    report = run(engine, settings, "transactions", write_csv(tmp_path / "tx.csv", ["external_id", "client_no", "time", "amount"], rows), skip_invalid=True)
    assert rejected(report) == ["line 7, column external_id: T1 is already on line 3"]
    assert (report.rows_read, report.written) == (6, 5)


def test_a_key_repeated_within_a_chunk_is_still_found_again_in_later_chunks(engine, bank, tmp_path, database_url):
    settings = Settings.model_validate({"database": {"url": database_url}, "imports": {"chunk_rows": 3}})
    rows = [(f"T{i}", "C000000001", f"2026-11-19 10:0{n}", "1") for n, i in enumerate((1, 2, 1, 2, 3))]
    report = run(engine, settings, "transactions", write_csv(tmp_path / "tx.csv", ["external_id", "client_no", "time", "amount"], rows), skip_invalid=True)
    assert rejected(report) == [
        "line 4, column external_id: T1 is already on line 2",
        "line 5, column external_id: T2 is already on line 3",
    ]
    assert (report.rows_read, report.written) == (5, 3)


@pytest.fixture
def refuse_transaction(engine):
    """A rule the database enforces that the import does not check: the database refuses the row
    with this id. The trigger is dropped afterwards (the test database outlives the test)."""
    yield lambda external_id: _refuse_transaction(engine, external_id)
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER IF EXISTS refuse" + ("" if connection.dialect.name == "sqlite" else " ON transactions")))
        if connection.dialect.name != "sqlite":
            connection.execute(text("DROP FUNCTION IF EXISTS refuse()"))


def _refuse_transaction(engine, external_id: str) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON transactions WHEN NEW.external_id = '{external_id}' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the bank rule'); END"
            ))
        else:
            connection.execute(text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'refused by the bank rule'; END $$"
            ))
            connection.execute(text(
                f"CREATE TRIGGER refuse BEFORE INSERT ON transactions FOR EACH ROW "
                f"WHEN (NEW.external_id = '{external_id}') EXECUTE FUNCTION refuse()"
            ))


@pytest.mark.parametrize("writer", ["process", "thread"])
@pytest.mark.parametrize("refused", ["T03", "T18"])
def test_a_row_the_database_refuses_while_later_chunks_are_read_leaves_the_bank_as_it_was(
    engine, bank, tmp_path, database_url, refuse_transaction, refused, writer,
):
    """Chunks are written while the next ones are read: a write the database refuses, early in the
    file or in its last chunk, refuses the whole import and nothing of it is kept."""
    from domain.importing import ImportRefused

    settings = Settings.model_validate(
        {"database": {"url": database_url}, "imports": {"chunk_rows": 4, "writer_process": writer == "process"}}
    )
    refuse_transaction(refused)
    before = database_rows(engine)
    rows = [(f"T{i:02}", "C000000001", f"2026-11-19 10:{i:02}", "1") for i in range(20)]
    with pytest.raises(ImportRefused, match="database error, nothing was imported: .*refused by the bank rule"):
        run(engine, settings, "transactions", write_csv(tmp_path / "tx.csv", ["external_id", "client_no", "time", "amount"], rows))
    assert database_rows(engine) == before
    rows = [row for row in rows if row[0] != refused]
    report = run(engine, settings, "transactions", write_csv(tmp_path / "tx.csv", ["external_id", "client_no", "time", "amount"], rows))
    assert (report.committed, report.written, report.writer) == (True, 19, writer)


def test_interactions_without_a_record_number_are_keyed_by_a_digest_so_a_reimport_changes_nothing(engine, settings, bank, tmp_path, session):
    path = write_csv(tmp_path / "contacts.csv", ["客户号", "工号", "时间", "方式", "内容", "费用", "下次跟进日期"], [
        ("C000000001", "E00004", "2026-11-18 10:00", "拜访", "了解资金安排", "120.5", "2026-12-10"),
        ("C000000001", "E00004", "2026-11-20 09:00", "微信", "发送说明书", "", ""),
        ("C000000002", "E00003", "2026-11-19 15:30", "电话", "", "", "2026-11-25"),
    ])
    assert run(engine, settings, "interactions", path).written == 3
    assert run(engine, settings, "interactions", path).written == 0
    visit = one(session, select(Interaction).where(Interaction.kind == "visit"))
    assert (visit.occurred_at, visit.expenses, visit.next_date, visit.source) == (
        datetime(2026, 11, 18, 2, 0, tzinfo=UTC), Decimal("120.50"), date(2026, 12, 10), "import",
    )
    client = one(session, select(Client).where(Client.client_no == "C000000001"))
    assert (client.last_contact_at, client.last_contact_kind, client.next_follow_up) == (
        datetime(2026, 11, 20, 1, 0, tzinfo=UTC), "message", None,
    )
    assert one(session, select(Client).where(Client.client_no == "C000000002")).next_follow_up == date(2026, 11, 25)


def test_interactions_with_a_record_number_are_updated_in_place(engine, settings, bank, tmp_path, session):
    header = ["记录号", "客户号", "工号", "时间", "方式", "内容"]
    run(engine, settings, "interactions", write_csv(tmp_path / "a.csv", header, [("R1", "C000000001", "E00004", "2026-11-18 10:00", "visit", "初访")]))
    report = run(engine, settings, "interactions", write_csv(tmp_path / "b.csv", header, [("R1", "C000000001", "E00004", "2026-11-18 10:00", "visit", "初访，客户有意向")]))
    assert report.written == 1
    assert [i.note for i in session.exec(select(Interaction))] == ["初访，客户有意向"]


def test_interactions_by_unknown_staff_or_with_unknown_kinds_are_rejected(engine, settings, bank, tmp_path):
    path = write_csv(tmp_path / "contacts.csv", ["client_no", "employee_no", "time", "kind"], [
        ("C000000001", "E99999", "2026-11-18 10:00", "visit"),
        ("C000000001", "E00004", "2026-11-18 10:00", "telepathy"),
        ("C000000001", "E00004", "2026-11-18 11:00", "visit"),
        ("C000000001", "E00004", "2026-11-18 11:00", "拜访"),
    ])
    report = run(engine, settings, "interactions", path)
    assert rejected(report) == [
        "line 2, column employee_no: no staff with employee number E99999: import staff first",
        "line 3, column kind: unknown kind of contact 'telepathy': use one of visit, call, message, meeting, event",
        "line 5: the same record (same id, or same client, staff, time and kind) is already on line 4",
    ]


def test_an_invalid_row_in_a_later_chunk_undoes_the_chunks_already_written(engine, bank, tmp_path, database_url):
    settings = Settings.model_validate({"database": {"url": database_url}, "imports": {"chunk_rows": 2}})
    before = database_rows(engine)
    rows = [(f"T{i}", "C000000001", f"2026-11-19 10:0{i}", "1") for i in range(5)] + [("T9", "C999999999", "2026-11-19 11:00", "1")]
    report = run(engine, settings, "transactions", write_csv(tmp_path / "tx.csv", ["external_id", "client_no", "time", "amount"], rows))
    assert (report.rows_read, report.rejected, report.written, report.committed) == (6, 1, 0, False)
    assert database_rows(engine) == before


def test_a_dry_run_counts_what_would_change_and_leaves_the_database_alone(engine, settings, bank, tmp_path):
    before = database_rows(engine)
    rows = [("T1", "C000000001", "2026-11-19 10:00", "1"), ("T2", "C000000002", "2026-11-19 10:00", "2")]
    report = run(engine, settings, "transactions", write_csv(tmp_path / "tx.csv", ["external_id", "client_no", "time", "amount"], rows), dry_run=True)
    assert (report.written, report.unchanged, report.committed) == (2, 0, False)
    assert database_rows(engine) == before
