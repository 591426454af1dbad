"""Typed settings: defaults here, overridden by a TOML file, secrets from the environment.

Every threshold, cadence, time and tier line the product uses lives in `Settings`; the defaults
are the figures of `shared/domain.md` and are mirrored, with comments, in `config.example.toml`
(a test keeps the two equal).
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PLACEHOLDER_TOKENS = {"", "REPLACE_ME", "changeme", "123456:ABC-DEF"}

PERSONAL_TIERS = ("private", "wealth", "premium", "basic", "mass")
CORPORATE_CLASSES = ("class1", "class2", "class3")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = "sqlite:///rmbot.db"
    sqlite_busy_timeout_ms: int = 5000
    sqlite_cache_mb: int = 64
    """Page cache per connection (SQLite's default is 2 MB)."""
    sqlite_mmap_mb: int = 8192
    """Read the file through memory mapping, up to this size: searches across a million clients
    touch pages all over the file. 0 turns it off."""
    sqlite_checkpoint_seconds: int = 30
    """The bot writes the WAL back into the database file in the background this often, instead
    of inside whichever request's commit crosses SQLite's threshold (a fsync that can take
    ~100 ms on a slow disk). 0: SQLite's own automatic checkpoints."""
    workers: int = Field(default=1, ge=1, le=32)
    """Threads doing the chat's database work. One is fastest on a small machine: Python runs one
    thread at a time, and more only fight over it with the thread answering Telegram (measured:
    about 230 updates/s with one, 180 with two, 140 with four). Raise it for PostgreSQL on many cores."""
    report_workers: int = Field(default=1, ge=1, le=8)
    """Threads for /team summaries, charts and workbooks, apart from the chat's, so that a branch's
    seven-second export does not hold up anyone's search."""
    echo: bool = False


class TelegramSettings(_Section):
    token: str = ""
    bot_username: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str = ""
    messages_per_second: float = 29.0
    """All chats together. Telegram allows about 30; a little under leaves room for network jitter."""
    retry_delays_seconds: tuple[float, ...] = (0.5, 2.0)
    """A pushed message Telegram surely did not take (no connection, 5xx) is tried again after each."""
    connection_pool_size: int = Field(default=32, ge=2, le=256)
    """HTTP connections to the Bot API for replies (PTB's default is 256; httpcore looks at every
    pooled connection on every request, so a pool far larger than the replies in flight only costs
    CPU). 32 carries the 30 messages/s Telegram allows at a round trip of up to a second."""

    @property
    def token_is_set(self) -> bool:
        return self.token.strip() not in PLACEHOLDER_TOKENS


class PersonalTierSettings(_Section):
    """Lower AUM bounds (CNY) of the personal tiers; below `basic` a client is mass."""

    private: Decimal = Decimal(2_000_000)
    wealth: Decimal = Decimal(200_000)
    premium: Decimal = Decimal(100_000)
    basic: Decimal = Decimal(50_000)
    basic_max_age: int = 60

    @model_validator(mode="after")
    def _descending(self) -> PersonalTierSettings:
        if not self.private > self.wealth > self.premium > self.basic > 0:
            raise ValueError("tier lines must descend: private > wealth > premium > basic > 0")
        return self


class MaintainedSettings(_Section):
    """Clients kept on a named RM's book whatever their AUM."""

    card_spend_year: Decimal = Decimal(50_000)
    personal_loans: Decimal = Decimal(300_000)
    custody_margin: Decimal = Decimal(10_000)
    card_levels: tuple[str, ...] = ("gold", "platinum", "diamond")
    tier: Literal["private", "wealth", "premium", "basic"] = "basic"


class CardLevelSettings(_Section):
    gold: Decimal = Decimal(100_000)
    platinum: Decimal = Decimal(1_000_000)
    diamond: Decimal = Decimal(5_000_000)


class CorporateSizeSettings(_Section):
    """Lower bounds (CNY) of the corporate size classes; below `small` is micro."""

    credit_extra_large: Decimal = Decimal(30_000_000_000)
    credit_large: Decimal = Decimal(600_000_000)
    credit_medium: Decimal = Decimal(60_000_000)
    credit_small: Decimal = Decimal(10_000_000)
    capital_extra_large: Decimal = Decimal(5_000_000_000)
    capital_large: Decimal = Decimal(100_000_000)
    capital_medium: Decimal = Decimal(10_000_000)
    capital_small: Decimal = Decimal(5_000_000)


class CorporateClassSettings(_Section):
    """Contact classes of corporate clients, by deposits or credit target (CNY)."""

    class1_above: Decimal = Decimal(200_000_000)
    class2_from: Decimal = Decimal(50_000_000)


class CadenceSettings(_Section):
    """How often clients must be contacted."""

    personal_days: dict[str, int] = Field(
        default_factory=lambda: {"private": 14, "wealth": 30, "premium": 60, "basic": 90}
    )
    corporate_per_month: dict[str, dict[str, int]] = Field(
        default_factory=lambda: {
            "class1": {"branch_head": 1, "department_head": 2, "rm": 3},
            "class2": {"branch_head": 1, "department_head": 2, "outlet_head": 2, "rm": 3},
            "class3": {"outlet_head": 2, "rm": 3},
        }
    )
    lead_follow_up_days: int = 30
    staff_inactive_days: int = 14

    @field_validator("personal_days")
    @classmethod
    def _known_tiers(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = set(value) - set(PERSONAL_TIERS)
        if unknown:
            raise ValueError(f"unknown personal tiers: {sorted(unknown)}")
        if any(days <= 0 for days in value.values()):
            raise ValueError("cadences must be positive numbers of days")
        return value


class DormantSettings(_Section):
    """A negative-value client: no transaction for `idle_months` and balance below `balance`."""

    idle_months: int = 6
    balance: Decimal = Decimal(300)
    card_uses_per_month: int = 2
    card_spend_per_month: Decimal = Decimal(80)
    card_balance: Decimal = Decimal(100)
    bad_credit_records: int = 2


class BirthdaySettings(_Section):
    lead_days: dict[str, tuple[int, ...]] = Field(
        default_factory=lambda: {
            "private": (7, 1, 0),
            "wealth": (1, 0),
            "premium": (0,),
            "basic": (0,),
            "mass": (),
            "corporate": (),
        }
    )
    milestones: tuple[int, ...] = (60, 70, 80, 90, 100)


class MovementSettings(_Section):
    """Large fund movements: absolute thresholds (CNY) per tier, or a share of the client's AUM."""

    absolute: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "private": Decimal(1_000_000),
            "wealth": Decimal(200_000),
            "premium": Decimal(100_000),
            "basic": Decimal(50_000),
            "mass": Decimal(50_000),
            "corporate": Decimal(5_000_000),
        }
    )
    share_of_aum: Decimal = Decimal("0.30")
    aum_drop_share: Decimal = Decimal("0.30")
    aum_drop_days: int = 7
    urgent_outflow: Decimal = Decimal(500_000)


class ScheduleSettings(_Section):
    time_zone: str = "Asia/Shanghai"
    scan_time: time = time(6, 0)
    digest_time: time = time(8, 30)
    dispatch_every_seconds: int = 60
    dispatch_concurrency: int = 4
    """Digests made at once while others wait for the rate limiter or Telegram."""
    """How often the bot looks for digests that are due (and for ones missed while it was down)."""
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    workdays: Literal["cn", "all", "mon-fri"] = "cn"
    holidays: tuple[date, ...] = ()
    make_up_days: tuple[date, ...] = ()
    team_weekly_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    team_weekly_time: time = time(9, 0)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class DisplaySettings(_Section):
    locale: Literal["zh_CN", "en"] = "zh_CN"
    aum: Literal["band", "exact"] = "band"
    currency: str = "CNY"


class ChatSettings(_Section):
    """How the chat behaves."""

    conversation_timeout_seconds: int = 600
    undo_minutes: int = 10
    snooze_days: tuple[int, ...] = (1, 7)
    """The snooze buttons on a digest reminder, in days."""

    @field_validator("snooze_days")
    @classmethod
    def _positive_snoozes(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(days < 1 or days > 90 for days in value) or len(value) > 3:
            raise ValueError("snooze_days takes up to three numbers of days, each from 1 to 90")
        return value
    aum_bands: tuple[Decimal, ...] = tuple(
        Decimal(v) for v in (50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 50_000_000)
    )


class ValueSettings(_Section):
    """Inputs of the value-of-a-client formulas and the core-client pyramid."""

    transfer_price: Decimal = Decimal("0.0250")
    day_count: int = 360
    pyramid_share: Decimal = Decimal("0.20")


class TeamSettings(_Section):
    """The team summary (/team)."""

    coverage_target: Decimal = Decimal("0.90")
    """The share of clients contacted within their cadence a bank expects; the chart's line."""
    trend_days: int = Field(default=90, ge=7, le=730)
    """How far back the chart's AUM trend goes (one point per balance snapshot day)."""
    trend_complete: Decimal = Field(default=Decimal("0.90"), ge=0, le=1)
    """A snapshot day is drawn only when its snapshots cover at least this share of the clients held
    now (a partial load would read as a fall)."""
    greeting_days: int = Field(default=1, ge=0, le=7)
    """A birthday counts as greeted when a contact with the client was logged within this many
    days of it (before or after: a Sunday birthday greeted on Friday or Monday)."""
    export_rows: int = Field(default=50_000, ge=100, le=1_000_000)
    """Rows of a list sheet of /team export at most, most important first (a branch's overdue
    list runs to six figures; the summary sheet still counts them all)."""


class ImportSettings(_Section):
    max_file_mb: int = 1024
    chunk_rows: int = 5000
    writer_process: bool = True
    """Write in a process of its own where the system can fork one (Linux): reading and checking the
    file then runs on one core and writing on another (on a thread they share Python's lock)."""


class InviteSettings(_Section):
    ttl_hours: int = 72


class Settings(_Section):
    database: DatabaseSettings = DatabaseSettings()
    telegram: TelegramSettings = TelegramSettings()
    tiers: PersonalTierSettings = PersonalTierSettings()
    maintained: MaintainedSettings = MaintainedSettings()
    cards: CardLevelSettings = CardLevelSettings()
    corporate_size: CorporateSizeSettings = CorporateSizeSettings()
    corporate_class: CorporateClassSettings = CorporateClassSettings()
    cadence: CadenceSettings = CadenceSettings()
    dormant: DormantSettings = DormantSettings()
    birthdays: BirthdaySettings = BirthdaySettings()
    movements: MovementSettings = MovementSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    display: DisplaySettings = DisplaySettings()
    chat: ChatSettings = ChatSettings()
    value: ValueSettings = ValueSettings()
    team: TeamSettings = TeamSettings()
    imports: ImportSettings = ImportSettings()
    invites: InviteSettings = InviteSettings()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.schedule.time_zone)


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


def load_settings(path: str | os.PathLike[str] | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Settings from `path` (or `$RMBOT_CONFIG`, or defaults), then secrets from the environment."""
    env = os.environ if environ is None else environ
    chosen = path or env.get("RMBOT_CONFIG")
    data: dict = {}
    if chosen:
        file = Path(chosen)
        if not file.is_file():
            raise ConfigError(f"config file not found: {file}")
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{file} is not valid TOML: {exc}") from exc
    if env.get("RMBOT_BOT_TOKEN"):
        data.setdefault("telegram", {})["token"] = env["RMBOT_BOT_TOKEN"]
    if env.get("RMBOT_DATABASE_URL"):
        data.setdefault("database", {})["url"] = env["RMBOT_DATABASE_URL"]
    try:
        return Settings.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"invalid configuration: {exc}") from exc


def require_token(settings: Settings) -> str:
    """The bot token, or a ConfigError saying how to set it (only commands that talk to Telegram call this)."""
    if not settings.telegram.token_is_set:
        raise ConfigError(
            "no Telegram bot token: set RMBOT_BOT_TOKEN in the environment "
            "(or [telegram] token in your config file) to the token @BotFather gave you"
        )
    return settings.telegram.token
