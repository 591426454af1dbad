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
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.orm import aliased
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from domain import derived, lists, team
from domain.access import Viewer
from domain.bulk import Natives, TableSpec, write_rows
from domain.calendar import is_workday
from domain.locks import SCAN, try_lead
from domain.models import Alert, BalanceSnapshot, Client, Direction, Role, Transaction
from domain.rules import Tier, months_before
from domain.types import UTCDateTime, from_fen, to_fen

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
    aum_drop = "aum_drop"
    """AUM fell by `movements.aum_drop_share` or more within `movements.aum_drop_days`, however it went."""
    tier_change = "tier_change"
    """The AUM (and the maintained-regardless conditions) now earn another tier than the one on record."""
    dormant = "dormant"
    """Idle (no transaction for `dormant.idle_months`) with a balance under `dormant.balance`."""


PRIORITY = {
    AlertKind.attrition: 0,
    AlertKind.birthday: 1,
    AlertKind.follow_up: 2,
    AlertKind.overdue: 3,
    AlertKind.outflow: 4,
    AlertKind.inflow: 5,
    AlertKind.aum_drop: 6,
    AlertKind.tier_change: 7,
    AlertKind.dormant: 8,
}
BOOK_CHANGES = (AlertKind.aum_drop, AlertKind.tier_change, AlertKind.dormant)
"""What the digest's "changes in your book" section shows, read from the outbox."""
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


def balances_since(today: date, settings: Settings) -> date:
    """What a scan after a balances import looks back over: the AUM-fall window."""
    return today - timedelta(days=settings.movements.aum_drop_days)


def scan(
    session: Session, *, today: date, settings: Settings, now: datetime | None = None, balances_since: date | None = None,
) -> ScanReport:
    """Find everything due on `today` (the bank's local day) and write the new alerts. When
    another process is scanning (PostgreSQL), returns at once with `skipped` set.

    `balances_since`: balance snapshots from that day on have just been imported, so AUM falls
    and tier changes are looked for too (they change only when balances do: the daily scan
    leaves them to the import that brings them)."""
    now = now or datetime.now(UTC)
    report = ScanReport(day=today)
    if not try_lead(session, SCAN):
        report.skipped = True
        return report
    report.cleared = clear_contacted(session, now=now)
    derived.refresh_moved_books(session.connection())  # whatever moved clients without refreshing their books
    zone = settings.tz
    schedule = settings.schedule
    report.birthdays_scanned = is_workday(today, schedule.workdays, holidays=schedule.holidays, make_up_days=schedule.make_up_days)
    _follow_ups(session, today, now, report)
    _overdue(session, today, zone, settings, now, report)
    team.record_coverage(session, today=today, settings=settings)  # for /team's change since a period's start
    if balances_since is not None:
        _aum_drops(session, balances_since, today, settings, now, report)
        _tier_changes(session, today, settings, now, report)
    _dormant(session, today, zone, settings, now, report)
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


def _json(**fields: Any) -> ColumnElement[str]:
    """A JSON object of SQL strings and numbers, by concatenation (the same on SQLite and PostgreSQL;
    the values are tier names, dates and integers, which need no escaping)."""
    parts: list[Any] = []
    for name, (value, quoted) in fields.items():
        parts.append(literal(f'{", " if parts else "{"}"{name}": {chr(34) if quoted else ""}', String))
        parts.append(value if quoted else _text(value))
        if quoted:
            parts.append(literal('"', String))
    parts.append(literal("}", String))
    result = parts[0]
    for part in parts[1:]:
        result = result + part
    return result


def _insert_found(
    session: Session, kind: AlertKind, found: Any, key: Any, occasion: Any, now: datetime, report: ScanReport, payload: Any = None,
) -> None:
    """Write the clients `found` selects (id, rm_id, tier …) as `kind` alerts in one INSERT … SELECT
    … ON CONFLICT DO NOTHING: the whole bank's findings of a kind without a row in Python."""
    found = found.subquery()
    c = found.c
    dedup = literal(f"{kind.value}:", String) + _text(c.id) + literal(":", String) + key(c)
    rows = select(
        dedup, literal(kind.value, String), c.id, c.rm_id, occasion(c), literal(PRIORITY[kind]),
        _json(tier=(c.tier, True)) if payload is None else payload(c), literal("pending", String), literal(now, UTCDateTime()),
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


def _aum_drops(session: Session, since: date, today: date, settings: Settings, now: datetime, report: ScanReport) -> None:
    """Clients whose newest snapshot (one imported, dated `since` to `today`) is `aum_drop_share` or
    more under one of the `aum_drop_days` days before it, however the money went: one alert per
    client and newest snapshot, `aum_drop:client:<its day>`, with the highest of those in the payload."""
    movements = settings.movements
    numerator, denominator = (1 - Decimal(movements.aum_drop_share)).as_integer_ratio()
    newest, earlier = aliased(BalanceSnapshot), aliased(BalanceSnapshot)
    day = max(since, today - timedelta(days=movements.aum_drop_days))
    while day <= today:  # a day at a time: each a range of the snapshot index, no date arithmetic in SQL
        found = (
            select(Client.id, Client.rm_id, Client.tier, newest.as_of, func.max(lists._fen(earlier.aum)).label("peak"),
                   lists._fen(newest.aum).label("aum"))
            .select_from(newest)
            .join(earlier, and_(earlier.client_id == newest.client_id, earlier.as_of >= day - timedelta(days=movements.aum_drop_days),
                                earlier.as_of < day))
            .join(Client, Client.id == newest.client_id)
            .where(newest.as_of == day, Client.aum_as_of == day, Client.rm_id.is_not(None),
                   lists._fen(newest.aum) * denominator <= lists._fen(earlier.aum) * numerator)
            .group_by(Client.id, Client.rm_id, Client.tier, newest.as_of, newest.aum)
        )
        _insert_found(
            session, AlertKind.aum_drop, found, lambda c: _text(c.as_of), lambda c: c.as_of, now, report,
            payload=lambda c: _json(tier=(c.tier, True), peak_fen=(c.peak, False), aum_fen=(c.aum, False)),
        )
        day += timedelta(days=1)


def implied_tier(today: date, settings: Settings) -> ColumnElement[str]:
    """`rules.personal_tier` as SQL on `Client`: the tier the AUM earns (basic only under
    `basic_max_age`), raised to `maintained.tier` for a client kept whatever the AUM."""
    tiers, kept = settings.tiers, settings.maintained
    aum = lists._fen(Client.aum)
    born_before = _years_before(today, tiers.basic_max_age)
    older = and_(Client.birthday.is_not(None), Client.birthday <= born_before)
    by_aum = case(
        (aum >= to_fen(tiers.private), literal(Tier.private.value)),
        (aum >= to_fen(tiers.wealth), literal(Tier.wealth.value)),
        (aum >= to_fen(tiers.premium), literal(Tier.premium.value)),
        (and_(aum >= to_fen(tiers.basic), not_(older)), literal(Tier.basic.value)),
        else_=literal(Tier.mass.value),
    )
    maintained = or_(
        lists._fen(Client.card_spend_year) >= to_fen(kept.card_spend_year),
        lists._fen(Client.loans) >= to_fen(kept.personal_loans),
        lists._fen(Client.custody_margin) >= to_fen(kept.custody_margin),
        Client.card_level.in_(list(kept.card_levels)),
    )
    order = [t.value for t in Tier]  # highest first
    lower = order[order.index(kept.tier) + 1:]
    return case((and_(maintained, by_aum.in_(lower)), literal(kept.tier)), else_=by_aum)


def _outside_band(settings: Settings) -> ColumnElement[bool]:
    """Candidates for a tier change, read from the (tier, AUM) index: clients whose AUM lies
    outside their tier's band. (A change made by age or by the maintained conditions alone, with
    the AUM still in the band, is the bank system's to make and is not looked for here.)"""
    tiers = settings.tiers
    lines = [(Tier.private, tiers.private), (Tier.wealth, tiers.wealth), (Tier.premium, tiers.premium), (Tier.basic, tiers.basic)]
    aum = lists._fen(Client.aum)
    bands = []
    upper: int | None = None
    for tier, line in lines:
        low = to_fen(line)
        outside = aum < low if upper is None else or_(aum < low, aum >= upper)
        bands.append(and_(Client.tier == tier.value, outside))
        upper = low
    bands.append(and_(Client.tier == Tier.mass.value, aum >= upper))
    return or_(*bands)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _tier_changes(session: Session, today: date, settings: Settings, now: datetime, report: ScanReport) -> None:
    """Personal clients whose AUM now earns another tier than the one on record (the bank's system
    sets the tier; the RM hears of the change first): one alert per client, change and month,
    `tier_change:client:m<YYYY-MM>:<from>-<to>`."""
    implied = implied_tier(today, settings).label("implied")
    inner = select(Client.id, Client.rm_id, Client.tier, implied).where(
        _outside_band(settings), Client.rm_id.is_not(None), Client.aum_as_of.is_not(None)
    ).subquery()
    found = select(inner).where(inner.c.implied != inner.c.tier)
    _insert_found(
        session, AlertKind.tier_change, found,
        lambda c: literal(f"m{today:%Y-%m}:", String) + c.tier + literal("-", String) + c.implied,
        lambda c: literal(today, Date()), now, report,
        payload=lambda c: _json(tier=(c.tier, True), to=(c.implied, True)),
    )


def _dormant(session: Session, today: date, zone: ZoneInfo, settings: Settings, now: datetime, report: ScanReport) -> None:
    """Personal clients turned negative-value by the idle rule (`rules.dormant_reason`): no
    transaction for `idle_months` and AUM under `dormant.balance`. One alert per idle spell,
    named by the last transaction (`never` for none), found on the day of the scan."""
    dormant = settings.dormant
    cutoff = lists._start_of(months_before(today, dormant.idle_months), zone)
    found = select(Client.id, Client.rm_id, Client.tier, Client.last_transaction_at).where(
        Client.rm_id.is_not(None),
        Client.tier.in_([t.value for t in Tier]),
        or_(Client.last_transaction_at.is_(None), Client.last_transaction_at < cutoff),
        lists._fen(Client.aum) < to_fen(dormant.balance),
    )
    dialect = session.connection().dialect.name
    _insert_found(
        session, AlertKind.dormant, found,
        lambda c: func.coalesce(_text(_epoch_seconds(c.last_transaction_at, dialect)), literal("never", String)),
        lambda c: literal(today, Date()), now, report,
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
    writes it once), by the tier's line or share of AUM as in `/moves`; and a client's transfers of
    one kind on one day, each under the line but together at or over it (money moved out in several
    smaller transfers is still money leaving): one alert per client, day and kind,
    `kind:client:day:total`, the latest of those transfers in the payload.

    One pass over the window's transactions, each joined to its client once: window sums per
    client, day and kind pick the totals out beside the single large ones."""
    days = lists._local_days(today - timedelta(days=1), today, zone)
    threshold = lists.large_movement_threshold_fen(settings.movements)
    amount = lists._fen(Transaction.amount)
    day = case((Transaction.occurred_at < days[0][2], literal(days[0][0], Date())), else_=literal(days[1][0], Date()))
    kind = lists._movement_kind()
    inner = (
        select(
            Transaction.id, Transaction.client_id, Client.rm_id, Client.tier, Transaction.occurred_at, amount.label("fen"),
            Transaction.direction, Transaction.other_bank, Transaction.counterparty_bank,
            threshold.label("line"), day.label("day"), kind.label("kind"),
        )
        .join(Client, Client.id == Transaction.client_id)
        .where(Transaction.occurred_at >= days[0][1], Transaction.occurred_at < days[-1][2], Client.rm_id.is_not(None))
        .subquery()
    )
    i = inner.c
    small = i.fen < i.line
    group = (i.client_id, i.day, i.kind)
    ranked = select(
        *i,
        func.sum(case((small, i.fen), else_=0)).over(partition_by=group).label("small_fen"),
        func.sum(case((small, 1), else_=0)).over(partition_by=group).label("small_count"),
        func.max(case((small, i.id))).over(partition_by=group).label("last_small"),
    ).subquery()
    r = ranked.c
    total = and_(r.id == r.last_small, r.small_count > 1, r.small_fen >= r.line)
    rows = _rows(session, select(ranked, total.label("is_total")).where(or_(r.fen >= r.line, total)))
    for row in rows:
        kind_name = "inflow" if row.direction != Direction.outflow.value else ("attrition" if row.other_bank else "outflow")
        at = row.occurred_at if row.occurred_at.tzinfo else row.occurred_at.replace(tzinfo=UTC)
        payload = {"tier": row.tier, "counterparty_bank": row.counterparty_bank or "", "transaction_id": row.id,
                   "at": at.astimezone(UTC).isoformat()}
        if row.is_total and row.fen < row.line:
            on = row.day if isinstance(row.day, date) else date.fromisoformat(row.day)
            payload |= {"amount": str(from_fen(int(row.small_fen))), "transactions": int(row.small_count)}
            yield Finding(_MOVEMENT_KINDS[kind_name], row.client_id, row.rm_id, on, detail="total", payload=payload)
        else:
            payload["amount"] = str(from_fen(int(row.fen)))
            yield Finding(_MOVEMENT_KINDS[kind_name], row.client_id, row.rm_id, at.astimezone(zone).date(), detail=str(row.id), payload=payload)


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
