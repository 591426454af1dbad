"""Logging a contact with a client (交往记录), its follow-up date, and undo.

The service owns the transaction: the log, the client's last contact and next follow-up change
together or not at all (the caller commits the session once).
"""

from __future__ import annotations

import re
import uuid
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from domain.access import Viewer, can_see_client, visible_clients
from domain.errors import DomainError
from domain.models import Client, Interaction, Source

UNDO_WINDOW = timedelta(minutes=10)
MAX_NOTE = 2000

KINDS = ("visit", "call", "message", "meeting", "event", "other")
KIND_WORDS: dict[str, str] = {
    "visit": "visit", "拜访": "visit", "走访": "visit", "面谈": "visit", "上门": "visit", "见面": "visit",
    "call": "call", "phone": "call", "电话": "call", "打电话": "call", "通话": "call", "致电": "call",
    "message": "message", "wechat": "message", "微信": "message", "短信": "message", "sms": "message", "msg": "message",
    "meeting": "meeting", "会议": "meeting", "开会": "meeting", "会面": "meeting",
    "event": "event", "活动": "event", "沙龙": "event",
    "other": "other", "其他": "other", "其它": "other",
}

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "半": 0}
_NUMBER = r"(\d{1,3}|[一二两俩三四五六七八九十]{1,2}|a|an|one|two|three|four|five|six)"
_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

_RELATIVE = [
    re.compile(rf"{_NUMBER}\s*(?:个)?\s*(天|日|周|星期|礼拜|月)(?:之)?后"),
    re.compile(rf"\bin\s+{_NUMBER}\s+(day|week|month)s?\b", re.I),
]
_FIXED = [
    (re.compile(r"明天|tomorrow", re.I), 1),
    (re.compile(r"后天|day after tomorrow", re.I), 2),
    (re.compile(r"下周|下星期|下礼拜|next week", re.I), 7),
]
_NEXT_MONTH = re.compile(r"下个?月|next month", re.I)
_FULL_DATE = re.compile(r"(?<!\d)(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?!\d)")
_MONTH_DAY = re.compile(r"(?<![\d.])(\d{1,2})[-/月](\d{1,2})[日号]?(?![\d.])")


class BadDate(DomainError):
    code = "bad_date"


def _number(token: str) -> int:
    if token.isdigit():
        return int(token)
    if token.lower() in _EN_NUMBERS:
        return _EN_NUMBERS[token.lower()]
    if len(token) == 2 and token[0] == "十":
        return 10 + _CN_DIGITS[token[1]]
    if len(token) == 2 and token[1] == "十":
        return _CN_DIGITS[token[0]] * 10
    return _CN_DIGITS[token]


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise BadDate(text) from None


def find_follow_up(text: str, today: date) -> tuple[date | None, str]:
    """A follow-up date named in free text (`两周后`, `in 2 weeks`, `12-05`, `2026-12-05`), and the text
    without it. A month-day already past means next year; an impossible date raises BadDate."""
    if match := _FULL_DATE.search(text):
        found = _make_date(int(match[1]), int(match[2]), int(match[3]), match[0])
        if found < today:
            raise BadDate(match[0])
        return found, _cut(text, match)
    if match := _MONTH_DAY.search(text):
        return _next_month_day(int(match[1]), int(match[2]), today, match[0]), _cut(text, match)
    for pattern in _RELATIVE:
        if match := pattern.search(text):
            count, unit = _number(match[1]), match[2].lower()
            if unit in ("月", "month"):
                return add_months(today, count), _cut(text, match)
            days = count * (7 if unit in ("周", "星期", "礼拜", "week") else 1)
            return today + timedelta(days=days), _cut(text, match)
    if match := _NEXT_MONTH.search(text):
        return add_months(today, 1), _cut(text, match)
    for pattern, days in sorted(_FIXED, key=lambda item: -item[1]):
        if match := pattern.search(text):
            return today + timedelta(days=days), _cut(text, match)
    return None, text


def _next_month_day(month: int, day: int, today: date, text: str) -> date:
    """The next `month-day` on or after today (29 February: the next leap year's)."""
    for year in range(today.year, today.year + 9):
        try:
            found = date(year, month, day)
        except ValueError:
            if (month, day) != (2, 29):
                raise BadDate(text) from None
            continue
        if found >= today:
            return found
    raise BadDate(text)


def _cut(text: str, match: re.Match[str]) -> str:
    return (text[: match.start()] + text[match.end():]).strip(" ,，。;；")


def parse_follow_up_answer(text: str, today: date) -> date:
    """The RM's typed answer to "when next?": a date or a phrase; BadDate when it is neither."""
    found, _rest = find_follow_up(text.strip(), today)
    if found is None:
        raise BadDate(text.strip()[:40])
    return found


@dataclass(frozen=True)
class QuickLog:
    who: str
    kind: str
    note: str
    follow_up: date | None


class BadQuickLog(DomainError):
    code = "bad_quick_log"


def parse_quick_log(text: str, today: date) -> QuickLog:
    """`张三 call 聊了理财到期，两周后再约` → who, kind, note, follow-up. The kind may be left out (a call)."""
    parts = text.strip().split(maxsplit=2)
    if not parts:
        raise BadQuickLog("")
    who, rest = parts[0], parts[1:]
    kind = "call"
    if rest and rest[0].lower() in KIND_WORDS:
        kind = KIND_WORDS[rest[0].lower()]
        rest = rest[1:]
    note = " ".join(rest)
    follow_up, _ = find_follow_up(note, today) if note else (None, note)
    return QuickLog(who=who, kind=kind, note=note[:MAX_NOTE], follow_up=follow_up)


@dataclass(frozen=True)
class LoggedContact:
    interaction_id: int
    client_id: int
    client_name: str
    kind: str
    occurred_at: datetime
    follow_up: date | None


class ClientNotVisible(DomainError):
    code = "client_not_found"


class UndoRefused(DomainError):
    code = "undo_refused"


def log_contact(
    session: Session,
    viewer: Viewer,
    client_id: int,
    *,
    kind: str,
    note: str,
    follow_up: date | None,
    now: datetime,
) -> LoggedContact:
    """Record the contact and move the client's last contact and next follow-up with it."""
    if kind not in KINDS:
        raise DomainError(f"unknown kind {kind!r}")
    if not can_see_client(session, viewer, client_id):
        raise ClientNotVisible(str(client_id))
    client = session.get(Client, client_id)
    assert client is not None
    interaction = Interaction(
        external_id=f"bot-{uuid.uuid4().hex}",
        client_id=client_id,
        staff_id=viewer.staff_id,
        kind=kind,
        occurred_at=now,
        note=note[:MAX_NOTE],
        next_date=follow_up,
        source=Source.bot,
        created_at=now,
    )
    session.add(interaction)
    if client.last_contact_at is None or client.last_contact_at <= now:
        client.last_contact_at = now
        client.last_contact_kind = kind
        client.next_follow_up = follow_up
    client.lost_contact = False
    client.updated_at = now
    session.add(client)
    session.flush()
    return LoggedContact(interaction.id or 0, client_id, client.name, kind, now, follow_up)


def undo_contact(session: Session, viewer: Viewer, interaction_id: int, *, now: datetime, window: timedelta = UNDO_WINDOW) -> str:
    """Delete a contact the viewer logged in the bot within the undo window; returns the client's name."""
    interaction = session.get(Interaction, interaction_id)
    if interaction is None or interaction.staff_id != viewer.staff_id or interaction.source != Source.bot:
        raise UndoRefused("gone")
    if interaction.created_at is None or now - interaction.created_at > window:
        raise UndoRefused("too_late")
    client = session.get(Client, interaction.client_id)
    assert client is not None
    session.delete(interaction)
    session.flush()
    recompute_contact_fields(session, client)
    return client.name


def recompute_contact_fields(session: Session, client: Client) -> None:
    """Set the client's last contact and follow-up from its newest remaining interaction."""
    newest = session.exec(
        select(Interaction)
        .where(Interaction.client_id == client.id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(1)
    ).first()
    client.last_contact_at = newest.occurred_at if newest else None
    client.last_contact_kind = newest.kind if newest else None
    client.next_follow_up = newest.next_date if newest else None
    session.add(client)
    session.flush()


def set_follow_up(session: Session, viewer: Viewer, client_id: int, follow_up: date | None, *, now: datetime) -> str:
    """Set (or clear) the client's next follow-up without logging a contact; returns the client's name."""
    if not can_see_client(session, viewer, client_id):
        raise ClientNotVisible(str(client_id))
    client = session.get(Client, client_id)
    assert client is not None
    client.next_follow_up = follow_up
    client.updated_at = now
    session.add(client)
    session.flush()
    return client.name


def client_name_if_visible(session: Session, viewer: Viewer, client_id: int) -> str | None:
    return session.exec(select(Client.name).where(Client.id == client_id, visible_clients(viewer))).first()
