"""What an RM does with a digest reminder: snooze it for some days, or mark it done.

A reminder is named by its kind, its client and its occasion (`Reminder`): the follow-up date,
the birthday, the transaction, or nothing for an overdue contact. Acting on it writes a
`ReminderHold`, which the digest (`domain.lists.today`) honours, and updates the outbox rows
(`alert`) of that client and kind, so that an urgent alert waiting for the end of quiet hours
is not sent about a reminder already handled.

- **Snooze N days**: the reminder leaves the digest and comes back on day N if it is still due
  then: an overdue client still not contacted, a follow-up still open. A snoozed birthday comes
  back on the birthday at the latest; a snoozed outflow to another bank comes back in the
  digest of the day the snooze ends, even though it left the digest's window meanwhile.
- **Done**: a change in the book (an AUM fall, a tier change, a client turned dormant) is seen
  and leaves the digest; a follow-up is done (the client's next follow-up is cleared); a birthday is greeted
  (hidden until it has passed); an outflow is handled (hidden for good; newer ones still show);
  an overdue contact is treated as contacted for one cadence (the tier's, or until next month
  for corporate and red-list clients), so that the bank's cadence still nags if nothing is logged.

A logged contact clears overdue and follow-up reminders through the client's last contact, and
outflows before it (see `lists.today`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import Session, select

from domain.access import Viewer, visible_clients
from domain.alerts import BOOK_CHANGES, AlertKind
from domain.errors import DomainError
from domain.lists import BirthdayItem, ChangeItem, DueItem, DueReason, MovementItem
from domain.models import Alert, Client, ReminderHold, Transaction

if TYPE_CHECKING:
    from bot.config import Settings

FOREVER = date(9999, 12, 31)
REMINDER_KINDS = (AlertKind.attrition, AlertKind.birthday, AlertKind.follow_up, AlertKind.overdue, *BOOK_CHANGES)


class Action(StrEnum):
    snooze = "snooze"
    done = "done"


class BadReminder(DomainError):
    code = "reminder_gone"
    """The button names a reminder that no longer exists or cannot take this action."""


@dataclass(frozen=True)
class Reminder:
    kind: AlertKind
    client_id: int
    occasion: date | None = None
    """The follow-up date or the birthday."""
    transaction_id: int | None = None

    def token(self) -> str:
        if self.transaction_id is not None:
            return str(self.transaction_id)
        return self.occasion.strftime("%Y%m%d") if self.occasion else "-"

    @classmethod
    def parse(cls, kind: str, client_id: str, token: str) -> Reminder:
        """From a button's parts; BadReminder when they do not make one."""
        try:
            reminder_kind = AlertKind(kind)
            client = int(client_id)
            if reminder_kind not in REMINDER_KINDS:
                raise ValueError(kind)
            if reminder_kind is AlertKind.attrition:
                return cls(reminder_kind, client, transaction_id=int(token))
            if reminder_kind is AlertKind.overdue:
                return cls(reminder_kind, client)
            return cls(reminder_kind, client, occasion=datetime.strptime(token, "%Y%m%d").date())
        except ValueError as bad:
            raise BadReminder(f"{kind}:{client_id}:{token}") from bad


@dataclass(frozen=True)
class Outcome:
    name: str
    kind: AlertKind
    action: Action
    until: date
    """The day the reminder may come back (FOREVER for a handled outflow)."""


def reminder_for(item: Any) -> Reminder:
    """The reminder a digest item stands for."""
    if isinstance(item, MovementItem):
        return Reminder(AlertKind.attrition, item.client_id, transaction_id=item.transaction_id)
    if isinstance(item, BirthdayItem):
        return Reminder(AlertKind.birthday, item.client_id, occasion=item.on)
    if isinstance(item, DueItem) and item.reason is DueReason.follow_up:
        return Reminder(AlertKind.follow_up, item.client_id, occasion=item.follow_up)
    if isinstance(item, DueItem):
        return Reminder(AlertKind.overdue, item.client_id)
    if isinstance(item, ChangeItem):
        return Reminder(AlertKind(item.kind.value), item.client_id, occasion=item.occasion)
    raise TypeError(type(item).__name__)


def can_snooze(reminder: Reminder, today: date) -> bool:
    """A birthday today cannot be snoozed: there is nothing left to come back to."""
    return not (reminder.kind is AlertKind.birthday and reminder.occasion is not None and reminder.occasion <= today)


def act(
    session: Session, viewer: Viewer, reminder: Reminder, action: Action, *, days: int = 0, today: date, now: datetime, settings: Settings
) -> Outcome:
    """Snooze the reminder for `days` (one of `settings.chat.snooze_days`) or mark it done."""
    client = session.exec(select(Client).where(Client.id == reminder.client_id, visible_clients(viewer))).first()
    if client is None:
        raise BadReminder(str(reminder.client_id))
    if reminder.transaction_id is not None:
        owner = session.exec(select(Transaction.client_id).where(Transaction.id == reminder.transaction_id)).first()
        if owner != client.id:
            raise BadReminder(str(reminder.transaction_id))
    if action is Action.snooze:
        if days not in settings.chat.snooze_days or not can_snooze(reminder, today):
            raise BadReminder(f"snooze {days}")
        until = today + timedelta(days=days)
        if reminder.kind is AlertKind.birthday and reminder.occasion is not None:
            until = min(until, reminder.occasion)
    else:
        until = _done_until(client, reminder, today, settings)
        if reminder.kind is AlertKind.follow_up and client.next_follow_up == reminder.occasion:
            client.next_follow_up = None
            client.updated_at = now
            session.add(client)
    session.add(ReminderHold(
        client_id=client.id, staff_id=viewer.staff_id, kind=reminder.kind.value, action=action.value,
        until=until, occasion=reminder.occasion, created_at=now,
    ))
    _mark_alerts(session, reminder, action, until, now)
    session.flush()
    return Outcome(client.name, reminder.kind, action, until)


def _done_until(client: Client, reminder: Reminder, today: date, settings: Settings) -> date:
    if reminder.kind is AlertKind.birthday and reminder.occasion is not None:
        return max(reminder.occasion, today) + timedelta(days=1)
    if reminder.kind is AlertKind.overdue:
        cadence = settings.cadence.personal_days.get(client.tier)
        if cadence:
            return today + timedelta(days=cadence)
        return (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return FOREVER if reminder.kind in (AlertKind.attrition, *BOOK_CHANGES) else today + timedelta(days=1)


def _mark_alerts(session: Session, reminder: Reminder, action: Action, until: date, now: datetime) -> None:
    """The outbox rows of this reminder not yet cleared: done clears them; a snooze holds them (an
    urgent alert snoozed is not pushed; the digest brings the reminder back)."""
    where = [Alert.client_id == reminder.client_id, Alert.kind == reminder.kind.value, Alert.cleared_at.is_(None)]
    if reminder.occasion is not None:
        where.append(Alert.occasion == reminder.occasion)
    values: dict[str, Any] = (
        {"status": "done", "cleared_at": now.astimezone(UTC)} if action is Action.done else {"snoozed_until": until}
    )
    if action is Action.snooze:
        where.append(Alert.status.in_(("pending", "sent", "snoozed")))
        values["status"] = "snoozed"
    session.execute(update(Alert).where(*where).values(**values).execution_options(synchronize_session=False))
