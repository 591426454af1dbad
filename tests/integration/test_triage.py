"""Snoozing a digest reminder and marking it done: what the next digests leave out and bring back."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from domain import lists
from domain.alerts import AlertKind
from domain.models import Alert, Client, Transaction
from domain.triage import FOREVER, Action, BadReminder, Reminder, act
from tests.integration.test_lists import WEDNESDAY, add_client, add_movement, bank, local, who  # noqa: F401

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, WEDNESDAY


def ids(section) -> list[int]:
    return [item.client_id for item in section.items]


def digest(session, settings, day=WEDNESDAY, employee="E00004"):
    return lists.today(session, who(session, employee), today=day, settings=settings)


def do(session, settings, reminder, action, days=0, day=WEDNESDAY, now=NOW, employee="E00004"):
    return act(session, who(session, employee), reminder, action, days=days, today=day, now=now, settings=settings)


def test_an_overdue_client_snoozed_for_a_day_leaves_todays_digest_and_is_back_tomorrow(session, bank, settings):
    snoozed, other = add_client(session, tier="wealth"), add_client(session, tier="wealth")
    outcome = do(session, settings, Reminder(AlertKind.overdue, snoozed), Action.snooze, 1)
    assert outcome.until == WEDNESDAY + timedelta(days=1)
    today = digest(session, settings)
    assert (ids(today.overdue), today.overdue.total) == ([other], 1)
    assert snoozed in ids(digest(session, settings, WEDNESDAY + timedelta(days=1)).overdue)
    assert snoozed in ids(lists.due(session, who(session), today=WEDNESDAY, settings=settings)), "the /due list shows everything"


def test_an_overdue_client_marked_done_stays_out_for_one_cadence_and_then_nags_again(session, bank, settings):
    client = add_client(session, tier="wealth")  # wealth: every 30 days
    assert do(session, settings, Reminder(AlertKind.overdue, client), Action.done).until == WEDNESDAY + timedelta(days=30)
    assert client not in ids(digest(session, settings, WEDNESDAY + timedelta(days=29)).overdue)
    assert client in ids(digest(session, settings, WEDNESDAY + timedelta(days=30)).overdue)


def test_a_follow_up_marked_done_is_cleared_from_the_client_and_the_digest(session, bank, settings):
    client = add_client(session, tier="basic", next_follow_up=WEDNESDAY, last_contact_at=local(WEDNESDAY - timedelta(days=1)))
    assert ids(digest(session, settings).follow_ups) == [client]
    do(session, settings, Reminder(AlertKind.follow_up, client, occasion=WEDNESDAY), Action.done)
    assert session.get(Client, client).next_follow_up is None
    assert digest(session, settings).follow_ups.total == 0


def test_a_snoozed_follow_up_comes_back_but_a_new_follow_up_date_is_not_held_by_the_old_snooze(session, bank, settings):
    client = add_client(session, tier="basic", next_follow_up=WEDNESDAY, last_contact_at=local(WEDNESDAY - timedelta(days=1)))
    do(session, settings, Reminder(AlertKind.follow_up, client, occasion=WEDNESDAY), Action.snooze, 7)
    assert digest(session, settings).follow_ups.total == 0
    assert ids(digest(session, settings, WEDNESDAY + timedelta(days=7)).follow_ups) == [client]
    row = session.get(Client, client)
    row.next_follow_up = WEDNESDAY - timedelta(days=1)  # the RM set another date
    session.add(row)
    session.flush()
    assert ids(digest(session, settings).follow_ups) == [client]


def test_a_birthday_snoozed_a_week_comes_back_on_the_day_and_one_today_cannot_be_snoozed(session, bank, settings):
    soon = add_client(session, tier="private", aum="3000000", birthday=date(1970, 11, 25), last_contact_at=local(WEDNESDAY))
    assert ids(digest(session, settings).upcoming_birthdays) == [soon]  # 7 days ahead
    outcome = do(session, settings, Reminder(AlertKind.birthday, soon, occasion=date(2026, 11, 25)), Action.snooze, 7)
    assert outcome.until == date(2026, 11, 25), "a snooze never skips the birthday itself"
    assert digest(session, settings).upcoming_birthdays.total == 0
    assert digest(session, settings, date(2026, 11, 24)).upcoming_birthdays.total == 0
    assert ids(digest(session, settings, date(2026, 11, 25)).birthdays_today) == [soon]
    with pytest.raises(BadReminder):
        do(session, settings, Reminder(AlertKind.birthday, soon, occasion=date(2026, 11, 25)), Action.snooze, 1, day=date(2026, 11, 25))


def test_a_greeted_birthday_is_gone_from_the_remaining_reminders(session, bank, settings):
    client = add_client(session, tier="private", aum="3000000", birthday=date(1970, 11, 25), last_contact_at=local(WEDNESDAY))
    do(session, settings, Reminder(AlertKind.birthday, client, occasion=date(2026, 11, 25)), Action.done)
    assert digest(session, settings, date(2026, 11, 24)).upcoming_birthdays.total == 0
    assert digest(session, settings, date(2026, 11, 25)).birthdays_today.total == 0


def _outflow(session, client, amount, at) -> int:
    add_movement(session, client, amount, at, other_bank=True, bank="招商银行")
    return session.exec(select(Transaction.id).where(Transaction.client_id == client).order_by(Transaction.id.desc())).first()


def test_an_outflow_marked_done_is_gone_but_a_newer_one_from_the_same_client_shows(session, bank, settings):
    client = add_client(session, tier="private", aum="9000000", last_contact_at=local(WEDNESDAY - timedelta(days=5)))
    first = _outflow(session, client, "2000000", local(WEDNESDAY, time(8)))
    assert do(session, settings, Reminder(AlertKind.attrition, client, transaction_id=first), Action.done).until == FOREVER
    assert digest(session, settings).attrition.total == 0
    later = _outflow(session, client, "1500000", local(WEDNESDAY, time(11)))
    assert [item.transaction_id for item in digest(session, settings).attrition.items] == [later]


def test_an_outflow_leaves_the_digest_once_the_client_is_contacted_after_it(session, bank, settings):
    client = add_client(session, tier="private", aum="9000000", last_contact_at=local(WEDNESDAY - timedelta(days=5)))
    _outflow(session, client, "2000000", local(WEDNESDAY, time(8)))
    assert digest(session, settings).attrition.total == 1
    row = session.get(Client, client)
    row.last_contact_at = local(WEDNESDAY, time(9)).astimezone(UTC)
    session.add(row)
    session.flush()
    assert digest(session, settings).attrition.total == 0


def test_a_snoozed_outflow_comes_back_when_the_snooze_ends_though_it_left_the_digest_window(session, bank, settings):
    client = add_client(session, tier="private", aum="9000000", last_contact_at=local(WEDNESDAY - timedelta(days=5)))
    other = add_client(session, tier="private", aum="9000000", last_contact_at=local(WEDNESDAY - timedelta(days=5)))
    snoozed = _outflow(session, client, "2000000", local(WEDNESDAY - timedelta(days=1), time(15)))
    _outflow(session, other, "3000000", local(WEDNESDAY - timedelta(days=1), time(15)))
    do(session, settings, Reminder(AlertKind.attrition, client, transaction_id=snoozed), Action.snooze, 1)
    assert ids(digest(session, settings).attrition) == [other]
    thursday = digest(session, settings, WEDNESDAY + timedelta(days=1))
    assert ([i.transaction_id for i in thursday.attrition.items], thursday.attrition.total) == ([snoozed], 1)


def test_marking_a_reminder_done_clears_its_outbox_alerts_so_a_waiting_urgent_alert_is_not_pushed(session, bank, settings):
    client = add_client(session, tier="private", aum="9000000", last_contact_at=local(WEDNESDAY - timedelta(days=5)))
    outflow = _outflow(session, client, "2000000", local(WEDNESDAY, time(6)))
    staff = session.get(Client, client).rm_id
    session.add(Alert(dedup_key=f"attrition:{client}:2026-11-18:{outflow}", kind="attrition", client_id=client, staff_id=staff,
                      occasion=WEDNESDAY, status="pending", created_at=NOW))
    session.flush()
    do(session, settings, Reminder(AlertKind.attrition, client, transaction_id=outflow), Action.done)
    alert = session.exec(select(Alert).where(Alert.client_id == client)).one()
    assert (alert.status, alert.cleared_at is not None) == ("done", True)


def test_a_reminder_of_a_client_outside_the_book_or_a_snooze_not_offered_is_refused(session, bank, settings):
    theirs = add_client(session, rm="E00006", tier="wealth")
    mine = add_client(session, tier="wealth")
    with pytest.raises(BadReminder):
        do(session, settings, Reminder(AlertKind.overdue, theirs), Action.done)
    with pytest.raises(BadReminder):
        do(session, settings, Reminder(AlertKind.overdue, mine), Action.snooze, 3)
    with pytest.raises(BadReminder):
        Reminder.parse("overdue", "x", "-")
    with pytest.raises(BadReminder):
        Reminder.parse("inflow", str(mine), "-")
    assert Reminder.parse("birthday", str(mine), "20261125") == Reminder(AlertKind.birthday, mine, occasion=date(2026, 11, 25))


def _change(session, client, kind, payload, occasion=WEDNESDAY, created=NOW):
    from domain.alerts import PRIORITY, AlertKind as Kind

    staff = session.get(Client, client).rm_id
    session.add(Alert(dedup_key=f"{kind}:{client}:{occasion.isoformat()}", kind=kind, client_id=client, staff_id=staff,
                      occasion=occasion, priority=PRIORITY[Kind(kind)], payload=payload, status="pending", created_at=created))
    session.flush()


def test_changes_in_the_book_found_this_week_are_in_the_digest_until_marked_done_or_while_snoozed(session, bank, settings):
    falling = add_client(session, tier="private", aum="700000", last_contact_at=local(WEDNESDAY))
    rising = add_client(session, tier="wealth", aum="2500000", last_contact_at=local(WEDNESDAY))
    idle = add_client(session, tier="mass", aum="10", last_contact_at=local(WEDNESDAY))
    _change(session, falling, "aum_drop", '{"tier": "private", "peak_fen": 100000000, "aum_fen": 70000000}')
    _change(session, rising, "tier_change", '{"tier": "wealth", "to": "private"}')
    _change(session, idle, "dormant", '{"tier": "mass"}', created=NOW - timedelta(days=8))  # found last week: not news
    changes = digest(session, settings).changes
    assert [(i.kind, i.client_id) for i in changes.items] == [("aum_drop", falling), ("tier_change", rising)]
    assert round(changes.items[0].fall, 2) == 0.3 and changes.items[1].upgrade
    do(session, settings, Reminder(AlertKind.aum_drop, falling, occasion=WEDNESDAY), Action.done)
    do(session, settings, Reminder(AlertKind.tier_change, rising, occasion=WEDNESDAY), Action.snooze, 1)
    assert digest(session, settings).changes.total == 0
    assert [i.client_id for i in digest(session, settings, WEDNESDAY + timedelta(days=1)).changes.items] == [rising]
