"""The bank's data as SQLModel tables.

Money columns are `Money` (Decimal yuan in Python, integer fen in the database); instants are
`UTCDateTime`; calendar days (birthdays, balance dates, follow-ups) are plain dates.
Natural keys (unit code, employee number, client number, transaction external id) are unique
so that every import is an idempotent upsert.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Column, Index, Text, UniqueConstraint, true
from sqlmodel import Field, SQLModel

from domain.types import Money, UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class UnitKind(StrEnum):
    head_office = "head_office"
    branch = "branch"
    sub_branch = "sub_branch"
    outlet = "outlet"


class Role(StrEnum):
    rm = "rm"
    team_lead = "team_lead"
    branch_head = "branch_head"
    admin = "admin"


class ClientKind(StrEnum):
    personal = "personal"
    corporate = "corporate"


class InteractionKind(StrEnum):
    visit = "visit"
    call = "call"
    message = "message"
    meeting = "meeting"
    event = "event"


class Direction(StrEnum):
    inflow = "in"
    outflow = "out"


class Source(StrEnum):
    bot = "bot"
    import_ = "import"
    sample = "sample"


def _money(nullable: bool = False, default: Decimal | None = Decimal(0)) -> Field:  # type: ignore[valid-type]
    return Field(default=default, sa_column=Column(Money(), nullable=nullable))


def _instant(nullable: bool = True, index: bool = False) -> Field:  # type: ignore[valid-type]
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Unit(SQLModel, table=True):
    """A node of the organisation: head office → branch → sub-branch → outlet."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    path: str = Field(default="", max_length=512, index=True)
    """Materialised ancestry `/1/4/17/`, so a unit's subtree is one prefix match."""


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    unit_id: int = Field(foreign_key="unit.id", index=True)


class Staff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    employee_no: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=64)
    role: str = Field(max_length=16, index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    telegram_user_id: int | None = Field(
        default=None, sa_column=Column(BigInteger(), unique=True, nullable=True)
    )
    locale: str | None = Field(default=None, max_length=8)
    time_zone: str | None = Field(default=None, max_length=64)
    digest_time: str | None = Field(default=None, max_length=5)
    """HH:MM local; None means the configured default."""
    quiet_start: str | None = Field(default=None, max_length=5)
    quiet_end: str | None = Field(default=None, max_length=5)
    active: bool = Field(default=True)
    blocked_at: datetime | None = _instant()
    team_reports: bool = Field(default=True, sa_column=Column(Boolean(), nullable=False, server_default=true(), default=True))
    """Team leads and branch heads: the weekly or monthly team summary is pushed (switch in /settings)."""
    created_at: datetime | None = _instant()


class Client(SQLModel, table=True):
    __table_args__ = (
        # an RM's clients by tier, and everything /team counts and ranks of them, read from the index alone
        Index("ix_client_book", "rm_id", "tier", "unit_id", "last_contact_at", "next_follow_up", "aum", "lost_contact"),
        Index("ix_client_birth_md", "birth_md"),
        Index("ix_client_lunar_md", "lunar_birth_month", "lunar_birth_day"),
        Index("ix_client_next_follow_up", "next_follow_up"),
        Index("ix_client_tier_contact", "tier", "last_contact_at", "rm_id"),
        *(
            Index(f"ix_client_{column}", column, postgresql_ops={column: "text_pattern_ops"})
            for column in ("name", "phone_last4")
        ),
        # a prefix of the pinyin or initials, and which of its matches are in a tier, from the index alone
        *(
            Index(f"ix_client_{column}", column, "tier", postgresql_ops={column: "text_pattern_ops"})
            for column in ("name_pinyin", "name_initials")
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_no: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=16)
    name: str = Field(max_length=128)
    name_pinyin: str = Field(default="", max_length=256)
    """Full pinyin, lower case, no spaces or tones: `zhangsan`."""
    name_initials: str = Field(default="", max_length=64)
    """Pinyin initials: `zs`."""
    phone: str | None = Field(default=None, max_length=32)
    phone_last4: str | None = Field(default=None, max_length=4)
    id_number: str | None = Field(default=None, max_length=32)
    gender: str | None = Field(default=None, max_length=1)
    birthday: date | None = None
    birth_md: int | None = None
    """Month × 100 + day of the solar birthday, for day-of-year lookups."""
    lunar_birth_month: int | None = None
    lunar_birth_day: int | None = None
    lunar_birth_leap: bool = Field(default=False)
    tier: str = Field(max_length=16)
    """Personal tier (private … mass) or, for corporate clients, contact class (class1 … class3)."""
    value_class: str | None = Field(default=None, max_length=16)
    corp_size: str | None = Field(default=None, max_length=16)
    corp_contribution: str | None = Field(default=None, max_length=16)
    industry: str | None = Field(default=None, max_length=64)
    card_level: str | None = Field(default=None, max_length=16)
    aum: Decimal = _money()
    deposits: Decimal = _money()
    loans: Decimal = _money()
    aum_as_of: date | None = None
    """Day of the balance snapshot that `aum`, `deposits` and `loans` come from."""
    card_spend_year: Decimal = _money()
    custody_margin: Decimal = _money()
    credit_target: Decimal = _money()
    total_assets: Decimal | None = _money(nullable=True, default=None)
    registered_capital: Decimal | None = _money(nullable=True, default=None)
    bad_credit_records: int = Field(default=0)
    products: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))
    """Comma-separated product codes held."""
    rm_id: int | None = Field(default=None, foreign_key="staff.id")
    original_rm_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    last_contact_at: datetime | None = _instant()
    last_contact_kind: str | None = Field(default=None, max_length=16)
    next_follow_up: date | None = None
    last_transaction_at: datetime | None = _instant()
    lost_contact: bool = Field(default=False)
    tags: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))
    notes: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))
    created_at: datetime | None = _instant()
    updated_at: datetime | None = _instant()


Index("ix_client_tier_aum", Client.tier, Client.aum.desc())
"""A tier's clients, largest AUM first: the search that reads a large result tier by tier."""


class ClientNamePart(SQLModel, table=True):
    """Every suffix of a client's name (lower case, at most NAME_PART_LENGTH characters), so that
    "part of a name" is a prefix lookup in an index rather than a scan of every client.

    Maintained by database triggers (migrations 0002 and 0010) on every insert, rename, change of
    tier and delete of a client, whichever path wrote it: the bot, an import or the sample bank's
    bulk loader.
    """

    __tablename__ = "client_name_part"
    __table_args__ = {"sqlite_with_rowid": False}

    part: str = Field(primary_key=True, max_length=16)
    client_id: int = Field(primary_key=True)
    tier: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    """The client's tier (migration 0010): which matches of a text are in a tier, without reading them."""


NAME_PART_LENGTH = 16


class Interaction(SQLModel, table=True):
    """One contact with a client (交往记录)."""

    __table_args__ = (
        Index("ix_interaction_client_time", "client_id", "occurred_at"),
        Index("ix_interaction_staff_time", "staff_id", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=64, unique=True)
    """Natural key: the bank's id, or a digest of client, staff, time and kind."""
    client_id: int = Field(foreign_key="client.id")
    staff_id: int = Field(foreign_key="staff.id")
    kind: str = Field(max_length=16)
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    participants: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))
    note: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))
    products_pitched: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))
    outcome: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))
    expenses: Decimal | None = _money(nullable=True, default=None)
    next_step: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))
    next_date: date | None = None
    source: str = Field(default=Source.bot, max_length=8)
    created_at: datetime | None = _instant()


class BalanceSnapshot(SQLModel, table=True):
    __tablename__ = "balance_snapshot"
    __table_args__ = (UniqueConstraint("client_id", "as_of", name="uq_balance_client_day"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    as_of: date = Field(index=True)
    aum: Decimal = _money()
    deposits: Decimal = _money()
    loans: Decimal = _money()


class BookAum(SQLModel, table=True):
    """An RM's book on a snapshot day: the AUM and number of the clients they hold *now* that had a
    snapshot that day (like for like: a handover moves a client's history with them). /team reads
    a branch's AUM at a period's start, and its trend, from these few thousand rows instead of a
    million snapshots.

    Kept by `domain.derived`: rebuilt for the days a balances import or the sample bank wrote, and
    for the RMs in `book_moved` (filled by a trigger whenever a client's RM changes, whichever path
    changed it) by the handover, the clients import, the daily scan and /team itself.
    """

    __tablename__ = "book_aum"

    staff_id: int = Field(primary_key=True)
    as_of: date = Field(primary_key=True)
    aum: Decimal = _money()
    clients: int = Field(default=0)


class BookDay(SQLModel, table=True):
    """Each RM's coverage as the daily scan found it that morning (clients with a cadence, and how
    many of them were overdue), so that /team can tell the change since a period's start."""

    __tablename__ = "book_day"

    staff_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    with_cadence: int = Field(default=0)
    overdue: int = Field(default=0)


class BookMoved(SQLModel, table=True):
    """RMs whose clients changed since their `book_aum` rows were last worked out."""

    __tablename__ = "book_moved"

    staff_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})


class Transaction(SQLModel, table=True):
    __tablename__ = "transactions"
    __table_args__ = (
        Index("ix_transactions_client_time", "client_id", "occurred_at"),
        # a period's movements (a branch's, for /team and its export) filtered from the index
        # alone; only the client of each is then looked up, by key
        Index("ix_transactions_time", "occurred_at", "client_id", "amount", "direction", "other_bank"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=64, unique=True)
    client_id: int = Field(foreign_key="client.id")
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    amount: Decimal = _money()
    """Always positive; `direction` says which way the money went."""
    direction: str = Field(max_length=3)
    channel: str = Field(default="", max_length=16)
    counterparty_bank: str = Field(default="", max_length=64)
    other_bank: bool = Field(default=False)
    """True when the counterparty account is at another bank (attrition risk for outflows)."""
    description: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))


class Alert(SQLModel, table=True):
    """The outbox: one row per thing an RM must be told, deduplicated by `dedup_key`."""

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=128, unique=True)
    kind: str = Field(max_length=32)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    occasion: date
    priority: int = Field(default=0)
    payload: str = Field(default="{}", sa_column=Column(Text(), nullable=False, default="{}"))
    status: str = Field(default="pending", max_length=16, index=True)
    due_at: datetime | None = _instant(index=True)
    snoozed_until: date | None = None
    sent_at: datetime | None = _instant()
    cleared_at: datetime | None = _instant()
    created_at: datetime | None = _instant()


class Digest(SQLModel, table=True):
    """One morning digest per staff member per local day: claimed before it is sent, so that it
    goes out once however many processes try and however often the bot restarts."""

    __table_args__ = (UniqueConstraint("staff_id", "day", name="uq_digest_staff_day"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    day: date
    status: str = Field(default="sending", max_length=16)
    """sending → sent, empty (nothing to say), blocked (403) or unknown (timed out: maybe delivered)."""
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    items: int = Field(default=0)
    claimed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = _instant()


class ReminderHold(SQLModel, table=True):
    """An RM's word on a digest reminder: snoozed until a day, or done. The digest leaves out a
    client's reminder of `kind` while a hold is live (`until` is after the day), for the occasion
    it names (a follow-up date, a birthday) or, for movements, for the transactions before it."""

    __tablename__ = "reminder_hold"
    __table_args__ = (Index("ix_reminder_hold_client_kind", "client_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    staff_id: int = Field(foreign_key="staff.id")
    kind: str = Field(max_length=32)
    action: str = Field(max_length=8)
    """`snooze` or `done`."""
    until: date
    """The first day the reminder may show again."""
    occasion: date | None = None
    """The follow-up date or birthday the hold is for; None for overdue and movements."""
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class TeamReport(SQLModel, table=True):
    """One scheduled team summary per person and period, claimed before it is sent (as `Digest`)."""

    __tablename__ = "team_report"
    __table_args__ = (UniqueConstraint("staff_id", "period_start", name="uq_team_report_staff_period"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    period_start: date
    """The report's day: the week's Monday (by default) or the month's first day."""
    status: str = Field(default="sending", max_length=16)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    claimed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = _instant()


class Invite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    code_hash: str = Field(max_length=128, unique=True)
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = _instant()
    created_by: str = Field(default="", max_length=64)
    created_at: datetime | None = _instant()


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    telegram_user_id: int | None = Field(default=None, sa_column=Column(BigInteger(), nullable=True))
    action: str = Field(max_length=32)
    target: str = Field(default="", max_length=64)
    detail: str = Field(default="", sa_column=Column(Text(), nullable=False, default=""))
