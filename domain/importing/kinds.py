"""Staff, clients, balances, transactions and interactions: one loader per kind of file."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import Any, ClassVar

from domain import derived
from domain.bulk import BALANCE, CLIENT, INTERACTION, STAFF, TRANSACTION
from domain.calendar import age_on
from domain.importing.base import (
    ChunkLoader,
    Context,
    Lookup,
    Outcome,
    RowInvalid,
    stored_rows,
)
from domain.importing.columns import (
    BALANCE_COLUMNS,
    CLIENT_COLUMNS,
    INTERACTION_COLUMNS,
    STAFF_COLUMNS,
    TRANSACTION_COLUMNS,
)
from domain.importing.parsing import (
    choice,
    flag,
    instant_in,
    money,
    parse_bool,
    parse_date,
    parse_fen,
    parse_int,
    parse_lunar_birthday,
    parse_phone,
    text_of,
)
from domain.models import (
    Client,
    ClientKind,
    InteractionKind,
    Role,
    Source,
    Staff,
    Team,
    Transaction,
    Unit,
)
from domain.rules import (
    CardLevel,
    ContactClass,
    CorporateSize,
    Tier,
    ValueClass,
    contact_class,
    personal_tier,
)
from domain.types import from_fen

ROLES = {
    Role.rm: ("客户经理", "理财经理", "relationship manager"),
    Role.team_lead: ("团队长", "团队负责人", "网点主任", "lead"),
    Role.branch_head: ("支行行长", "分行行长", "行长", "branch head"),
    Role.admin: ("管理员", "系统管理员", "administrator"),
}
CLIENT_KINDS = {
    ClientKind.personal: ("individual", "个人", "对私", "个人客户"),
    ClientKind.corporate: ("company", "business", "对公", "企业", "公司", "对公客户", "企业客户"),
}
TIERS = {
    Tier.private: ("private banking", "私人银行", "私行"),
    Tier.wealth: ("财富", "理财"),
    Tier.premium: ("优质", "贵宾"),
    Tier.basic: ("基础", "基础维护"),
    Tier.mass: ("大众",),
    ContactClass.class1: ("一类", "1类", "class 1"),
    ContactClass.class2: ("二类", "2类", "class 2"),
    ContactClass.class3: ("三类", "3类", "class 3"),
}
VALUE_CLASSES = {
    ValueClass.vip: ("贵宾",),
    ValueClass.potential: ("潜力",),
    ValueClass.mass: ("大众",),
    ValueClass.negative: ("负值", "负价值"),
}
CORPORATE_SIZES = {
    CorporateSize.extra_large: ("特大型",),
    CorporateSize.large: ("大型",),
    CorporateSize.medium: ("中型",),
    CorporateSize.small: ("小型",),
    CorporateSize.micro: ("微型",),
}
CONTRIBUTIONS = {
    "strategic": ("战略", "战略客户"),
    "quality": ("优质", "优质客户"),
    "effective": ("有效", "有效客户"),
    "to_develop": ("待发展", "待发展客户"),
    "to_adjust": ("待调整", "待调整客户"),
}
NO_CARD = "none"
CARD_LEVELS = {
    CardLevel.gold: ("金卡",),
    CardLevel.platinum: ("白金卡", "白金"),
    CardLevel.diamond: ("钻石卡", "钻石"),
    NO_CARD: ("无", "普通", "普通卡", "-"),
}
GENDERS = {"M": ("male", "man", "男"), "F": ("female", "woman", "女")}
DIRECTIONS = {
    "in": ("inflow", "credit", "cr", "+", "收", "收入", "存入", "转入", "入账", "贷"),
    "out": ("outflow", "debit", "dr", "-", "支", "支出", "支取", "转出", "取出", "出账", "借"),
}
INTERACTION_KINDS = {
    InteractionKind.visit: ("拜访", "面访", "走访", "上门", "上门拜访"),
    InteractionKind.call: ("phone", "电话", "致电", "去电"),
    InteractionKind.message: ("sms", "wechat", "email", "短信", "微信", "消息", "邮件"),
    InteractionKind.meeting: ("会议", "会面", "约见", "面谈"),
    InteractionKind.event: ("活动", "沙龙"),
}
ACTIVE = flag(("在职", "有效", "启用", "active"), ("离职", "停用", "无效", "inactive", "disabled"))
PERSONAL_TIERS = tuple(Tier)
CORPORATE_CLASSES = tuple(ContactClass)


def _length(model: type, column: str) -> int:
    return model.__table__.c[column].type.length  # type: ignore[attr-defined]


CLIENT_NO_TEXT = text_of(_length(Client, "client_no"))
EMPLOYEE_NO_TEXT = text_of(_length(Staff, "employee_no"))
UNIT_CODE_TEXT = text_of(_length(Unit, "code"))


def _unknown_client(context: Context, client_no: str) -> RowInvalid:
    return RowInvalid(context.columns.title("client_no"), f"unknown client {client_no}: import clients first")


def _unknown_staff(context: Context, column: str, employee_no: str) -> RowInvalid:
    return RowInvalid(context.columns.title(column), f"no staff with employee number {employee_no}: import staff first")


class StaffLoader(ChunkLoader):
    columns = STAFF_COLUMNS
    spec = STAFF
    optional = ("team_id", "active")
    given_by: ClassVar[dict[str, tuple[str, ...]]] = {"unit": ("unit_id",), "team": ("team_id",)}

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.units = Lookup(context, "unit", "code")
        self.teams = Lookup(context, "team", "code")
        self.created_at = self.natives.instant(context.now)

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        return {
            "employee_no": EMPLOYEE_NO_TEXT,
            "name": text_of(_length(Staff, "name")),
            "role": choice(ROLES, "role"),
            "unit": UNIT_CODE_TEXT,
            "team": text_of(_length(Team, "code")),
            "active": ACTIVE,
        }

    def resolve(self, columns: list[Sequence[Any]]) -> None:
        self.units.fetch(columns[3])
        self.teams.fetch(columns[4])

    def build(self, values: Sequence[Any]) -> tuple[tuple, Any]:
        employee_no, name, role, unit, team, active = values
        unit_id = self.units.get(unit)
        if unit_id is None:
            raise RowInvalid(self.context.columns.title("unit"), f"unknown unit {unit}: import units first")
        team_id = None
        if team is not None:
            team_id = self.teams.get(team)
            if team_id is None:
                raise RowInvalid(self.context.columns.title("team"), f"unknown team {team}: add it to the units file first")
        active = self.natives.boolean(True if active is None else active)
        return (employee_no, name, role, unit_id, team_id, None, None, active, self.created_at), employee_no


class ClientLoader(ChunkLoader):
    """Clients, with their search keys (pinyin, phone's last four, birthday) and tier worked out."""

    columns = CLIENT_COLUMNS
    spec = CLIENT

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        # pypinyin's dictionaries take 0.3 s to load: only files of clients need them.
        from domain.names import name_pinyin

        self.name_pinyin = name_pinyin
        self.staff = Lookup(context, "staff", "employee_no", "id, unit_id")
        self.units = Lookup(context, "unit", "code")
        self.present = frozenset(c.name for c in self.columns if c.name in context.columns)
        self.stored: dict[str, tuple] = {}
        now = self.natives.instant(context.now)
        self.new_row = {c: None for c in CLIENT.columns} | {
            "kind": ClientKind.personal.value,
            "lunar_birth_leap": self.natives.boolean(False),
            "aum": 0, "deposits": 0, "loans": 0, "card_spend_year": 0, "custody_margin": 0, "credit_target": 0,
            "bad_credit_records": 0, "products": "", "lost_contact": self.natives.boolean(False),
            "tags": "", "notes": "", "created_at": now, "updated_at": now,
        }

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        money = parse_fen
        return {
            "client_no": CLIENT_NO_TEXT,
            "name": text_of(_length(Client, "name")),
            "kind": choice(CLIENT_KINDS, "client kind"),
            "rm": EMPLOYEE_NO_TEXT,
            "original_rm": EMPLOYEE_NO_TEXT,
            "unit": UNIT_CODE_TEXT,
            "phone": parse_phone,
            "id_number": text_of(_length(Client, "id_number")),
            "gender": choice(GENDERS, "gender"),
            "birthday": parse_date,
            "lunar_birthday": parse_lunar_birthday,
            "lunar_leap": parse_bool,
            "tier": choice(TIERS, "tier"),
            "value_class": choice(VALUE_CLASSES, "value class"),
            "corp_size": choice(CORPORATE_SIZES, "corporate size"),
            "corp_contribution": choice(CONTRIBUTIONS, "contribution class"),
            "industry": text_of(_length(Client, "industry")),
            "card_level": choice(CARD_LEVELS, "card level"),
            "aum": money, "deposits": money, "loans": money, "card_spend_year": money,
            "custody_margin": money, "credit_target": money, "total_assets": money, "registered_capital": money,
            "bad_credit_records": partial(parse_int, minimum=0, maximum=10_000),
            "products": str,
            "lost_contact": parse_bool,
            "tags": str,
            "notes": str,
        }

    def resolve(self, columns: list[Sequence[Any]]) -> None:
        self.staff.fetch([*columns[3], *columns[4]])
        self.units.fetch(columns[5])
        self.stored = stored_rows(self.context.connection, CLIENT, CLIENT.columns[1:], columns[0])

    def build(self, values: Sequence[Any]) -> tuple[tuple, Any]:
        given = dict(zip((c.name for c in self.columns), values))
        client_no = given["client_no"]
        present = self.present
        old = self.stored.get(client_no)
        row = dict(zip(CLIENT.columns, (client_no, *old))) if old else dict(self.new_row, client_no=client_no)
        if "kind" in present:
            row["kind"] = given["kind"] or ClientKind.personal.value
        personal = row["kind"] == ClientKind.personal
        row["name"] = given["name"]
        row["name_pinyin"], row["name_initials"] = self.name_pinyin(given["name"], personal=personal)
        self._people_and_unit(row, given)
        self._dates(row, given)
        for name in ("id_number", "gender", "value_class", "corp_size", "corp_contribution", "industry", "total_assets", "registered_capital"):
            if name in present:
                row[name] = given[name]
        if "card_level" in present:
            row["card_level"] = None if given["card_level"] in (None, NO_CARD) else given["card_level"]
        for name in ("aum", "deposits", "loans", "card_spend_year", "custody_margin", "credit_target", "bad_credit_records"):
            if name in present:
                row[name] = given[name] or 0
        for name in ("products", "tags", "notes"):
            if name in present:
                row[name] = given[name] or ""
        if "phone" in present:
            row["phone"], row["phone_last4"] = given["phone"] or (None, None)
        if "lost_contact" in present:
            row["lost_contact"] = self.natives.boolean(bool(given["lost_contact"]))
        row["tier"] = self._tier(row, given["tier"], personal)
        return tuple(row[c] for c in CLIENT.columns), client_no

    def _people_and_unit(self, row: dict[str, Any], given: dict[str, Any]) -> None:
        title = self.context.columns.title
        rm_unit = None
        if "rm" in self.present:
            rm = self.staff.get(given["rm"]) if given["rm"] else (None, None)
            if rm is None:
                raise _unknown_staff(self.context, "rm", given["rm"])
            row["rm_id"], rm_unit = rm
        original = given["original_rm"]
        if original:
            found = self.staff.get(original)
            if found is None:
                raise _unknown_staff(self.context, "original_rm", original)
            row["original_rm_id"] = found[0]
        elif row["original_rm_id"] is None:
            row["original_rm_id"] = row["rm_id"]
        if given["unit"]:
            unit_id = self.units.get(given["unit"])
            if unit_id is None:
                raise RowInvalid(title("unit"), f"unknown unit {given['unit']}: import units first")
            row["unit_id"] = unit_id
        elif "rm" in self.present:
            row["unit_id"] = rm_unit

    def _dates(self, row: dict[str, Any], given: dict[str, Any]) -> None:
        if "birthday" in self.present:
            birthday = given["birthday"]
            if birthday is not None and not date(1900, 1, 1) <= birthday <= self.context.today:
                raise RowInvalid(self.context.columns.title("birthday"), f"birthday {birthday} is not a plausible date of birth")
            row["birthday"] = self.natives.date(birthday)
            row["birth_md"] = None if birthday is None else birthday.month * 100 + birthday.day
        if "lunar_birthday" in self.present:
            month, day, leap = given["lunar_birthday"] or (None, None, False)
            leap = leap or (month is not None and bool(given["lunar_leap"]))
            row["lunar_birth_month"], row["lunar_birth_day"] = month, day
            row["lunar_birth_leap"] = self.natives.boolean(leap)

    def _tier(self, row: dict[str, Any], tier: str | None, personal: bool) -> str:
        settings = self.context.settings
        if tier is not None:
            allowed = PERSONAL_TIERS if personal else CORPORATE_CLASSES
            if tier not in allowed:
                kind = "a personal" if personal else "a corporate"
                raise RowInvalid(
                    self.context.columns.title("tier"),
                    f"{tier} is not a tier of {kind} client: use one of {', '.join(allowed)}",
                )
            return tier
        if not personal:
            return contact_class(
                deposits=from_fen(row["deposits"]),
                credit_target=from_fen(row["credit_target"]),
                classes=settings.corporate_class,
            ).value
        birthday = row["birthday"]
        if isinstance(birthday, str):
            birthday = date.fromisoformat(birthday)
        return personal_tier(
            from_fen(row["aum"]),
            age=None if birthday is None else age_on(birthday, self.context.today),
            card_spend_year=from_fen(row["card_spend_year"]),
            personal_loans=from_fen(row["loans"]),
            custody_margin=from_fen(row["custody_margin"]),
            card_level=row["card_level"],
            tiers=settings.tiers,
            maintained=settings.maintained,
        ).value


    def finish(self) -> Outcome:
        """Clients given to another RM take their balance history to the new RM's book."""
        if self.context.should_write(False):
            self.context.apply(derived.refresh_moved_books)
        return Outcome()


class BalanceLoader(ChunkLoader):
    columns = BALANCE_COLUMNS
    spec = BALANCE
    optional = ("deposits", "loans")

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.clients = Lookup(context, "client", "client_no")

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        return {"client_no": CLIENT_NO_TEXT, "as_of": parse_date, "aum": parse_fen, "deposits": parse_fen, "loans": parse_fen}

    def resolve(self, columns: list[Sequence[Any]]) -> None:
        self.clients.fetch(columns[0])

    def build(self, values: Sequence[Any]) -> tuple[tuple, Any]:
        client_no, as_of, aum, deposits, loans = values
        client_id = self.clients.get(client_no)
        if client_id is None:
            raise _unknown_client(self.context, client_no)
        if as_of > self.context.today:
            raise RowInvalid(self.context.columns.title("as_of"), f"{as_of} is in the future")
        if self.since is None or as_of < self.since:
            self.since = as_of
        day = self.natives.date(as_of)
        return (client_id, day, aum, deposits or 0, loans or 0), (client_id, day)

    def duplicate(self, key: Any, first_line: int) -> str:
        return f"a second balance for this client and day: the first is on line {first_line}"

    def finish(self) -> Outcome:
        if self.since is not None and self.context.should_write(False):
            self.context.apply(derived.refresh_balances, self.since)
            self.context.apply(derived.refresh_book, self.since)
        return Outcome()


class TransactionLoader(ChunkLoader):
    columns = TRANSACTION_COLUMNS
    spec = TRANSACTION
    optional = ("channel", "counterparty_bank", "other_bank", "description")

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.clients = Lookup(context, "client", "client_no")
        self.amount_title = context.columns.title("amount")
        self.directed = "direction" in context.columns

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        return {
            "external_id": text_of(_length(Transaction, "external_id")),
            "client_no": CLIENT_NO_TEXT,
            "time": instant_in(self.context.zone),
            "amount": money(negative=True),
            "direction": choice(DIRECTIONS, "direction"),
            "channel": text_of(_length(Transaction, "channel")),
            "counterparty_bank": text_of(_length(Transaction, "counterparty_bank")),
            "other_bank": parse_bool,
            "description": str,
        }

    def resolve(self, columns: list[Sequence[Any]]) -> None:
        self.clients.fetch(columns[1])

    def build(self, values: Sequence[Any]) -> tuple[tuple, Any]:
        external_id, client_no, moment, amount, direction, channel, bank, other_bank, description = values
        client_id = self.clients.get(client_no)
        if client_id is None:
            raise _unknown_client(self.context, client_no)
        if direction is None:
            direction = "out" if amount < 0 else "in"
            amount = -amount if amount < 0 else amount
        elif amount < 0:
            raise RowInvalid(self.amount_title, "negative amount: with a direction column, amounts are positive")
        if self.since is None or moment < self.since:
            self.since = moment
        natives = self.natives
        return (
            external_id, client_id, natives.instant(moment), amount, direction, channel or "", bank or "",
            natives.boolean(other_bank or False), description or "",
        ), external_id

    def build_columns(self, columns: list[Sequence[Any]]) -> tuple[list[tuple], list[Any]] | None:
        external_ids, client_nos, moments, amounts, directions, channels, banks, other_banks, descriptions = columns
        client_ids = list(map(self.clients.found.get, client_nos))
        if None in client_ids:
            return None
        if self.directed:
            if None in directions or min(amounts) < 0:
                return None
        else:
            directions = ["out" if amount < 0 else "in" for amount in amounts]
            amounts = list(map(abs, amounts))
        earliest = min(moments)
        if self.since is None or earliest < self.since:
            self.since = earliest
        natives = self.natives
        rows = list(zip(
            external_ids,
            client_ids,
            natives.instants(moments),
            amounts,
            directions,
            _or_empty(channels),
            _or_empty(banks),
            map(natives.boolean, (False if b is None else b for b in other_banks) if None in other_banks else other_banks),
            _or_empty(descriptions),
        ))
        return rows, list(external_ids)

    def finish(self) -> Outcome:
        if self.since is not None and self.context.should_write(False):
            self.context.apply(derived.refresh_last_transactions, self.since)
        return Outcome()


def _or_empty(values: Sequence[str | None]) -> Sequence[str]:
    return ["" if v is None else v for v in values] if None in values else values


def interaction_digest(client_no: str, employee_no: str, moment_utc: Any, kind: str) -> str:
    """The natural key of a contact the bank gave no id: same client, staff, moment and kind, same key."""
    return hashlib.sha1(f"{client_no}|{employee_no}|{moment_utc.isoformat()}|{kind}".encode()).hexdigest()


class InteractionLoader(ChunkLoader):
    columns = INTERACTION_COLUMNS
    spec = INTERACTION
    optional = ("participants", "note", "products_pitched", "outcome", "expenses", "next_step", "next_date")

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.clients = Lookup(context, "client", "client_no")
        self.staff = Lookup(context, "staff", "employee_no")
        self.created_at = self.natives.instant(context.now)
        if "external_id" not in context.columns:
            self.key_title = ""

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        return {
            "external_id": text_of(64),
            "client_no": CLIENT_NO_TEXT,
            "employee_no": EMPLOYEE_NO_TEXT,
            "time": instant_in(self.context.zone),
            "kind": choice(INTERACTION_KINDS, "kind of contact"),
            "participants": str,
            "note": str,
            "products_pitched": str,
            "outcome": str,
            "expenses": parse_fen,
            "next_step": str,
            "next_date": parse_date,
        }

    def resolve(self, columns: list[Sequence[Any]]) -> None:
        self.clients.fetch(columns[1])
        self.staff.fetch(columns[2])

    def build(self, values: Sequence[Any]) -> tuple[tuple, Any]:
        (external_id, client_no, employee_no, moment, kind, participants, note, products, outcome,
         expenses, next_step, next_date) = values
        client_id = self.clients.get(client_no)
        if client_id is None:
            raise _unknown_client(self.context, client_no)
        staff_id = self.staff.get(employee_no)
        if staff_id is None:
            raise _unknown_staff(self.context, "employee_no", employee_no)
        key = external_id or interaction_digest(client_no, employee_no, moment, kind)
        if self.since is None or moment < self.since:
            self.since = moment
        natives = self.natives
        return (
            key, client_id, staff_id, kind, natives.instant(moment), participants or "", note or "",
            products or "", outcome or "", expenses, next_step or "", natives.date(next_date),
            Source.import_.value, self.created_at,
        ), key

    def duplicate(self, key: Any, first_line: int) -> str:
        return f"the same record (same id, or same client, staff, time and kind) is already on line {first_line}"

    def finish(self) -> Outcome:
        if self.since is not None and self.context.should_write(False):
            self.context.apply(derived.refresh_contacts, self.since)
        return Outcome()

