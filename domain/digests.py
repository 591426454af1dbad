"""Who gets their morning digest now, and the record that it went out exactly once.

A staff member is due when, in their own time zone, it is a working day, their digest time
(theirs, else the configured one) has passed and no digest row exists for them that day. The
row is claimed (inserted under a unique (staff, day) key) before the message is sent, so two
processes, or a restart, never send the same day's digest twice; a bot that was down at 08:30
finds the row missing when it comes back and sends the digest then, once.

The one window this cannot close is a crash between Telegram accepting the message and the
row being marked sent: the row stays `sending` and is not sent again (at most once: a
duplicate would be shown, a marker cannot be), and a send that timed out is `unknown` likewise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlmodel import Session

from domain.access import Viewer, viewer_from_staff
from domain.alerts import AlertKind
from domain.bulk import Natives, TableSpec, write_rows
from domain.calendar import is_workday
from domain.models import Alert, Digest, Role, Staff, Unit

if TYPE_CHECKING:
    from bot.config import Settings

DIGEST_ROLES = (Role.rm, Role.team_lead)
"""Who keeps a book of clients, and so gets a digest of it."""

_COLUMNS = ("staff_id", "day", "status", "items", "claimed_at")
DIGEST = TableSpec("digest", _COLUMNS, ("staff_id", "day"), keep=_COLUMNS[2:])
DIGEST_KINDS = tuple(k.value for k in AlertKind)


@dataclass(frozen=True)
class Recipient:
    viewer: Viewer
    telegram_user_id: int
    day: date
    """Their local day the digest is for."""


def parse_time(value: str | None, default: time) -> time:
    if not value:
        return default
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        return default


def due_recipients(session: Session, *, now: datetime, settings: Settings) -> list[Recipient]:
    """Linked, active, unblocked staff with a book whose digest is due and not yet claimed."""
    schedule = settings.schedule
    rows = session.execute(
        select(Staff, Unit)
        .join(Unit, Unit.id == Staff.unit_id)
        .where(
            Staff.active == True,  # noqa: E712
            Staff.telegram_user_id.is_not(None),
            Staff.blocked_at.is_(None),
            Staff.role.in_([role.value for role in DIGEST_ROLES]),
        )
        .order_by(Staff.id)
    ).all()
    recent = (now.astimezone(UTC) - timedelta(days=2)).date()  # every zone's today is after this
    claimed = set(session.execute(select(Digest.staff_id, Digest.day).where(Digest.day >= recent)).all()) if rows else set()
    due = []
    for staff, unit in rows:
        local = now.astimezone(ZoneInfo(staff.time_zone or schedule.time_zone))
        day = local.date()
        if (staff.id, day) in claimed:
            continue
        if not is_workday(day, schedule.workdays, holidays=schedule.holidays, make_up_days=schedule.make_up_days):
            continue
        if local.time() < parse_time(staff.digest_time, schedule.digest_time):
            continue
        due.append(Recipient(viewer_from_staff(staff, unit), int(staff.telegram_user_id), day))
    return due


def claim(session: Session, *, staff_id: int, day: date, now: datetime) -> bool:
    """Take the (staff, day) digest for this process; False when someone already has."""
    connection = session.connection()
    natives = Natives.for_dialect(connection.dialect.name)
    row = (staff_id, natives.date(day), "sending", 0, natives.instant(now.astimezone(UTC).replace(tzinfo=None)))
    return write_rows(connection, DIGEST, [row]) == 1


def release(session: Session, *, staff_id: int, day: date) -> None:
    """Give a claim back when the message surely did not leave (the connection failed): the next run sends it."""
    session.execute(delete(Digest).where(Digest.staff_id == staff_id, Digest.day == day, Digest.status == "sending"))


def finish(session: Session, *, staff_id: int, day: date, status: str, now: datetime, message_id: int | None = None, items: int = 0) -> None:
    """Record how the send ended; a digest that went out marks the RM's pending alerts as told."""
    session.execute(
        update(Digest)
        .where(Digest.staff_id == staff_id, Digest.day == day)
        .values(status=status, message_id=message_id, items=items, sent_at=now if status == "sent" else None)
    )
    if status == "sent":
        session.execute(
            update(Alert)
            .where(Alert.staff_id == staff_id, Alert.status == "pending", Alert.kind.in_(DIGEST_KINDS))
            .values(status="sent", sent_at=now)
            .execution_options(synchronize_session=False)
        )
    if status == "blocked":
        session.execute(update(Staff).where(Staff.id == staff_id).values(blocked_at=now))

