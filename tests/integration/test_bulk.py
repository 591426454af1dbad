"""Bulk upserts by natural key and the derived client fields, on the real database."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlmodel import select

from domain import bulk, derived
from domain.models import Client


def _org(connection):
    n = bulk.Natives.for_dialect(connection.dialect.name)
    bulk.write_rows(connection, bulk.UNIT, [("HO", "总行", "head_office", None, "/")])
    unit_id = connection.execute(text("SELECT id FROM unit WHERE code = 'HO'")).scalar_one()
    bulk.write_rows(connection, bulk.STAFF, [("E1", "王经理", "rm", unit_id, None, None, None, n.boolean(True), None)])
    staff_id = connection.execute(text("SELECT id FROM staff WHERE employee_no = 'E1'")).scalar_one()
    return n, unit_id, staff_id


def _client(n, no, name, rm, unit, aum_fen):
    row = dict.fromkeys(bulk.CLIENT.columns)
    row.update(
        client_no=no, kind="personal", name=name, name_pinyin="", name_initials="",
        lunar_birth_leap=n.boolean(False), tier="wealth", aum=aum_fen, deposits=0, loans=0,
        card_spend_year=0, custody_margin=0, credit_target=0, bad_credit_records=0, products="",
        rm_id=rm, original_rm_id=rm, unit_id=unit, lost_contact=n.boolean(False), tags="", notes="",
    )
    return tuple(row[c] for c in bulk.CLIENT.columns)


def test_writing_the_same_rows_twice_changes_nothing_the_second_time(engine):
    with engine.begin() as connection:
        n, unit, rm = _org(connection)
        rows = [_client(n, f"C{i}", f"客户{i}", rm, unit, 100_000_00 * i) for i in range(1, 6)]
        assert bulk.write_rows(connection, bulk.CLIENT, rows) == 5
        assert bulk.write_rows(connection, bulk.CLIENT, rows) == 0


def test_a_changed_row_is_updated_in_place_and_counted(engine, session):
    with engine.begin() as connection:
        n, unit, rm = _org(connection)
        bulk.write_rows(connection, bulk.CLIENT, [_client(n, "C1", "张三", rm, unit, 10_000_00)])
        changed = bulk.write_rows(connection, bulk.CLIENT, [_client(n, "C1", "张三", rm, unit, 20_000_00)])
    assert changed == 1
    client = session.exec(select(Client).where(Client.client_no == "C1")).one()
    assert client.aum == Decimal("20000.00")


def test_money_is_exact_to_the_fen_on_every_database(engine, session):
    with engine.begin() as connection:
        n, unit, rm = _org(connection)
        bulk.write_rows(connection, bulk.CLIENT, [_client(n, "C1", "张三", rm, unit, 123456789012345)])
    assert session.exec(select(Client.aum)).one() == Decimal("1234567890123.45")


def test_the_original_maintainer_survives_a_move_to_another_rm(engine, session):
    with engine.begin() as connection:
        n, unit, rm = _org(connection)
        bulk.write_rows(connection, bulk.STAFF, [("E2", "李经理", "rm", unit, None, None, None, n.boolean(True), None)])
        senior = connection.execute(text("SELECT id FROM staff WHERE employee_no = 'E2'")).scalar_one()
        bulk.write_rows(connection, bulk.CLIENT, [_client(n, "C1", "张三", rm, unit, 1)])
        moved = list(_client(n, "C1", "张三", senior, unit, 1))
        moved[bulk.CLIENT.columns.index("original_rm_id")] = senior
        bulk.write_rows(connection, bulk.CLIENT, [tuple(moved)])
    client = session.exec(select(Client)).one()
    assert (client.rm_id, client.original_rm_id) == (senior, rm)


def test_derived_fields_follow_the_newest_history_and_never_move_back(engine, session):
    with engine.begin() as connection:
        n, unit, rm = _org(connection)
        bulk.write_rows(connection, bulk.CLIENT, [_client(n, "C1", "张三", rm, unit, 1)])
        cid = connection.execute(text("SELECT id FROM client")).scalar_one()
        older, newer = datetime(2026, 11, 1, 2, 0), datetime(2026, 11, 20, 3, 30)
        bulk.write_rows(connection, bulk.INTERACTION, [
            ("I1", cid, rm, "call", n.instant(older), "", "", "", "", None, "", n.date(date(2026, 11, 8)), "import", None),
            ("I2", cid, rm, "visit", n.instant(newer), "", "", "", "", None, "", n.date(date(2026, 12, 5)), "import", None),
        ])
        bulk.write_rows(connection, bulk.BALANCE, [
            (cid, n.date(date(2026, 11, 13)), 500_000_00, 400_000_00, 0),
            (cid, n.date(date(2026, 11, 20)), 300_000_00, 250_000_00, 0),
        ])
        bulk.write_rows(connection, bulk.TRANSACTION, [
            ("T1", cid, n.instant(older), 1000_00, "out", "mobile", "招商银行", n.boolean(True), ""),
            ("T2", cid, n.instant(newer), 2000_00, "in", "counter", "", n.boolean(False), ""),
        ])
        derived.refresh_contacts(connection)
        derived.refresh_balances(connection)
        derived.refresh_last_transactions(connection)
        bulk.write_rows(connection, bulk.INTERACTION, [
            ("I0", cid, rm, "message", n.instant(datetime(2026, 10, 1)), "", "", "", "", None, "", None, "import", None),
        ])
        derived.refresh_contacts(connection, since=datetime(2026, 10, 1, tzinfo=UTC))
    client = session.exec(select(Client)).one()
    assert client.last_contact_at == newer.replace(tzinfo=UTC)
    assert client.last_contact_kind == "visit"
    assert client.next_follow_up == date(2026, 12, 5)
    assert (client.aum, client.deposits, client.aum_as_of) == (Decimal("300000.00"), Decimal("250000.00"), date(2026, 11, 20))
    assert client.last_transaction_at == newer.replace(tzinfo=UTC)
