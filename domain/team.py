"""How a team is doing: the summary a team lead (their team's RMs) or a branch head (the units
under theirs) asks for with /team, over the last 7 or 30 days or this month.

Per row: clients by tier, AUM now and at the period's start, contacts logged in the period and
in the one before, coverage (the share of clients with a cadence contacted within it, as
`lists.book` counts it), overdue clients by tier, follow-ups missed, large outflows to other
banks and how many of them had a contact logged by the end of the next working day, and tier
changes the scan found. Every figure is set-based SQL grouped by RM inside the viewer's
visibility; a branch head's rows roll the RMs up into the units directly under their own.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, insert, or_
from sqlmodel import Session, select

from domain import derived, lists
from domain.access import Viewer, viewer_from_staff, visible_clients, visible_staff
from domain.calendar import is_workday
from domain.errors import DomainError
from domain.models import Alert, BookAum, BookDay, Client, Interaction, Role, Staff, Team, Unit
from domain.types import from_fen

if TYPE_CHECKING:
    from bot.config import Settings

LEADS = (Role.team_lead, Role.branch_head, Role.admin)
"""Who may ask for a summary; RMs see their own book with /mine."""


class Period(StrEnum):
    week = "7d"
    days30 = "30d"
    month = "month"


class BadPeriod(DomainError):
    code = "team_bad_period"


_PERIODS = {
    **dict.fromkeys(("", "7", "7d", "7天", "7日", "week", "周", "本周"), Period.week),
    **dict.fromkeys(("30", "30d", "30天", "30日"), Period.days30),
    **dict.fromkeys(("month", "m", "本月", "月"), Period.month),
}


def parse_period(text: str | None) -> Period:
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).lower()
    try:
        return _PERIODS[key]
    except KeyError:
        raise BadPeriod(text or "") from None


def window(period: Period, today: date) -> tuple[date, date]:
    """First and last local day of the period that ends today."""
    if period is Period.month:
        return today.replace(day=1), today
    days = 7 if period is Period.week else 30
    return today - timedelta(days=days - 1), today


@dataclass
class Line:
    """One row: an RM, or a unit with every RM under it."""

    key: int
    name: str
    rms: int = 0
    clients: int = 0
    by_tier: Counter[str] = field(default_factory=Counter)
    with_cadence: int = 0
    overdue: int = 0
    overdue_by_tier: Counter[str] = field(default_factory=Counter)
    follow_ups_missed: int = 0
    aum: Decimal = Decimal(0)
    aum_before: Decimal | None = None
    contacts: int = 0
    contacts_before: int = 0
    outflows: int = 0
    outflows_answered: int = 0
    tier_ups: int = 0
    tier_downs: int = 0
    birthdays: int = 0
    """Clients whose birthday (their lunar one when on record) fell in the period."""
    birthdays_greeted: int = 0
    """…of them, with a contact logged within `[team] greeting_days` of the day."""
    with_cadence_before: int = 0
    overdue_before: int = 0
    """Clients with a cadence, and overdue ones, as the daily scan found them at the period's start."""
    overdue_with_cadence: int = 0

    @property
    def coverage(self) -> float | None:
        return (self.with_cadence - self.overdue_with_cadence) / self.with_cadence if self.with_cadence else None

    @property
    def coverage_before(self) -> float | None:
        """Coverage at the period's start (the scan's record of that morning); None without one."""
        return (self.with_cadence_before - self.overdue_before) / self.with_cadence_before if self.with_cadence_before else None

    @property
    def tier_changes(self) -> int:
        return self.tier_ups + self.tier_downs

    @property
    def aum_change(self) -> Decimal | None:
        return None if self.aum_before is None else self.aum - self.aum_before

    def add(self, other: Line) -> None:
        for name in ("rms", "clients", "with_cadence", "overdue", "overdue_with_cadence", "follow_ups_missed", "aum",
                     "contacts", "contacts_before", "outflows", "outflows_answered", "tier_ups", "tier_downs",
                     "birthdays", "birthdays_greeted", "with_cadence_before", "overdue_before"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_tier.update(other.by_tier)
        self.overdue_by_tier.update(other.overdue_by_tier)
        if other.aum_before is not None:
            self.aum_before = (self.aum_before or Decimal(0)) + other.aum_before


@dataclass(frozen=True)
class Summary:
    title: str
    period: Period
    start: date
    end: date
    rows_are: str
    """"rm" or "unit"."""
    lines: tuple[Line, ...]
    """Best coverage first (the ranking), rows without clients last."""
    total: Line
    trend: tuple[tuple[date, Decimal], ...] = ()
    """The AUM on each snapshot day of the last `[team] trend_days` days, then today's."""


class NotALead(DomainError):
    code = "team_not_a_lead"


def summary(
    session: Session, viewer: Viewer, *, period: Period, today: date, settings: Settings, unit_id: int | None = None,
) -> Summary:
    """The summary for `viewer`; for a branch head or an admin, `unit_id` narrows it to a unit of
    their subtree (the drill-down): its child units as rows, or its RMs when it has none."""
    if viewer.role not in LEADS:
        raise NotALead(viewer.role)
    if unit_id is not None:
        viewer = _scoped(session, viewer, unit_id)
    start, end = window(period, today)
    if derived.books_moved(session.connection()):  # clients moved by a path that did not refresh the books
        derived.refresh_moved_books(session.connection())
        session.commit()
    zone = lists._zone(viewer, settings)
    since, until = lists._start_of(start, zone), lists._start_of(end + timedelta(days=1), zone)
    length = (end - start).days + 1
    before = lists._start_of(start - timedelta(days=length), zone)
    staff = session.exec(select(Staff.id, Staff.name, Staff.unit_id).where(Staff.id.in_(_rms(viewer)))).all()
    lines = {staff_id: Line(staff_id, name, rms=1) for staff_id, name, _ in staff}
    _clients(session, viewer, today, zone, settings, lines)
    _contacts(session, viewer, before, since, until, lines)
    _outflows(session, viewer, since, until, zone, settings, lines)
    _aum_before(session, viewer, start, lines)
    _coverage_before(session, viewer, start, lines)
    _tier_changes(session, viewer, since, until, lines)
    _birthdays(session, viewer, start, end, zone, settings, lines)
    rows_are, rows = "rm", list(lines.values())
    if viewer.role in (Role.branch_head, Role.admin) and _has_children(session, viewer):
        rows_are, rows = "unit", _by_child_unit(session, viewer, {staff_id: unit for staff_id, _, unit in staff}, lines)
    total = Line(0, "")
    for line in rows:
        total.add(line)
    ranked = sorted(rows, key=lambda line: (line.clients == 0, -(line.coverage if line.coverage is not None else -1), line.name))
    trend = _trend(session, viewer, today - timedelta(days=settings.team.trend_days), today, total, settings.team.trend_complete)
    return Summary(_title(session, viewer), period, start, end, rows_are, tuple(ranked), total, trend)


def _rms(viewer: Viewer) -> Any:
    """The active RMs and team leads whose work the viewer sees: the summary's rows."""
    return select(Staff.id).where(visible_staff(viewer), Staff.active == True, Staff.role.in_((Role.rm, Role.team_lead)))  # noqa: E712


def _scoped(session: Session, viewer: Viewer, unit_id: int) -> Viewer:
    """The viewer narrowed to a unit of their subtree, seeing what a head of that unit sees."""
    unit = session.get(Unit, unit_id)
    if viewer.role not in (Role.branch_head, Role.admin) or unit is None or not unit.path.startswith(viewer.unit_path):
        raise NotALead(f"unit {unit_id}")
    return Viewer(staff_id=viewer.staff_id, name=viewer.name, role=Role.branch_head, unit_id=unit.id or 0, unit_path=unit.path,
                  team_id=None, locale=viewer.locale, time_zone=viewer.time_zone)


def _has_children(session: Session, viewer: Viewer) -> bool:
    return session.exec(select(Unit.id).where(Unit.parent_id == viewer.unit_id).limit(1)).first() is not None


def _title(session: Session, viewer: Viewer) -> str:
    if viewer.role == Role.team_lead and viewer.team_id is not None:
        return session.exec(select(Team.name).where(Team.id == viewer.team_id)).one()
    return session.exec(select(Unit.name).where(Unit.id == viewer.unit_id)).one()


def _clients(session: Session, viewer: Viewer, today: date, zone: Any, settings: Settings, lines: dict[int, Line]) -> None:
    terms = lists._DueTerms.on(today, zone, settings)
    overdue = or_(terms.overdue, terms.behind)
    rows = session.exec(
        select(
            Client.rm_id, Client.tier, func.count(), func.sum(lists._fen(Client.aum)),
            lists._count_where(overdue), lists._count_where(Client.next_follow_up < today),
        )
        # read in the order of the (RM, tier, …) covering index: a branch's unit test must not drive
        .where(visible_clients(viewer, drive=False), Client.rm_id.is_not(None))
        .group_by(Client.rm_id, Client.tier)
    ).all()
    for rm_id, tier, count, aum, late, missed in rows:
        line = lines.get(rm_id)
        if line is None:
            continue
        line.clients += count
        line.by_tier[tier] += count
        line.aum += from_fen(int(aum or 0))
        line.overdue += int(late or 0)
        if late:
            line.overdue_by_tier[tier] += int(late)
        line.follow_ups_missed += int(missed or 0)
        if tier in terms.with_cadence:
            line.with_cadence += count
            line.overdue_with_cadence += int(late or 0)


def _contacts(session: Session, viewer: Viewer, before: datetime, since: datetime, until: datetime, lines: dict[int, Line]) -> None:
    """Contacts each RM logged in the period and in the one before it: counted by who logged them,
    from the (staff, time) index alone."""
    current = Interaction.occurred_at >= since
    rows = session.exec(
        select(Interaction.staff_id, lists._count_where(current), lists._count_where(~current))
        .where(Interaction.staff_id.in_(_rms(viewer)), Interaction.occurred_at >= before, Interaction.occurred_at < until)
        .group_by(Interaction.staff_id)
    ).all()
    for staff_id, now, earlier in rows:
        if staff_id in lines:
            lines[staff_id].contacts += int(now or 0)
            lines[staff_id].contacts_before += int(earlier or 0)


def _outflows(session: Session, viewer: Viewer, since: datetime, until: datetime, zone: Any, settings: Settings, lines: dict[int, Line]) -> None:
    """Large outflows to other banks in the period, and whether a contact with the client was logged
    from the outflow to the end of the next working day."""
    # a branch's outflows are found by time in the covering time index, each client then looked up
    # by key: the unit test must not drive (it would walk every client of the branch)
    visible = visible_clients(viewer, drive=False)
    moves = lists._movement_query(viewer, since, until, settings, attrition_only=True, visible=visible).subquery()
    rows = session.exec(select(moves.c.client_id, moves.c.occurred_at, Client.rm_id).join(Client, Client.id == moves.c.client_id)).all()
    if not rows:
        return
    clients = {client_id for client_id, _, _ in rows}
    contacts: dict[int, list[datetime]] = defaultdict(list)
    for client_id, at in session.exec(
        select(Interaction.client_id, Interaction.occurred_at).where(Interaction.client_id.in_(clients), Interaction.occurred_at >= since)
    ).all():
        contacts[client_id].append(at if at.tzinfo else at.replace(tzinfo=UTC))
    schedule = settings.schedule
    for client_id, at, rm_id in rows:
        line = lines.get(rm_id)
        if line is None:
            continue
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        deadline_day = at.astimezone(zone).date() + timedelta(days=1)
        while not is_workday(deadline_day, schedule.workdays, holidays=schedule.holidays, make_up_days=schedule.make_up_days):
            deadline_day += timedelta(days=1)
        deadline = lists._start_of(deadline_day + timedelta(days=1), zone)
        line.outflows += 1
        line.outflows_answered += any(at <= contact < deadline for contact in contacts[client_id])


def _tier_changes(session: Session, viewer: Viewer, since: datetime, until: datetime, lines: dict[int, Line]) -> None:
    """Tier changes the scan found in the period (`tier_change` alerts), up or down the tier order."""
    rank = {tier: n for n, tier in enumerate(lists.TIER_ORDER)}
    for staff_id, payload in session.exec(
        select(Alert.staff_id, Alert.payload).join(Client, Client.id == Alert.client_id)
        .where(visible_clients(viewer, drive=False), Alert.kind == "tier_change", Alert.created_at >= since, Alert.created_at < until)
    ).all():
        line = lines.get(staff_id)
        if line is None:
            continue
        change = json.loads(payload or "{}")
        if rank.get(change.get("to"), 99) < rank.get(change.get("tier"), 99):
            line.tier_ups += 1
        else:
            line.tier_downs += 1


def _birthdays(session: Session, viewer: Viewer, start: date, end: date, zone: Any, settings: Settings, lines: dict[int, Line]) -> None:
    """Birthdays in the period (as /birthdays and the digest count them: the lunar one when on
    record) and whether a contact with the client was logged within `greeting_days` of the day."""
    found = lists._birthday_query(viewer, start, end, visible_clients(viewer, drive=False))
    rows = session.exec(select(found.c.id, found.c.rm_id, found.c.days).where(found.c.days.is_not(None))).all()
    if not rows:
        return
    slack = timedelta(days=settings.team.greeting_days)
    contacts: dict[int, list[date]] = defaultdict(list)
    ids = sorted({client_id for client_id, _, _ in rows})
    for first in range(0, len(ids), 5000):
        for client_id, at in session.exec(
            select(Interaction.client_id, Interaction.occurred_at).where(
                Interaction.client_id.in_(ids[first:first + 5000]),
                Interaction.occurred_at >= lists._start_of(start - slack, zone),
                Interaction.occurred_at < lists._start_of(end + slack + timedelta(days=1), zone),
            )
        ).all():
            contacts[client_id].append(lists._local_day(at, zone))
    for client_id, rm_id, days in rows:
        line = lines.get(rm_id)
        if line is None:
            continue
        day = start + timedelta(days=int(days))
        line.birthdays += 1
        line.birthdays_greeted += any(abs((contact - day).days) <= slack.days for contact in contacts[client_id])


def _aum_before(session: Session, viewer: Viewer, start: date, lines: dict[int, Line]) -> None:
    """AUM at the period's start: each RM's book (`book_aum`) on the last snapshot day on or before it."""
    day = session.exec(select(func.max(BookAum.as_of)).where(BookAum.as_of <= start)).one()
    if day is None:
        return
    for line in lines.values():
        line.aum_before = Decimal(0)
    for staff_id, aum in session.exec(select(BookAum.staff_id, BookAum.aum).where(BookAum.as_of == day, BookAum.staff_id.in_(_rms(viewer)))).all():
        if staff_id in lines:
            lines[staff_id].aum_before = aum


def _coverage_before(session: Session, viewer: Viewer, start: date, lines: dict[int, Line]) -> None:
    """Coverage at the period's start: the daily scan's record of the last morning on or before it."""
    day = session.exec(select(func.max(BookDay.day)).where(BookDay.day <= start)).one()
    if day is None:
        return
    for staff_id, with_cadence, overdue in session.exec(
        select(BookDay.staff_id, BookDay.with_cadence, BookDay.overdue).where(BookDay.day == day, BookDay.staff_id.in_(_rms(viewer)))
    ).all():
        if staff_id in lines:
            lines[staff_id].with_cadence_before, lines[staff_id].overdue_before = with_cadence, overdue


def record_coverage(session: Session, *, today: date, settings: Settings) -> int:
    """Keep each RM's coverage as it stands on `today` (the daily scan calls it), counted as /team
    counts it; a second call that day replaces the first. Returns how many RMs were recorded."""
    terms = lists._DueTerms.on(today, settings.tz, settings)
    cadence = Client.tier.in_(sorted(terms.with_cadence))
    rows = session.exec(
        select(Client.rm_id, lists._count_where(cadence), lists._count_where(and_(cadence, or_(terms.overdue, terms.behind))))
        .where(Client.rm_id.is_not(None)).group_by(Client.rm_id)
    ).all()
    session.execute(delete(BookDay).where(BookDay.day == today))
    if rows:
        session.execute(insert(BookDay), [
            {"staff_id": rm_id, "day": today, "with_cadence": int(with_cadence or 0), "overdue": int(overdue or 0)}
            for rm_id, with_cadence, overdue in rows
        ])
    return len(rows)


def _trend(session: Session, viewer: Viewer, start: date, end: date, total: Line, complete: Decimal) -> tuple[tuple[date, Decimal], ...]:
    """The rows' AUM on each snapshot day from `start` to `end`, then now (the clients' latest).
    A day whose snapshots cover less than `complete` of the clients held now is left out: a
    partial load (or a history that starts later for some clients) would read as a rise or a fall."""
    days = session.exec(
        select(BookAum.as_of, func.sum(lists._fen(BookAum.aum)), func.sum(BookAum.clients))
        .where(BookAum.as_of >= start, BookAum.as_of < end, BookAum.staff_id.in_(_rms(viewer)))
        .group_by(BookAum.as_of).order_by(BookAum.as_of)
    ).all()
    floor = total.clients * complete
    return (*((day, from_fen(int(aum or 0))) for day, aum, clients in days if int(clients or 0) >= floor), (end, total.aum))


def _by_child_unit(session: Session, viewer: Viewer, unit_of: dict[int, int], lines: dict[int, Line]) -> list[Line]:
    """The RMs rolled up into the units directly under the viewer's (or the viewer's own unit for
    RMs placed at it)."""
    units = session.exec(select(Unit.id, Unit.name, Unit.path).where(Unit.path.startswith(viewer.unit_path))).all()
    own = viewer.unit_path
    children = {unit_id: (name, path) for unit_id, name, path in units if path != own and path.count("/") == own.count("/") + 1}
    own_name = next((name for unit_id, name, path in units if path == own), "")
    path_of = {unit_id: path for unit_id, _, path in units}
    rolled: dict[int, Line] = {}
    for staff_id, line in lines.items():
        path = path_of.get(unit_of.get(staff_id, -1), own)
        child = next((unit_id for unit_id, (_, child_path) in children.items() if path.startswith(child_path)), viewer.unit_id)
        name = children[child][0] if child in children else own_name
        rolled.setdefault(child, Line(child, name)).add(line)
    return list(rolled.values())


@dataclass(frozen=True)
class Export:
    summary: Summary
    overdue: list[lists.DueItem]
    movements: list[lists.MovementItem]
    rm_names: dict[int, str]
    """Staff id → name, for the list sheets' RM column."""
    zone: Any = UTC
    """The reader's time zone: the sheets' times are local."""


def export(session: Session, viewer: Viewer, *, period: Period, today: date, settings: Settings) -> Export:
    """What `/team export` writes: the summary, the overdue list and the large movements of the period."""
    result = summary(session, viewer, period=period, today=today, settings=settings)
    zone = lists._zone(viewer, settings)
    overdue = lists.all_due(session, viewer, today=today, settings=settings, limit=settings.team.export_rows)
    moves = lists.all_movements(
        session, viewer, since=lists._start_of(result.start, zone), until=lists._start_of(result.end + timedelta(days=1), zone),
        settings=settings, limit=settings.team.export_rows,
    )
    rms = sorted({item.rm_id for item in overdue if item.rm_id} | {item.rm_id for item in moves if item.rm_id})
    names: dict[int, str] = {}
    for start in range(0, len(rms), 1000):
        names.update(session.exec(select(Staff.id, Staff.name).where(Staff.id.in_(rms[start:start + 1000]))).all())
    return Export(result, overdue, moves, names, zone)


@dataclass(frozen=True)
class RecentLog:
    client_name: str
    kind: str
    at: datetime
    note: str


@dataclass(frozen=True)
class RMView:
    """What a lead sees of one RM: their due list (first page) and their latest logged contacts."""

    name: str
    due: lists.Page[lists.DueItem]
    logs: tuple[RecentLog, ...]


RECENT_LOGS = 8


def rm_view(session: Session, viewer: Viewer, staff_id: int, *, today: date, settings: Settings) -> RMView | None:
    """None when the RM is not one this lead may look at (another team's, or not an RM)."""
    if viewer.role not in LEADS:
        return None
    found = session.exec(
        select(Staff, Unit).join(Unit, Unit.id == Staff.unit_id)
        .where(Staff.id == staff_id, visible_staff(viewer), Staff.role.in_((Role.rm, Role.team_lead)))
    ).first()
    if found is None:
        return None
    rm = viewer_from_staff(*found)
    logs = session.exec(
        select(Client.name, Interaction.kind, Interaction.occurred_at, Interaction.note)
        .join(Client, Client.id == Interaction.client_id)
        .where(Interaction.staff_id == staff_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(RECENT_LOGS)
    ).all()
    return RMView(rm.name, lists.due(session, rm, today=today, settings=settings), tuple(RecentLog(*row) for row in logs))
