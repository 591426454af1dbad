"""Find a client by what an RM remembers: a name or part of it, pinyin or initials, the client
number, or the last four digits of the phone.

Every search runs inside the viewer's visibility. Ranking: exact name first, then the viewer's
own clients by tier (highest first) and AUM, then everyone else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, case, func, or_
from sqlmodel import Session, select

from domain import audit
from domain.access import Viewer, visible_clients
from domain.models import Client
from domain.rules import Tier

MAX_QUERY = 64
PAGE_SIZE = 8
COUNT_CAP = 999


class QueryKind(StrEnum):
    phone_last4 = "phone_last4"
    client_no = "client_no"
    pinyin = "pinyin"
    name = "name"


@dataclass(frozen=True)
class ParsedQuery:
    kind: QueryKind
    text: str


_SPACES = re.compile(r"\s+")
_LATIN = re.compile(r"^[a-z]+$")
_DIGITS = re.compile(r"^\d+$")
_CLIENT_NO = re.compile(r"^[A-Za-z]{0,3}\d{4,}$")


def parse_query(raw: str) -> ParsedQuery | None:
    """What the RM typed → what to search for; None when nothing searchable is left."""
    text = unicodedata.normalize("NFKC", raw).strip()
    text = _SPACES.sub("", text)[:MAX_QUERY]
    if not text:
        return None
    if _DIGITS.match(text) and len(text) == 4:
        return ParsedQuery(QueryKind.phone_last4, text)
    if _CLIENT_NO.match(text):
        return ParsedQuery(QueryKind.client_no, text.upper())
    lowered = text.lower()
    if _LATIN.match(lowered):
        return ParsedQuery(QueryKind.pinyin, lowered)
    name = "".join(ch for ch in text if ch.isalnum() or ch in "·.-")
    return ParsedQuery(QueryKind.name, name) if name else None


def _prefix(column, text: str, dialect: str) -> ColumnElement[bool]:  # noqa: ANN001
    """A prefix match that uses the column's index: a range on SQLite (whose LIKE is
    case-insensitive and skips BINARY indexes), LIKE on PostgreSQL (text_pattern_ops index)."""
    if dialect == "sqlite":
        return (column >= text) & (column < text + "\U0010ffff")
    return column.startswith(text, autoescape=True)


def _match(query: ParsedQuery, dialect: str) -> ColumnElement[bool]:
    if query.kind == QueryKind.phone_last4:
        return (Client.phone_last4 == query.text) | (Client.client_no == query.text)
    if query.kind == QueryKind.client_no:
        return Client.client_no == query.text
    if query.kind == QueryKind.pinyin:
        return or_(_prefix(Client.name_pinyin, query.text, dialect), _prefix(Client.name_initials, query.text, dialect))
    return Client.name.contains(query.text, autoescape=True)


_TIER_ORDER = case({tier.value: rank for rank, tier in enumerate(Tier)}, value=Client.tier, else_=len(Tier))


@dataclass(frozen=True)
class ClientHit:
    id: int
    client_no: str
    name: str
    kind: str
    tier: str
    aum: object
    mine: bool


@dataclass(frozen=True)
class SearchPage:
    query: ParsedQuery
    hits: list[ClientHit]
    page: int
    total: int
    """Matches, counted up to COUNT_CAP (shown as "999+")."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * PAGE_SIZE < self.total


def search_clients(session: Session, viewer: Viewer, query: ParsedQuery, page: int = 0) -> SearchPage:
    where = _match(query, session.get_bind().dialect.name) & visible_clients(viewer)
    mine = Client.rm_id == viewer.staff_id
    order = (
        case((Client.name == query.text, 0), else_=1),
        case((mine, 0), else_=1),
        _TIER_ORDER,
        Client.aum.desc(),
        Client.id,
    )
    rows = session.exec(
        select(Client.id, Client.client_no, Client.name, Client.kind, Client.tier, Client.aum, mine)
        .where(where)
        .order_by(*order)
        .offset(page * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    capped = select(Client.id).where(where).limit(COUNT_CAP).subquery()
    total = session.exec(select(func.count()).select_from(capped)).one()
    hits = [ClientHit(*row[:6], mine=bool(row[6])) for row in rows]
    return SearchPage(query=query, hits=hits, page=page, total=total)


def find_clients(session: Session, viewer: Viewer, query: ParsedQuery, page: int, *, now: datetime) -> SearchPage:
    """A search, written to the audit log: auditors must be able to see who looked for whom."""
    result = search_clients(session, viewer, query, page)
    audit.record(
        session, action="search", now=now, staff_id=viewer.staff_id, target=query.kind, detail=f"{query.text} hits={result.total}"
    )
    return result
