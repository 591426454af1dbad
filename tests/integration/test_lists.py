"""The RM's lists on a real database, at the edges of every rule: cadence days, follow-up dates,
large-movement lines to the fen, 29 February, lunar birthdays, lead days, who sees what, pages."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from lunar_python import Lunar, LunarMonth
from sqlalchemy import text
from sqlmodel import select

from domain import lists
from domain.access import viewer_for_employee
from domain.bulk import (
    CLIENT,
    INTERACTION,
    STAFF,
    TEAM,
    TRANSACTION,
    UNIT,
    Natives,
    write_rows,
)
from domain.models import Client
from domain.rules import large_movement_threshold
from domain.types import to_fen
from tests.factories import client_row, make_bank

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = date(2026, 11, 18)
_numbers = count(1000)


def local(day: date, at: time = time(10)) -> datetime:
    return datetime.combine(day, at, SHANGHAI)


@pytest.fixture
def bank(engine):
    """The factory bank (no clients) plus E00005, an RM in T0001 beside E00004, and E00006, an RM of
    team T0002 at outlet OT0002 (same sub-branch)."""
    with engine.begin() as connection:
        made = make_bank(connection, clients=0)
        n = Natives.for_dialect(connection.dialect.name)
        ids = made.units
        write_rows(connection, UNIT, [("OT0002", "第二网点", "outlet", ids["SB01"], "")])
        ot2 = connection.execute(text("SELECT id FROM unit WHERE code = 'OT0002'")).scalar_one()
        path = connection.execute(text("SELECT path FROM unit WHERE code = 'SB01'")).scalar_one() + f"{ot2}/"
        write_rows(connection, UNIT, [("OT0002", "第二网点", "outlet", ids["SB01"], path)])
        write_rows(connection, TEAM, [("T0002", "第二团队", ot2)])
        team2 = connection.execute(text("SELECT id FROM team WHERE code = 'T0002'")).scalar_one()
        write_rows(connection, STAFF, [
            ("E00005", "刘经理", "rm", ids["OT0001"], made.teams["T0001"], None, None, n.boolean(True), None),
            ("E00006", "赵经理", "rm", ot2, team2, None, None, n.boolean(True), None),
        ])
    return made


def who(session, employee_no="E00004"):
    return viewer_for_employee(session, employee_no)


def add_client(session, *, rm="E00004", tier="wealth", aum="300000", name=None, birthday=None, **fields) -> int:
    """A client written through `domain.bulk` (as imports write them), then `fields` set on the model."""
    number = next(_numbers)
    connection = session.connection()
    rm_id, unit_id = connection.execute(text("SELECT id, unit_id FROM staff WHERE employee_no = :e"), {"e": rm}).one()
    row = client_row(Natives.for_dialect(connection.dialect.name), number, rm_id=rm_id, unit_id=unit_id,
                     name=name, aum=aum, tier=tier, birthday=birthday)
    write_rows(connection, CLIENT, [row])
    client = session.exec(select(Client).where(Client.client_no == f"C{number:09d}")).one()
    if tier.startswith("class"):
        client.kind = "corporate"
    for key, value in fields.items():
        setattr(client, key, value)
    session.add(client)
    session.flush()
    return client.id


def add_contacts(session, client_id: int, *moments: datetime, staff="E00004") -> None:
    connection = session.connection()
    n = Natives.for_dialect(connection.dialect.name)
    staff_id = connection.execute(text("SELECT id FROM staff WHERE employee_no = :e"), {"e": staff}).scalar_one()
    write_rows(connection, INTERACTION, [
        (f"i-{client_id}-{next(_numbers)}", client_id, staff_id, "call", n.instant(m.astimezone(UTC).replace(tzinfo=None)),
         "", "", "", "", None, "", None, "import", None)
        for m in moments
    ])


def add_movement(session, client_id: int, amount: str, at: datetime, *, direction="out", other_bank=False, bank="") -> None:
    connection = session.connection()
    n = Natives.for_dialect(connection.dialect.name)
    write_rows(connection, TRANSACTION, [
        (f"t-{client_id}-{next(_numbers)}", client_id, n.instant(at.astimezone(UTC).replace(tzinfo=None)), to_fen(amount),
         direction, "mobile", bank, n.boolean(other_bank), "")
    ])


def due_reasons(session, viewer, settings, today=WEDNESDAY) -> dict[int, tuple[str, int | None]]:
    found = lists.due(session, viewer, today=today, settings=settings)
    return {item.client_id: (item.reason, item.days) for item in found.items}


# --- due ---------------------------------------------------------------------------------------


def test_a_wealth_client_contacted_exactly_30_local_days_ago_is_not_overdue_and_31_days_ago_is(session, bank, settings):
    # 00:05 in Shanghai is the previous day in UTC, 23:55 is the same day: the local day decides.
    thirty = add_client(session, last_contact_at=local(WEDNESDAY - timedelta(days=30), time(0, 5)))
    thirty_one = add_client(session, last_contact_at=local(WEDNESDAY - timedelta(days=31), time(23, 55)))
    found = due_reasons(session, who(session), settings)
    assert thirty not in found and found == {thirty_one: ("overdue", 1)}


def test_a_client_never_contacted_is_overdue_by_the_whole_cadence_and_a_mass_client_never_is(session, bank, settings):
    private = add_client(session, tier="private", aum="3000000")
    add_client(session, tier="mass", aum="1000")
    item = lists.due(session, who(session), today=WEDNESDAY, settings=settings).items[0]
    assert (item.client_id, item.reason, item.days, item.since_contact, item.last_contact) == (private, "overdue", 14, None, None)
    assert lists.due(session, who(session), today=WEDNESDAY, settings=settings).total == 1


def test_follow_ups_due_today_come_first_then_the_longest_missed_and_tomorrows_are_not_due(session, bank, settings):
    recent = add_client(session, tier="basic", next_follow_up=WEDNESDAY - timedelta(days=1), last_contact_at=local(WEDNESDAY))
    today_basic = add_client(session, tier="basic", next_follow_up=WEDNESDAY, last_contact_at=local(WEDNESDAY))
    today_private = add_client(session, tier="private", next_follow_up=WEDNESDAY, last_contact_at=local(WEDNESDAY))
    oldest = add_client(session, tier="mass", next_follow_up=WEDNESDAY - timedelta(days=40))
    add_client(session, next_follow_up=WEDNESDAY + timedelta(days=1), last_contact_at=local(WEDNESDAY))
    found = lists.due(session, who(session), today=WEDNESDAY, settings=settings)
    assert [(i.client_id, i.reason, i.days) for i in found.items] == [
        (today_private, "follow_up", 0), (today_basic, "follow_up", 0), (oldest, "follow_up", 40), (recent, "follow_up", 1),
    ]


def test_the_overdue_come_by_tier_private_to_basic_then_corporate_and_most_overdue_first(session, bank, settings):
    basic = add_client(session, tier="basic", aum="60000", last_contact_at=local(WEDNESDAY - timedelta(days=200)))
    wealth_less = add_client(session, tier="wealth", last_contact_at=local(WEDNESDAY - timedelta(days=35)))
    wealth_more = add_client(session, tier="wealth", last_contact_at=local(WEDNESDAY - timedelta(days=90)))
    wealth_never = add_client(session, tier="wealth")  # overdue by the whole cadence: 30 days
    private = add_client(session, tier="private", aum="3000000", last_contact_at=local(WEDNESDAY - timedelta(days=15)))
    corporate = add_client(session, tier="class3", aum="0")
    found = lists.due(session, who(session), today=WEDNESDAY, settings=settings).items
    assert [(i.client_id, i.days) for i in found] == [
        (private, 1), (wealth_more, 60), (wealth_never, 30), (wealth_less, 5), (basic, 110), (corporate, None),
    ]


def test_a_corporate_client_behind_this_months_contacts_is_listed_with_the_count_due_so_far(session, bank, settings):
    # class 3: the RM owes 3 contacts a month; by 18 November 3 × 18 // 30 = 1 is due.
    behind = add_client(session, tier="class3", aum="0")
    add_contacts(session, behind, local(date(2026, 10, 31), time(23, 30)))  # last month, in local time
    on_track = add_client(session, tier="class3", aum="0")
    add_contacts(session, on_track, local(date(2026, 11, 1), time(0, 30)))
    item, = lists.due(session, who(session), today=WEDNESDAY, settings=settings).items
    assert (item.client_id, item.reason, item.contacts, item.expected) == (behind, "corporate_behind", 0, 1)
    assert lists.due(session, who(session), today=date(2026, 11, 1), settings=settings).total == 0  # nothing due on the 1st


def test_lost_contact_clients_are_flagged_and_listed_even_when_within_their_cadence(session, bank, settings):
    lost = add_client(session, lost_contact=True, last_contact_at=local(WEDNESDAY - timedelta(days=3)))
    lost_overdue = add_client(session, tier="premium", aum="150000", lost_contact=True)
    found = lists.due(session, who(session), today=WEDNESDAY, settings=settings).items
    assert [(i.client_id, i.reason, i.lost_contact) for i in found] == [
        (lost_overdue, "overdue", True), (lost, "lost_contact", True),
    ]


def test_the_due_list_pages_by_eight_counts_the_whole_list_and_a_page_past_the_end_shows_the_last(session, bank, settings):
    ids = [add_client(session) for _ in range(19)]
    pages = [lists.due(session, who(session), today=WEDNESDAY, settings=settings, page=p) for p in range(3)]
    assert [(len(p.items), p.total, p.pages, p.offset) for p in pages] == [(8, 19, 3, 0), (8, 19, 3, 8), (3, 19, 3, 16)]
    assert [i.client_id for p in pages for i in p.items] == ids  # same tier, never contacted: by id
    stale = lists.due(session, who(session), today=WEDNESDAY, settings=settings, page=7)
    assert (stale.page, [i.client_id for i in stale.items]) == (2, ids[16:])
    assert not pages[2].has_next and pages[1].has_next


# --- birthdays ---------------------------------------------------------------------------------


def test_solar_birthdays_in_the_window_come_soonest_first_then_by_tier_with_the_age_and_milestone(session, bank, settings):
    in_seven_wealth = add_client(session, tier="wealth", birthday=date(1966, 11, 25))
    in_seven_private = add_client(session, tier="private", aum="3000000", birthday=date(1980, 11, 25))
    today = add_client(session, tier="mass", aum="100", birthday=date(1990, 11, 18))
    add_client(session, birthday=date(1970, 11, 26))  # 8 days away
    add_client(session, birthday=date(1970, 11, 17))  # yesterday: next year
    found = lists.birthdays(session, who(session), today=WEDNESDAY, days=7, settings=settings)
    assert [(i.client_id, i.calendar, i.on, i.days, i.age, i.milestone) for i in found.items] == [
        (today, "solar", WEDNESDAY, 0, 36, None),
        (in_seven_private, "solar", date(2026, 11, 25), 7, 46, None),
        (in_seven_wealth, "solar", date(2026, 11, 25), 7, 60, 60),
    ]
    assert (found.total, found.days) == (3, 7)


def test_a_29_february_birthday_falls_on_28_february_in_a_common_year_and_on_the_29th_in_a_leap_year(session, bank, settings):
    leapling = add_client(session, birthday=date(1960, 2, 29))
    common = lists.birthdays(session, who(session), today=date(2027, 2, 25), days=7, settings=settings).items
    assert [(i.client_id, i.on, i.days, i.age) for i in common] == [(leapling, date(2027, 2, 28), 3, 67)]
    leap = lists.birthdays(session, who(session), today=date(2028, 2, 25), days=7, settings=settings).items
    assert [(i.on, i.days, i.age) for i in leap] == [(date(2028, 2, 29), 4, 68)]
    assert lists.birthdays(session, who(session), today=date(2027, 3, 1), days=7, settings=settings).total == 0


def _solar(lunar: Lunar) -> date:
    solar = lunar.getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def test_a_lunar_birthday_is_listed_on_the_solar_day_lunar_python_gives_and_not_on_the_solar_birthday(session, bank, settings):
    expected = _solar(Lunar.fromYmd(2026, 10, 20))  # 农历十月二十 of 2026
    assert expected == date(2026, 11, 28)
    lunar = add_client(session, birthday=date(1966, 11, 18), lunar_birth_month=10, lunar_birth_day=20)
    found = lists.birthdays(session, who(session), today=WEDNESDAY, days=14, settings=settings).items
    assert [(i.client_id, i.calendar, i.on, i.days, i.lunar_month, i.lunar_day, i.age) for i in found] == [
        (lunar, "lunar", expected, 10, 10, 20, 60),
    ]
    assert lists.birthdays(session, who(session), today=WEDNESDAY, days=0, settings=settings).total == 0


def test_a_leap_month_birthday_falls_in_the_ordinary_month_when_the_year_has_no_such_leap_month(session, bank, settings):
    # 2025 had a leap sixth month; 2026 has none, so 闰六月十五 is kept on 六月十五.
    assert LunarMonth.fromYm(2025, -6) is not None and LunarMonth.fromYm(2026, -6) is None
    expected = _solar(Lunar.fromYmd(2026, 6, 15))
    leap = add_client(session, lunar_birth_month=6, lunar_birth_day=15, lunar_birth_leap=True)
    found = lists.birthdays(session, who(session), today=expected - timedelta(days=2), days=7, settings=settings).items
    assert [(i.client_id, i.on, i.days, i.lunar_leap) for i in found] == [(leap, expected, 2, True)]


def test_a_lunar_30th_falls_on_the_29th_in_a_short_month(session, bank, settings):
    month = next(m for m in range(1, 13) if LunarMonth.fromYm(2026, m).getDayCount() == 29)
    expected = _solar(Lunar.fromYmd(2026, month, 29))
    thirtieth = add_client(session, lunar_birth_month=month, lunar_birth_day=30)
    found = lists.birthdays(session, who(session), today=expected, days=0, settings=settings).items
    assert [(i.client_id, i.on) for i in found] == [(thirtieth, expected)]


def test_birthdays_look_ahead_at_most_60_days(session, bank, settings):
    add_client(session, birthday=date(1970, 1, 17))  # 60 days after 18 November
    assert lists.birthdays(session, who(session), today=WEDNESDAY, days=60, settings=settings).total == 1
    assert lists.birthdays(session, who(session), today=WEDNESDAY, days=59, settings=settings).total == 0
    with pytest.raises(lists.BadDays) as refused:
        lists.birthdays(session, who(session), today=WEDNESDAY, days=61, settings=settings)
    assert refused.value.limit == 60


# --- movements ---------------------------------------------------------------------------------


def test_a_movement_exactly_at_the_tier_line_is_large_and_one_fen_below_is_not(session, bank, settings):
    wealth = add_client(session, tier="wealth", aum="1000000")  # line 200,000 (30 % of AUM is 300,000)
    add_movement(session, wealth, "200000.00", local(WEDNESDAY), direction="in")
    add_movement(session, wealth, "199999.99", local(WEDNESDAY), direction="in")
    found = lists.movements(session, who(session), today=WEDNESDAY, days=7, settings=settings)
    assert [(i.amount, i.threshold) for i in found.items] == [(Decimal("200000.00"), Decimal("200000.00"))]


def test_a_share_of_aum_line_is_rounded_to_the_fen_as_the_rule_rounds_it(session, bank, settings):
    # 30 % of 150,000.05 is 45,000.015: half-even to the fen gives 45,000.02, below the premium line of 100,000.
    premium = add_client(session, tier="premium", aum="150000.05")
    line = large_movement_threshold(tier="premium", aum=Decimal("150000.05"), movements=settings.movements)
    assert line == Decimal("45000.02")
    add_movement(session, premium, "45000.02", local(WEDNESDAY))
    add_movement(session, premium, "45000.01", local(WEDNESDAY))
    found = lists.movements(session, who(session), today=WEDNESDAY, days=7, settings=settings)
    assert [(i.amount, i.threshold) for i in found.items] == [(Decimal("45000.02"), line)]


def test_a_corporate_client_is_held_to_the_corporate_line_and_a_client_without_aum_to_the_tier_line(session, bank, settings):
    corporate = add_client(session, tier="class1", aum="0")
    add_movement(session, corporate, "5000000", local(WEDNESDAY))
    add_movement(session, corporate, "4999999.99", local(WEDNESDAY))
    found = lists.movements(session, who(session), today=WEDNESDAY, days=7, settings=settings).items
    assert [(i.client_id, i.amount, i.threshold) for i in found] == [(corporate, Decimal("5000000.00"), Decimal("5000000.00"))]


def test_outflows_to_other_banks_come_first_then_other_outflows_then_inflows_each_by_amount(session, bank, settings):
    client = add_client(session, tier="wealth", aum="5000000")
    add_movement(session, client, "900000", local(WEDNESDAY), direction="in")
    add_movement(session, client, "300000", local(WEDNESDAY), direction="out")
    add_movement(session, client, "250000", local(WEDNESDAY), direction="out", other_bank=True, bank="招商银行")
    add_movement(session, client, "800000", local(WEDNESDAY), direction="out", other_bank=True, bank="建设银行")
    add_movement(session, client, "400000", local(WEDNESDAY), direction="in")
    found = lists.movements(session, who(session), today=WEDNESDAY, days=7, settings=settings)
    assert [(i.kind, i.amount, i.counterparty_bank) for i in found.items] == [
        ("attrition", Decimal("800000.00"), "建设银行"), ("attrition", Decimal("250000.00"), "招商银行"),
        ("outflow", Decimal("300000.00"), ""), ("inflow", Decimal("900000.00"), ""), ("inflow", Decimal("400000.00"), ""),
    ]
    assert [(t.kind, t.count, t.amount) for t in found.totals] == [
        ("attrition", 2, Decimal("1050000.00")), ("outflow", 1, Decimal("300000.00")), ("inflow", 2, Decimal("1300000.00")),
    ]


def test_the_window_runs_from_local_midnight_days_ago_to_the_end_of_today(session, bank, settings):
    client = add_client(session, tier="wealth", aum="5000000")
    first = local(WEDNESDAY - timedelta(days=7), time(0))
    add_movement(session, client, "300000", first)
    add_movement(session, client, "400000", first - timedelta(seconds=1))
    add_movement(session, client, "500000", local(WEDNESDAY + timedelta(days=1), time(0)))
    found = lists.movements(session, who(session), today=WEDNESDAY, days=7, settings=settings).items
    assert [(i.amount, i.at) for i in found] == [(Decimal("300000.00"), first.astimezone(UTC))]
    with pytest.raises(lists.BadDays):
        lists.movements(session, who(session), today=WEDNESDAY, days=91, settings=settings)


# --- the book ----------------------------------------------------------------------------------


def test_the_book_counts_clients_aum_coverage_follow_ups_and_overdue_by_tier(session, bank, settings):
    add_client(session, tier="private", aum="3000000", last_contact_at=local(WEDNESDAY - timedelta(days=14)))
    add_client(session, tier="private", aum="2500000.50", last_contact_at=local(WEDNESDAY - timedelta(days=15)))
    add_client(session, tier="wealth", aum="300000", next_follow_up=WEDNESDAY, last_contact_at=local(WEDNESDAY))
    add_client(session, tier="mass", aum="1000", lost_contact=True)
    corporate = add_client(session, tier="class3", aum="0", deposits=Decimal(20000000))
    add_contacts(session, corporate, local(date(2026, 11, 2)))
    add_client(session, rm="E00006", tier="private", aum="9000000")
    book = lists.book(session, who(session), today=WEDNESDAY, settings=settings)
    assert [(t.tier, t.clients, t.aum, t.overdue, t.coverage) for t in book.tiers] == [
        ("private", 2, Decimal("5500000.50"), 1, 0.5), ("wealth", 1, Decimal("300000.00"), 0, 1.0),
        ("mass", 1, Decimal("1000.00"), 0, None), ("class3", 1, Decimal("0.00"), 0, 1.0),
    ]
    assert (book.clients, book.aum, book.deposits) == (5, Decimal("5801000.50"), Decimal("20000000.00"))
    assert (book.with_cadence, book.covered, book.coverage) == (4, 3, 0.75)
    assert (book.follow_ups_due, book.overdue, book.lost_contact) == (1, 1, 1)


# --- today's digest ----------------------------------------------------------------------------


def test_the_digest_puts_its_sections_in_order_each_capped_with_the_count_of_the_rest(session, bank, settings):
    yesterday = WEDNESDAY - timedelta(days=1)
    leaving = add_client(session, tier="private", aum="9000000", last_contact_at=local(yesterday - timedelta(days=3)))
    add_movement(session, leaving, "2000000", local(yesterday, time(0)), other_bank=True, bank="招商银行")
    add_movement(session, leaving, "3000000", local(yesterday - timedelta(days=1), time(23, 59)), other_bank=True)
    add_movement(session, leaving, "4000000", local(WEDNESDAY), direction="in")
    birthday = add_client(session, tier="premium", aum="150000", birthday=date(1966, 11, 18), last_contact_at=local(WEDNESDAY))
    follow_up = add_client(session, tier="basic", aum="60000", next_follow_up=WEDNESDAY, last_contact_at=local(WEDNESDAY))
    overdue = [add_client(session, tier="wealth") for _ in range(7)]
    add_client(session, tier="class3", aum="0")
    add_client(session, tier="basic", aum="60000", lost_contact=True)
    digest = lists.today(session, who(session), today=WEDNESDAY, settings=settings)
    assert [s.name for s in digest.sections] == ["attrition", "birthdays_today", "follow_ups", "overdue", "upcoming_birthdays", "changes"]
    assert [(i.client_id, i.amount) for i in digest.attrition.items] == [(leaving, Decimal("2000000.00"))]
    assert [(i.client_id, i.milestone) for i in digest.birthdays_today.items] == [(birthday, 60)]
    assert [i.client_id for i in digest.follow_ups.items] == [follow_up]
    assert ([i.client_id for i in digest.overdue.items], digest.overdue.total, digest.overdue.more) == (overdue[:5], 9, 4)
    assert digest.overdue.by_tier == (("wealth", 7), ("basic", 1), ("class3", 1))  # all tiers, not just the first five
    assert digest.upcoming_birthdays.total == 0 and not digest.is_empty


def test_birthday_reminders_follow_each_tiers_lead_days(session, bank, settings):
    # lead days: private 7, 1, 0; wealth 1, 0; mass none.
    private_in_7 = add_client(session, tier="private", aum="3000000", birthday=date(1970, 11, 25), last_contact_at=local(WEDNESDAY))
    add_client(session, tier="wealth", birthday=date(1970, 11, 25), last_contact_at=local(WEDNESDAY))
    wealth_in_1 = add_client(session, tier="wealth", birthday=date(1970, 11, 19), last_contact_at=local(WEDNESDAY))
    add_client(session, tier="private", aum="3000000", birthday=date(1970, 11, 21), last_contact_at=local(WEDNESDAY))
    add_client(session, tier="mass", aum="100", birthday=date(1970, 11, 18))
    digest = lists.today(session, who(session), today=WEDNESDAY, settings=settings)
    assert digest.birthdays_today.total == 0
    assert [(i.client_id, i.days) for i in digest.upcoming_birthdays.items] == [(wealth_in_1, 1), (private_in_7, 7)]


def test_on_a_friday_the_digest_also_reminds_of_the_weekends_birthdays(session, bank, settings):
    friday = date(2026, 11, 20)
    sunday_basic = add_client(session, tier="basic", aum="60000", birthday=date(1980, 11, 22), last_contact_at=local(friday))
    monday_basic = add_client(session, tier="basic", aum="60000", birthday=date(1980, 11, 23), last_contact_at=local(friday))
    assert lists.reminder_days(friday, settings.schedule) == [friday, date(2026, 11, 21), date(2026, 11, 22)]
    on_friday = lists.today(session, who(session), today=friday, settings=settings)
    assert [(i.client_id, i.days) for i in on_friday.upcoming_birthdays.items] == [(sunday_basic, 2)]
    on_monday = lists.today(session, who(session), today=date(2026, 11, 23), settings=settings)
    assert [i.client_id for i in on_monday.birthdays_today.items] == [monday_basic]


def test_an_empty_book_makes_an_empty_digest(session, bank, settings):
    digest = lists.today(session, who(session), today=WEDNESDAY, settings=settings)
    assert digest.is_empty and all(s.items == () and s.more == 0 for s in digest.sections)


# --- who sees what -----------------------------------------------------------------------------


def _everything_for(session, owner: str) -> int:
    """A client of `owner` that shows up in every list on WEDNESDAY."""
    client = add_client(session, rm=owner, tier="private", aum="3000000", birthday=date(1966, 11, 18), next_follow_up=WEDNESDAY)
    add_movement(session, client, "5000000", local(WEDNESDAY - timedelta(days=1)), other_bank=True)
    return client


def _seen(session, employee_no: str, settings) -> dict[str, set[int]]:
    viewer = who(session, employee_no)
    args = {"today": WEDNESDAY, "settings": settings}
    digest = lists.today(session, viewer, **args)
    return {
        "due": {i.client_id for i in lists.due(session, viewer, **args).items},
        "birthdays": {i.client_id for i in lists.birthdays(session, viewer, days=7, **args).items},
        "movements": {i.client_id for i in lists.movements(session, viewer, days=7, **args).items},
        "book": {lists.book(session, viewer, **args).clients},
        "today": {i.client_id for s in digest.sections for i in s.items},
    }


def test_an_rm_never_sees_another_rms_clients_in_any_list(session, bank, settings):
    mine = _everything_for(session, "E00004")
    teammate = _everything_for(session, "E00005")
    other_team = _everything_for(session, "E00006")
    seen = _seen(session, "E00004", settings)
    assert seen == {"due": {mine}, "birthdays": {mine}, "movements": {mine}, "book": {1}, "today": {mine}}
    assert _seen(session, "E00005", settings)["today"] == {teammate}
    assert _seen(session, "E00006", settings)["due"] == {other_team}


def test_a_team_lead_sees_the_teams_clients_and_a_branch_head_everything_under_the_branch(session, bank, settings):
    mine = _everything_for(session, "E00004")
    teammate = _everything_for(session, "E00005")
    other_team = _everything_for(session, "E00006")
    lead = _seen(session, "E00003", settings)
    assert lead["due"] == lead["birthdays"] == lead["movements"] == lead["today"] == {mine, teammate}
    assert lead["book"] == {2}
    head = _seen(session, "E00002", settings)
    assert head["due"] == head["movements"] == head["today"] == {mine, teammate, other_team}


def test_the_digest_counts_small_outflows_of_one_day_that_together_reach_the_line(session, bank, settings):
    client = add_client(session, tier="wealth", aum="1000000", last_contact_at=local(WEDNESDAY - timedelta(days=5)))
    add_movement(session, client, "120000", local(WEDNESDAY, time(9)), other_bank=True, bank="招商银行")
    add_movement(session, client, "90000", local(WEDNESDAY, time(10)), other_bank=True, bank="招商银行")
    add_movement(session, client, "150000", local(WEDNESDAY - timedelta(days=1), time(10)), other_bank=True, bank="招商银行")
    digest = lists.today(session, who(session), today=WEDNESDAY, settings=settings)
    assert [(i.client_id, i.amount, i.transactions) for i in digest.attrition.items] == [(client, Decimal("210000.00"), 2)]
    assert digest.attrition.total == 1
