"""A bank at a glance: what `rmbot summary` (and `rmbot demo`) print, for any database.

Read-only queries; the rules that decide what counts (overdue, large movement, birthday) are the
shared ones of `domain.rules` and `domain.calendar`, applied to `today` in the bank's time zone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Connection, text

from bot.config import CORPORATE_CLASSES, PERSONAL_TIERS, Settings
from domain import calendar, rules
from domain.bulk import Natives
from domain.models import ClientKind, Direction, Role, UnitKind
from domain.types import from_fen

WEEK = 7
TOP_OUTFLOWS = 10


@dataclass(frozen=True)
class TierLine:
    tier: str
    clients: int
    amount: Decimal
    """AUM for a personal tier, deposits for a corporate contact class."""
    share: float
    """Of all personal clients' AUM, or of all corporate clients' deposits."""


@dataclass(frozen=True)
class BirthdayDay:
    day: date
    solar: int
    lunar: int


@dataclass(frozen=True)
class Outflow:
    client_no: str
    client_name: str
    tier: str
    amount: Decimal
    bank: str
    occurred_at: datetime
    """Local time."""
    rm: str | None


@dataclass(frozen=True)
class Persona:
    employee_no: str
    name: str
    role: str
    unit: str
    team: str | None
    telegram_user_id: int
    clients: int
    """On their own book."""


@dataclass(frozen=True)
class BankSummary:
    today: date
    units_by_kind: dict[str, int]
    staff_by_role: dict[str, int]
    clients: int
    tiers: list[TierLine]
    """Personal tiers by AUM, then corporate contact classes by deposits."""
    corporate_by_size: dict[str, tuple[int, Decimal]]
    """Size class → (clients, deposits)."""
    interactions: int
    transactions: int
    snapshots: int
    overdue_by_tier: dict[str, int]
    """Personal tiers past their cadence, corporate classes behind their monthly contacts."""
    lost_contact: int
    follow_ups_today: int
    follow_ups_missed: int
    birthdays: list[BirthdayDay]
    large_outflows: int
    large_outflow_total: Decimal
    top_outflows: list[Outflow]
    personas: list[Persona]

    @property
    def overdue(self) -> int:
        return sum(self.overdue_by_tier.values())


class _Reader:
    def __init__(self, connection: Connection, settings: Settings, today: date) -> None:
        self.connection = connection
        self.settings = settings
        self.today = today
        self.natives = Natives.for_dialect(connection.dialect.name)

    def rows(self, sql: str, **params: object) -> list:
        return list(self.connection.execute(text(sql), params).all())

    def scalar(self, sql: str, **params: object) -> int:
        return int(self.connection.execute(text(sql), params).scalar_one() or 0)

    def local_midnight(self, day: date) -> object:
        """The start of a local day as the database stores instants (naive UTC)."""
        start = datetime.combine(day, time(0), tzinfo=self.settings.tz).astimezone(UTC).replace(tzinfo=None)
        return self.natives.instant(start)

    def local_time(self, value: object) -> datetime:
        instant = datetime.fromisoformat(value) if isinstance(value, str) else value
        return instant.replace(tzinfo=UTC).astimezone(self.settings.tz)  # type: ignore[union-attr]


def bank_summary(connection: Connection, settings: Settings, today: date) -> BankSummary:
    reader = _Reader(connection, settings, today)
    tiers = _tiers(reader)
    outflows = _large_outflows(reader)
    return BankSummary(
        today=today,
        units_by_kind=_ordered(dict(reader.rows("SELECT kind, count(*) FROM unit GROUP BY kind")), list(UnitKind)),
        staff_by_role=_ordered(dict(reader.rows("SELECT role, count(*) FROM staff GROUP BY role")), list(Role)),
        clients=sum(line.clients for line in tiers),
        tiers=tiers,
        corporate_by_size=_corporate_sizes(reader),
        interactions=reader.scalar("SELECT count(*) FROM interaction"),
        transactions=reader.scalar("SELECT count(*) FROM transactions"),
        snapshots=reader.scalar("SELECT count(*) FROM balance_snapshot"),
        overdue_by_tier={**_personal_overdue(reader), **_corporate_overdue(reader)},
        lost_contact=reader.scalar(
            "SELECT count(*) FROM client WHERE lost_contact = :yes", yes=reader.natives.boolean(True)
        ),
        follow_ups_today=reader.scalar(
            "SELECT count(*) FROM client WHERE next_follow_up = :today", today=reader.natives.date(today)
        ),
        follow_ups_missed=reader.scalar(
            "SELECT count(*) FROM client WHERE next_follow_up < :today", today=reader.natives.date(today)
        ),
        birthdays=_birthdays(reader),
        large_outflows=len(outflows),
        large_outflow_total=sum((o.amount for o in outflows), Decimal(0)),
        top_outflows=sorted(outflows, key=lambda o: (-o.amount, o.client_no))[:TOP_OUTFLOWS],
        personas=_personas(reader),
    )


def _ordered(counts: dict[str, int], order: list[str]) -> dict[str, int]:
    known = {str(key): counts.get(str(key), 0) for key in order}
    return known | {key: value for key, value in sorted(counts.items()) if key not in known}


def _tiers(reader: _Reader) -> list[TierLine]:
    lines = []
    for kind, order, measure in (
        (ClientKind.personal, PERSONAL_TIERS, "aum"),
        (ClientKind.corporate, CORPORATE_CLASSES, "deposits"),
    ):
        rows = {
            tier: (count, amount or 0)
            for tier, count, amount in reader.rows(
                f"SELECT tier, count(*), sum({measure}) FROM client WHERE kind = :kind GROUP BY tier", kind=str(kind)
            )
        }
        total = sum(amount for _, amount in rows.values()) or 1
        tiers = [*order, *sorted(set(rows) - set(order))]
        lines += [TierLine(t, rows[t][0], from_fen(rows[t][1]), rows[t][1] / total) for t in tiers if t in rows]
    return lines


def _corporate_sizes(reader: _Reader) -> dict[str, tuple[int, Decimal]]:
    rows = reader.rows(
        "SELECT corp_size, count(*), sum(deposits) FROM client WHERE kind = :corporate GROUP BY corp_size",
        corporate=str(ClientKind.corporate),
    )
    found = {size or "unknown": (count, from_fen(deposits or 0)) for size, count, deposits in rows}
    order = [str(size) for size in rules.CorporateSize] + ["unknown"]
    return {size: found[size] for size in order if size in found}


def _personal_overdue(reader: _Reader) -> dict[str, int]:
    """Clients whose last contact is older than their tier's cadence, or who were never contacted
    (`domain.rules.personal_overdue_days`, counted in SQL: last contact before the local start of
    `today - cadence`)."""
    cadence = reader.settings.cadence.personal_days
    clauses, params = [], {"personal": str(ClientKind.personal)}
    for i, (tier, days) in enumerate(sorted(cadence.items())):
        clauses.append(f"(tier = :tier{i} AND (last_contact_at IS NULL OR last_contact_at < :cutoff{i}))")
        params[f"tier{i}"] = tier
        params[f"cutoff{i}"] = reader.local_midnight(reader.today - timedelta(days=days))
    if not clauses:
        return {}
    found = dict(
        reader.rows(
            f"SELECT tier, count(*) FROM client WHERE kind = :personal AND ({' OR '.join(clauses)}) GROUP BY tier",
            **params,
        )
    )
    return {tier: found.get(tier, 0) for tier in PERSONAL_TIERS if tier in cadence}


def _corporate_overdue(reader: _Reader) -> dict[str, int]:
    """Corporate clients behind the RM's monthly contacts, pro rata to today (`domain.rules.corporate_is_overdue`)."""
    month_start = reader.local_midnight(reader.today.replace(day=1))
    rows = reader.rows(
        """
        SELECT c.tier, coalesce(i.contacts, 0), count(*)
        FROM client c
        LEFT JOIN (
            SELECT client_id, count(*) AS contacts FROM interaction WHERE occurred_at >= :since GROUP BY client_id
        ) i ON i.client_id = c.id
        WHERE c.kind = :corporate
        GROUP BY c.tier, coalesce(i.contacts, 0)
        """,
        since=month_start,
        corporate=str(ClientKind.corporate),
    )
    overdue: Counter[str] = Counter({tier: 0 for tier in CORPORATE_CLASSES})
    for tier, contacts, clients in rows:
        if rules.corporate_is_overdue(
            contact_class=tier, contacts_this_month=contacts, on=reader.today, cadence=reader.settings.cadence
        ):
            overdue[tier] += clients
    return dict(overdue)


def _birthdays(reader: _Reader) -> list[BirthdayDay]:
    """Birthdays from today to six days on: solar for clients who keep the solar date, lunar for the others."""
    days = [reader.today + timedelta(days=i) for i in range(WEEK)]
    solar: Counter[date] = Counter()
    for birth_md, count in reader.rows(
        "SELECT birth_md, count(*) FROM client "
        "WHERE birth_md IS NOT NULL AND lunar_birth_month IS NULL GROUP BY birth_md"
    ):
        sample_birthday = date(2000, birth_md // 100, birth_md % 100)
        for day in days:
            if calendar.solar_birthday_in_year(sample_birthday, day.year) == day:
                solar[day] += count
    lunar: Counter[date] = Counter()
    months = {calendar.solar_to_lunar(day)[0] for day in days}
    for month, day_of_month, leap, count in reader.rows(
        """
        SELECT lunar_birth_month, lunar_birth_day, lunar_birth_leap, count(*) FROM client
        WHERE lunar_birth_month IS NOT NULL GROUP BY lunar_birth_month, lunar_birth_day, lunar_birth_leap
        """
    ):
        if month not in months:
            continue
        birthday = calendar.next_lunar_birthday(month, day_of_month, bool(leap), reader.today)
        if birthday <= days[-1]:
            lunar[birthday] += count
    return [BirthdayDay(day, solar[day], lunar[day]) for day in days]


def _large_outflows(reader: _Reader) -> list[Outflow]:
    """Outflows to other banks from the start of `today - 7` on that `domain.rules` calls large for the client."""
    rows = reader.rows(
        """
        SELECT c.client_no, c.name, c.tier, c.aum, t.amount, t.counterparty_bank, t.occurred_at, s.employee_no
        FROM transactions t
        JOIN client c ON c.id = t.client_id
        LEFT JOIN staff s ON s.id = c.rm_id
        WHERE t.occurred_at >= :since AND t.direction = :out AND t.other_bank = :yes
        """,
        since=reader.local_midnight(reader.today - timedelta(days=WEEK)),
        out=str(Direction.outflow),
        yes=reader.natives.boolean(True),
    )
    movements = reader.settings.movements
    large = []
    for client_no, name, tier, aum, amount, bank, occurred_at, rm in rows:
        if from_fen(amount) >= rules.large_movement_threshold(tier=tier, aum=from_fen(aum), movements=movements):
            large.append(Outflow(client_no, name, tier, from_fen(amount), bank, reader.local_time(occurred_at), rm))
    return large


def _personas(reader: _Reader) -> list[Persona]:
    rows = reader.rows(
        """
        SELECT s.employee_no, s.name, s.role, u.code, t.code, s.telegram_user_id,
               (SELECT count(*) FROM client c WHERE c.rm_id = s.id)
        FROM staff s JOIN unit u ON u.id = s.unit_id LEFT JOIN team t ON t.id = s.team_id
        WHERE s.telegram_user_id IS NOT NULL
        ORDER BY s.employee_no
        """
    )
    return [Persona(*row) for row in rows]
