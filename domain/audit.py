"""The audit log: who looked at or changed what, and when (never the client data itself)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from domain.models import AuditLog

_INSERT = insert(AuditLog.__table__)
"""One statement, compiled once: an audit row is written on every search and card view."""


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
    session.execute(
        _INSERT,
        [{"at": now, "staff_id": staff_id, "telegram_user_id": telegram_user_id, "action": action, "target": target[:64], "detail": detail[:500]}],
    )
