"""Who gets the scheduled team summary now, and the record that it went out once.

Team leads get the last seven days every week on `schedule.team_weekly_day` at
`schedule.team_weekly_time` (their local time); branch heads get last month on the month's
first working day at that time. A bot that was down then sends it when it is back, within the
week or the month, once: each (person, report day) row is claimed before the message is sent,
exactly as the morning digest is (`domain.digests`), with the same at-most-once reading of a
send that may have reached Telegram. Anyone can switch theirs off in /settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlmodel import Session, select

from domain.access import Viewer, viewer_from_staff
from domain.bulk import Natives, TableSpec, write_rows
from domain.calendar import is_workday
from domain.models import Role, Staff, TeamReport, Unit
from domain.team import Period

if TYPE_CHECKING:
    from bot.config import ScheduleSettings, Settings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LATE_DAYS = 7
"""A monthly report missed (the bot down) still goes out this many days after its day; a weekly one within its week."""
_COLUMNS = ("staff_id", "period_start", "status", "claimed_at")
TEAM_REPORT = TableSpec("team_report", _COLUMNS, ("staff_id", "period_start"), keep=_COLUMNS[2:])


@dataclass(frozen=True)
class DueReport:
    viewer: Viewer
    telegram_user_id: int
    report_day: date
    """The key: the week's report day, or the month's first day."""
    period: Period
    summary_day: date
    """The summary's last day (the day before the report day, or last month's last day)."""


def _first_workday(month: date, schedule: ScheduleSettings) -> date:
    day = month.replace(day=1)
    while not is_workday(day, schedule.workdays, holidays=schedule.holidays, make_up_days=schedule.make_up_days):
        day += timedelta(days=1)
    return day


def report_for(role: str, local: datetime, schedule: ScheduleSettings) -> tuple[date, Period, date] | None:
    """(report day, period, summary's last day) of the report due at `local`, or None."""
    day, at = local.date(), local.time()
    if role == Role.team_lead:
        report_day = day - timedelta(days=(day.weekday() - WEEKDAYS.index(schedule.team_weekly_day)) % 7)
        if report_day == day and at < schedule.team_weekly_time:
            return None
        return report_day, Period.week, report_day - timedelta(days=1)
    if role == Role.branch_head:
        first = _first_workday(day, schedule)
        if day < first or (day == first and at < schedule.team_weekly_time) or (day - first).days >= LATE_DAYS:
            return None
        return day.replace(day=1), Period.month, day.replace(day=1) - timedelta(days=1)
    return None


def due_reports(session: Session, *, now: datetime, settings: Settings) -> list[DueReport]:
    schedule = settings.schedule
    rows = session.exec(
        select(Staff, Unit).join(Unit, Unit.id == Staff.unit_id).where(
            Staff.active == True,  # noqa: E712
            Staff.team_reports == True,  # noqa: E712
            Staff.telegram_user_id.is_not(None),
            Staff.blocked_at.is_(None),
            Staff.role.in_((Role.team_lead, Role.branch_head)),
        ).order_by(Staff.id)
    ).all()
    recent = (now.astimezone(UTC) - timedelta(days=40)).date()
    claimed = set(session.exec(select(TeamReport.staff_id, TeamReport.period_start).where(TeamReport.period_start >= recent)).all())
    due = []
    for staff, unit in rows:
        local = now.astimezone(ZoneInfo(staff.time_zone or schedule.time_zone))
        found = report_for(staff.role, local, schedule)
        if found is None or (staff.id, found[0]) in claimed:
            continue
        report_day, period, summary_day = found
        due.append(DueReport(viewer_from_staff(staff, unit), int(staff.telegram_user_id), report_day, period, summary_day))
    return due


def claim(session: Session, *, staff_id: int, report_day: date, now: datetime) -> bool:
    connection = session.connection()
    natives = Natives.for_dialect(connection.dialect.name)
    row = (staff_id, natives.date(report_day), "sending", natives.instant(now.astimezone(UTC).replace(tzinfo=None)))
    return write_rows(connection, TEAM_REPORT, [row]) == 1


def release(session: Session, *, staff_id: int, report_day: date) -> None:
    session.execute(delete(TeamReport).where(
        TeamReport.staff_id == staff_id, TeamReport.period_start == report_day, TeamReport.status == "sending"
    ))


def finish(session: Session, *, staff_id: int, report_day: date, status: str, now: datetime, message_id: int | None = None) -> None:
    session.execute(
        update(TeamReport).where(TeamReport.staff_id == staff_id, TeamReport.period_start == report_day)
        .values(status=status, message_id=message_id, sent_at=now if status == "sent" else None)
    )
    if status == "blocked":
        session.execute(update(Staff).where(Staff.id == staff_id).values(blocked_at=now))
