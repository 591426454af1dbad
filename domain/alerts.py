"""The reminder scan: what every RM must be told, written to the outbox (`alert`) exactly once.

The scan asks the same questions as the lists (`domain.lists`: due follow-ups, overdue contacts,
birthdays by the tiers' lead days, large movements), for the whole bank at once, and inserts one
alert per finding under a dedup key `kind:client:occasion[:detail]`. The key is unique in the
database and rows are inserted with `ON CONFLICT DO NOTHING`, so running the scan twice, or on
two machines at once, creates nothing new. The occasion is the day the alert is about:

- follow_up: the follow-up date the RM set;
- overdue: the first day the client was past the tier's cadence (`never` for a client never
  contacted), so that one overdue spell is one alert; a contact logged after it clears it;
- birthday: the birthday's date, with the days before it as detail (7, 1 and 0 days ahead are
  three reminders); birthdays are scanned on working days only, since only they have a digest,
  and a working day's scan covers the non-working days after it;
- attrition / outflow / inflow: the local day of the transaction, with its id as detail.

Which alert reaches whom, when and how is the dispatcher's business; this module only finds.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select, update
from sqlmodel import Session

from domain import lists
from domain.access import Viewer
from domain.bulk import Natives, TableSpec, write_rows
from domain.calendar import is_workday
from domain.locks import SCAN, try_lead
from domain.models import Alert, Client, Direction, Role

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
    findings: list[Finding] = []
    findings += _follow_ups(session, today)
    findings += _overdue(session, today, zone, settings)
    report.birthdays_scanned = is_workday(today, schedule.workdays, holidays=schedule.holidays, make_up_days=schedule.make_up_days)
    if report.birthdays_scanned:
        findings += _birthdays(session, today, settings)
    findings += _movements(session, today, zone, settings)
    report.found.update(f.kind.value for f in findings)
    _write(session, findings, now, report)
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


def _follow_ups(session: Session, today: date) -> list[Finding]:
    rows = session.execute(_owned(Client.next_follow_up <= today).add_columns(Client.next_follow_up, Client.tier))
    return [
        Finding(AlertKind.follow_up, client_id, rm_id, due, payload={"tier": tier})
        for client_id, rm_id, due, tier in rows
    ]


def _overdue(session: Session, today: date, zone: ZoneInfo, settings: Settings) -> list[Finding]:
    terms = lists._DueTerms.on(today, zone, settings)
    cadence = settings.cadence.personal_days
    rows = session.execute(_owned(terms.overdue).add_columns(Client.tier, Client.last_contact_at))
    findings = []
    for client_id, rm_id, tier, last in rows:
        if last is None:
            occasion = NEVER
        else:
            occasion = last.astimezone(zone).date() + timedelta(days=cadence[tier] + 1)
        findings.append(Finding(AlertKind.overdue, client_id, rm_id, occasion, payload={"tier": tier}))
    return findings


def _birthdays(session: Session, today: date, settings: Settings) -> list[Finding]:
    reminders = {tier: days for tier, days in lists.birthday_reminders(today, settings).items() if days}
    if not reminders:
        return []
    inner = lists._birthday_query(_BANK, today, today + timedelta(days=max(max(d) for d in reminders.values())))
    wanted = or_(*(and_(inner.c.tier == tier, inner.c.days.in_(sorted(days))) for tier, days in reminders.items()))
    rows = session.execute(
        select(inner.c.id, Client.rm_id, inner.c.days, inner.c.tier, inner.c.lunar_birth_month)
        .join(Client, Client.id == inner.c.id)
        .where(Client.rm_id.is_not(None), inner.c.days.is_not(None), wanted)
    )
    return [
        Finding(
            AlertKind.birthday, client_id, rm_id, today + timedelta(days=days), detail=str(days),
            payload={"tier": tier, "days": days, "calendar": "lunar" if lunar_month else "solar"},
        )
        for client_id, rm_id, days, tier, lunar_month in rows
    ]


_MOVEMENT_KINDS = {"attrition": AlertKind.attrition, "outflow": AlertKind.outflow, "inflow": AlertKind.inflow}


def _movements(session: Session, today: date, zone: ZoneInfo, settings: Settings) -> list[Finding]:
    """Large movements since the start of yesterday (a scan every morning sees each one twice, and
    writes it once), by the tier's line or share of AUM as in `/moves`."""
    since = datetime.combine(today - timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    until = datetime.combine(today + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    movements = lists._movement_query(_BANK, since, until, settings).subquery()
    m = movements.c
    rows = session.execute(
        select(m.id, m.client_id, Client.rm_id, m.occurred_at, m.amount, m.direction, m.other_bank, m.counterparty_bank, m.tier)
        .join(Client, Client.id == m.client_id)
        .where(Client.rm_id.is_not(None))
    )
    findings = []
    for transaction_id, client_id, rm_id, at, amount, direction, other_bank, bank, tier in rows:
        kind = "inflow" if direction != Direction.outflow.value else ("attrition" if other_bank else "outflow")
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        findings.append(Finding(
            _MOVEMENT_KINDS[kind], client_id, rm_id, at.astimezone(zone).date(), detail=str(transaction_id),
            payload={"tier": tier, "amount": str(amount), "counterparty_bank": bank or "", "transaction_id": transaction_id,
                     "at": at.astimezone(UTC).isoformat()},
        ))
    return findings


def _write(session: Session, findings: Sequence[Finding], now: datetime, report: ScanReport) -> None:
    """Insert the findings kind by kind, CHUNK at a time; what the insert skipped was there already."""
    connection = session.connection()
    natives = Natives.for_dialect(connection.dialect.name)
    sqlite = connection.dialect.name == "sqlite"  # dates as ISO text there (see Natives)
    created = natives.instant(now.astimezone(UTC).replace(tzinfo=None))
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    by_kind: dict[AlertKind, list[Finding]] = {}
    for finding in findings:
        by_kind.setdefault(finding.kind, []).append(finding)
    for kind, found in by_kind.items():
        priority = PRIORITY[kind]
        for chunk in _chunks(found, CHUNK):
            rows = [
                (dedup_key(kind, client_id, occasion, detail), kind.value, client_id, staff_id, occasion.isoformat() if sqlite else occasion,
                 priority, dumps(payload or {}), "pending", created)
                for _, client_id, staff_id, occasion, detail, payload in chunk
            ]
            report.created[kind.value] += write_rows(connection, ALERT, rows)


def _chunks(items: Sequence[Finding], size: int) -> Iterable[Sequence[Finding]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
