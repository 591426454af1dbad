"""The client card: everything an RM needs to see about one client before a call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from functools import cache

from sqlalchemy import Date, Integer, bindparam
from sqlmodel import Session, select

from domain import audit
from domain.access import Viewer, visibility_parameters, visibility_shape, visible_clients, visible_clients_clause
from domain.calendar import age_on, days_until, milestone_age, next_lunar_birthday, next_solar_birthday
from domain.models import Alert, BalanceSnapshot, Client, Interaction, Staff, Transaction
from domain.types import Money, UTCDateTime
from domain.rules import large_movement_threshold, personal_overdue_days

MOVEMENT_DAYS = 30
MOVEMENTS_SHOWN = 5
ALERTS_SHOWN = 5


def mask_phone(phone: str | None) -> str | None:
    """`13812345678` → `138****5678`: enough to recognise, not enough to dial."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(id_number: str | None) -> str | None:
    """Never the full ID number: first 4 and last 4 characters only."""
    if not id_number:
        return None
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return f"{id_number[:4]}{'*' * (len(id_number) - 8)}{id_number[-4:]}"


@dataclass(frozen=True)
class LastContact:
    at: datetime
    kind: str
    note: str
    by: str


@dataclass(frozen=True)
class Movement:
    at: datetime
    amount: Decimal
    direction: str
    other_bank: bool
    counterparty_bank: str
    channel: str

    @property
    def attrition_risk(self) -> bool:
        return self.direction == "out" and self.other_bank


@dataclass(frozen=True)
class Birthday:
    solar: date | None = None
    solar_next: date | None = None
    solar_days: int | None = None
    age_next: int | None = None
    milestone: int | None = None
    lunar_month: int | None = None
    lunar_day: int | None = None
    lunar_leap: bool = False
    lunar_next: date | None = None
    lunar_days: int | None = None


@dataclass(frozen=True)
class OpenAlert:
    kind: str
    occasion: date
    payload: str


@dataclass(frozen=True)
class ClientCard:
    id: int
    client_no: str
    name: str
    kind: str
    tier: str
    value_class: str | None
    corp_size: str | None
    industry: str | None
    aum: Decimal
    aum_change_30d: Decimal | None
    deposits: Decimal
    loans: Decimal
    products: list[str]
    rm_name: str | None
    original_rm_name: str | None
    """Only when it differs from the current RM."""
    phone: str | None
    id_number: str | None
    last_contact: LastContact | None
    next_follow_up: date | None
    follow_up_days: int | None
    """Days until the follow-up (negative: overdue by that many days)."""
    overdue_days: int | None
    lost_contact: bool
    birthday: Birthday
    movements: list[Movement] = field(default_factory=list)
    alerts: list[OpenAlert] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    mine: bool = True


def _birthday(client: Client, today: date, milestones: tuple[int, ...]) -> Birthday:
    solar_next = next_solar_birthday(client.birthday, today) if client.birthday else None
    lunar_next = (
        next_lunar_birthday(client.lunar_birth_month, client.lunar_birth_day, client.lunar_birth_leap, today)
        if client.lunar_birth_month and client.lunar_birth_day
        else None
    )
    return Birthday(
        solar=client.birthday,
        solar_next=solar_next,
        solar_days=days_until(solar_next, today) if solar_next else None,
        age_next=(solar_next.year - client.birthday.year) if solar_next and client.birthday else None,
        milestone=milestone_age(client.birthday, today, milestones) if client.birthday else None,
        lunar_month=client.lunar_birth_month,
        lunar_day=client.lunar_birth_day,
        lunar_leap=client.lunar_birth_leap,
        lunar_next=lunar_next,
        lunar_days=days_until(lunar_next, today) if lunar_next else None,
    )


_STAFF_NAME = select(Staff.name).where(Staff.id == bindparam("staff_id", type_=Integer))
_AUM_MONTH_AGO = (
    select(BalanceSnapshot.aum)
    .where(BalanceSnapshot.client_id == bindparam("client_id"), BalanceSnapshot.as_of <= bindparam("day", type_=Date))
    .order_by(BalanceSnapshot.as_of.desc())
    .limit(1)
)
_LAST_CONTACT = (
    select(Interaction.occurred_at, Interaction.kind, Interaction.note, Staff.name)
    .join(Staff, Staff.id == Interaction.staff_id)
    .where(Interaction.client_id == bindparam("client_id"))
    .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
    .limit(1)
)
_LARGE_MOVEMENTS = (
    select(
        Transaction.occurred_at, Transaction.amount, Transaction.direction, Transaction.other_bank,
        Transaction.counterparty_bank, Transaction.channel,
    )
    .where(
        Transaction.client_id == bindparam("client_id"),
        Transaction.occurred_at >= bindparam("since", type_=UTCDateTime()),
        Transaction.amount >= bindparam("threshold", type_=Money()),
    )
    .order_by(Transaction.occurred_at.desc())
    .limit(MOVEMENTS_SHOWN)
)
_OPEN_ALERTS = (
    select(Alert.kind, Alert.occasion, Alert.payload)
    .where(Alert.client_id == bindparam("client_id"), Alert.cleared_at == None, Alert.staff_id == bindparam("rm_id"))  # noqa: E711
    .order_by(Alert.occasion.desc())
    .limit(ALERTS_SHOWN)
)
"""The card's statements, built once: a card is opened many times a day by every RM."""


@cache
def _client_statement(shape: str):  # noqa: ANN202
    return select(Client.__table__).where(Client.id == bindparam("client_id", type_=Integer), visible_clients_clause(shape))


def _staff_name(session: Session, staff_id: int | None) -> str | None:
    return None if staff_id is None else session.execute(_STAFF_NAME, {"staff_id": staff_id}).scalar()


def client_card(session: Session, viewer: Viewer, client_id: int, *, now: datetime, settings) -> ClientCard | None:  # noqa: ANN001
    """The card of a client the viewer may see, else None (the caller says "not found")."""
    visible = {"client_id": client_id, **visibility_parameters(viewer)}
    client = session.execute(_client_statement(visibility_shape(viewer)), visible).first()
    if client is None:
        return None
    zone = ZoneInfo(viewer.time_zone or settings.schedule.time_zone)
    today = now.astimezone(zone).date()
    month_ago = session.execute(_AUM_MONTH_AGO, {"client_id": client.id, "day": today - timedelta(days=30)}).scalar()
    last = session.execute(_LAST_CONTACT, {"client_id": client.id}).first()
    threshold = large_movement_threshold(tier=client.tier, aum=client.aum, movements=settings.movements)
    since = datetime.combine(today - timedelta(days=MOVEMENT_DAYS), time(), zone).astimezone(UTC)
    movements = session.execute(_LARGE_MOVEMENTS, {"client_id": client.id, "since": since, "threshold": threshold}).all()
    alerts = session.execute(_OPEN_ALERTS, {"client_id": client.id, "rm_id": client.rm_id}).all()
    last_contact_day = client.last_contact_at.astimezone(zone).date() if client.last_contact_at else None
    original = client.original_rm_id if client.original_rm_id != client.rm_id else None
    return ClientCard(
        id=client.id or 0,
        client_no=client.client_no,
        name=client.name,
        kind=client.kind,
        tier=client.tier,
        value_class=client.value_class,
        corp_size=client.corp_size,
        industry=client.industry,
        aum=client.aum,
        aum_change_30d=None if month_ago is None else client.aum - month_ago,
        deposits=client.deposits,
        loans=client.loans,
        products=[p for p in client.products.split(",") if p],
        rm_name=_staff_name(session, client.rm_id),
        original_rm_name=_staff_name(session, original),
        phone=mask_phone(client.phone),
        id_number=mask_id_number(client.id_number),
        last_contact=LastContact(at=last[0], kind=last[1], note=last[2], by=last[3]) if last else None,
        next_follow_up=client.next_follow_up,
        follow_up_days=days_until(client.next_follow_up, today) if client.next_follow_up else None,
        overdue_days=personal_overdue_days(
            tier=client.tier, last_contact=last_contact_day, on=today, cadence=settings.cadence
        )
        if client.kind == "personal"
        else None,
        lost_contact=client.lost_contact,
        birthday=_birthday(client, today, settings.birthdays.milestones),
        movements=[Movement(*row) for row in movements],
        alerts=[OpenAlert(*row) for row in alerts],
        tags=[t for t in client.tags.split(",") if t],
        mine=client.rm_id == viewer.staff_id,
    )


def view_card(session: Session, viewer: Viewer, client_id: int, *, now: datetime, settings) -> ClientCard | None:  # noqa: ANN001
    """The card, with the view written to the audit log (also when it was refused)."""
    card = client_card(session, viewer, client_id, now=now, settings=settings)
    audit.record(
        session, action="view_card" if card else "view_card_refused", now=now, staff_id=viewer.staff_id, target=str(client_id)
    )
    return card


@dataclass(frozen=True)
class ContactLine:
    at: datetime
    kind: str
    note: str
    by: str
    next_date: date | None


def recent_contacts(session: Session, viewer: Viewer, client_id: int, limit: int = 8) -> tuple[str, list[ContactLine]] | None:
    """The client's name and newest contacts, or None when the viewer may not see the client."""
    name = session.exec(select(Client.name).where(Client.id == client_id, visible_clients(viewer))).first()
    if name is None:
        return None
    rows = session.exec(
        select(Interaction, Staff.name)
        .join(Staff, Staff.id == Interaction.staff_id)
        .where(Interaction.client_id == client_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    ).all()
    return name, [ContactLine(i.occurred_at, i.kind, i.note, by, i.next_date) for i, by in rows]


def recent_movements(session: Session, viewer: Viewer, client_id: int, *, now: datetime, days: int = 90, limit: int = 10) -> tuple[str, list[Movement]] | None:
    """The client's name and newest transactions of the last `days`, largest first within a day."""
    name = session.exec(select(Client.name).where(Client.id == client_id, visible_clients(viewer))).first()
    if name is None:
        return None
    rows = session.exec(
        select(Transaction)
        .where(Transaction.client_id == client_id, Transaction.occurred_at >= now - timedelta(days=days))
        .order_by(Transaction.occurred_at.desc())
        .limit(limit)
    ).all()
    return name, [Movement(t.occurred_at, t.amount, t.direction, t.other_bank, t.counterparty_bank, t.channel) for t in rows]
