"""One-time invites that link a staff record to a Telegram account.

The code travels in a deep link (`https://t.me/<bot>?start=<code>`); only its SHA-256 is stored,
it expires, and it works once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from domain.errors import DomainError
from domain.models import Invite, Staff


class InviteRefused(DomainError):
    code = "invite_refused"


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedInvite:
    code: str
    employee_no: str
    staff_name: str
    expires_at: datetime


def create_invite(session: Session, employee_no: str, *, now: datetime, ttl_hours: int, created_by: str = "cli") -> IssuedInvite:
    staff = session.exec(select(Staff).where(Staff.employee_no == employee_no)).first()
    if staff is None:
        raise InviteRefused("unknown_staff")
    if not staff.active:
        raise InviteRefused("inactive_staff")
    code = secrets.token_urlsafe(16)
    expires = now + timedelta(hours=ttl_hours)
    session.add(Invite(staff_id=staff.id or 0, code_hash=hash_code(code), expires_at=expires, created_by=created_by, created_at=now))
    session.flush()
    return IssuedInvite(code=code, employee_no=staff.employee_no, staff_name=staff.name, expires_at=expires)


def redeem_invite(session: Session, code: str, telegram_user_id: int, *, now: datetime) -> Staff:
    """Link the Telegram account to the invited staff member, or say why not (InviteRefused.detail)."""
    invite = session.exec(select(Invite).where(Invite.code_hash == hash_code(code.strip()))).first()
    if invite is None:
        raise InviteRefused("unknown")
    if invite.used_at is not None:
        raise InviteRefused("used")
    if invite.expires_at <= now:
        raise InviteRefused("expired")
    staff = session.get(Staff, invite.staff_id)
    if staff is None or not staff.active:
        raise InviteRefused("inactive_staff")
    holder = session.exec(select(Staff).where(Staff.telegram_user_id == telegram_user_id)).first()
    if holder is not None and holder.id != staff.id:
        raise InviteRefused("account_taken")
    invite.used_at = now
    staff.telegram_user_id = telegram_user_id
    staff.blocked_at = None
    session.add(invite)
    session.add(staff)
    session.flush()
    return staff
