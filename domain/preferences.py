"""A staff member's own settings: language, morning digest time, quiet hours."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from domain.access import Viewer
from domain.errors import DomainError
from domain.models import Staff

LOCALES = ("zh_CN", "en")
_HHMM = re.compile(r"^\s*([01]?\d|2[0-3])[:：.](\d{2})\s*$")


class BadTime(DomainError):
    code = "bad_time"


def parse_hhmm(text: str) -> str:
    """`8:30`, `08:30`, `8：30` → `08:30`; anything else raises BadTime."""
    match = _HHMM.match(text)
    if not match or int(match[2]) > 59:
        raise BadTime(text.strip()[:20])
    return f"{int(match[1]):02d}:{match[2]}"


@dataclass(frozen=True)
class Preferences:
    locale: str | None
    digest_time: str | None
    quiet_start: str | None
    quiet_end: str | None


def preferences(session: Session, viewer: Viewer) -> Preferences:
    staff = session.get(Staff, viewer.staff_id)
    assert staff is not None
    return Preferences(staff.locale, staff.digest_time, staff.quiet_start, staff.quiet_end)


def update_preferences(session: Session, viewer: Viewer, **changes: str | None) -> Preferences:
    """Change only what is named: locale, digest_time, quiet_start, quiet_end (None = back to default)."""
    staff = session.get(Staff, viewer.staff_id)
    assert staff is not None
    if "locale" in changes:
        if changes["locale"] not in (*LOCALES, None):
            raise DomainError(f"unknown locale {changes['locale']!r}")
        staff.locale = changes["locale"]
    for key in ("digest_time", "quiet_start", "quiet_end"):
        if key in changes:
            value = changes[key]
            setattr(staff, key, None if value is None else parse_hhmm(value))
    session.add(staff)
    session.flush()
    return Preferences(staff.locale, staff.digest_time, staff.quiet_start, staff.quiet_end)
