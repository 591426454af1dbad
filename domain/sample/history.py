"""A chunk's history: weekly balance snapshots, 90 days of transactions, a year or so of contacts.

Rows are generated per client as flat numpy columns (`client` is the client's index in the chunk)
and sorted by client then time, so ids grow with time within a client. Each client's derived
fields (last contact, next follow-up, last transaction) are read off the newest rows here, so they
agree with what `domain.derived` would compute from the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from bot.config import Settings
from domain.sample.clients import TIERS, Clients, Story, Thresholds
from domain.sample.days import DAY, calendar_parts, epoch_day

SNAPSHOTS_MEAN = 13
TRANSACTION_DAYS = 90
TRANSACTIONS_PER_CLIENT = 9.3
CONTACT_HISTORY_DAYS = 730
LARGE_SHARE = 0.012
NEAR_SHARE = 0.010
AUM_DROP_SHARE = 0.01
OVERDUE_SHARE = 0.2
MASS_CADENCE_DAYS = 180
"""Mass clients have no cadence; they are still called now and then."""

CONTACTS_PER_TIER = np.array([10.0, 6.5, 5.0, 4.0, 2.4, 12.0, 9.0, 6.0])
"""Mean number of logged contacts per tier code: about four a client across the bank."""

INTERACTION_KINDS = ("visit", "call", "message", "meeting", "event")
PERSONAL_KIND_WEIGHTS = (0.18, 0.45, 0.25, 0.07, 0.05)
CORPORATE_KIND_WEIGHTS = (0.40, 0.30, 0.05, 0.20, 0.05)
NOTES = (
    ("上门拜访，了解家庭资产配置情况", "到企业走访，与财务负责人沟通结算需求", "节前走访，送上慰问品"),
    ("电话回访，客户对近期理财产品有兴趣", "电话沟通到期资金续作安排", "电话提醒信用卡账单及还款"),
    ("微信发送产品资料和市场周报", "短信问候并提示理财到期", "微信沟通开户资料补充事宜"),
    ("约客户到网点面谈资产配置方案", "与企业管理层会谈授信续作", "陪同客户办理大额存单"),
    ("邀请客户参加财富沙龙", "邀请参加客户答谢会", "邀请参加企业家论坛"),
)
OUTCOMES = ("有意向，待跟进", "已购买", "暂无需求", "需再沟通", "资料已发送")
NEXT_STEPS = ("发送产品说明书", "约下次面谈", "到期前电话提醒", "跟进购买意向", "")
PARTICIPANTS = ("客户本人", "客户及家属", "财务负责人", "法定代表人", "客户经理、团队长")
PITCHED = ("", "WMP", "FUND", "INS", "TD", "GOLD", "PEN", "WMP,FUND")
LOST_NOTE = "多次致电无人接听，联系方式失效"
LOST_OUTCOME = "无法联系"

BANKS = ("工商银行", "建设银行", "农业银行", "中国银行", "招商银行", "交通银行", "邮储银行",
         "浦发银行", "兴业银行", "中信银行", "民生银行", "平安银行", "光大银行", "广发银行")
BANK_WEIGHTS = np.array([18, 16, 12, 12, 10, 6, 6, 4, 4, 3, 3, 3, 2, 1], dtype=float) / 100

# (direction is inflow, channel, description, counterparty is another bank)
CATEGORIES: tuple[tuple[bool, str, str, bool], ...] = (
    (True, "payroll", "工资入账", False),
    (True, "online", "他行转入（{bank}）", True),
    (True, "wealth", "理财产品到期", False),
    (True, "counter", "现金存入", False),
    (False, "pos", "消费", False),
    (False, "mobile", "转账至{bank}", True),
    (False, "mobile", "购买理财产品", False),
    (False, "atm", "ATM取现", False),
    (False, "mobile", "行内转账", False),
    (False, "auto", "贷款还款", False),
    (True, "counter", "大额现金存入", False),
    (True, "online", "大额他行转入（{bank}）", True),
    (False, "counter", "大额取现", False),
    (False, "online", "大额转账至{bank}", True),
    (True, "online", "货款收入（{bank}）", True),
    (False, "batch", "代发工资", False),
    (False, "online", "税费缴纳", False),
)
PERSONAL_CATEGORY_WEIGHTS = np.array([12, 10, 5, 5, 30, 10, 6, 7, 10, 5, 0, 0, 0, 0, 0, 0, 0], dtype=float) / 100
CORPORATE_CATEGORY_WEIGHTS = np.array([0, 0, 0, 0, 0, 25, 0, 0, 15, 0, 0, 0, 0, 0, 35, 15, 10], dtype=float) / 100
LARGE_CATEGORIES = np.array([10, 11, 12, 13])
LARGE_CASH_IN, LARGE_WITHDRAWAL, LARGE_OUT_OTHER = 10, 12, 13

_CATEGORY_INFLOW = np.array([c[0] for c in CATEGORIES])
_CATEGORY_CHANNEL = np.array([c[1] for c in CATEGORIES], dtype=object)
_CATEGORY_OTHER_BANK = np.array([c[3] for c in CATEGORIES])
_DESCRIPTIONS = np.array([c[2].format(bank=bank) for c in CATEGORIES for bank in BANKS], dtype=object)
_BANK_NAMES = np.array(BANKS, dtype=object)


@dataclass
class Snapshots:
    client: np.ndarray
    as_of: np.ndarray
    aum: np.ndarray
    deposits: np.ndarray
    loans: np.ndarray


@dataclass
class Transactions:
    client: np.ndarray
    sequence: np.ndarray
    occurred: np.ndarray
    amount: np.ndarray
    inflow: np.ndarray
    channel: np.ndarray
    bank: np.ndarray
    other_bank: np.ndarray
    description: np.ndarray


@dataclass
class Interactions:
    client: np.ndarray
    sequence: np.ndarray
    by_lead: np.ndarray
    kind: np.ndarray
    occurred: np.ndarray
    participants: np.ndarray
    note: np.ndarray
    pitched: np.ndarray
    outcome: np.ndarray
    expenses: np.ndarray
    has_expenses: np.ndarray
    next_step: np.ndarray
    next_date: np.ndarray
    has_next_date: np.ndarray
    created: np.ndarray


@dataclass
class Derived:
    """Per client of the chunk: what `domain.derived` reads off the newest history rows."""

    aum_as_of: int
    last_contact: np.ndarray
    contacted: np.ndarray
    last_kind: np.ndarray
    next_follow_up: np.ndarray
    has_follow_up: np.ndarray
    last_transaction: np.ndarray
    transacted: np.ndarray


@dataclass
class History:
    snapshots: Snapshots
    transactions: Transactions
    interactions: Interactions
    derived: Derived


@dataclass(frozen=True)
class Clock:
    """Today and the local time zone's UTC offset per day, to turn local wall-clock times into UTC."""

    today: date
    first_day: int
    offsets: np.ndarray

    @property
    def today_day(self) -> int:
        return epoch_day(self.today)

    def utc(self, day: np.ndarray, second_of_day: np.ndarray) -> np.ndarray:
        return day * DAY + second_of_day - self.offsets[day - self.first_day]


def cadence_days(settings: Settings) -> np.ndarray:
    """Days between contacts each tier code is owed; corporate classes by the RM's monthly count."""
    days = []
    for tier in TIERS:
        if tier in settings.cadence.personal_days:
            days.append(settings.cadence.personal_days[tier])
        elif tier.startswith("class"):
            per_month = settings.cadence.corporate_per_month.get(tier, {}).get("rm", 0)
            days.append(30 // per_month if per_month else MASS_CADENCE_DAYS)
        else:
            days.append(MASS_CADENCE_DAYS)
    return np.array(days, dtype=np.int64)


def _positions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position within owner) of `counts.sum()` rows laid out owner by owner."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - starts[owner]


def _group_cumsum(values: np.ndarray, owner: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Running sum of `values` within each owner's consecutive rows."""
    total = np.cumsum(values)
    first = np.flatnonzero(position == 0)
    base = total[first] - values[first]
    return total - base[np.searchsorted(first, np.arange(len(values)), side="right") - 1]


def generate_history(
    rng: np.random.Generator,
    clients: Clients,
    *,
    clock: Clock,
    thresholds: Thresholds,
    cadence: np.ndarray,
) -> History:
    snapshots = _snapshots(rng, clients, clock)
    transactions = _transactions(rng, clients, clock, thresholds)
    interactions = _interactions(rng, clients, clock, cadence)
    return History(snapshots, transactions, interactions, _derived(clients, clock, transactions, interactions))


def _snapshots(rng: np.random.Generator, clients: Clients, clock: Clock) -> Snapshots:
    n = len(clients)
    counts = SNAPSHOTS_MEAN + rng.integers(-3, 4, n)
    client, week = _positions(counts)
    step = rng.normal(0.0, 0.035, len(client))
    step[week == 0] = 0.0
    dropped = (rng.random(n) < AUM_DROP_SHARE) | (clients.story == Story.aum_drop)
    drop = np.where(clients.story == Story.aum_drop, 0.45, rng.uniform(0.3, 0.6, n))
    step[(week == 1) & dropped[client]] = -np.log1p(-drop[client[(week == 1) & dropped[client]]])
    growth = np.exp(_group_cumsum(step, client, week))
    aum = np.rint(clients.aum[client] * growth).astype(np.int64)
    deposits = np.minimum(np.rint(clients.deposits[client] * growth).astype(np.int64), aum)
    loans = np.rint(clients.loans[client] * (1 + 0.003 * week)).astype(np.int64)
    newest = week == 0
    aum[newest], deposits[newest], loans[newest] = (
        clients.aum[client[newest]],
        clients.deposits[client[newest]],
        clients.loans[client[newest]],
    )
    return Snapshots(client, clock.today_day - 1 - 7 * week, aum, deposits, loans)


def _transactions(rng: np.random.Generator, clients: Clients, clock: Clock, thresholds: Thresholds) -> Transactions:
    n = len(clients)
    today = clock.today_day
    counts = np.where(clients.dormant, 1, rng.poisson(TRANSACTIONS_PER_CLIENT, n))
    client, _ = _positions(counts)
    rows = len(client)
    corporate = clients.corporate[client]
    threshold = thresholds.large_movement(clients.tier, clients.aum)[client]

    category = np.where(
        corporate,
        rng.choice(len(CATEGORIES), rows, p=CORPORATE_CATEGORY_WEIGHTS),
        rng.choice(len(CATEGORIES), rows, p=PERSONAL_CATEGORY_WEIGHTS),
    )
    base = np.where(corporate, clients.deposits[client] * 0.01, clients.aum[client] * 0.015)
    amount = base * np.exp(rng.normal(0.0, 1.0, rows))
    amount = np.minimum(amount, 0.8 * threshold)
    amount = np.maximum(np.floor(amount / 100), 1) * 100

    special = rng.random(rows)
    large, near = special < LARGE_SHARE, (special >= LARGE_SHARE) & (special < LARGE_SHARE + NEAR_SHARE)
    category[large | near] = rng.choice(LARGE_CATEGORIES, int((large | near).sum()))
    amount[large] = np.ceil(threshold[large] * rng.uniform(1.0, 2.0, int(large.sum())) / 100) * 100
    amount[near] = np.maximum(np.floor(threshold[near] * rng.uniform(0.85, 0.99, int(near.sum())) / 100), 1) * 100

    day = today - rng.integers(1, TRANSACTION_DAYS + 1, rows)
    day[clients.dormant[client]] = today - rng.integers(200, 700, int(clients.dormant[client].sum()))
    second = rng.integers(7 * 3600, 22 * 3600, rows)
    bank = rng.choice(len(BANKS), rows, p=BANK_WEIGHTS)

    extra = _showcase_transactions(
        clients, threshold_of=thresholds.large_movement(clients.tier, clients.aum), today=today
    )
    if extra:
        client, category, amount, day, second, bank = (
            np.concatenate([column, np.array(added, dtype=column.dtype)])
            for column, added in zip(
                (client, category, amount, day, second, bank), zip(*extra, strict=True), strict=True
            )
        )

    occurred = clock.utc(day, second)
    order = np.lexsort((occurred, client))
    client, category, amount, occurred, bank = (
        client[order],
        category[order],
        amount[order],
        occurred[order],
        bank[order],
    )
    _, sequence = _positions(np.bincount(client, minlength=n))
    other_bank = _CATEGORY_OTHER_BANK[category]
    return Transactions(
        client=client,
        sequence=sequence + 1,
        occurred=occurred,
        amount=amount.astype(np.int64),
        inflow=_CATEGORY_INFLOW[category],
        channel=_CATEGORY_CHANNEL[category],
        bank=np.where(other_bank, _BANK_NAMES[bank], ""),
        other_bank=other_bank,
        description=_DESCRIPTIONS[category * len(BANKS) + bank],
    )


def _showcase_transactions(clients: Clients, *, threshold_of: np.ndarray, today: int) -> list[tuple]:
    """(client, category, amount in fen, day, second of day, bank) of the demo RM's big movements."""
    rows: list[tuple] = []
    merchants_bank = BANKS.index("招商银行")
    for index in np.flatnonzero(clients.story > 0).tolist():
        story, line = int(clients.story[index]), int(threshold_of[index])
        if story == Story.outflow_yesterday:
            rows.append(
                (index, LARGE_OUT_OTHER, -(-line * 16 // 1000) * 100, today - 1, 10 * 3600 + 23 * 60, merchants_bank)
            )
        elif story == Story.deposit_yesterday:
            rows.append((index, LARGE_CASH_IN, -(-line * 13 // 1000) * 100, today - 1, 14 * 3600 + 5 * 60, 0))
        elif story == Story.withdrawal_below_threshold:
            rows.append((index, LARGE_WITHDRAWAL, line * 95 // 10_000 * 100, today - 1, 11 * 3600 + 40 * 60, 0))
        elif story == Story.corporate_outflow:
            rows.append((index, LARGE_OUT_OTHER, -(-line * 15 // 1000) * 100, today - 3, 15 * 3600 + 30 * 60, 0))
        elif story == Story.aum_drop:
            amount = int(clients.aum[index]) * 45 // 55 // 100 * 100
            rows.append((index, LARGE_OUT_OTHER, amount, today - 4, 9 * 3600 + 50 * 60, merchants_bank))
    return rows


def _interactions(rng: np.random.Generator, clients: Clients, clock: Clock, cadence: np.ndarray) -> Interactions:
    n = len(clients)
    today = clock.today_day
    story = clients.story
    lost = clients.lost_contact
    cadence_of = cadence[clients.tier]

    counts = rng.poisson(CONTACTS_PER_TIER[clients.tier])
    counts = np.where(lost, np.maximum(counts, 1), counts)
    counts[story > 0] = np.maximum(counts[story > 0], 4)
    overdue = (rng.random(n) < OVERDUE_SHARE) | (story == Story.overdue)
    overdue[story > 0] = story[story > 0] == Story.overdue
    newest_gap = np.where(
        overdue,
        np.ceil(cadence_of * rng.uniform(1.05, 2.5, n)),
        np.maximum(np.ceil(cadence_of * rng.uniform(0.03, 1.0, n)), 1),
    ).astype(np.int64)
    newest_gap = np.where(lost, rng.integers(120, 400, n), newest_gap)
    newest_gap[story == Story.overdue] = cadence_of[story == Story.overdue] + 15
    newest_gap[(story > 0) & (story != Story.overdue) & ~lost] = np.minimum(
        3, cadence_of[(story > 0) & (story != Story.overdue) & ~lost]
    )

    client, position = _positions(counts)
    rows = len(client)
    interval = np.maximum(np.ceil(cadence_of[client] * rng.uniform(0.5, 1.5, rows)), 1).astype(np.int64)
    interval[position == 0] = newest_gap[client[position == 0]]
    age = _group_cumsum(interval, client, position)
    keep = (age <= CONTACT_HISTORY_DAYS) | (position == 0)
    client, position, age = client[keep], position[keep], age[keep]
    rows = len(client)
    day = today - age

    corporate = clients.corporate[client]
    kind = np.where(
        corporate,
        rng.choice(len(INTERACTION_KINDS), rows, p=CORPORATE_KIND_WEIGHTS),
        rng.choice(len(INTERACTION_KINDS), rows, p=PERSONAL_KIND_WEIGHTS),
    )
    newest = position == 0
    lost_row = newest & lost[client]
    kind[lost_row] = INTERACTION_KINDS.index("call")
    second = rng.integers(9 * 3600, 18 * 3600 + 1800, rows)
    occurred = clock.utc(day, second)

    next_date = np.zeros(rows, dtype=np.int64)
    draw = rng.random(rows)
    due_today = newest & (draw < 0.015)
    ahead = newest & (draw >= 0.015) & (draw < 0.26)
    missed = newest & (draw >= 0.26) & (draw < 0.34) & (day + 1 <= today - 1)
    older = ~newest & (draw < 0.35)
    next_date[due_today] = today
    next_date[ahead] = today + rng.integers(1, 31, int(ahead.sum()))
    next_date[missed] = rng.integers(day[missed] + 1, today)
    next_date[older] = np.minimum(day[older] + rng.integers(3, 15, int(older.sum())), today - 1)
    has_next = due_today | ahead | missed | (older & (next_date > day))
    has_next &= ~lost_row
    follow_up_story = newest & (story[client] == Story.follow_up_today)
    next_date[follow_up_story], has_next[follow_up_story] = today, True

    note_variant = rng.integers(0, 3, rows)
    note = np.array(NOTES, dtype=object)[kind, note_variant]
    outcome = np.array(OUTCOMES, dtype=object)[rng.integers(0, len(OUTCOMES), rows)]
    note[lost_row], outcome[lost_row] = LOST_NOTE, LOST_OUTCOME
    in_person = np.isin(kind, (0, 3, 4))
    has_expenses = in_person & (rng.random(rows) < 0.3)
    expenses = rng.integers(50, 800, rows) * 100
    by_lead = in_person & (rng.random(rows) < 0.1)

    contacted, follow_up_on_newest = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    contacted[client] = True
    follow_up_on_newest[client[newest]] = has_next[newest]
    quiet = ~overdue & ~follow_up_on_newest  # a greeting newer than their last contact changes nothing the lists say
    greeting = _greetings(np.random.default_rng(rng.integers(0, 2**63)), clients, today, newest_gap, quiet, contacted)
    if len(greeting):
        g = len(greeting)
        greeting_day = today - _birthday_age(clients.birthday[greeting], today)
        client = np.concatenate([client, greeting])
        kind = np.concatenate([kind, np.full(g, INTERACTION_KINDS.index("message"))])
        occurred = np.concatenate([occurred, clock.utc(greeting_day, np.full(g, 9 * 3600 + 1800))])
        note = np.concatenate([note, np.full(g, GREETING_NOTE, dtype=object)])
        outcome = np.concatenate([outcome, np.full(g, "", dtype=object)])
        has_expenses = np.concatenate([has_expenses, np.zeros(g, dtype=bool)])
        expenses = np.concatenate([expenses, np.zeros(g, dtype=expenses.dtype)])
        by_lead = np.concatenate([by_lead, np.zeros(g, dtype=bool)])
        next_date = np.concatenate([next_date, np.zeros(g, dtype=next_date.dtype)])
        has_next = np.concatenate([has_next, np.zeros(g, dtype=bool)])
        corporate = np.concatenate([corporate, np.zeros(g, dtype=bool)])
        rows += g

    order = np.lexsort((occurred, client))
    columns = [client, kind, occurred, note, outcome, has_expenses, expenses, by_lead, next_date, has_next, corporate]
    client, kind, occurred, note, outcome, has_expenses, expenses, by_lead, next_date, has_next, corporate = (
        c[order] for c in columns
    )
    _, sequence = _positions(np.bincount(client, minlength=n))
    participants = np.where(
        corporate,
        np.array(PARTICIPANTS, dtype=object)[rng.choice([2, 3, 4], rows)],
        np.array(PARTICIPANTS, dtype=object)[rng.choice([0, 1, 4], rows, p=[0.75, 0.15, 0.1])],
    )
    return Interactions(
        client=client,
        sequence=sequence + 1,
        by_lead=by_lead,
        kind=kind,
        occurred=occurred,
        participants=participants,
        note=note,
        pitched=np.array(PITCHED, dtype=object)[rng.integers(0, len(PITCHED), rows)],
        outcome=outcome,
        expenses=expenses,
        has_expenses=has_expenses,
        next_step=np.where(has_next, np.array(NEXT_STEPS, dtype=object)[rng.integers(0, 4, rows)], ""),
        next_date=next_date,
        has_next_date=has_next,
        created=occurred + rng.integers(300, 3 * 3600, rows),
    )


GREETED_SHARE = 0.6
"""Personal clients whose last birthday an RM greeted with a message. A greeting newer than the
client's last contact goes only to clients neither overdue nor with a follow-up on it, so that it
changes nothing the lists say (who is overdue, what follow-up is due)."""
GREETING_NOTE = "微信生日祝福"


def _birthday_age(birthday: np.ndarray, today: int) -> np.ndarray:
    """Days since each solar birthday's latest occurrence on or before `today` (29 February: 1 March)."""
    year_today = calendar_parts(np.array([today]))[0][0]
    _, month, day = calendar_parts(birthday)

    def in_year(year: int) -> np.ndarray:
        months = np.full(len(birthday), year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (month - 1)
        return months.astype("datetime64[D]").astype(np.int64) + day - 1

    this_year = in_year(year_today)
    return today - np.where(this_year <= today, this_year, in_year(year_today - 1))


def _greetings(
    rng: np.random.Generator, clients: Clients, today: int, newest_gap: np.ndarray, quiet: np.ndarray, contacted: np.ndarray,
) -> np.ndarray:
    """The clients who get a birthday message on their last solar birthday (only those contacted
    otherwise too: a first contact would take a never-contacted client off the overdue list)."""
    age = _birthday_age(clients.birthday, today)
    eligible = ~clients.corporate & ~clients.lost_contact & (clients.story == 0) & ~clients.lunar & (age < 365) & contacted
    eligible &= (age > newest_gap) | quiet
    return np.flatnonzero(eligible & (rng.random(len(clients)) < GREETED_SHARE))


def _newest(client: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(index of each client's last row, whether it has any) for rows sorted by client then time."""
    counts = np.bincount(client, minlength=n)
    last = np.cumsum(counts) - 1
    return np.maximum(last, 0), counts > 0


def _derived(clients: Clients, clock: Clock, transactions: Transactions, interactions: Interactions) -> Derived:
    n = len(clients)
    contact, contacted = _newest(interactions.client, n)
    moved, transacted = _newest(transactions.client, n)
    empty = np.zeros(n, dtype=np.int64)

    def pick(values: np.ndarray, index: np.ndarray, present: np.ndarray) -> np.ndarray:
        return np.where(present, values[index], empty) if len(values) else empty

    return Derived(
        aum_as_of=clock.today_day - 1,
        last_contact=pick(interactions.occurred, contact, contacted),
        contacted=contacted,
        last_kind=np.array(INTERACTION_KINDS, dtype=object)[pick(interactions.kind, contact, contacted)],
        next_follow_up=pick(interactions.next_date, contact, contacted),
        has_follow_up=contacted & (interactions.has_next_date[contact] if len(interactions.client) else False),
        last_transaction=pick(transactions.occurred, moved, transacted),
        transacted=transacted,
    )
