"""The RM's lists: follow-ups and overdue clients, birthdays, large movements, the book at a glance,
and the morning digest that puts them together.

Each list is set-based SQL inside `visible_clients(viewer)`, ordered and paginated by the database
(a branch head may see a million clients); Python only shapes the page it gets back. Days are the
viewer's local days (their time zone, else the bank's): cut-offs are local midnights computed here
and compared with stored instants in SQL. The rules are those of `domain.rules` and
`domain.calendar`, restated as SQL where a whole book has to be filtered.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    true,
    type_coerce,
)
from sqlmodel import Session, select

from domain.access import Viewer, visibility_parameters, visibility_shape, visible_clients, visible_clients_clause
from domain.calendar import is_workday, lunar_year_of, next_lunar_birthday, next_solar_birthday, solar_to_lunar
from domain.errors import DomainError
from domain.models import Alert, Client, Direction, Interaction, ReminderHold, Transaction
from domain.rules import (
    ContactClass,
    Tier,
    corporate_contacts_expected,
    corporate_contacts_required,
    personal_overdue_days,
)
from domain.types import UTCDateTime, from_fen, to_fen

if TYPE_CHECKING:
    from bot.config import MovementSettings, ScheduleSettings, Settings

PAGE_SIZE = 8
DIGEST_CAP = 5
DEFAULT_DAYS = 7
MAX_BIRTHDAY_DAYS = 60
MAX_MOVEMENT_DAYS = 90
MAX_DAYS_OFF = 14
"""The longest run of non-working days (Spring Festival, National Day) the digest looks across."""

TIER_ORDER: tuple[str, ...] = (*(t.value for t in Tier), *(c.value for c in ContactClass))
"""Most important first: personal tiers private → mass, then corporate classes 1 → 3."""
CORPORATE_TIERS: tuple[str, ...] = tuple(c.value for c in ContactClass)
_LONG_AGO = datetime(1900, 1, 1, tzinfo=UTC)

T = TypeVar("T")


class BadDays(DomainError):
    """A number of days the lists cannot use: not a number (`number` is None), or more than `limit`."""

    code = "bad_days"

    def __init__(self, detail: str, limit: int, number: int | None = None) -> None:
        super().__init__(detail)
        self.limit = limit
        self.number = number


_DAYS = re.compile(r"(\d{1,6})\s*(?:天|日|d|days?)?", re.IGNORECASE)


def parse_days(text: str | None, *, default: int = DEFAULT_DAYS, limit: int) -> int:
    """`14`, `14天`, `14 days` → 14; nothing typed → `default`; anything else, or more than `limit`, is BadDays."""
    typed = unicodedata.normalize("NFKC", text or "").strip()
    if not typed:
        return default
    match = _DAYS.fullmatch(typed)
    if match is None:
        raise BadDays(typed[:20], limit)
    return check_days(int(match[1]), limit)


def check_days(days: int, limit: int) -> int:
    if not 0 <= days <= limit:
        raise BadDays(str(days), limit, days)
    return days


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `total` counts the whole list."""

    items: tuple[T, ...]
    page: int
    total: int
    days: int | None = None
    """The window the list covers, for the lists that take one."""

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))

    @property
    def offset(self) -> int:
        """How many items come before this page (item numbers start at offset + 1)."""
        return self.page * PAGE_SIZE

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True)
class Section(Generic[T]):
    """One part of the digest: its first items and how many there are in all."""

    name: str
    items: tuple[T, ...]
    total: int
    by_tier: tuple[tuple[str, int], ...] = ()
    """Counts per tier (most important first), where the digest gives them."""

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


def _zone(viewer: Viewer, settings: Settings) -> ZoneInfo:
    return ZoneInfo(viewer.time_zone or settings.schedule.time_zone)


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day begins."""
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _instant(value: datetime) -> ColumnElement[datetime]:
    return literal(value, UTCDateTime())


def _fen(column: Any) -> ColumnElement[int]:
    """A money column as the integer fen the database holds (so arithmetic is not re-bound as yuan)."""
    return type_coerce(column, BigInteger)


def _tier_rank(column: Any = Client.tier) -> ColumnElement[int]:
    return case({tier: rank for rank, tier in enumerate(TIER_ORDER)}, value=column, else_=len(TIER_ORDER))


def _by_tier_order(tier: str) -> tuple[int, str]:
    return (TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER), tier)


def _local_day(instant: datetime | None, zone: ZoneInfo) -> date | None:
    return instant.astimezone(zone).date() if instant else None


def _fetch_page(session: Session, query: Any, page: int) -> tuple[Sequence[Any], int, int]:
    """Rows of `page` of `query` (whose last column is `count(*) OVER ()`), the total, and the page
    actually shown: a page past the end (the list shrank since the button was drawn) shows the last."""
    page = max(page, 0)
    rows = session.exec(query.offset(page * PAGE_SIZE).limit(PAGE_SIZE)).all()
    if rows or page == 0:
        return rows, (rows[0][-1] if rows else 0), page
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    if not total:
        return [], 0, 0
    last = (total - 1) // PAGE_SIZE
    rows = session.exec(query.offset(last * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return rows, (rows[0][-1] if rows else total), last


def _fetch_top(session: Session, query: Any, cap: int) -> tuple[Sequence[Any], int]:
    """The first `cap` rows of `query` (whose last column is `count(*) OVER ()`) and the total."""
    rows = session.exec(query.limit(max(cap, 1))).all()
    return rows[:cap], (rows[0][-1] if rows else 0)


# --- follow-ups and overdue clients -------------------------------------------------------------


class DueReason(StrEnum):
    follow_up = "follow_up"
    """A follow-up the RM promised is due today or was missed."""
    overdue = "overdue"
    """A personal client not contacted within the tier's cadence (never contacted counts)."""
    corporate_behind = "corporate_behind"
    """A corporate client with fewer contacts this month than due by today."""
    lost_contact = "lost_contact"
    """On the red list (失联) and not otherwise due."""


@dataclass(frozen=True)
class DueItem:
    client_id: int
    client_no: str
    name: str
    tier: str
    reason: DueReason
    days: int | None
    """How late: days past the follow-up date (0 = due today) or past the cadence; None otherwise."""
    last_contact: datetime | None
    since_contact: int | None
    """Local days since the last contact; None when never contacted."""
    follow_up: date | None
    contacts: int | None
    """Corporate clients: contacts logged this month (by anyone)."""
    expected: int | None
    """Corporate clients: the RM's contacts due by today this month (`rules.corporate_contacts_expected`)."""
    lost_contact: bool
    rm_id: int | None = None
    """The client's RM (filled where a list names them: the export)."""


_FOLLOW_UP, _OVERDUE, _LOST = 0, 1, 2


@dataclass(frozen=True)
class _DueTerms:
    """Who is due on `today`, as SQL conditions on `Client`."""

    follow_up: ColumnElement[bool]
    overdue: ColumnElement[bool]
    behind: ColumnElement[bool]
    lost: ColumnElement[bool]
    contacts: ColumnElement[int]
    expected: dict[str, int]
    urgency: ColumnElement[datetime]
    """Sorts the overdue most overdue first: the last contact, or for a client never contacted the
    day that makes them overdue by the whole cadence (`rules.personal_overdue_days`)."""
    with_cadence: frozenset[str]

    @classmethod
    def on(cls, today: date, zone: ZoneInfo, settings: Settings) -> _DueTerms:
        cadence = settings.cadence
        overdue, never = [], []
        for tier, days in cadence.personal_days.items():
            cutoff = _start_of(today - timedelta(days=days), zone)
            overdue.append(and_(Client.tier == tier, or_(Client.last_contact_at.is_(None), Client.last_contact_at < cutoff)))
            as_if = _instant(_start_of(today - timedelta(days=2 * days), zone))
            never.append((Client.tier == tier, func.coalesce(Client.last_contact_at, as_if)))
        expected = {
            c.value: corporate_contacts_expected(contact_class=c, on=today, cadence=cadence, role="rm") for c in ContactClass
        }
        required = {c.value for c in ContactClass if corporate_contacts_required(contact_class=c, cadence=cadence, role="rm")}
        behind_classes = {tier: n for tier, n in expected.items() if n > 0}
        contacts = (
            select(func.count())
            .where(
                Interaction.client_id == Client.id,
                Interaction.occurred_at >= _start_of(today.replace(day=1), zone),
                Interaction.occurred_at < _start_of(today + timedelta(days=1), zone),
            )
            .scalar_subquery()
        )
        behind = (
            and_(Client.tier.in_(list(behind_classes)), contacts < case(behind_classes, value=Client.tier))
            if behind_classes
            else false()
        )
        fallback = func.coalesce(Client.last_contact_at, _instant(_LONG_AGO))
        return cls(
            follow_up=Client.next_follow_up <= today,
            overdue=or_(*overdue) if overdue else false(),
            behind=behind,
            lost=Client.lost_contact.is_(True),
            contacts=contacts,
            expected=expected,
            urgency=case(*never, else_=fallback) if never else fallback,
            with_cadence=frozenset(cadence.personal_days) | required,
        )


def _due_rows(viewer: Viewer, terms: _DueTerms, visible: ColumnElement[bool] | None = None, *, named: bool = True) -> Any:
    """The viewer's due clients with their group (follow-up, overdue, lost contact), as a subquery
    (`visible`: the visibility rule with parameters instead of the viewer's values; `named=False`
    leaves out the number and name, so that an RM's-book index alone can answer it)."""
    group = case((terms.follow_up, _FOLLOW_UP), (or_(terms.overdue, terms.behind), _OVERDUE), else_=_LOST)
    return (
        select(
            Client.id,
            *((Client.client_no, Client.name) if named else ()),
            Client.tier,
            Client.next_follow_up,
            Client.last_contact_at,
            Client.lost_contact,
            case((Client.tier.in_(CORPORATE_TIERS), terms.contacts)).label("contacts"),
            group.label("grp"),
            terms.urgency.label("urgency"),
            _tier_rank().label("rank"),
        )
        .where(visible_clients(viewer) if visible is None else visible, or_(terms.follow_up, terms.overdue, terms.behind, terms.lost))
        .subquery()
    )


def _due_order(c: Any, today: date) -> list[Any]:
    """Follow-ups first (today's, then the longest missed), then the overdue by tier and how
    overdue, then the rest of the red list."""
    return [
        c.grp,
        case((and_(c.grp == _FOLLOW_UP, c.next_follow_up == today), 0), else_=1),
        case((c.grp == _FOLLOW_UP, c.next_follow_up)),
        c.rank,
        c.urgency,
        c.id,
    ]


def _due_columns(c: Any) -> list[Any]:
    return [c.id, c.client_no, c.name, c.tier, c.next_follow_up, c.last_contact_at, c.lost_contact, c.contacts, c.grp]


def _due_item(row: Any, today: date, zone: ZoneInfo, terms: _DueTerms, settings: Settings) -> DueItem:
    last_day = _local_day(row.last_contact_at, zone)
    corporate = row.tier in CORPORATE_TIERS
    days = None
    if row.grp == _FOLLOW_UP:
        reason, days = DueReason.follow_up, (today - row.next_follow_up).days
    elif row.grp == _OVERDUE and corporate:
        reason = DueReason.corporate_behind
    elif row.grp == _OVERDUE:
        reason = DueReason.overdue
        days = personal_overdue_days(tier=row.tier, last_contact=last_day, on=today, cadence=settings.cadence)
    else:
        reason = DueReason.lost_contact
    return DueItem(
        client_id=row.id,
        client_no=row.client_no,
        name=row.name,
        tier=row.tier,
        reason=reason,
        days=days,
        last_contact=row.last_contact_at,
        since_contact=(today - last_day).days if last_day else None,
        follow_up=row.next_follow_up,
        contacts=row.contacts if corporate else None,
        expected=terms.expected.get(row.tier) if corporate else None,
        lost_contact=bool(row.lost_contact),
        rm_id=row._mapping.get("rm_id"),
    )


def due(session: Session, viewer: Viewer, *, today: date, settings: Settings, page: int = 0) -> Page[DueItem]:
    """Follow-ups due and missed, clients past their cadence, corporate clients behind this month's
    contacts, and the rest of the lost-contact red list: most important first."""
    zone = _zone(viewer, settings)
    terms = _DueTerms.on(today, zone, settings)
    c = _due_rows(viewer, terms).c
    query = select(*_due_columns(c), func.count().over()).order_by(*_due_order(c, today))
    rows, total, shown = _fetch_page(session, query, page)
    return Page(tuple(_due_item(row, today, zone, terms, settings) for row in rows), shown, total)


def all_due(session: Session, viewer: Viewer, *, today: date, settings: Settings, limit: int) -> list[DueItem]:
    """The whole due list in its order, up to `limit` (for an export, not a chat page)."""
    zone = _zone(viewer, settings)
    terms = _DueTerms.on(today, zone, settings)
    # ranked from the (RM, tier, …) index alone, a branch's unit test not driving; only the first
    # `limit` are then looked up by key for their number and name
    c = _due_rows(viewer, terms, visible_clients(viewer, drive=False), named=False).c
    ranked = select(*c).order_by(*_due_order(c, today)).limit(limit).subquery()
    r = ranked.c
    named = (
        select(r.id, Client.client_no, Client.name, r.tier, r.next_follow_up, r.last_contact_at, r.lost_contact, r.contacts, r.grp,
               Client.rm_id)
        .join(Client, Client.id == r.id).order_by(*_due_order(r, today))
    )
    return [_due_item(row, today, zone, terms, settings) for row in session.exec(named).all()]


# --- birthdays ----------------------------------------------------------------------------------


class BirthdayCalendar(StrEnum):
    solar = "solar"
    lunar = "lunar"


@dataclass(frozen=True)
class BirthdayItem:
    client_id: int
    client_no: str
    name: str
    tier: str
    calendar: BirthdayCalendar
    on: date
    """The (solar) day the birthday falls on."""
    days: int
    """Days away: 0 is today."""
    age: int | None
    """Age turning, when the year of birth is known (for a lunar birthday, counted in lunar years)."""
    milestone: int | None
    """The age when it is one of `settings.birthdays.milestones` (60, 70 …)."""
    lunar_month: int | None = None
    lunar_day: int | None = None
    lunar_leap: bool = False
    """The lunar birthday as recorded (for a lunar birthday)."""


@lru_cache(maxsize=64)
def _birthday_window(start: date, end: date) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[tuple[int, int, bool], int], ...]]:
    """Which solar `birth_md` and which lunar (month, day, leap) have their next birthday in
    [start, end], with the days away: candidates from the window's own days (plus the 29 February,
    lunar day-30 and leap-month fallbacks), kept only when the calendar rule puts them inside."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    solar_candidates = {d.month * 100 + d.day for d in days}
    if any((d.month, d.day) == (2, 28) for d in days):
        solar_candidates.add(229)
    solar = []
    for md in sorted(solar_candidates):
        next_day = next_solar_birthday(date(2000, md // 100, md % 100), start)
        if next_day <= end:
            solar.append((md, (next_day - start).days))
    lunar_days = [solar_to_lunar(d) for d in [*days, end + timedelta(days=1)]]
    pairs = set()
    for (month, day, _), (_, day_after, _) in pairwise(lunar_days):
        pairs.add((month, day))
        if day == 29 and day_after == 1:
            pairs.add((month, 30))
    lunar = []
    for month, day in sorted(pairs):
        for leap in (False, True):
            next_day = next_lunar_birthday(month, day, leap, start)
            if next_day <= end:
                lunar.append(((month, day, leap), (next_day - start).days))
    return tuple(solar), tuple(lunar)


def _birthday_query(viewer: Viewer, today: date, end: date, visible: ColumnElement[bool] | None = None) -> Any:
    """Clients whose next birthday falls in [today, end], with `days` away, as a subquery.

    A client with a lunar birthday on record keeps that one (as `domain.summary` counts them);
    the others keep their solar birthday.
    """
    solar, lunar = _birthday_window(today, end)
    solar_only = Client.lunar_birth_month.is_(None)
    solar_days = case(dict(solar), value=Client.birth_md) if solar else null()
    lunar_days = (
        case(*(
            (and_(Client.lunar_birth_month == m, Client.lunar_birth_day == d, Client.lunar_birth_leap == leap), n)
            for (m, d, leap), n in lunar
        ))
        if lunar
        else null()
    )
    # Candidates by index only (birth_md; lunar month and days): `days` tells solar from lunar, and
    # a condition on `lunar_birth_month IS NULL` here would lead SQLite to walk that index instead.
    candidates = [Client.birth_md.in_([md for md, _ in solar])] if solar else []
    lunar_days_by_month: dict[int, set[int]] = {}
    for (month, day, _), _ in lunar:
        lunar_days_by_month.setdefault(month, set()).add(day)
    candidates += [
        and_(Client.lunar_birth_month == month, Client.lunar_birth_day.in_(sorted(days)))
        for month, days in sorted(lunar_days_by_month.items())
    ]
    return (
        select(
            Client.id,
            Client.client_no,
            Client.name,
            Client.tier,
            Client.birthday,
            Client.lunar_birth_month,
            Client.lunar_birth_day,
            Client.lunar_birth_leap,
            Client.rm_id,
            case((solar_only, solar_days), else_=lunar_days).label("days"),
            _tier_rank().label("rank"),
        )
        .where(visible_clients(viewer) if visible is None else visible, or_(*candidates) if candidates else false())
        .subquery()
    )


def _ordered_birthdays(inner: Any, *where: ColumnElement[bool]) -> Any:
    c = inner.c
    return (
        select(
            c.id, c.client_no, c.name, c.tier, c.birthday, c.lunar_birth_month, c.lunar_birth_day, c.lunar_birth_leap, c.days,
            func.count().over(),
        )
        .where(c.days.is_not(None), *where)
        .order_by(c.days, c.rank, c.id)
    )


def age_on(on: date, born: date | None, *, lunar: bool) -> int | None:
    """The age a birthday on `on` is (by lunar years for a lunar birthday); None without a birth date."""
    if born is None:
        return None
    return lunar_year_of(on) - lunar_year_of(born) if lunar else on.year - born.year


def _birthday_item(row: Any, today: date, settings: Settings) -> BirthdayItem:
    on = today + timedelta(days=row.days)
    lunar = row.lunar_birth_month is not None
    age = age_on(on, row.birthday, lunar=lunar)
    return BirthdayItem(
        client_id=row.id,
        client_no=row.client_no,
        name=row.name,
        tier=row.tier,
        calendar=BirthdayCalendar.lunar if lunar else BirthdayCalendar.solar,
        on=on,
        days=row.days,
        age=age,
        milestone=age if age in settings.birthdays.milestones else None,
        lunar_month=row.lunar_birth_month,
        lunar_day=row.lunar_birth_day,
        lunar_leap=bool(row.lunar_birth_leap) if lunar else False,
    )


def birthdays(
    session: Session, viewer: Viewer, *, today: date, days: int = DEFAULT_DAYS, settings: Settings, page: int = 0
) -> Page[BirthdayItem]:
    """Solar and lunar birthdays from today to `days` days on (at most MAX_BIRTHDAY_DAYS, else
    BadDays), soonest first, higher tiers first on the same day."""
    check_days(days, MAX_BIRTHDAY_DAYS)
    query = _ordered_birthdays(_birthday_query(viewer, today, today + timedelta(days=days)))
    rows, total, shown = _fetch_page(session, query, page)
    return Page(tuple(_birthday_item(row, today, settings) for row in rows), shown, total, days)


# --- large movements ----------------------------------------------------------------------------


class MovementKind(StrEnum):
    attrition = "attrition"
    """Out to another bank: call the client the same day."""
    outflow = "outflow"
    inflow = "inflow"
    """A sales chance."""


_KIND_ORDER = (MovementKind.attrition, MovementKind.outflow, MovementKind.inflow)


@dataclass(frozen=True)
class MovementItem:
    transaction_id: int
    client_id: int
    client_no: str
    name: str
    tier: str
    at: datetime
    amount: Decimal
    direction: str
    other_bank: bool
    counterparty_bank: str
    threshold: Decimal
    """The client's large-movement line (`rules.large_movement_threshold`)."""
    transactions: int = 1
    """More than 1: a same-day total of this many transfers, each under the line, together at or
    over it (`transaction_id` and `at` are the latest's)."""
    rm_id: int | None = None
    """The client's RM (filled where a list names them: the export)."""

    @property
    def kind(self) -> MovementKind:
        if self.direction == Direction.outflow:
            return MovementKind.attrition if self.other_bank else MovementKind.outflow
        return MovementKind.inflow


@dataclass(frozen=True)
class KindTotal:
    kind: MovementKind
    count: int
    amount: Decimal


@dataclass(frozen=True)
class MovementPage(Page[MovementItem]):
    totals: tuple[KindTotal, ...] = ()
    """Per kind over the whole list (not just this page), in list order."""


def large_movement_threshold_fen(movements: MovementSettings) -> ColumnElement[int]:
    """`rules.large_movement_threshold` as SQL on `Client`, in integer fen: the tier's line (corporate
    classes: "corporate"; unknown tiers: "mass"), or `share_of_aum` of AUM rounded half-even to the
    fen like `Decimal.quantize`, whichever is lower; no usable share means the line."""
    lines = {tier: to_fen(amount) for tier, amount in movements.absolute.items() if amount}

    def line_of(key: str) -> ColumnElement[int]:
        return literal(lines[key], BigInteger) if key in lines else null()

    fallback = case((Client.tier.startswith("class"), line_of("corporate")), else_=line_of("mass"))
    line = case(*((Client.tier == tier, literal(fen, BigInteger)) for tier, fen in lines.items()), else_=fallback)
    numerator, denominator = Decimal(movements.share_of_aum).as_integer_ratio()
    aum = _fen(Client.aum)
    scaled = aum * literal(numerator, BigInteger)
    whole = scaled // literal(denominator, BigInteger)
    rest = scaled % literal(denominator, BigInteger)
    round_up = case((rest * 2 > denominator, 1), (and_(rest * 2 == denominator, whole % 2 == 1), 1), else_=0)
    share = whole + round_up
    return case((and_(aum > 0, share > 0, share < line), share), else_=line)


def _movement_query(
    viewer: Viewer, since: datetime, until: datetime, settings: Settings, *also: ColumnElement[bool], attrition_only: bool = False,
    visible: ColumnElement[bool] | None = None,
) -> Any:
    """Large movements in [since, until), in list order. The kind is filtered with plain column
    conditions, not the ordering CASE, so that the planner can estimate how many rows it keeps.

    The movements are found first, from what the (time, client, amount, direction, bank) index and
    each client's AUM and tier say, and only those are then read whole: a branch's week is half a
    million transactions, of which a few thousand are large."""
    outflow = Transaction.direction == Direction.outflow.value
    kind = _movement_kind()
    threshold = large_movement_threshold_fen(settings.movements)
    amount = _fen(Transaction.amount)
    found = (
        select(Transaction.id)
        .select_from(Transaction)
        .join(Client, Client.id == Transaction.client_id)
        .where(
            visible_clients(viewer) if visible is None else visible,
            Transaction.occurred_at >= since,
            Transaction.occurred_at < until,
            amount >= threshold,
            and_(outflow, Transaction.other_bank.is_(True)) if attrition_only else true(),
            *also,
        )
        .correlate(None)  # its own transactions and clients, not the outer query's
    )
    per_kind = []
    for index in range(len(_KIND_ORDER)):
        per_kind.append(func.sum(case((kind == index, 1), else_=0)).over())
        per_kind.append(func.sum(case((kind == index, amount), else_=0)).over())
    return (
        select(
            Transaction.id,
            Client.id.label("client_id"),
            Client.client_no,
            Client.name,
            Client.tier,
            Client.rm_id,
            Transaction.occurred_at,
            Transaction.amount,
            Transaction.direction,
            Transaction.other_bank,
            Transaction.counterparty_bank,
            threshold.label("threshold"),
            *per_kind,
            func.count().over(),
        )
        .select_from(Transaction)
        .join(Client, Client.id == Transaction.client_id)
        .where(Transaction.id.in_(found))
        .order_by(kind, Transaction.amount.desc(), Transaction.occurred_at.desc(), Transaction.id)
    )


def _movement_kind() -> ColumnElement[int]:
    outflow = Transaction.direction == Direction.outflow.value
    return case(
        (and_(outflow, Transaction.other_bank.is_(True)), _KIND_ORDER.index(MovementKind.attrition)),
        (outflow, _KIND_ORDER.index(MovementKind.outflow)),
        else_=_KIND_ORDER.index(MovementKind.inflow),
    )


def _same_day_totals_query(
    viewer: Viewer, days: Sequence[tuple[date, datetime, datetime]], settings: Settings, *also: ColumnElement[bool],
    attrition_only: bool = False, visible: ColumnElement[bool] | None = None,
) -> Any:
    """A client's transfers of one kind on one local day (`days`: each day with its start and end
    instants), each under the client's line but together at or over it: one row per client, day
    and kind, with the total, the count, and the latest transfer's id, time and bank."""
    threshold = large_movement_threshold_fen(settings.movements)
    amount = _fen(Transaction.amount)
    day = case(*((Transaction.occurred_at < end, literal(d, type_=Date())) for d, _, end in days[:-1]), else_=literal(days[-1][0], type_=Date()))
    kind = _movement_kind()
    outflow = Transaction.direction == Direction.outflow.value
    grouped = (
        select(
            func.max(Transaction.id).label("id"),
            Client.id.label("client_id"),
            Client.client_no,
            Client.name,
            Client.tier,
            func.max(Transaction.occurred_at).label("occurred_at"),
            type_coerce(func.sum(amount), BigInteger).label("total_fen"),
            func.min(Transaction.direction).label("direction"),
            func.max(case((Transaction.other_bank.is_(True), 1), else_=0)).label("other_bank"),
            func.max(Transaction.counterparty_bank).label("counterparty_bank"),
            func.max(threshold).label("threshold"),
            func.count().label("transactions"),
            day.label("day"),
            kind.label("kind"),
        )
        .select_from(Transaction)
        .join(Client, Client.id == Transaction.client_id)
        .where(
            visible_clients(viewer) if visible is None else visible,
            Transaction.occurred_at >= days[0][1],
            Transaction.occurred_at < days[-1][2],
            amount < threshold,
            and_(outflow, Transaction.other_bank.is_(True)) if attrition_only else true(),
            *also,
        )
        .group_by(Client.id, day, kind)
        .having(func.count() > 1, func.sum(amount) >= func.max(threshold))
        .subquery()
    )
    g = grouped.c
    return select(*g, func.count().over()).order_by(g.kind, g.total_fen.desc(), g.occurred_at.desc(), g.id)


def _total_item(row: Any) -> MovementItem:
    return MovementItem(
        transaction_id=row.id, client_id=row.client_id, client_no=row.client_no, name=row.name, tier=row.tier,
        at=row.occurred_at, amount=from_fen(int(row.total_fen)), direction=row.direction, other_bank=bool(row.other_bank),
        counterparty_bank=row.counterparty_bank or "", threshold=from_fen(int(row.threshold)), transactions=int(row.transactions),
    )


_FIRST_TOTAL = 12
"""Column of the first per-kind window sum in `_movement_query`."""


def _movement_item(row: Any) -> MovementItem:
    return MovementItem(
        transaction_id=row.id,
        client_id=row.client_id,
        client_no=row.client_no,
        name=row.name,
        tier=row.tier,
        at=row.occurred_at,
        amount=row.amount,
        direction=row.direction,
        other_bank=bool(row.other_bank),
        counterparty_bank=row.counterparty_bank,
        threshold=from_fen(int(row.threshold)),
        rm_id=row.rm_id,
    )


def _local_days(first: date, last: date, zone: ZoneInfo) -> list[tuple[date, datetime, datetime]]:
    """Each local day from `first` to `last` with the instants it starts and ends."""
    days = []
    day = first
    while day <= last:
        days.append((day, _start_of(day, zone), _start_of(day + timedelta(days=1), zone)))
        day += timedelta(days=1)
    return days


def _movement_window(viewer: Viewer, today: date, days: int, settings: Settings) -> tuple[datetime, datetime]:
    """From the start of the day `days` ago to the end of today (so 1 day means since yesterday)."""
    zone = _zone(viewer, settings)
    return _start_of(today - timedelta(days=days), zone), _start_of(today + timedelta(days=1), zone)


def movements(
    session: Session, viewer: Viewer, *, today: date, days: int = DEFAULT_DAYS, settings: Settings, page: int = 0
) -> MovementPage:
    """Large movements from the start of the day `days` ago to the end of today (`days` at most
    MAX_MOVEMENT_DAYS, else BadDays): outflows to other banks first, then other outflows, then
    inflows, largest first within each."""
    check_days(days, MAX_MOVEMENT_DAYS)
    since, until = _movement_window(viewer, today, days, settings)
    rows, total, shown = _fetch_page(session, _movement_query(viewer, since, until, settings), page)
    totals: tuple[KindTotal, ...] = ()
    if rows:
        sums = rows[0][_FIRST_TOTAL:_FIRST_TOTAL + 2 * len(_KIND_ORDER)]
        totals = tuple(
            KindTotal(kind, int(sums[2 * i]), from_fen(int(sums[2 * i + 1]))) for i, kind in enumerate(_KIND_ORDER)
        )
    return MovementPage(tuple(_movement_item(row) for row in rows), shown, total, days, totals)


def all_movements(session: Session, viewer: Viewer, *, since: datetime, until: datetime, settings: Settings, limit: int) -> list[MovementItem]:
    """Every large movement in [since, until) in list order, up to `limit` (for an export): found by
    time, each client then looked up by key (a branch's unit test must not drive: it would walk
    every client of the branch)."""
    query = _movement_query(viewer, since, until, settings, visible=visible_clients(viewer, drive=False))
    return [_movement_item(row) for row in session.exec(query.limit(limit)).all()]


# --- the book -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierLine:
    tier: str
    clients: int
    aum: Decimal
    deposits: Decimal
    with_cadence: bool
    """Whether the tier has a contact cadence (mass does not)."""
    overdue: int
    """Past the cadence (personal) or behind this month's contacts (corporate)."""
    follow_ups_due: int
    lost_contact: int

    @property
    def covered(self) -> int:
        return self.clients - self.overdue if self.with_cadence else 0

    @property
    def coverage(self) -> float | None:
        """Share of clients contacted within the cadence; None without a cadence."""
        return self.covered / self.clients if self.with_cadence and self.clients else None


@dataclass(frozen=True)
class Book:
    today: date
    tiers: tuple[TierLine, ...]
    """Most important tier first; only tiers that have clients."""

    @property
    def clients(self) -> int:
        return sum(t.clients for t in self.tiers)

    @property
    def aum(self) -> Decimal:
        return sum((t.aum for t in self.tiers), Decimal(0))

    @property
    def deposits(self) -> Decimal:
        return sum((t.deposits for t in self.tiers), Decimal(0))

    @property
    def with_cadence(self) -> int:
        return sum(t.clients for t in self.tiers if t.with_cadence)

    @property
    def covered(self) -> int:
        return sum(t.covered for t in self.tiers)

    @property
    def coverage(self) -> float | None:
        """Share of the clients that have a cadence who were contacted within it."""
        return self.covered / self.with_cadence if self.with_cadence else None

    @property
    def overdue(self) -> int:
        return sum(t.overdue for t in self.tiers)

    @property
    def follow_ups_due(self) -> int:
        return sum(t.follow_ups_due for t in self.tiers)

    @property
    def lost_contact(self) -> int:
        return sum(t.lost_contact for t in self.tiers)


def _count_where(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


def book(session: Session, viewer: Viewer, *, today: date, settings: Settings) -> Book:
    """The viewer's clients by tier: how many, AUM and deposits, coverage of the cadence, follow-ups
    due (today or missed), the overdue (as `due` decides them) and the lost-contact."""
    terms = _DueTerms.on(today, _zone(viewer, settings), settings)
    rows = session.exec(
        select(
            Client.tier,
            func.count(),
            func.sum(_fen(Client.aum)),
            func.sum(_fen(Client.deposits)),
            _count_where(or_(terms.overdue, terms.behind)),
            _count_where(terms.follow_up),
            _count_where(terms.lost),
        )
        .where(visible_clients(viewer))
        .group_by(Client.tier)
    ).all()
    lines = [
        TierLine(
            tier=tier,
            clients=count,
            aum=from_fen(int(aum or 0)),
            deposits=from_fen(int(deposits or 0)),
            with_cadence=tier in terms.with_cadence,
            overdue=int(overdue or 0),
            follow_ups_due=int(follow_ups or 0),
            lost_contact=int(lost or 0),
        )
        for tier, count, aum, deposits, overdue, follow_ups, lost in rows
    ]
    return Book(today, tuple(sorted(lines, key=lambda line: _by_tier_order(line.tier))))


# --- the morning digest -------------------------------------------------------------------------


class ChangeKind(StrEnum):
    aum_drop = "aum_drop"
    tier_change = "tier_change"
    dormant = "dormant"


@dataclass(frozen=True)
class ChangeItem:
    """A change in the book the scan found (`domain.alerts`: AUM falls, tier changes, dormancy)."""

    client_id: int
    client_no: str
    name: str
    tier: str
    kind: ChangeKind
    occasion: date
    peak: Decimal | None = None
    """AUM falls: the highest AUM of the days before, and `aum` the newest."""
    aum: Decimal | None = None
    to_tier: str | None = None
    """Tier changes: the tier the AUM now earns."""

    @property
    def fall(self) -> float | None:
        return None if not self.peak or self.aum is None else float((self.peak - self.aum) / self.peak)

    @property
    def upgrade(self) -> bool:
        return self.to_tier is not None and _by_tier_order(self.to_tier) < _by_tier_order(self.tier)


CHANGES_DAYS = 7
"""The digest shows the changes found in the last week that the RM has not marked done."""


def _changes_query(today: date, cap: int, zone: ZoneInfo) -> Any:
    """The RM's open book changes (the `visible_staff` parameter: the digest is of one's own book)."""
    return (
        select(Alert.client_id, Client.client_no, Client.name, Client.tier, Alert.kind, Alert.occasion, Alert.payload, func.count().over())
        .join(Client, Client.id == Alert.client_id)
        .where(
            Alert.staff_id == bindparam("visible_staff", type_=Integer),
            Alert.kind.in_([k.value for k in ChangeKind]),
            Alert.cleared_at.is_(None),
            Alert.status != "done",
            or_(Alert.snoozed_until.is_(None), Alert.snoozed_until <= today),
            Alert.created_at >= _start_of(today - timedelta(days=CHANGES_DAYS), zone),
        )
        .order_by(case({k.value: n for n, k in enumerate(ChangeKind)}, value=Alert.kind), _tier_rank(Client.tier), Alert.client_id)
        .limit(max(cap, 1))
    )


def _change_item(row: Any) -> ChangeItem:
    data = json.loads(row.payload or "{}")
    fen = lambda key: from_fen(int(data[key])) if key in data else None  # noqa: E731
    return ChangeItem(
        client_id=row.client_id, client_no=row.client_no, name=row.name, tier=row.tier, kind=ChangeKind(row.kind),
        occasion=row.occasion, peak=fen("peak_fen"), aum=fen("aum_fen"), to_tier=data.get("to"),
    )


@dataclass(frozen=True)
class Digest:
    """What the morning digest says on `today`: pure data, for /today and for the scheduled digest."""

    today: date
    attrition: Section[MovementItem]
    """Large outflows to other banks from the start of yesterday."""
    birthdays_today: Section[BirthdayItem]
    """Today's birthdays of the tiers whose lead days include 0."""
    follow_ups: Section[DueItem]
    """Follow-ups due today, then the missed ones."""
    overdue: Section[DueItem]
    """Overdue by tier (with counts per tier), corporate clients behind, the lost-contact red list."""
    upcoming_birthdays: Section[BirthdayItem]
    """Birthdays a tier's lead days (`settings.birthdays.lead_days`) remind of today."""
    changes: Section[ChangeItem] = Section("changes", (), 0)
    """AUM falls, tier changes and clients turned dormant the scan found this week, not yet done."""

    @property
    def sections(self) -> tuple[Section[Any], ...]:
        """In the order the digest shows them."""
        return (self.attrition, self.birthdays_today, self.follow_ups, self.overdue, self.upcoming_birthdays, self.changes)

    @property
    def is_empty(self) -> bool:
        return all(section.total == 0 for section in self.sections)


def reminder_days(today: date, schedule: ScheduleSettings) -> list[date]:
    """Today and the non-working days right after it: the reminders due on a weekend or a holiday
    go out in the last digest before it."""
    days = [today]
    while len(days) <= MAX_DAYS_OFF:
        following = days[-1] + timedelta(days=1)
        if is_workday(following, schedule.workdays, holidays=schedule.holidays, make_up_days=schedule.make_up_days):
            break
        days.append(following)
    return days


def _lead_days(tier: str, settings: Settings) -> tuple[int, ...]:
    lead = settings.birthdays.lead_days
    return tuple(lead.get("corporate" if tier in CORPORATE_TIERS else tier, ()))


def birthday_reminders(today: date, settings: Settings) -> dict[str, set[int]]:
    """Per tier, the days away of the birthdays today's digest reminds of: a lead day that falls
    today or on a non-working day before the next working day."""
    offsets = [(day - today).days for day in reminder_days(today, settings.schedule)]
    return {
        tier: {offset + lead for offset in offsets for lead in _lead_days(tier, settings) if lead >= 0}
        for tier in TIER_ORDER
    }


def _live_hold(kind: str, client_id: Any, today: date, *where: Any) -> ColumnElement[bool]:
    """SQL: a hold (`domain.triage`) on the client's `kind` reminder still in force on `today`."""
    return exists().where(ReminderHold.client_id == client_id, ReminderHold.kind == kind, ReminderHold.until > today, *where)


def _birthday_plan(viewer: Viewer, today: date, settings: Settings, cap: int, wanted: Callable[[int], bool], visible: Any) -> Any:
    """The capped statement of a birthday section, or None when no tier is reminded of any day."""
    reminders = {tier: sorted(d for d in days if wanted(d)) for tier, days in birthday_reminders(today, settings).items()}
    reminders = {tier: days for tier, days in reminders.items() if days}
    if not reminders:
        return None
    inner = _birthday_query(viewer, today, today + timedelta(days=max(days[-1] for days in reminders.values())), visible)
    remind = or_(*(and_(inner.c.tier == tier, inner.c.days.in_(days)) for tier, days in reminders.items()))
    held = _live_hold("birthday", inner.c.id, today, ReminderHold.occasion >= today)
    return _ordered_birthdays(inner, remind, not_(held)).limit(max(cap, 1))


def _due_plan(viewer: Viewer, today: date, terms: _DueTerms, cap: int, visible: Any) -> Any:
    """The digest's follow-ups and overdue in one pass over the book: the first `cap` of each, their
    totals, and the overdue counts per tier (window functions, so a big book is read once)."""
    c = _due_rows(viewer, terms, visible).c
    held = or_(
        and_(c.grp == _FOLLOW_UP, _live_hold("follow_up", c.id, today, ReminderHold.occasion == c.next_follow_up)),
        and_(c.grp != _FOLLOW_UP, _live_hold("overdue", c.id, today)),
    )
    section = case((c.grp == _FOLLOW_UP, 0), else_=1)
    ranked = select(
        *_due_columns(c),
        section.label("section"),
        func.row_number().over(partition_by=section, order_by=_due_order(c, today)).label("position"),
        func.count().over(partition_by=section).label("section_total"),
        func.row_number().over(partition_by=(section, c.tier), order_by=c.id).label("first_of_tier"),
        func.count().over(partition_by=(section, c.tier)).label("tier_total"),
    ).where(not_(held)).subquery()
    r = ranked.c
    return select(*r).where(or_(r.position <= cap, r.first_of_tier == 1)).order_by(r.section, r.position)


def _due_sections(rows: Sequence[Any], plan: _DigestPlan) -> tuple[Section[DueItem], Section[DueItem]]:
    sections = []
    for number, name in enumerate(("follow_ups", "overdue")):
        mine = [row for row in rows if row.section == number]
        items = tuple(_due_item(row, plan.today, plan.zone, plan.terms, plan.settings) for row in mine if row.position <= plan.cap)
        by_tier = sorted(((row.tier, row.tier_total) for row in mine if row.first_of_tier == 1), key=lambda t: _by_tier_order(t[0]))
        total = mine[0].section_total if mine else 0
        sections.append(Section(name, items, total, tuple(by_tier) if number else ()))
    return sections[0], sections[1]


BACK_DAYS = 14
"""How long after an outflow's snooze ended it is still brought back (digests missed over a holiday)."""


def _ended_outflow_snooze(today: date, *where: Any) -> list[ColumnElement[bool]]:
    return [
        ReminderHold.kind == "attrition",
        ReminderHold.action == "snooze",
        ReminderHold.until <= today,
        ReminderHold.until > today - timedelta(days=BACK_DAYS),
        *where,
    ]


@dataclass(frozen=True)
class _DigestPlan:
    """The digest's statements for one day, zone and kind of viewer, the viewer a parameter
    (`visibility_parameters`): built once, so that 2,500 digests in a morning do not build
    2,500 times the same SQL expressions (most of a digest's cost when they were)."""

    settings: Settings
    today: date
    zone: ZoneInfo
    cap: int
    terms: _DueTerms
    due: Any
    attrition: Any
    """Outflows to other banks since yesterday not yet handled: marked done, snoozed, or the client
    contacted after them."""
    attrition_totals: Any
    """Same-day totals of small outflows to other banks that together reach the line."""
    ended_snoozes: Any
    attrition_back: Any
    """Those whose snooze has ended though they left the window meanwhile (run when `ended_snoozes` finds one)."""
    birthdays_today: Any
    upcoming_birthdays: Any
    changes: Any

    @classmethod
    def build(cls, viewer: Viewer, today: date, settings: Settings, cap: int) -> _DigestPlan:
        zone = _zone(viewer, settings)
        visible = visible_clients_clause(visibility_shape(viewer))
        terms = _DueTerms.on(today, zone, settings)
        since, until = _start_of(today - timedelta(days=1), zone), _start_of(today + timedelta(days=1), zone)
        before_hold = ReminderHold.created_at > Transaction.occurred_at
        open_ = (
            not_(_live_hold("attrition", Client.id, today, before_hold)),
            or_(Client.last_contact_at.is_(None), Client.last_contact_at <= Transaction.occurred_at),
        )
        oldest = _start_of(today - timedelta(days=BACK_DAYS + max(settings.chat.snooze_days, default=0) + 2), zone)
        back = exists().where(ReminderHold.client_id == Client.id, *_ended_outflow_snooze(today, before_hold))
        limit = max(cap, 1)
        return cls(
            settings=settings, today=today, zone=zone, cap=cap, terms=terms,
            due=_due_plan(viewer, today, terms, cap, visible),
            attrition=_movement_query(viewer, since, until, settings, *open_, attrition_only=True, visible=visible).limit(limit),
            attrition_totals=_same_day_totals_query(
                viewer, _local_days(today - timedelta(days=1), today, zone), settings, *open_, attrition_only=True, visible=visible,
            ).limit(limit),
            ended_snoozes=select(ReminderHold.id).where(*_ended_outflow_snooze(today)).limit(1),
            attrition_back=_movement_query(viewer, oldest, since, settings, *open_, back, attrition_only=True, visible=visible).limit(limit),
            birthdays_today=_birthday_plan(viewer, today, settings, cap, lambda d: d == 0, visible),
            upcoming_birthdays=_birthday_plan(viewer, today, settings, cap, lambda d: d > 0, visible),
            changes=_changes_query(today, cap, zone),
        )


_PLANS: dict[tuple[Any, ...], _DigestPlan] = {}
_PLANS_KEPT = 32


def _digest_plan(viewer: Viewer, today: date, settings: Settings, cap: int) -> _DigestPlan:
    key = (today, _zone(viewer, settings).key, visibility_shape(viewer), cap, id(settings))
    plan = _PLANS.get(key)
    if plan is None or plan.settings is not settings:
        plan = _DigestPlan.build(viewer, today, settings, cap)
        while len(_PLANS) >= _PLANS_KEPT:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[key] = plan
    return plan


def _top(session: Session, statement: Any, parameters: dict[str, object], cap: int) -> tuple[Sequence[Any], int]:
    """The first `cap` rows of a capped `statement` (its last column `count(*) OVER ()`) and the total."""
    if statement is None:
        return (), 0
    rows = session.execute(statement, parameters).all()
    return rows[:cap], (rows[0][-1] if rows else 0)


def today(session: Session, viewer: Viewer, *, today: date, settings: Settings, cap: int = DIGEST_CAP) -> Digest:
    """The morning digest as it would be sent on `today`, each section capped at `cap` items;
    reminders the RM snoozed or marked done (`domain.triage`) are left out while their hold lasts."""
    plan = _digest_plan(viewer, today, settings, cap)
    parameters = visibility_parameters(viewer)
    follow_ups, overdue = _due_sections(session.execute(plan.due, parameters).all(), plan)
    rows, total = _top(session, plan.attrition, parameters, cap)
    moves = [_movement_item(row) for row in rows]
    summed, summed_total = _top(session, plan.attrition_totals, parameters, cap)
    moves += [_total_item(row) for row in summed]
    total += summed_total
    if session.execute(plan.ended_snoozes).first() is not None:
        back_rows, back_total = _top(session, plan.attrition_back, parameters, cap)
        moves += [_movement_item(row) for row in back_rows]
        total += back_total
    moves = sorted(moves, key=lambda m: (-m.amount, -m.at.timestamp(), m.transaction_id))[:cap]
    birthdays = [
        Section(name, tuple(_birthday_item(row, today, settings) for row in found), count)
        for name, (found, count) in (
            ("birthdays_today", _top(session, plan.birthdays_today, parameters, cap)),
            ("upcoming_birthdays", _top(session, plan.upcoming_birthdays, parameters, cap)),
        )
    ]
    changes, changes_total = _top(session, plan.changes, parameters, cap)
    return Digest(
        today=today,
        attrition=Section("attrition", tuple(moves), total),
        birthdays_today=birthdays[0],
        follow_ups=follow_ups,
        overdue=overdue,
        upcoming_birthdays=birthdays[1],
        changes=Section("changes", tuple(_change_item(row) for row in changes), changes_total),
    )
