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
from functools import cache

from sqlalchemy import ColumnElement, Integer, String, bindparam, case, func, or_
from sqlmodel import Session, select

from domain import audit
from domain.access import Viewer, visibility_parameters, visibility_shape, visible_clients, visible_clients_clause
from domain.models import NAME_PART_LENGTH, Client, ClientNamePart
from domain.rules import Tier

MAX_QUERY = 64
PAGE_SIZE = 8
COUNT_CAP = 200
"""Matches counted at most ("200+", 25 pages): past that a chat says "narrow it down", and each
match counted across a branch is a client row read, most of them from disk in a large bank."""
PROBE = 4000
"""Matches across a branch beyond which a search reads its page tier by tier rather than sorting."""


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


def _starts(column, text) -> ColumnElement[bool]:  # noqa: ANN001
    """The same prefix test written so that no index serves it: checked on rows another index found."""
    return func.substr(column, 1, func.length(text)) == text


def _name_key(text: str) -> str:
    return text.lower()


def _like_pattern(text: str) -> str:
    """`%text%` in lower case, with LIKE's wildcards (and the escape character) escaped by `/`."""
    escaped = _name_key(text).replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _contains_name(pattern) -> ColumnElement[bool]:  # noqa: ANN001
    return func.lower(Client.name).like(pattern, escape="/")


def _parts(query: ParsedQuery, dialect: str):  # noqa: ANN202
    """Ids of clients whose name contains the text, from the name-part index (a prefix range)."""
    key = _name_key(query.text)[:NAME_PART_LENGTH]
    return select(ClientNamePart.client_id).where(_prefix(ClientNamePart.part, key, dialect))


def _row_match(query: ParsedQuery) -> ColumnElement[bool]:
    """The match as a test on each row, for searches another index drives (the viewer's book, a tier)."""
    return _row_test(query.kind, query.text, _like_pattern(query.text))


def _row_test(kind: QueryKind, typed, pattern) -> ColumnElement[bool]:  # noqa: ANN001
    """The row test, with the typed text and its LIKE pattern as values or as statement parameters."""
    if kind == QueryKind.phone_last4:
        return (Client.phone_last4 == typed) | (Client.client_no == typed)
    if kind == QueryKind.client_no:
        return Client.client_no == typed
    if kind == QueryKind.pinyin:
        return _starts(Client.name_pinyin, typed) | _starts(Client.name_initials, typed)
    return _contains_name(pattern)


def _indexed_match(query: ParsedQuery, dialect: str) -> ColumnElement[bool]:
    """The match as index lookups, for searches across a branch or the bank."""
    if query.kind == QueryKind.pinyin:
        return or_(_prefix(Client.name_pinyin, query.text, dialect), _prefix(Client.name_initials, query.text, dialect))
    if query.kind == QueryKind.name:
        within = Client.id.in_(_parts(query, dialect))
        return within & _contains_name(_like_pattern(query.text)) if len(query.text) > NAME_PART_LENGTH else within
    return _row_match(query)


_TIER_ORDER = case({tier.value: rank for rank, tier in enumerate(Tier)}, value=Client.tier, else_=len(Tier))
_COLUMNS = (Client.id, Client.client_no, Client.name, Client.kind, Client.tier, Client.aum)


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
    """Matches, counted up to COUNT_CAP (shown as "200+")."""

    @property
    def capped(self) -> bool:
        return self.total >= COUNT_CAP

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * PAGE_SIZE < self.total


def _count(session: Session, statement, cap: int) -> int:  # noqa: ANN001
    return session.exec(select(func.count()).select_from(statement.limit(cap).subquery())).one()


def search_clients(session: Session, viewer: Viewer, query: ParsedQuery, page: int = 0) -> SearchPage:
    """One page of matches in rank order: exact name, then the viewer's own clients, then by tier
    (highest first), AUM (largest first) and id (oldest first).

    How the database finds them depends on how much the viewer sees. An RM's or a team's book is
    small: its owner index drives and each row is tested. A branch head or an admin sees up to the
    whole bank: the name, pinyin or phone index drives. When that finds more than PROBE matches,
    sorting them all would be slow, so the page is read segment by segment in rank order (exact
    name, own clients, then each tier down its (tier, AUM) index), which stops after one page.
    """
    dialect = session.get_bind().dialect.name
    offset = page * PAGE_SIZE
    if not viewer.sees_units:
        return _search_book(session, viewer, query, page)
    mine = Client.rm_id == viewer.staff_id
    exact = Client.name == query.text
    rank = (case((exact, 0), else_=1), case((mine, 0), else_=1), _TIER_ORDER, Client.aum.desc(), Client.id)
    visible = visible_clients(viewer, drive=False)
    if query.kind == QueryKind.name:
        raw = _count(session, _parts(query, dialect), PROBE)
        found = select(ClientNamePart.client_id).distinct().join(Client, Client.id == ClientNamePart.client_id)
        found = found.where(_prefix(ClientNamePart.part, _name_key(query.text)[:NAME_PART_LENGTH], dialect), visible)
        if len(query.text) > NAME_PART_LENGTH:
            found = found.where(_contains_name(_like_pattern(query.text)))
    else:
        raw = _count(session, select(Client.id).where(_indexed_match(query, dialect)), PROBE)
        found = select(Client.id).where(_indexed_match(query, dialect), visible)
    total = _count(session, found, COUNT_CAP)
    if raw < PROBE:
        rows = _page(session, [_Segment(_indexed_match(query, dialect) & visible, rank)], offset, mine)
        return _result(query, page, rows, total)
    base = _row_match(query) & visible
    indexed = _indexed_match(query, dialect) & visible
    others = (Client.name != query.text) & Client.rm_id.is_distinct_from(viewer.staff_id)
    by_value = (Client.aum.desc(), Client.id)
    unindexed_tier = Client.tier.concat("")
    segments = [
        _Segment(base & exact, rank[1:]),
        _Segment(base & (Client.name != query.text) & mine, (_TIER_ORDER, *by_value)),
        *(
            _Segment(base & others & (Client.tier == tier.value), by_value, tier=tier.value,
                     rest=indexed & others & (_TIER_ORDER >= rank_of))
            for rank_of, tier in enumerate(Tier)
        ),
        _Segment(indexed & others & unindexed_tier.not_in([tier.value for tier in Tier]), by_value),
    ]
    return _result(query, page, _page(session, segments, offset, mine), total)


WALK = 2_000
"""Clients of a tier read in AUM order for a large search's page before it looks the matches up
through the name or pinyin index instead (a text common in company names is rare among people)."""


@dataclass(frozen=True)
class _Segment:
    """A run of the ranking: its rows and their order. For a tier, `rest` is this tier and all
    after it found through the name or pinyin index, read (and sorted) in one go once walking the
    tier's top WALK clients finds too few: the text is rare among this tier's clients."""

    where: ColumnElement[bool]
    order: tuple
    tier: str | None = None
    rest: ColumnElement[bool] | None = None


def _page(session: Session, segments: list[_Segment], offset: int, mine) -> list:  # noqa: ANN001
    """PAGE_SIZE rows starting at `offset` of the segments read one after another."""
    rows: list = []

    def read(where: ColumnElement[bool], order: tuple, need: int) -> list:
        return session.exec(select(*_COLUMNS, mine).where(where).order_by(*order).offset(offset).limit(need)).all()

    for segment in segments:
        need = PAGE_SIZE - len(rows)
        if need == 0:
            break
        where = segment.where
        if segment.rest is not None:
            floor = session.exec(
                select(Client.aum).where(Client.tier == segment.tier).order_by(Client.aum.desc()).offset(WALK - 1).limit(1)
            ).first()
            if floor is not None:  # a large tier: walk its top by AUM (a prefix of its order) first
                walked = read(where & (Client.aum >= floor), segment.order, need)
                if len(walked) < need:  # too few there: this tier and the rest through the index
                    rows.extend(read(segment.rest, (_TIER_ORDER, *segment.order), need))
                    break
                rows.extend(walked)
                offset = 0
                continue
        got = read(where, segment.order, need)
        if offset and not got:
            offset -= _count(session, select(Client.id).where(where), offset)
            continue
        offset = 0
        rows.extend(got)
    return rows


@cache
def _book_statement(kind: QueryKind, shape: str):  # noqa: ANN202
    """The search over an RM's or a team's book, built once per kind and shape (a search is the
    commonest update there is) with the text, viewer and page as parameters, the match count
    riding along as a window so that one statement answers both."""
    typed, viewer = bindparam("text", type_=String), bindparam("viewer", type_=Integer)
    match = _row_test(kind, typed, bindparam("pattern", type_=String))
    visible = visible_clients_clause(shape)
    mine = Client.rm_id == viewer
    rank = (case((Client.name == typed, 0), else_=1), case((mine, 0), else_=1), _TIER_ORDER, Client.aum.desc(), Client.id)
    return (
        select(*_COLUMNS, mine, func.count().over())
        .where(match & visible)
        .order_by(*rank)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )


def _search_book(session: Session, viewer: Viewer, query: ParsedQuery, page: int) -> SearchPage:
    parameters = {
        "text": query.text, "viewer": viewer.staff_id, "pattern": _like_pattern(query.text),
        "offset": page * PAGE_SIZE, "limit": PAGE_SIZE, **visibility_parameters(viewer),
    }
    rows = session.execute(_book_statement(query.kind, visibility_shape(viewer)), parameters).all()
    if rows:
        total = rows[0][7]
    elif page == 0:
        total = 0
    else:  # a page past the end (the book changed since): how many there are now
        total = _count(session, select(Client.id).where(_row_match(query) & visible_clients(viewer)), COUNT_CAP)
    return _result(query, page, rows, min(total, COUNT_CAP))


def _result(query: ParsedQuery, page: int, rows: list, total: int) -> SearchPage:
    hits = [ClientHit(*row[:6], mine=bool(row[6])) for row in rows]
    return SearchPage(query=query, hits=hits, page=page, total=total)


def find_clients(session: Session, viewer: Viewer, query: ParsedQuery, page: int, *, now: datetime) -> SearchPage:
    """A search, written to the audit log: auditors must be able to see who looked for whom."""
    result = search_clients(session, viewer, query, page)
    audit.record(
        session, action="search", now=now, staff_id=viewer.staff_id, target=query.kind, detail=f"{query.text} hits={result.total}"
    )
    return result
