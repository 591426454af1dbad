"""The RM's services on a real database: who sees what, search, the card, logging, invites."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlmodel import select

from domain.access import viewer_for_employee, viewer_for_telegram
from domain.bulk import CLIENT, STAFF, TEAM, UNIT, Natives, write_rows
from domain.cards import view_card
from domain.contacts import ClientNotVisible, UndoRefused, log_contact, undo_contact
from domain.invites import InviteRefused, create_invite, hash_code, redeem_invite
from domain.models import AuditLog, Client, Interaction, Invite, Staff
from domain.search import find_clients, parse_query
from tests.factories import client_row, make_bank

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def bank(engine):
    """The factory bank plus a second team (E00005, outlet OT0002) and another branch (E00006, BR02)."""
    with engine.begin() as connection:
        made = make_bank(connection, clients=1)  # C000000001 李伟
        n = Natives.for_dialect(connection.dialect.name)
        ids = made.units
        write_rows(connection, UNIT, [("OT0002", "第二网点", "outlet", ids["SB01"], ""), ("BR02", "第二分行", "branch", ids["HO"], "")])
        new = {k: v for k, v in connection.execute(text("SELECT code, id FROM unit"))}
        paths = {"OT0002": f"/{ids['HO']}/{ids['BR01']}/{ids['SB01']}/{new['OT0002']}/", "BR02": f"/{ids['HO']}/{new['BR02']}/"}
        write_rows(connection, UNIT, [("OT0002", "第二网点", "outlet", ids["SB01"], paths["OT0002"]), ("BR02", "第二分行", "branch", ids["HO"], paths["BR02"])])
        write_rows(connection, TEAM, [("T0002", "第二团队", new["OT0002"])])
        team2 = connection.execute(text("SELECT id FROM team WHERE code = 'T0002'")).scalar_one()
        write_rows(connection, STAFF, [
            ("E00005", "赵经理", "rm", new["OT0002"], team2, 500005, None, n.boolean(True), None),
            ("E00006", "钱经理", "rm", new["BR02"], None, 500006, None, n.boolean(True), None),
        ])
        staff = {k: v for k, v in connection.execute(text("SELECT employee_no, id FROM staff"))}
        write_rows(connection, CLIENT, [
            client_row(n, 101, rm_id=staff["E00005"], unit_id=new["OT0002"], name="张伟", aum="3000000", tier="private"),
            client_row(n, 102, rm_id=staff["E00006"], unit_id=new["BR02"], name="张伟", aum="10000", tier="mass"),
            client_row(n, 103, rm_id=staff["E00004"], unit_id=ids["OT0001"], name="张伟", aum="250000", tier="wealth",
                       birthday=date(1966, 11, 29)),
        ])
        connection.execute(text("UPDATE staff SET telegram_user_id = 500004 WHERE employee_no = 'E00004'"))
    return made


def _who(session, employee_no):
    return viewer_for_employee(session, employee_no)


def _names(session, viewer, typed):
    return [(hit.client_no, hit.name) for hit in find_clients(session, viewer, parse_query(typed), 0, now=NOW).hits]


@pytest.mark.parametrize(
    "employee_no, visible",
    [
        ("E00004", {"C000000103"}),                                # an RM: only their own
        ("E00005", {"C000000101"}),
        ("E00003", {"C000000103"}),                                # the lead of T0001: the team's
        ("E00002", {"C000000101", "C000000103"}),                  # head of BR01: the whole subtree, not BR02
        ("E00001", {"C000000101", "C000000102", "C000000103"}),    # admin: all
    ],
)
def test_each_role_finds_exactly_the_clients_its_place_in_the_bank_allows(session, bank, employee_no, visible):
    assert {no for no, _ in _names(session, _who(session, employee_no), "张伟")} == visible


def test_a_deactivated_or_unlinked_account_is_nobody(session, bank):
    assert viewer_for_telegram(session, 500004).name == "张经理"
    session.exec(select(Staff).where(Staff.employee_no == "E00004")).one().active = False
    session.commit()
    assert viewer_for_telegram(session, 500004) is None
    assert viewer_for_telegram(session, 999) is None


def test_search_by_pinyin_initials_phone_and_number_finds_the_same_client(session, bank):
    admin = _who(session, "E00001")
    for typed in ["zhangwei", "zw", "ZHANGW", "C000000103", "c000000103", "0103"]:
        assert ("C000000103", "张伟") in _names(session, admin, typed), typed


def test_sql_wildcards_typed_in_a_name_are_not_wildcards(session, bank):
    admin = _who(session, "E00001")
    assert parse_query("%") is None
    assert _names(session, admin, "伟%") == _names(session, admin, "伟")
    assert _names(session, admin, "_伟") == _names(session, admin, "伟")


def test_results_put_an_exact_name_first_then_my_own_clients_by_tier(session, bank):
    with session.get_bind().begin() as connection:
        n = Natives.for_dialect(connection.dialect.name)
        rm = connection.execute(text("SELECT id, unit_id FROM staff WHERE employee_no = 'E00004'")).one()
        write_rows(connection, CLIENT, [client_row(n, 104, rm_id=rm[0], unit_id=rm[1], name="张伟强", aum="9000000", tier="private")])
    ranked = _names(session, _who(session, "E00002"), "张伟")
    assert ranked[:3] == [("C000000101", "张伟"), ("C000000103", "张伟"), ("C000000104", "张伟强")]


def test_every_search_and_card_view_is_in_the_audit_log(session, bank):
    rm = _who(session, "E00004")
    find_clients(session, rm, parse_query("zw"), 0, now=NOW)
    client_id = bank.clients.get("C000000103") or session.exec(select(Client.id).where(Client.client_no == "C000000103")).one()
    view_card(session, rm, client_id, now=NOW, settings=_settings())
    other = session.exec(select(Client.id).where(Client.client_no == "C000000101")).one()
    assert view_card(session, rm, other, now=NOW, settings=_settings()) is None
    session.commit()
    actions = [(a.action, a.staff_id) for a in session.exec(select(AuditLog).order_by(AuditLog.id))]
    assert actions == [("search", rm.staff_id), ("view_card", rm.staff_id), ("view_card_refused", rm.staff_id)]


def _settings():
    from bot.config import Settings

    return Settings()


def test_the_card_masks_the_phone_and_counts_days_to_the_birthday(session, bank):
    rm = _who(session, "E00004")
    client_id = session.exec(select(Client.id).where(Client.client_no == "C000000103")).one()
    card = view_card(session, rm, client_id, now=NOW, settings=_settings())
    assert card.phone == "138****0103"
    assert card.birthday.solar_days == 7 and card.birthday.age_next == 60 and card.birthday.milestone == 60
    assert card.overdue_days == 30  # never contacted: the whole wealth cadence


def test_logging_a_contact_moves_last_contact_and_follow_up_in_the_same_transaction(session, bank):
    rm = _who(session, "E00004")
    client_id = session.exec(select(Client.id).where(Client.client_no == "C000000103")).one()
    logged = log_contact(session, rm, client_id, kind="call", note="聊了理财到期", follow_up=date(2026, 12, 6), now=NOW)
    session.commit()
    client = session.get(Client, client_id)
    assert (client.last_contact_at, client.last_contact_kind, client.next_follow_up) == (NOW, "call", date(2026, 12, 6))
    assert session.get(Interaction, logged.interaction_id).source == "bot"


def test_a_contact_for_someone_elses_client_is_refused_and_nothing_is_written(session, bank):
    rm = _who(session, "E00004")
    other = session.exec(select(Client.id).where(Client.client_no == "C000000101")).one()
    with pytest.raises(ClientNotVisible):
        log_contact(session, rm, other, kind="call", note="", follow_up=None, now=NOW)
    session.rollback()
    assert session.exec(select(Interaction)).all() == []


def test_undo_within_ten_minutes_restores_the_previous_contact_and_later_is_refused(session, bank):
    rm = _who(session, "E00004")
    client_id = session.exec(select(Client.id).where(Client.client_no == "C000000103")).one()
    first = log_contact(session, rm, client_id, kind="visit", note="", follow_up=date(2026, 12, 1), now=NOW - timedelta(days=3))
    second = log_contact(session, rm, client_id, kind="call", note="", follow_up=None, now=NOW)
    session.commit()
    assert undo_contact(session, rm, second.interaction_id, now=NOW + timedelta(minutes=9, seconds=59)) == "张伟"
    session.commit()
    client = session.get(Client, client_id)
    assert (client.last_contact_kind, client.next_follow_up) == ("visit", date(2026, 12, 1))
    with pytest.raises(UndoRefused, match="too_late"):
        undo_contact(session, rm, first.interaction_id, now=NOW + timedelta(minutes=10, seconds=1))
    with pytest.raises(UndoRefused, match="gone"):
        undo_contact(session, rm, second.interaction_id, now=NOW)


def test_an_invite_links_the_account_once_and_only_its_hash_is_stored(session, bank):
    issued = create_invite(session, "E00003", now=NOW, ttl_hours=72)
    session.commit()
    stored = session.exec(select(Invite)).one()
    assert stored.code_hash == hash_code(issued.code) and issued.code not in stored.code_hash
    assert redeem_invite(session, issued.code, 777, now=NOW + timedelta(hours=71)).employee_no == "E00003"
    session.commit()
    assert viewer_for_telegram(session, 777).name == "李组长"
    with pytest.raises(InviteRefused, match="used"):
        redeem_invite(session, issued.code, 778, now=NOW)


@pytest.mark.parametrize(
    "when, reason",
    [(NOW + timedelta(hours=72), "expired"), (NOW, "unknown")],
)
def test_an_expired_or_unknown_invite_is_refused_with_its_reason(session, bank, when, reason):
    issued = create_invite(session, "E00003", now=NOW, ttl_hours=72)
    code = issued.code if reason != "unknown" else "not-a-code"
    with pytest.raises(InviteRefused, match=reason):
        redeem_invite(session, code, 777, now=when)


def test_a_telegram_account_cannot_be_linked_to_two_staff(session, bank):
    issued = create_invite(session, "E00003", now=NOW, ttl_hours=72)
    with pytest.raises(InviteRefused, match="account_taken"):
        redeem_invite(session, issued.code, 500004, now=NOW)
