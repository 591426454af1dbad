"""The reminder scan: what every RM must be told, written to the outbox (`alert`) exactly once.

The scan asks the same questions as the lists (`domain.lists`: due follow-ups, overdue contacts,
birthdays by the tiers' lead days, large movements), for the whole bank at once, and inserts one
alert per finding under a dedup key `kind:client:occasion[:detail]`. The key is unique in the
database and rows are inserted with `ON CONFLICT DO NOTHING`, so running the scan twice, or on
two machines at once, creates nothing new. Follow-ups and overdue contacts, the bulk of a day's
findings, go from the client table to the outbox in one `INSERT … SELECT` each; the few
birthdays and movements pass through Python for their payload. The key names the occasion:

- follow_up: the follow-up date the RM set;
- overdue: the spell, named by the last contact it follows (`overdue:client:<epoch seconds>`, or
  `never`), so that one overdue spell is one alert whatever the cadence; its occasion is the day
  the scan first found it (NEVER for a client never contacted); a contact logged after it clears it;
  a corporate client behind this month's contacts (`domain.rules.corporate_contacts_expected`) is
  one alert a month, `overdue:client:m<YYYY-MM>`, its occasion the month's first day;
- birthday: the birthday's date, with the days before it as detail (7, 1 and 0 days ahead are
  three reminders); birthdays are scanned on working days only, since only they have a digest,
  and a working day's scan covers the non-working days after it;
- attrition / outflow / inflow: the local day of the transaction, with its id as detail.

Which alert reaches whom, when and how is the dispatcher's business; this module only finds.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, Date, String, and_, case, cast, exists, func, literal, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from domain import lists
from domain.access import Viewer
from domain.bulk import Natives, TableSpec, write_rows
from domain.calendar import is_workday
from domain.locks import SCAN, try_lead
from domain.models import Alert, Client, Direction, Role
from domain.types import UTCDateTime, from_fen

if TYPE_CHECKING:
    from bot.config import Settings


class AlertKind(StrEnum):
    attrition = "attrition"
    """A large outflow to another bank: the client may be leaving."""
    birthday = "birthday"
    follow_up = "follow_up"
    overdue = "overdue"
    outflow = "outflow"
    """A large outflow within the bank."""
    inflow = "inflow"
    """A large inflow: a sales chance."""


PRIORITY = {
    AlertKind.attrition: 0,
    AlertKind.birthday: 1,
    AlertKind.follow_up: 2,
    AlertKind.overdue: 3,
    AlertKind.outflow: 4,
    AlertKind.inflow: 5,
}
"""The digest's order (lower first); birthdays ahead of today sort after the overdue by payload."""

NEVER = date(1900, 1, 1)
"""The occasion of an overdue spell for a client never contacted."""

_COLUMNS = ("dedup_key", "kind", "client_id", "staff_id", "occasion", "priority", "payload", "status", "created_at")
ALERT = TableSpec("alert", _COLUMNS, ("dedup_key",), keep=_COLUMNS[1:])
"""Everything kept on conflict: an alert, once written, is never rewritten by a scan."""

CHUNK = 5_000
CLEARED_BY_CONTACT = (AlertKind.overdue, AlertKind.follow_up)


@dataclass
class ScanReport:
    day: date
    found: Counter[str] = field(default_factory=Counter)
    """Findings per kind, new or not."""
    created: Counter[str] = field(default_factory=Counter)
    """Alerts written by this scan per kind (0 when an earlier scan wrote them)."""
    cleared: int = 0
    birthdays_scanned: bool = True
    skipped: bool = False
    """Another process holds the scan: this one did nothing."""

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


class Finding(NamedTuple):
    """One thing to tell one RM (a tuple: a scan makes hundreds of thousands)."""

    kind: AlertKind
    client_id: int
    staff_id: int
    occasion: date
    detail: str = ""
    payload: dict[str, Any] | None = None

    @property
    def dedup_key(self) -> str:
        return dedup_key(self.kind, self.client_id, self.occasion, self.detail)


def dedup_key(kind: str, client_id: int, occasion: date, detail: str = "") -> str:
    """`kind:client:occasion[:detail]`, unique in the outbox."""
    key = f"{kind}:{client_id}:{'never' if occasion == NEVER else occasion.isoformat()}"
    return f"{key}:{detail}" if detail else key


_BANK = Viewer(staff_id=0, name="scan", role=Role.admin, unit_id=0, unit_path="/", team_id=None)
"""The scan sees the whole bank; each alert goes to the client's RM."""


def scan(session: Session, *, today: date, settings: Settings, now: datetime | None = None) -> ScanReport:
    """Find everything due on `today` (the bank's local day) and write the new alerts. When
    another process is scanning (PostgreSQL), returns at once with `skipped` set."""
    now = now or datetime.now(UTC)
    report = ScanReport(day=today)
    if not try_lead(session, SCAN):
        report.skipped = True
        return report
    report.cleared = clear_contacted(session, now=now)
    zone = settings.tz
    schedule = settings.schedule
    report.birthdays_scanned = is_workday(today, schedule.workdays, holidays=schedule.holidays, make_up_days=schedule.make_up_days)
    _follow_ups(session, today, now, report)
    _overdue(session, today, zone, settings, now, report)
    if report.birthdays_scanned:
        _write(session, _birthdays(session, today, settings), now, report)
    _write(session, _movements(session, today, zone, settings), now, report)
    return report


def clear_contacted(session: Session, *, now: datetime) -> int:
    """Clear open follow-up and overdue alerts of clients contacted since the alert was written."""
    contacted = exists().where(Client.id == Alert.client_id, Client.last_contact_at > Alert.created_at)
    result = session.execute(
        update(Alert)
        .where(Alert.cleared_at.is_(None), Alert.kind.in_([k.value for k in CLEARED_BY_CONTACT]), contacted)
        .values(status="cleared", cleared_at=now)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


def _owned(*where: Any) -> Any:
    return select(Client.id, Client.rm_id).where(Client.rm_id.is_not(None), *where)


def _rows(session: Session, query: Any) -> Iterator[Any]:
    """The rows of `query`, CHUNK at a time (a server-side cursor on PostgreSQL), so that a scan
    holds one chunk of findings at a time."""
    return session.execute(query.execution_options(yield_per=CHUNK))


def _text(column: Any) -> ColumnElement[str]:
    return cast(column, String)


def _insert_found(session: Session, kind: AlertKind, found: Any, key: Any, occasion: Any, now: datetime, report: ScanReport) -> None:
    """Write the clients `found` selects (id, rm_id, tier) as `kind` alerts in one INSERT … SELECT
    … ON CONFLICT DO NOTHING: the whole bank's follow-ups or overdue contacts without a row in Python."""
    found = found.subquery()
    c = found.c
    dedup = literal(f"{kind.value}:", String) + _text(c.id) + literal(":", String) + key(c)
    rows = select(
        dedup, literal(kind.value, String), c.id, c.rm_id, occasion(c), literal(PRIORITY[kind]),
        literal('{"tier": "', String) + c.tier + literal('"}', String), literal("pending", String), literal(now, UTCDateTime()),
    ).where(true())  # SQLite: an upsert's SELECT needs a WHERE to parse
    dialect = session.connection().dialect.name
    insert = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(Alert.__table__)
    statement = insert.from_select(list(_COLUMNS), rows).on_conflict_do_nothing(index_elements=["dedup_key"])
    report.found[kind.value] += session.execute(select(func.count()).select_from(found)).scalar_one()
    if dialect == "sqlite":
        created = session.connection().execute(statement).rowcount
    else:  # psycopg reports no row count for an INSERT … SELECT built this way: count what it returns
        created = len(session.connection().execute(statement.returning(literal(1))).all())
    report.created[kind.value] += created


def _follow_ups(session: Session, today: date, now: datetime, report: ScanReport) -> None:
    found = _owned(Client.next_follow_up <= today).add_columns(Client.tier, Client.next_follow_up)
    _insert_found(session, AlertKind.follow_up, found, lambda c: _text(c.next_follow_up), lambda c: c.next_follow_up, now, report)


def _epoch_seconds(column: Any, dialect: str) -> ColumnElement[int]:
    if dialect == "sqlite":
        return cast(func.strftime("%s", column), BigInteger)
    return cast(func.extract("epoch", column), BigInteger)


def _overdue(session: Session, today: date, zone: ZoneInfo, settings: Settings, now: datetime, report: ScanReport) -> None:
    """One alert per overdue spell: the spell is the last contact it follows (its instant in the key,
    `never` for a client never contacted); the occasion is the day the scan first found it (NEVER
    for a client never contacted)."""
    terms = lists._DueTerms.on(today, zone, settings)
    found = _owned(terms.overdue).add_columns(Client.tier, Client.last_contact_at)
    dialect = session.connection().dialect.name

    def key(c: Any) -> ColumnElement[str]:
        return func.coalesce(_text(_epoch_seconds(c.last_contact_at, dialect)), literal("never", String))

    def occasion(c: Any) -> ColumnElement[date]:
        return case((c.last_contact_at.is_(None), literal(NEVER, Date())), else_=literal(today, Date()))

    _insert_found(session, AlertKind.overdue, found, key, occasion, now, report)
    # corporate clients behind this month's contacts: one alert a month (`overdue:client:m2026-11`)
    month = today.replace(day=1)
    behind = _owned(terms.behind).add_columns(Client.tier)
    _insert_found(
        session, AlertKind.overdue, behind, lambda c: literal(f"m{month:%Y-%m}", String), lambda c: literal(month, Date()), now, report,
    )


def _birthdays(session: Session, today: date, settings: Settings) -> Iterator[Finding]:
    reminders = {tier: days for tier, days in lists.birthday_reminders(today, settings).items() if days}
    if not reminders:
        return
    inner = lists._birthday_query(_BANK, today, today + timedelta(days=max(max(d) for d in reminders.values())))
    wanted = or_(*(and_(inner.c.tier == tier, inner.c.days.in_(sorted(days))) for tier, days in reminders.items()))
    rows = _rows(
        session,
        select(inner.c.id, Client.rm_id, inner.c.days, inner.c.tier, inner.c.lunar_birth_month, inner.c.birthday)
        .join(Client, Client.id == inner.c.id)
        .where(Client.rm_id.is_not(None), inner.c.days.is_not(None), wanted),
    )
    milestones = set(settings.birthdays.milestones)
    for client_id, rm_id, days, tier, lunar_month, born in rows:
        on = today + timedelta(days=days)
        age = lists.age_on(on, born, lunar=lunar_month is not None)
        payload: dict[str, Any] = {"tier": tier, "days": days, "calendar": "lunar" if lunar_month else "solar", "age": age}
        if age in milestones:
            payload["milestone"] = age
        yield Finding(AlertKind.birthday, client_id, rm_id, on, detail=str(days), payload=payload)


_MOVEMENT_KINDS = {"attrition": AlertKind.attrition, "outflow": AlertKind.outflow, "inflow": AlertKind.inflow}


def _movements(session: Session, today: date, zone: ZoneInfo, settings: Settings) -> Iterator[Finding]:
    """Large movements since the start of yesterday (a scan every morning sees each one twice, and
    writes it once), by the tier's line or share of AUM as in `/moves`."""
    since = datetime.combine(today - timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    until = datetime.combine(today + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    movements = lists._movement_query(_BANK, since, until, settings).subquery()
    m = movements.c
    rows = _rows(
        session,
        select(m.id, m.client_id, Client.rm_id, m.occurred_at, m.amount, m.direction, m.other_bank, m.counterparty_bank, m.tier)
        .join(Client, Client.id == m.client_id)
        .where(Client.rm_id.is_not(None)),
    )
    for transaction_id, client_id, rm_id, at, amount, direction, other_bank, bank, tier in rows:
        kind = "inflow" if direction != Direction.outflow.value else ("attrition" if other_bank else "outflow")
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        yield Finding(
            _MOVEMENT_KINDS[kind], client_id, rm_id, at.astimezone(zone).date(), detail=str(transaction_id),
            payload={"tier": tier, "amount": str(amount), "counterparty_bank": bank or "", "transaction_id": transaction_id,
                     "at": at.astimezone(UTC).isoformat()},
        )
    yield from _same_day_totals(session, today, zone, settings)


def _same_day_totals(session: Session, today: date, zone: ZoneInfo, settings: Settings) -> Iterator[Finding]:
    """A client's transfers of one kind on one day, each under the line but together at or over it
    (money moved out in several smaller transfers is still money leaving): one alert per client,
    day and kind, `kind:client:day:total`, the latest transfer in the payload."""
    totals = lists._same_day_totals_query(_BANK, lists._local_days(today - timedelta(days=1), today, zone), settings).subquery()
    t = totals.c
    rows = _rows(
        session,
        select(t.id, t.client_id, Client.rm_id, t.occurred_at, t.total_fen, t.transactions, t.direction, t.other_bank,
               t.counterparty_bank, t.tier, t.day)
        .join(Client, Client.id == t.client_id)
        .where(Client.rm_id.is_not(None)),
    )
    for transaction_id, client_id, rm_id, at, total, count, direction, other_bank, bank, tier, day in rows:
        kind = "inflow" if direction != Direction.outflow.value else ("attrition" if other_bank else "outflow")
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        day = day if isinstance(day, date) else date.fromisoformat(day)
        yield Finding(
            _MOVEMENT_KINDS[kind], client_id, rm_id, day, detail="total",
            payload={"tier": tier, "amount": str(from_fen(int(total))), "transactions": int(count), "counterparty_bank": bank or "",
                     "transaction_id": transaction_id, "at": at.astimezone(UTC).isoformat()},
        )


def _write(session: Session, findings: Iterable[Finding], now: datetime, report: ScanReport) -> None:
    """Insert the findings as they come, CHUNK of a kind at a time; what the insert skipped was there already."""
    connection = session.connection()
    natives = Natives.for_dialect(connection.dialect.name)
    sqlite = connection.dialect.name == "sqlite"  # dates as ISO text there (see Natives)
    created = natives.instant(now.astimezone(UTC).replace(tzinfo=None))
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    pending: dict[AlertKind, list[tuple[Any, ...]]] = {}

    def flush(kind: AlertKind) -> None:
        rows = pending.pop(kind, [])
        report.found[kind.value] += len(rows)
        report.created[kind.value] += write_rows(connection, ALERT, rows) if rows else 0

    for kind, client_id, staff_id, occasion, detail, payload in findings:
        rows = pending.setdefault(kind, [])
        rows.append((
            dedup_key(kind, client_id, occasion, detail), kind.value, client_id, staff_id, occasion.isoformat() if sqlite else occasion,
            PRIORITY[kind], dumps(payload or {}), "pending", created,
        ))
        if len(rows) >= CHUNK:
            flush(kind)
    for kind in list(pending):
        flush(kind)
