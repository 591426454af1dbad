"""The sample bank's clients, a chunk at a time, as numpy columns.

Every field a rule derives (tier, card level, contact class, size) is computed here with the
thresholds of `Settings`, vectorised; tests/integration/test_sample.py checks the result against
`domain.rules` client by client on a subset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntEnum

import numpy as np

from bot.config import PERSONAL_TIERS, Settings
from domain.sample.days import (
    DAY,
    calendar_parts,
    epoch_day,
    first_of_year,
    lunar_table,
)
from domain.sample.names import company_names, personal_names
from domain.types import to_fen

TIERS = (*PERSONAL_TIERS, "class1", "class2", "class3")
"""Tier codes: indexes into this tuple. 0–4 are personal tiers, 5–7 corporate contact classes."""
PRIVATE, WEALTH, PREMIUM, BASIC, MASS, CLASS1, CLASS2, CLASS3 = range(8)

CARD_LEVELS = (None, "gold", "platinum", "diamond")
CORP_SIZES = ("extra_large", "large", "medium", "small", "micro")
CONTRIBUTIONS = ("strategic", "quality", "effective", "to_develop", "to_adjust")
VALUE_CLASSES = ("vip", "potential", "mass", "negative")
VIP, POTENTIAL, MASS_VALUE, NEGATIVE = range(4)

PERSONAL_PRODUCTS = ("DEP", "TD", "WMP", "FUND", "INS", "GOLD", "CC", "MORT", "CL", "CUS", "PEN", "FX")
CORPORATE_PRODUCTS = ("CDEP", "SETTLE", "CASH", "LOAN", "BILL", "TRADE", "PAYROLL", "FXC")
PERSONAL_TAGS = ("", "代发工资", "企业主", "退休", "教师", "医生", "公务员", "高净值家庭", "新市民")
CORPORATE_TAGS = ("", "上市公司", "高新技术企业", "专精特新", "进出口企业", "供应链核心企业")
PHONE_PREFIXES = np.array([130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 152, 155,
                           158, 159, 176, 177, 180, 181, 186, 187, 188, 189, 191, 199])
ID_REGIONS = np.array([310101, 310104, 310105, 310106, 310107, 310109, 310110, 310112, 310113, 310114, 310115,
                       310116, 310117, 310118, 310120, 320102, 330106, 340104, 370102, 420106, 440106, 510107])
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"), dtype=object)

CORPORATE_SHARE = 0.07
LUNAR_SHARE = 0.20
LEAP_DAY_SHARE = 0.003
LOST_CONTACT_SHARE = 0.01
DORMANT_SHARE = 0.03
PERSONAL_AUM_MEDIAN = 40_000
PERSONAL_AUM_SIGMA = 1.683
"""A lognormal with σ ≈ 1.683 puts 80 % of the AUM in the top 20 % of clients."""


class Story(IntEnum):
    """The demo RM's showcase clients, C000000001 … C000000012: what each one is there to show."""

    birthday_today = 1
    follow_up_today = 2
    outflow_yesterday = 3
    lunar_birthday_today = 4
    deposit_yesterday = 5
    overdue = 6
    lost_contact = 7
    aum_drop = 8
    birthday_in_a_week = 9
    leap_day_birthday = 10
    withdrawal_below_threshold = 11
    corporate_outflow = 12


SHOWCASE_AUM = {
    Story.birthday_today: 3_600_000,
    Story.follow_up_today: 650_000,
    Story.outflow_yesterday: 820_000,
    Story.lunar_birthday_today: 160_000,
    Story.deposit_yesterday: 2_400_000,
    Story.overdue: 480_000,
    Story.lost_contact: 72_000,
    Story.aum_drop: 5_200_000,
    Story.birthday_in_a_week: 2_900_000,
    Story.leap_day_birthday: 135_000,
    Story.withdrawal_below_threshold: 560_000,
    Story.corporate_outflow: 88_000_000,
}
SHOWCASE_AGE = {story: 34 + 3 * story.value for story in Story}


def normal_quantile(p: np.ndarray) -> np.ndarray:
    """Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9)."""
    a = (
        -3.969683028665376e01,
        2.209460984245205e02,
        -2.759285104469687e02,
        1.383577518672690e02,
        -3.066479806614716e01,
        2.506628277459239e00,
    )
    b = (
        -5.447609879822406e01,
        1.615858368580409e02,
        -1.556989798598866e02,
        6.680131188771972e01,
        -1.328068155288572e01,
    )
    c = (
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e00,
        -2.549732539343734e00,
        4.374664141464968e00,
        2.938163982698783e00,
    )
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    p = np.asarray(p, dtype=float)
    out = np.empty_like(p)
    low, high = p < 0.02425, p > 1 - 0.02425
    mid = ~(low | high)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = (
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    )
    for tail, sign in ((low, 1.0), (high, -1.0)):
        q = np.sqrt(-2 * np.log(np.where(sign > 0, p[tail], 1 - p[tail])))
        out[tail] = (
            sign
            * (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        )
    return out


def stratified_normal(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` standard normal draws, one from each of `n` equally likely slices, shuffled: even a small
    sample then has the distribution's shape (its top 20 % hold the share they should)."""
    return normal_quantile((rng.permutation(n) + rng.random(n)) / n)


@dataclass(frozen=True)
class Thresholds:
    """The settings' lines in fen, as the vectorised rules need them."""

    tier_lines: tuple[int, int, int, int]
    basic_max_age: int
    maintained_spend: int
    maintained_loans: int
    maintained_margin: int
    maintained_cards: tuple[int, ...]
    maintained_tier: int
    card_lines: tuple[int, int, int]
    credit_lines: tuple[int, ...]
    capital_lines: tuple[int, ...]
    class1_above: int
    class2_from: int
    movement_absolute: np.ndarray
    """Large-movement line per tier code."""
    movement_share: Decimal

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        t, m, cards, size, cls_ = (
            settings.tiers,
            settings.maintained,
            settings.cards,
            settings.corporate_size,
            settings.corporate_class,
        )
        absolute = settings.movements.absolute
        return cls(
            tier_lines=(to_fen(t.private), to_fen(t.wealth), to_fen(t.premium), to_fen(t.basic)),
            basic_max_age=t.basic_max_age,
            maintained_spend=to_fen(m.card_spend_year),
            maintained_loans=to_fen(m.personal_loans),
            maintained_margin=to_fen(m.custody_margin),
            maintained_cards=tuple(CARD_LEVELS.index(c) for c in m.card_levels if c in CARD_LEVELS),
            maintained_tier=TIERS.index(m.tier),
            card_lines=(to_fen(cards.gold), to_fen(cards.platinum), to_fen(cards.diamond)),
            credit_lines=tuple(
                to_fen(x) for x in (size.credit_extra_large, size.credit_large, size.credit_medium, size.credit_small)
            ),
            capital_lines=tuple(
                to_fen(x)
                for x in (size.capital_extra_large, size.capital_large, size.capital_medium, size.capital_small)
            ),
            class1_above=to_fen(cls_.class1_above),
            class2_from=to_fen(cls_.class2_from),
            movement_absolute=np.array(
                [
                    to_fen(absolute.get(tier) or absolute.get("corporate" if tier.startswith("class") else "mass") or 0)
                    for tier in TIERS
                ]
            ),
            movement_share=settings.movements.share_of_aum,
        )

    def personal_tier(
        self,
        aum: np.ndarray,
        age: np.ndarray,
        card_spend: np.ndarray,
        loans: np.ndarray,
        margin: np.ndarray,
        card: np.ndarray,
    ) -> np.ndarray:
        """Vectorised `domain.rules.personal_tier`."""
        private, wealth, premium, basic = self.tier_lines
        by_aum = np.select(
            [aum >= private, aum >= wealth, aum >= premium, (aum >= basic) & (age < self.basic_max_age)],
            [PRIVATE, WEALTH, PREMIUM, BASIC],
            MASS,
        )
        maintained = (
            (card_spend >= self.maintained_spend)
            | (loans >= self.maintained_loans)
            | (margin >= self.maintained_margin)
            | np.isin(card, self.maintained_cards)
        )
        return np.where(maintained, np.minimum(by_aum, self.maintained_tier), by_aum)

    def card_level(self, aum: np.ndarray) -> np.ndarray:
        gold, platinum, diamond = self.card_lines
        return np.select([aum >= diamond, aum >= platinum, aum >= gold], [3, 2, 1], 0)

    @staticmethod
    def _size(amount: np.ndarray, lines: tuple[int, ...]) -> np.ndarray:
        return np.select([amount >= line for line in lines], [0, 1, 2, 3], 4)

    def corporate_size(self, credit: np.ndarray, total_assets: np.ndarray, capital: np.ndarray) -> np.ndarray:
        return np.where(credit, self._size(total_assets, self.credit_lines), self._size(capital, self.capital_lines))

    def contact_class(self, deposits: np.ndarray, credit_target: np.ndarray) -> np.ndarray:
        return np.select(
            [(deposits > self.class1_above) | (credit_target > self.class1_above), deposits >= self.class2_from],
            [CLASS1, CLASS2],
            CLASS3,
        )

    def large_movement(self, tier: np.ndarray, aum: np.ndarray) -> np.ndarray:
        """Vectorised `domain.rules.large_movement_threshold`, in fen: the tier's line or a share of AUM
        (rounded half to even, as `Decimal.quantize` does), the lower."""
        absolute = self.movement_absolute[tier]
        numerator, denominator = self.movement_share.as_integer_ratio()
        share, remainder = np.divmod(aum * numerator, denominator)
        share += (2 * remainder > denominator) | ((2 * remainder == denominator) & (share % 2 == 1))
        return np.where(share > 0, np.minimum(absolute, share), absolute)


@dataclass
class Clients:
    """One chunk of clients; money in fen, days and instants as epoch days and seconds."""

    number: np.ndarray
    client_no: np.ndarray
    story: np.ndarray
    corporate: np.ndarray
    name: np.ndarray
    pinyin: np.ndarray
    initials: np.ndarray
    phone: np.ndarray
    id_number: np.ndarray
    male: np.ndarray
    birthday: np.ndarray
    birth_md: np.ndarray
    age: np.ndarray
    lunar: np.ndarray
    lunar_month: np.ndarray
    lunar_day: np.ndarray
    lunar_leap: np.ndarray
    tier: np.ndarray
    value_class: np.ndarray
    corp_size: np.ndarray
    contribution: np.ndarray
    industry: np.ndarray
    card: np.ndarray
    aum: np.ndarray
    deposits: np.ndarray
    loans: np.ndarray
    card_spend: np.ndarray
    margin: np.ndarray
    credit_target: np.ndarray
    total_assets: np.ndarray
    capital: np.ndarray
    bad_credit: np.ndarray
    products: np.ndarray
    rm: np.ndarray
    original_rm: np.ndarray
    lost_contact: np.ndarray
    dormant: np.ndarray
    tags: np.ndarray
    created_at: np.ndarray

    def __len__(self) -> int:
        return len(self.number)


def _product_strings(codes: tuple[str, ...]) -> np.ndarray:
    table = np.empty(1 << len(codes), dtype=object)
    for mask in range(len(table)):
        table[mask] = ",".join(code for bit, code in enumerate(codes) if mask >> bit & 1)
    return table


_PERSONAL_PRODUCT_STRINGS = _product_strings(PERSONAL_PRODUCTS)
_CORPORATE_PRODUCT_STRINGS = _product_strings(CORPORATE_PRODUCTS)


def _products(rng: np.random.Generator, required: np.ndarray, wanted: np.ndarray, codes: int) -> np.ndarray:
    """Bit masks holding every required product plus random others, `wanted` in all (at most six)."""
    priority = rng.random((len(required), codes))
    bits = (required[:, None] >> np.arange(codes)) & 1
    priority[bits == 1] = -1.0
    rank = np.argsort(np.argsort(priority, axis=1), axis=1)
    count = np.minimum(np.maximum(wanted, bits.sum(axis=1)), 6)
    chosen = rank < count[:, None]
    return (chosen << np.arange(codes)).sum(axis=1)


def _id_numbers(rng: np.random.Generator, birthday: np.ndarray, male: np.ndarray) -> np.ndarray:
    """18-digit resident identity numbers: region, birth date, sequence (odd for men), check digit."""
    year, month, day = calendar_parts(birthday)
    sequence = rng.integers(0, 500, len(birthday)) * 2 + male.astype(np.int64)
    region = ID_REGIONS[rng.integers(0, len(ID_REGIONS), len(birthday))]
    body = ((region * 10_000 + year) * 100 + month) * 100 + day
    body = body * 1000 + sequence
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)) % 10
    check = ID_CHECK[(digits * ID_WEIGHTS).sum(axis=1) % 11]
    return body.astype(str).astype(object) + check


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))


def generate_clients(
    rng: np.random.Generator,
    start: int,
    stop: int,
    *,
    today: date,
    thresholds: Thresholds,
    rms: int,
) -> Clients:
    """Clients number `start` … `stop - 1` (0-based); the first twelve of the bank are the demo RM's showcase."""
    n = stop - start
    number = np.arange(start, stop)
    story = np.where(number < len(Story), number + 1, 0)
    shown = story > 0
    today_day = epoch_day(today)

    corporate = rng.random(n) < CORPORATE_SHARE
    corporate[shown] = story[shown] == Story.corporate_outflow
    personal = ~corporate
    male = rng.random(n) < 0.5

    age_years = 20 + 65 * rng.beta(2.0, 2.6, n)
    birthday = today_day - (age_years * 365.2425).astype(np.int64) - rng.integers(0, 365, n)
    birthday = _showcase_birthdays(story, birthday, today)
    leap_day = personal & (rng.random(n) < LEAP_DAY_SHARE) & ~shown | (story == Story.leap_day_birthday)
    birth_year, _, _ = calendar_parts(birthday)
    leap_year = birth_year - birth_year % 4
    birthday[leap_day] = first_of_year(leap_year[leap_day]) + 59
    birth_year, birth_month, birth_dom = calendar_parts(birthday)
    birth_md = birth_month * 100 + birth_dom
    age = _age(birth_year, birth_md, today)

    lunar = personal & (rng.random(n) < LUNAR_SHARE)
    lunar[shown] = story[shown] == Story.lunar_birthday_today
    lunar_month, lunar_day, lunar_leap = lunar_table(today.year - 100, today.year).lookup(birthday)

    aum = np.zeros(n)
    aum[personal] = PERSONAL_AUM_MEDIAN * np.exp(PERSONAL_AUM_SIGMA * stratified_normal(rng, int(personal.sum())))
    dormant = personal & (rng.random(n) < DORMANT_SHARE) & ~shown
    aum[dormant] = rng.uniform(0, 299, int(dormant.sum()))
    deposit_share = np.clip(0.95 - 0.13 * np.log10(np.maximum(aum, 1000) / 10_000) + rng.normal(0, 0.08, n), 0.1, 1.0)
    has_mortgage = personal & (rng.random(n) < 0.16)
    has_consumer_loan = personal & (rng.random(n) < 0.08)
    loans = np.where(has_mortgage, _lognormal(rng, 650_000, 0.6, n), 0.0) + np.where(
        has_consumer_loan, _lognormal(rng, 60_000, 0.7, n), 0.0
    )
    has_card = personal & (rng.random(n) < 0.45)
    card_spend = np.where(has_card, _lognormal(rng, 18_000, 1.0, n), 0.0)
    has_custody = personal & (rng.random(n) < 0.10)
    margin = np.where(has_custody, _lognormal(rng, 25_000, 1.2, n), 0.0)

    deposits_corp = _lognormal(rng, 3_000_000, 1.5, n)
    credit = corporate & (rng.random(n) < 0.4)
    loans_corp = np.where(credit, _lognormal(rng, 12_000_000, 1.3, n), 0.0)
    credit_target = np.where(credit, loans_corp * rng.uniform(1.1, 2.0, n), 0.0)
    total_assets = np.where(credit, np.maximum(loans_corp, deposits_corp) * rng.uniform(3, 12, n), 0.0)
    capital = _lognormal(rng, 5_000_000, 1.6, n)

    for s, value in SHOWCASE_AUM.items():
        at = story == s
        if s == Story.corporate_outflow:
            deposits_corp[at] = value
        else:
            aum[at] = value
            loans[at], card_spend[at], margin[at] = 0.0, 30_000, 0.0
    deposits = np.where(corporate, deposits_corp, aum * deposit_share)
    aum = np.where(corporate, deposits_corp * rng.uniform(1.0, 1.4, n), aum)
    loans = np.where(corporate, loans_corp, loans)

    aum_fen, deposits_fen, loans_fen = (np.rint(x * 100).astype(np.int64) for x in (aum, deposits, loans))
    deposits_fen = np.minimum(deposits_fen, aum_fen)
    spend_fen, margin_fen, target_fen, assets_fen, capital_fen = (
        np.rint(x * 100).astype(np.int64) for x in (card_spend, margin, credit_target, total_assets, capital)
    )

    card = np.where(personal, thresholds.card_level(aum_fen), 0)
    legacy_gold = personal & (card == 0) & (rng.random(n) < 0.02) & ~shown
    card[legacy_gold] = 1
    tier = np.where(
        personal,
        thresholds.personal_tier(aum_fen, age, spend_fen, loans_fen, margin_fen, card),
        thresholds.contact_class(deposits_fen, target_fen),
    )
    corp_size = np.where(corporate, thresholds.corporate_size(credit, assets_fen, capital_fen), -1)

    bad_credit = np.where(rng.random(n) < 0.015, rng.integers(1, 4, n), 0)
    bad_credit[shown] = 0
    value_class = _value_classes(rng, tier, corporate, dormant, bad_credit, spend_fen)
    contribution = _contributions(rng, corporate, tier, deposits_fen + loans_fen)

    names = np.empty(n, dtype=object)
    pinyin = np.empty(n, dtype=object)
    initials = np.empty(n, dtype=object)
    industry = np.full(n, None, dtype=object)
    names[personal], pinyin[personal], initials[personal] = personal_names(rng, male[personal])
    names[corporate], pinyin[corporate], initials[corporate], industry[corporate] = company_names(
        rng, int(corporate.sum())
    )

    phone_numbers = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), n)] * 100_000_000 + rng.integers(
        0, 100_000_000, n
    )
    id_number = np.full(n, None, dtype=object)
    id_number[personal] = _id_numbers(rng, birthday[personal], male[personal])

    personal_required = (
        1 | (has_card << 6) | (has_mortgage << 7) | (has_consumer_loan << 8) | (has_custody << 9)
    ).astype(np.int64)
    wanted = np.clip(np.rint(rng.normal(1.6 + 0.5 * (MASS - np.minimum(tier, MASS)), 1.0)), 1, 6).astype(np.int64)
    personal_mask = _products(rng, personal_required, wanted, len(PERSONAL_PRODUCTS))
    corporate_mask = _products(rng, (1 | 2 | (credit << 3)).astype(np.int64), wanted + 1, len(CORPORATE_PRODUCTS))
    products = np.where(corporate, _CORPORATE_PRODUCT_STRINGS[corporate_mask], _PERSONAL_PRODUCT_STRINGS[personal_mask])

    rm = rng.integers(0, rms, n)
    rm[shown] = 0
    moved = (rng.random(n) < 0.06) & ~shown & (rms > 1)
    original_rm = np.where(moved, (rm + rng.integers(1, max(rms, 2), n)) % rms, rm)

    lost_contact = (rng.random(n) < LOST_CONTACT_SHARE) & ~shown | (story == Story.lost_contact)
    tags = np.where(
        corporate,
        np.array(CORPORATE_TAGS, dtype=object)[
            np.where(rng.random(n) < 0.3, rng.integers(1, len(CORPORATE_TAGS), n), 0)
        ],
        np.array(PERSONAL_TAGS, dtype=object)[
            np.where(rng.random(n) < 0.15, rng.integers(1, len(PERSONAL_TAGS), n), 0)
        ],
    )
    created_at = (today_day - rng.integers(90, 15 * 365, n)) * DAY + rng.integers(1 * 3600, 10 * 3600, n)

    return Clients(
        number=number,
        client_no=np.array([f"C{i + 1:09d}" for i in number.tolist()], dtype=object),
        story=story,
        corporate=corporate,
        name=names,
        pinyin=pinyin,
        initials=initials,
        phone=phone_numbers.astype(str).astype(object),
        id_number=id_number,
        male=male,
        birthday=birthday,
        birth_md=birth_md,
        age=age,
        lunar=lunar,
        lunar_month=lunar_month,
        lunar_day=lunar_day,
        lunar_leap=lunar_leap,
        tier=tier,
        value_class=value_class,
        corp_size=corp_size,
        contribution=contribution,
        industry=industry,
        card=card,
        aum=aum_fen,
        deposits=deposits_fen,
        loans=loans_fen,
        card_spend=spend_fen,
        margin=margin_fen,
        credit_target=target_fen,
        total_assets=assets_fen,
        capital=capital_fen,
        bad_credit=bad_credit,
        products=products,
        rm=rm,
        original_rm=original_rm,
        lost_contact=lost_contact,
        dormant=dormant,
        tags=tags,
        created_at=created_at,
    )


def _age(birth_year: np.ndarray, birth_md: np.ndarray, today: date) -> np.ndarray:
    """Vectorised `domain.calendar.age_on`: a 29 February child has their birthday on 28 February in common years."""
    leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    md = birth_md if leap else np.where(birth_md == 229, 228, birth_md)
    return today.year - birth_year - (today.month * 100 + today.day < md)


def _showcase_birthdays(story: np.ndarray, birthday: np.ndarray, today: date) -> np.ndarray:
    """Birthdays the showcase stories need; everyone else keeps theirs."""
    birthday = birthday.copy()
    for s in np.unique(story[story > 0]).tolist():
        at = story == s
        years = SHOWCASE_AGE[Story(s)]
        if s == Story.birthday_today:
            birthday[at] = epoch_day(_same_day_years_ago(today, years))
        elif s == Story.birthday_in_a_week:
            birthday[at] = epoch_day(_same_day_years_ago(today, years)) + 7
        elif s == Story.lunar_birthday_today:
            birthday[at] = _lunar_twin(today, years)
        else:
            birthday[at] = epoch_day(_same_day_years_ago(today, years)) - 100 - 17 * s
    return birthday


def _same_day_years_ago(today: date, years: int) -> date:
    """Today's month and day `years` ago; a 29 February today looks back a multiple of four years."""
    if today.month == 2 and today.day == 29:
        years += -years % 4
    return today.replace(year=today.year - years)


def _lunar_twin(today: date, years: int) -> int:
    """A birth day about `years` ago whose lunar month and day are today's, so the lunar birthday is today."""
    table = lunar_table(today.year - 100, today.year)
    today_day = epoch_day(today)
    month, day, leap = table.lookup(np.array([today_day]))
    candidates = (
        np.flatnonzero((table.month == month[0]) & (table.day == day[0]) & (table.leap == leap[0])) + table.first
    )
    candidates = candidates[candidates <= today_day - 20 * 365]
    if len(candidates) == 0:
        candidates = np.flatnonzero((table.month == month[0]) & (table.day == day[0])) + table.first
    target = today_day - int(years * 365.2425)
    return int(candidates[np.argmin(np.abs(candidates - target))])


def _value_classes(
    rng: np.random.Generator,
    tier: np.ndarray,
    corporate: np.ndarray,
    dormant: np.ndarray,
    bad_credit: np.ndarray,
    card_spend: np.ndarray,
) -> np.ndarray:
    """VIP, potential, mass or negative (dormant or two bad-credit records), after domain.md."""
    n = len(tier)
    negative = dormant | (bad_credit >= 2)
    vip = np.where(corporate, tier <= CLASS2, tier <= WEALTH)
    potential = (card_spend >= 5_000_000) | (rng.random(n) < np.where(corporate, 0.25, 0.12))
    return np.select([negative, vip, potential], [NEGATIVE, VIP, POTENTIAL], MASS_VALUE)


def _contributions(
    rng: np.random.Generator, corporate: np.ndarray, tier: np.ndarray, business: np.ndarray
) -> np.ndarray:
    """Strategic … to-adjust by business volume with some noise; class-1 clients are strategic."""
    score = np.log10(np.maximum(business, 100)) + rng.normal(0, 0.4, len(tier))
    bands = np.digitize(score, [10.5, 9.6, 8.6, 7.8][::-1])
    contribution = 4 - bands
    contribution = np.where(tier == CLASS1, 0, contribution)
    return np.where(corporate, contribution, -1)
