"""A staff member's own settings: language, morning digest time, quiet hours."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from domain.access import Viewer
from domain.errors import DomainError
from domain.models import Role, Staff

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
    team_reports: bool = True
    """Team leads and branch heads: the scheduled team summary (`domain.team_reports`)."""
    reports_offered: bool = False
    """Whether this person has a scheduled team summary to switch at all."""


def _of(staff: Staff) -> Preferences:
    return Preferences(
        staff.locale, staff.digest_time, staff.quiet_start, staff.quiet_end, bool(staff.team_reports),
        staff.role in (Role.team_lead, Role.branch_head),
    )


def preferences(session: Session, viewer: Viewer) -> Preferences:
    staff = session.get(Staff, viewer.staff_id)
    assert staff is not None
    return _of(staff)


def update_preferences(session: Session, viewer: Viewer, **changes: str | bool | None) -> Preferences:
    """Change only what is named: locale, digest_time, quiet_start, quiet_end (None = back to
    default), team_reports (on or off)."""
    staff = session.get(Staff, viewer.staff_id)
    assert staff is not None
    if "locale" in changes:
        if changes["locale"] not in (*LOCALES, None):
            raise DomainError(f"unknown locale {changes['locale']!r}")
        staff.locale = changes["locale"]
    for key in ("digest_time", "quiet_start", "quiet_end"):
        if key in changes:
            value = changes[key]
            setattr(staff, key, None if value is None else parse_hhmm(str(value)))
    if "team_reports" in changes:
        staff.team_reports = bool(changes["team_reports"])
    session.add(staff)
    session.flush()
    return _of(staff)
