"""Urgent alerts: money leaving for another bank at or above `[movements] urgent_outflow` goes to
the RM at once, unless it is their quiet hours (theirs, else the configured ones), when it waits
for the hours to end. Each alert is claimed (pending → sending) before it is sent, so it goes
out once; like the digest, a send that timed out is not sent again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlmodel import Session

from domain.alerts import AlertKind
from domain.digests import parse_time
from domain.models import Alert, Client, Staff

if TYPE_CHECKING:
    from bot.config import Settings


@dataclass(frozen=True)
class UrgentAlert:
    alert_id: int
    staff_id: int
    telegram_user_id: int
    locale: str | None
    client_id: int
    name: str
    tier: str
    amount: Decimal
    counterparty_bank: str
    occurred_at: datetime | None
    transaction_id: int | None = None


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Quiet hours may run over midnight (21:00–08:00); equal ends mean none."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def due_urgent(session: Session, *, now: datetime, settings: Settings) -> list[UrgentAlert]:
    """Pending attrition alerts at or above the urgent line for linked staff outside quiet hours."""
    schedule = settings.schedule
    line = settings.movements.urgent_outflow
    rows = session.execute(
        select(Alert.id, Alert.payload, Staff, Client.id, Client.name, Client.tier)
        .join(Staff, Staff.id == Alert.staff_id)
        .join(Client, Client.id == Alert.client_id)
        .where(
            Alert.kind == AlertKind.attrition.value,
            Alert.status == "pending",
            Staff.active == True,  # noqa: E712
            Staff.telegram_user_id.is_not(None),
            Staff.blocked_at.is_(None),
        )
        .order_by(Alert.id)
    ).all()
    due = []
    for alert_id, payload, staff, client_id, name, tier in rows:
        data = json.loads(payload or "{}")
        amount = Decimal(data.get("amount", "0"))
        if amount < line:
            continue
        local = now.astimezone(ZoneInfo(staff.time_zone or schedule.time_zone)).time()
        quiet = (parse_time(staff.quiet_start, schedule.quiet_start), parse_time(staff.quiet_end, schedule.quiet_end))
        if in_quiet_hours(local, *quiet):
            continue
        at = datetime.fromisoformat(data["at"]) if data.get("at") else None
        due.append(UrgentAlert(
            alert_id, staff.id, int(staff.telegram_user_id), staff.locale, client_id, name, tier, amount,
            data.get("counterparty_bank", ""), at, data.get("transaction_id"),
        ))
    return due


def claim_alert(session: Session, *, alert_id: int) -> bool:
    result = session.execute(
        update(Alert).where(Alert.id == alert_id, Alert.status == "pending").values(status="sending")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def finish_alert(session: Session, *, alert_id: int, staff_id: int, status: str, now: datetime) -> None:
    """sent, blocked, unknown (timed out) or failed; `pending` gives the claim back for a retry."""
    values = {"status": status, "sent_at": now if status == "sent" else None}
    session.execute(update(Alert).where(Alert.id == alert_id).values(**values).execution_options(synchronize_session=False))
    if status == "blocked":
        session.execute(update(Staff).where(Staff.id == staff_id).values(blocked_at=now))
