"""Find a client by what an RM remembers: a name or part of it, pinyin or initials, the client
number, or the last four digits of the phone.

Every search runs inside the viewer's visibility. Ranking: exact name first, then the viewer's
own clients, then everyone else; within each, by tier (personal tiers highest first, then
corporate contact classes) and AUM.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

from sqlalchemy import ColumnElement, Integer, Select, String, bindparam, case, func, or_, true, union_all
from sqlmodel import Session, select

from domain import audit
from domain.access import Viewer, visibility_parameters, visibility_shape, visible_clients, visible_clients_clause
from domain.models import NAME_PART_LENGTH, Client, ClientNamePart
from domain.rules import ContactClass, Tier

MAX_QUERY = 64
PAGE_SIZE = 8
COUNT_CAP = 200
"""Matches counted at most ("200+", 25 pages): past that a chat says "narrow it down", and each
match counted across a branch is a client row read, most of them from disk in a large bank."""
PROBE = 1000
"""Matches across the bank beyond which a branch head's search reads its page tier by tier
rather than sorting them all (each one sorted is a client row read)."""
DENSE = 10_000
"""Matches counted tier by tier at most: a text more common than that is walked in every tier."""


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


def _prefix(column, name: str, dialect: str) -> ColumnElement[bool]:  # noqa: ANN001
    """A prefix match that uses the column's index, the prefix given as parameters (see
    `_prefix_parameters`): a range on SQLite (whose LIKE is case-insensitive and skips BINARY
    indexes), LIKE on PostgreSQL (text_pattern_ops index)."""
    if dialect == "sqlite":
        return (column >= bindparam(f"{name}_from", type_=String)) & (column < bindparam(f"{name}_to", type_=String))
    return column.like(bindparam(f"{name}_like", type_=String), escape="/")


def _prefix_parameters(name: str, text: str) -> dict[str, str]:
    return {f"{name}_from": text, f"{name}_to": text + "\U0010ffff", f"{name}_like": _escaped(text) + "%"}


def _starts(column, text) -> ColumnElement[bool]:  # noqa: ANN001
    """The same prefix test written so that no index serves it: checked on rows another index found."""
    return func.substr(column, 1, func.length(text)) == text


def _name_key(text: str) -> str:
    return text.lower()


def _escaped(text: str) -> str:
    """LIKE's wildcards (and the escape character) escaped by `/`."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _like_pattern(text: str) -> str:
    """`%text%` in lower case, escaped."""
    return f"%{_escaped(_name_key(text))}%"


def _contains_name(pattern) -> ColumnElement[bool]:  # noqa: ANN001
    return func.lower(Client.name).like(pattern, escape="/")


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


RANKED_TIERS = (*(tier.value for tier in Tier), *(tier.value for tier in ContactClass))
"""Tiers in rank order: personal tiers highest first, then corporate contact classes (class 1 the
largest); any other tier after them."""
_TIER_ORDER = case({tier: rank for rank, tier in enumerate(RANKED_TIERS)}, value=Client.tier, else_=len(RANKED_TIERS))
_COLUMNS = (Client.id, Client.client_no, Client.name, Client.kind, Client.tier, Client.aum)


def _rank(typed, mine: ColumnElement[bool]) -> tuple:  # noqa: ANN001
    """The ranking: exact name, the viewer's own clients, tier, AUM (largest first), id."""
    return (case((Client.name == typed, 0), else_=1), case((mine, 0), else_=1), _TIER_ORDER, Client.aum.desc(), Client.id)


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
    name, own clients, then each tier), which stops after one page (see `_read_segments`).
    Either way the statements are built once per kind of query and visibility, with the text,
    viewer and page as parameters.
    """
    if not viewer.sees_units:
        return _search_book(session, viewer, query, page)
    dialect = session.get_bind().dialect.name
    long = query.kind == QueryKind.name and len(query.text) > NAME_PART_LENGTH
    statements = _branch_statements(query.kind, long, visibility_shape(viewer), dialect)
    key = _name_key(query.text)[:NAME_PART_LENGTH]
    parameters = {
        "text": query.text, "pattern": _like_pattern(query.text), "viewer": viewer.staff_id,
        **_prefix_parameters("typed", query.text), **_prefix_parameters("part", key), **visibility_parameters(viewer),
    }
    total = session.execute(statements.total, {**parameters, "cap": COUNT_CAP}).scalar_one()
    offset = page * PAGE_SIZE
    by_tier = dict(session.execute(statements.by_tier, {**parameters, "cap": DENSE}).all())
    matches = sum(by_tier.values())
    if matches < PROBE:
        rows = session.execute(statements.sorted, {**parameters, "offset": offset, "limit": PAGE_SIZE}).all()
    else:
        rows = _read_segments(session, statements, parameters, offset, by_tier if matches < DENSE else None)
    return _result(query, page, rows, total)


WALK = 2_000
"""A tier's richest clients tested for a common text before all its matches are read instead."""


@dataclass(frozen=True)
class _Read:
    """A run of the ranking: its rows in order, and how many there are (up to a cap)."""

    rows: Select
    count: Select


@dataclass(frozen=True)
class _BranchStatements:
    by_tier: Select
    """(tier, matches) anywhere in the bank, of the first :cap the index holds, from the index
    alone: whether to sort them all, and how to read each tier if not."""
    total: Select
    """Visible matches, counted up to :cap."""
    sorted: Select
    """Every visible match in rank order (:offset, :limit)."""
    exact: _Read
    own: _Read
    floor: Select
    """The AUM of :tier's :walk-th richest client."""
    walk: Select
    """The matches of :tier among its clients with at least :floor, by AUM."""
    tier_indexed: _Read
    """The matches of :tier through the index: only they are read."""
    unranked: _Read
    """Matches in no tier of RANKED_TIERS."""


@cache
def _branch_statements(kind: QueryKind, long: bool, shape: str, dialect: str) -> _BranchStatements:
    """A branch head's or an admin's search, built once per kind of query and visibility."""
    typed = bindparam("text", type_=String)
    viewer = bindparam("viewer", type_=Integer)
    tier = bindparam("tier", type_=String)
    visible = visible_clients_clause(shape, drive=False)
    row_match = _row_test(kind, typed, bindparam("pattern", type_=String))
    mine = Client.rm_id == viewer
    exact = Client.name == typed
    others = (Client.name != typed) & Client.rm_id.is_distinct_from(viewer)
    rank = _rank(typed, mine)
    by_value = (Client.aum.desc(), Client.id)

    def parts(*where: ColumnElement[bool]) -> Select:
        return select(ClientNamePart.client_id).where(_prefix(ClientNamePart.part, "part", dialect), *where)

    def indexed(of_tier=None) -> ColumnElement[bool]:  # noqa: ANN001
        """The match through the name, pinyin or phone index; with `of_tier(tier column)`, only a
        tier's matches, told by the index alone."""
        if kind == QueryKind.name:
            within = Client.id.in_(parts(*(() if of_tier is None else (of_tier(ClientNamePart.tier),))))
            return within & row_match if long else within
        # the tier read from the pinyin and initials indexes' own entries: written so that no
        # index on the tier could drive instead (SQLite, without statistics, would walk the tier)
        tier_test = true() if of_tier is None else of_tier(Client.tier.concat(""))
        if kind == QueryKind.pinyin:
            return or_(
                _prefix(Client.name_pinyin, "typed", dialect) & tier_test,
                _prefix(Client.name_initials, "typed", dialect) & tier_test,
            )
        return row_match & tier_test

    def page(where: ColumnElement[bool], order: tuple) -> Select:
        return (
            select(*_COLUMNS, mine).where(where).order_by(*order)
            .offset(bindparam("offset", type_=Integer)).limit(bindparam("limit", type_=Integer))
        )

    cap = bindparam("cap", type_=Integer)

    def counted(statement: Select) -> Select:
        return select(func.count()).select_from(statement.limit(cap).subquery())

    def read(where: ColumnElement[bool], order: tuple) -> _Read:
        return _Read(page(where, order), counted(select(Client.id).where(where)))

    in_tier = Client.tier == tier
    if kind == QueryKind.name:
        tiers = parts().add_columns(ClientNamePart.tier.label("tier")).limit(cap).subquery()
        found = (
            select(ClientNamePart.client_id).distinct().join(Client, Client.id == ClientNamePart.client_id)
            .where(_prefix(ClientNamePart.part, "part", dialect), visible, *((row_match,) if long else ()))
        )
    else:
        if kind == QueryKind.pinyin:  # each index read alone (a client matching both counts twice)
            tiers = union_all(
                select(Client.tier.label("tier")).where(_prefix(Client.name_pinyin, "typed", dialect)),
                select(Client.tier.label("tier")).where(_prefix(Client.name_initials, "typed", dialect)),
            ).limit(cap).subquery()
        else:
            tiers = select(Client.tier.label("tier")).where(indexed()).limit(cap).subquery()
        found = select(Client.id).where(indexed(), visible)
    return _BranchStatements(
        by_tier=select(tiers.c.tier, func.count()).group_by(tiers.c.tier),
        total=counted(found),
        sorted=page(indexed() & visible, rank),
        exact=read(row_match & visible & exact, rank[1:]),
        own=read(row_match & visible & (Client.name != typed) & mine, (_TIER_ORDER, *by_value)),
        floor=(
            select(Client.aum).where(in_tier).order_by(Client.aum.desc())
            .offset(bindparam("walk", type_=Integer)).limit(1)
        ),
        walk=page(row_match & visible & others & in_tier & (Client.aum >= bindparam("floor", type_=Client.aum.type)), by_value),
        tier_indexed=read(indexed(lambda column: column == tier) & visible & others, by_value),
        unranked=read(indexed(lambda column: column.not_in(RANKED_TIERS)) & visible & others, by_value),
    )


def _read_segments(
    session: Session, statements: _BranchStatements, parameters: dict, offset: int, by_tier: dict[str, int] | None
) -> list:
    """PAGE_SIZE rows from `offset` of a large result, read segment by segment in rank order.

    Exact names, the viewer's own clients, then each tier. `by_tier` is how many matches each tier
    has (at most: the index cannot tell visibility), None when the text is too common to count.
    A tier with none is skipped; with fewer than WALK, they are read and sorted. With more (or
    uncounted), the tier's top WALK clients by AUM are tested first, where a common text's page is
    found at once, and only when too few of them match are all the tier's matches read.
    """
    rows: list = []
    segments = [
        (statements.exact, None), (statements.own, None),
        *((None, tier) for tier in RANKED_TIERS), (statements.unranked, None),
    ]
    for segment, tier in segments:
        need = PAGE_SIZE - len(rows)
        if need == 0:
            break
        values = {**parameters, "tier": tier, "offset": offset, "limit": need}
        if tier is not None:
            matches = WALK if by_tier is None else by_tier.get(tier, 0)
            if matches == 0:
                continue
            if matches >= WALK:
                floor = session.execute(statements.floor, {"tier": tier, "walk": WALK - 1}).scalar()
                if floor is not None:  # walk the tier's top by AUM (a prefix of its order) first
                    walked = session.execute(statements.walk, {**values, "floor": floor}).all()
                    if len(walked) == need:
                        rows.extend(walked)
                        offset = 0
                        continue
            segment = statements.tier_indexed
        got = session.execute(segment.rows, values).all()
        if offset and not got:
            offset -= session.execute(segment.count, {**values, "cap": offset}).scalar_one()
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
    return (
        select(*_COLUMNS, mine, func.count().over())
        .where(match & visible)
        .order_by(*_rank(typed, mine))
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
