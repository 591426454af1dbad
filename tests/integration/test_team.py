"""/team's figures on a real database: per RM for a team lead, per unit for a branch head, inside
what each may see."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from domain.team import BadPeriod, NotALead, Period, parse_period, summary, window
from tests.integration.test_lists import WEDNESDAY, add_client, add_contacts, add_movement, bank, local, who  # noqa: F401


def by_name(result):
    return {line.name: line for line in result.lines}


def test_a_team_lead_sees_each_rm_of_the_team_ranked_by_coverage_and_no_other_team(session, bank, settings):
    add_client(session, tier="wealth", aum="300000", last_contact_at=local(WEDNESDAY - timedelta(days=3)))
    add_client(session, tier="wealth", aum="300000", last_contact_at=local(WEDNESDAY - timedelta(days=40)))  # overdue
    add_client(session, rm="E00005", tier="private", aum="3000000", last_contact_at=local(WEDNESDAY - timedelta(days=1)))
    add_client(session, rm="E00006", tier="private", aum="9000000")  # another team
    result = summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY, settings=settings)
    lines = by_name(result)
    assert result.rows_are == "rm" and "赵经理" not in lines
    assert [line.name for line in result.lines] == ["刘经理", "张经理", "李组长"]  # coverage 100 %, 50 %, no clients
    rm = lines["张经理"]
    assert (rm.coverage, rm.overdue, dict(rm.overdue_by_tier), dict(rm.by_tier)) == (0.5, 1, {"wealth": 1}, {"wealth": 2})
    assert result.total.clients == 3 and result.total.aum == Decimal("3600000.00")


def test_contacts_are_counted_in_the_period_and_the_one_before(session, bank, settings):
    client = add_client(session, tier="wealth", last_contact_at=local(WEDNESDAY))
    add_contacts(session, client, local(WEDNESDAY), local(WEDNESDAY - timedelta(days=6)), local(WEDNESDAY - timedelta(days=8)))
    result = summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY, settings=settings)
    rm = next(line for line in result.lines if line.clients)
    assert (rm.contacts, rm.contacts_before) == (2, 1)


def test_an_outflow_counts_as_answered_when_a_contact_is_logged_by_the_end_of_the_next_working_day(session, bank, settings):
    monday = WEDNESDAY - timedelta(days=2)
    answered = add_client(session, tier="private", aum="9000000", last_contact_at=local(monday))
    ignored = add_client(session, tier="private", aum="9000000", last_contact_at=local(monday))
    add_movement(session, answered, "2000000", local(monday, time(15)), other_bank=True, bank="招商银行")
    add_movement(session, ignored, "2000000", local(monday, time(15)), other_bank=True, bank="招商银行")
    add_contacts(session, answered, local(monday + timedelta(days=1), time(17)))  # Tuesday: in time
    add_contacts(session, ignored, local(WEDNESDAY, time(9)))  # Wednesday: too late
    rm = next(line for line in summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY, settings=settings).lines
              if line.clients)
    assert (rm.outflows, rm.outflows_answered) == (2, 1)


def test_a_branch_head_sees_the_units_under_theirs_with_every_team_in_them(session, bank, settings):
    add_client(session, tier="wealth", aum="300000", last_contact_at=local(WEDNESDAY))
    add_client(session, rm="E00006", tier="private", aum="9000000", last_contact_at=local(WEDNESDAY))
    result = summary(session, who(session, "E00002"), period=Period.days30, today=WEDNESDAY, settings=settings)
    assert result.rows_are == "unit"
    assert sum(line.clients for line in result.lines) == 2 == result.total.clients
    assert result.total.rms >= 3


def test_an_rm_is_told_the_summary_is_for_leads(session, bank, settings):
    with pytest.raises(NotALead):
        summary(session, who(session, "E00004"), period=Period.week, today=WEDNESDAY, settings=settings)


def test_periods_read_as_people_write_them():
    assert parse_period("") is Period.week and parse_period("30天") is Period.days30 and parse_period(" 本月 ") is Period.month
    with pytest.raises(BadPeriod):
        parse_period("next year")
    assert window(Period.month, date(2026, 11, 18)) == (date(2026, 11, 1), date(2026, 11, 18))
    assert window(Period.week, date(2026, 11, 18)) == (date(2026, 11, 12), date(2026, 11, 18))


def test_a_lead_may_look_into_an_rm_of_the_team_but_not_of_another(session, bank, settings):
    from sqlmodel import select

    from domain.models import Staff
    from domain.team import rm_view

    ids = dict(session.exec(select(Staff.employee_no, Staff.id)).all())
    add_client(session, tier="wealth")  # E00004's, never contacted: overdue
    mine = rm_view(session, who(session, "E00003"), ids["E00004"], today=WEDNESDAY, settings=settings)
    assert mine is not None and mine.name == "张经理" and mine.due.total == 1
    assert rm_view(session, who(session, "E00003"), ids["E00006"], today=WEDNESDAY, settings=settings) is None
    assert rm_view(session, who(session, "E00004"), ids["E00004"], today=WEDNESDAY, settings=settings) is None


def test_a_branch_head_drills_down_from_units_to_an_outlets_rms_and_not_outside_the_subtree(session, bank, settings):
    from sqlmodel import select

    from domain.models import Unit

    add_client(session, tier="wealth", aum="300000", last_contact_at=local(WEDNESDAY))
    add_client(session, rm="E00006", tier="private", aum="9000000", last_contact_at=local(WEDNESDAY))
    units = dict(session.exec(select(Unit.code, Unit.id)).all())
    head = who(session, "E00002")
    sub_branch = summary(session, head, period=Period.week, today=WEDNESDAY, settings=settings, unit_id=units["SB01"])
    assert sub_branch.rows_are == "unit" and {line.key for line in sub_branch.lines} == {units["OT0001"], units["OT0002"]}
    outlet = summary(session, head, period=Period.week, today=WEDNESDAY, settings=settings, unit_id=units["OT0001"])
    assert outlet.rows_are == "rm" and "张经理" in {line.name for line in outlet.lines} and "赵经理" not in {line.name for line in outlet.lines}
    assert outlet.total.clients == 1
    with pytest.raises(NotALead):
        summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY, settings=settings, unit_id=units["OT0001"])


def test_the_aum_at_the_start_and_its_trend_follow_the_clients_each_rm_holds_now(engine, session, bank, settings, tmp_path):
    """Like for like: a client handed over (in chat, by a clients file, or by an admin's SQL) takes
    their balance history to the new RM's start-of-period AUM and to the team's trend."""
    from datetime import UTC, datetime

    from sqlalchemy import text
    from sqlmodel import select

    from domain import handover
    from domain.importing import import_file
    from domain.models import Client
    from tests.factories import write_csv

    now = datetime(2026, 11, 18, 2, tzinfo=UTC)
    mine, theirs = add_client(session, aum="0"), add_client(session, rm="E00005", aum="0")
    session.commit()
    number = dict(session.exec(select(Client.id, Client.client_no)).all())
    balances = [(number[mine], "2026-10-28", "90000.00", "90000.00", "0"),  # half the clients that day: not drawn
                (number[mine], "2026-11-04", "100000.00", "100000.00", "0"), (number[theirs], "2026-11-04", "50000.00", "50000.00", "0"),
                (number[mine], "2026-11-11", "120000.00", "120000.00", "0"), (number[theirs], "2026-11-11", "70000.00", "70000.00", "0")]
    path = write_csv(tmp_path / "balances.csv", ["client_no", "as_of", "aum", "deposits", "loans"], balances)
    assert import_file(engine, "balances", path, settings=settings, now=now).committed

    def start_of_week():
        result = summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY, settings=settings)  # from 12 Nov
        return {name: line.aum_before for name, line in by_name(result).items() if name != "李组长"}, result.trend

    starts, trend = start_of_week()
    assert starts == {"张经理": Decimal("120000.00"), "刘经理": Decimal("70000.00")}  # the snapshot of 11 Nov
    assert trend == ((date(2026, 11, 4), Decimal("150000.00")), (date(2026, 11, 11), Decimal("190000.00")), (WEDNESDAY, Decimal("190000.00")))

    chosen = handover.plan(session, None, "E00004", "E00005")
    handover.execute(session, chosen, actor=None, now=now, keep_access=True)
    session.commit()
    assert start_of_week()[0] == {"张经理": Decimal("0"), "刘经理": Decimal("190000.00")}

    path = write_csv(tmp_path / "clients.csv", ["client_no", "name", "rm"], [(number[mine], "客户一", "E00004")])
    assert import_file(engine, "clients", path, settings=settings, now=now).committed
    session.expire_all()
    assert start_of_week()[0] == {"张经理": Decimal("120000.00"), "刘经理": Decimal("70000.00")}

    session.execute(text("UPDATE client SET rm_id = (SELECT id FROM staff WHERE employee_no = 'E00004')"))  # an admin's SQL
    session.commit()
    starts, trend = start_of_week()
    assert starts == {"张经理": Decimal("190000.00"), "刘经理": Decimal("0")} and trend[-1] == (WEDNESDAY, Decimal("190000.00"))


def test_birthdays_in_the_period_count_as_greeted_with_a_contact_within_a_day_of_them(session, bank, settings):
    from domain.calendar import solar_to_lunar

    sunday = date(2026, 11, 15)
    weekend = add_client(session, birthday=date(1980, 11, 15), last_contact_at=local(WEDNESDAY))
    add_contacts(session, weekend, local(sunday + timedelta(days=1)))  # greeted on Monday
    late = add_client(session, birthday=date(1985, 11, 13), last_contact_at=local(WEDNESDAY))
    add_contacts(session, late, local(date(2026, 11, 17)))  # four days later: not a greeting
    add_client(session, birthday=date(1990, 11, 25))  # after the period
    month, day, leap = solar_to_lunar(date(2026, 11, 14))
    lunar = add_client(session, birthday=date(1970, 3, 3), lunar_birth_month=month, lunar_birth_day=day, lunar_birth_leap=leap)
    add_contacts(session, lunar, local(date(2026, 11, 14), time(18)))  # on the lunar birthday itself
    session.flush()
    result = summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY, settings=settings)
    rm = by_name(result)["张经理"]
    assert (rm.birthdays, rm.birthdays_greeted) == (3, 2)
    assert (result.total.birthdays, result.total.birthdays_greeted) == (3, 2)


def test_tier_changes_of_the_period_are_told_apart_up_and_down(session, bank, settings):
    import json
    from datetime import UTC, datetime

    from domain.models import Alert

    rising, falling = add_client(session, tier="private"), add_client(session, tier="basic")
    staff_id = who(session, "E00004").staff_id
    for n, (client, before, after) in enumerate([(rising, "wealth", "private"), (falling, "premium", "basic")]):
        session.add(Alert(dedup_key=f"tier_change:{client}:{n}", kind="tier_change", client_id=client, staff_id=staff_id,
                          occasion=WEDNESDAY, payload=json.dumps({"tier": before, "to": after}),
                          created_at=datetime(2026, 11, 16, 2, tzinfo=UTC)))
    session.add(Alert(dedup_key=f"tier_change:{rising}:old", kind="tier_change", client_id=rising, staff_id=staff_id, occasion=WEDNESDAY,
                      payload=json.dumps({"tier": "premium", "to": "wealth"}), created_at=datetime(2026, 10, 1, 2, tzinfo=UTC)))
    session.flush()
    rm = by_name(summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY, settings=settings))["张经理"]
    assert (rm.tier_ups, rm.tier_downs) == (1, 1)


def test_the_coverage_at_the_periods_start_is_what_the_daily_scan_found_that_morning(session, bank, settings):
    from sqlmodel import select

    from domain.alerts import scan
    from domain.models import Client

    first, second = add_client(session, tier="wealth"), add_client(session, tier="wealth")  # never contacted: overdue
    start = WEDNESDAY - timedelta(days=6)
    scan(session, today=start, settings=settings)
    rm = by_name(summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY, settings=settings))["张经理"]
    assert (rm.coverage_before, rm.coverage) == (0.0, 0.0)
    session.exec(select(Client).where(Client.id == first)).one().last_contact_at = local(WEDNESDAY - timedelta(days=1))
    session.flush()
    scan(session, today=WEDNESDAY, settings=settings)  # today's record does not move the start's
    result = summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY, settings=settings)
    assert (by_name(result)["张经理"].coverage_before, by_name(result)["张经理"].coverage) == (0.0, 0.5)
    assert result.total.coverage_before == 0.0 and second
    assert summary(session, who(session, "E00003"), period=Period.week, today=WEDNESDAY + timedelta(days=1),
                   settings=settings).total.coverage_before == 0.0  # no record of the 13th: the last before it
