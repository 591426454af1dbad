"""The audit log: who looked at or changed what, and when (never the client data itself)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from domain.models import AuditLog


def record(
    session: Session,
    *,
    action: str,
    now: datetime,
    staff_id: int | None = None,
    telegram_user_id: int | None = None,
    target: str = "",
    detail: str = "",
) -> None:
    session.add(
        AuditLog(at=now, staff_id=staff_id, telegram_user_id=telegram_user_id, action=action, target=target[:64], detail=detail[:500])
    )
