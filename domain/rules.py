"""The bank's business rules as plain functions: tiers, classes, value, dormancy, cadence, pyramid.

Every figure comes from a settings section (see `bot/config.py`, defaults from `shared/domain.md`);
nothing here touches a database, Telegram or the clock. Money is `Decimal` CNY.
"""

from __future__ import annotations

import math
from calendar import monthrange
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from bot.config import (
        CadenceSettings,
        CardLevelSettings,
        CorporateClassSettings,
        CorporateSizeSettings,
        DormantSettings,
        MaintainedSettings,
        MovementSettings,
        PersonalTierSettings,
    )

CENT = Decimal("0.01")


class Tier(StrEnum):
    """Personal client tiers, highest first."""

    private = "private"
    wealth = "wealth"
    premium = "premium"
    basic = "basic"
    mass = "mass"


class CardLevel(StrEnum):
    gold = "gold"
    platinum = "platinum"
    diamond = "diamond"


class CorporateSize(StrEnum):
    extra_large = "extra_large"
    large = "large"
    medium = "medium"
    small = "small"
    micro = "micro"


class ContactClass(StrEnum):
    class1 = "class1"
    class2 = "class2"
    class3 = "class3"


class ValueClass(StrEnum):
    vip = "vip"
    potential = "potential"
    mass = "mass"
    negative = "negative"


class DormantReason(StrEnum):
    idle = "idle"
    card_unused = "card_unused"
    bad_credit = "bad_credit"
    overdraft = "overdraft"


_TIER_RANK = {tier: rank for rank, tier in enumerate(Tier)}


def higher_tier(a: Tier | str, b: Tier | str) -> Tier:
    return min(Tier(a), Tier(b), key=_TIER_RANK.__getitem__)


def aum_tier(aum: Decimal, *, age: int | None = None, tiers: PersonalTierSettings) -> Tier:
    """The tier earned by AUM alone; an unknown age counts as younger than `basic_max_age`."""
    if aum >= tiers.private:
        return Tier.private
    if aum >= tiers.wealth:
        return Tier.wealth
    if aum >= tiers.premium:
        return Tier.premium
    if aum >= tiers.basic and (age is None or age < tiers.basic_max_age):
        return Tier.basic
    return Tier.mass


def is_maintained(
    *,
    card_spend_year: Decimal = Decimal(0),
    personal_loans: Decimal = Decimal(0),
    custody_margin: Decimal = Decimal(0),
    card_level: str | None = None,
    maintained: MaintainedSettings,
) -> bool:
    """Whether the client stays on a named RM's book whatever their AUM."""
    return (
        card_spend_year >= maintained.card_spend_year
        or personal_loans >= maintained.personal_loans
        or custody_margin >= maintained.custody_margin
        or (card_level is not None and card_level in maintained.card_levels)
    )


def personal_tier(
    aum: Decimal,
    *,
    age: int | None = None,
    card_spend_year: Decimal = Decimal(0),
    personal_loans: Decimal = Decimal(0),
    custody_margin: Decimal = Decimal(0),
    card_level: str | None = None,
    tiers: PersonalTierSettings,
    maintained: MaintainedSettings,
) -> Tier:
    """The AUM tier, raised to at least `maintained.tier` for a maintained client."""
    tier = aum_tier(aum, age=age, tiers=tiers)
    if is_maintained(
        card_spend_year=card_spend_year,
        personal_loans=personal_loans,
        custody_margin=custody_margin,
        card_level=card_level,
        maintained=maintained,
    ):
        return higher_tier(tier, maintained.tier)
    return tier


def card_level(aum: Decimal, *, cards: CardLevelSettings) -> CardLevel | None:
    if aum >= cards.diamond:
        return CardLevel.diamond
    if aum >= cards.platinum:
        return CardLevel.platinum
    if aum >= cards.gold:
        return CardLevel.gold
    return None


def _size_by_bounds(
    amount: Decimal, extra_large: Decimal, large: Decimal, medium: Decimal, small: Decimal
) -> CorporateSize:
    if amount >= extra_large:
        return CorporateSize.extra_large
    if amount >= large:
        return CorporateSize.large
    if amount >= medium:
        return CorporateSize.medium
    if amount >= small:
        return CorporateSize.small
    return CorporateSize.micro


def corporate_size(
    *,
    total_assets: Decimal | None = None,
    registered_capital: Decimal | None = None,
    is_credit_client: bool,
    sizes: CorporateSizeSettings,
) -> CorporateSize:
    """Credit clients are sized by total assets, the others by registered capital."""
    if is_credit_client:
        if total_assets is None:
            raise ValueError("a credit client is sized by total assets, which are missing")
        return _size_by_bounds(
            total_assets,
            sizes.credit_extra_large,
            sizes.credit_large,
            sizes.credit_medium,
            sizes.credit_small,
        )
    if registered_capital is None:
        raise ValueError("a non-credit client is sized by registered capital, which is missing")
    return _size_by_bounds(
        registered_capital,
        sizes.capital_extra_large,
        sizes.capital_large,
        sizes.capital_medium,
        sizes.capital_small,
    )


def contact_class(
    *, deposits: Decimal, credit_target: Decimal = Decimal(0), classes: CorporateClassSettings
) -> ContactClass:
    if deposits > classes.class1_above or credit_target > classes.class1_above:
        return ContactClass.class1
    if deposits >= classes.class2_from:
        return ContactClass.class2
    return ContactClass.class3


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def _card_unused(
    uses: int | None, spend: Decimal | None, balance: Decimal | None, dormant: DormantSettings
) -> bool:
    """Used too rarely, with low spend or a low balance; a figure not given does not count."""
    if uses is None or uses >= dormant.card_uses_per_month:
        return False
    low_spend = spend is not None and spend < dormant.card_spend_per_month
    low_balance = balance is not None and balance < dormant.card_balance
    return low_spend or low_balance


def dormant_reason(
    *,
    on: date,
    last_transaction: date | None,
    balance: Decimal,
    card_uses_last_month: int | None = None,
    card_spend_last_month: Decimal | None = None,
    card_balance: Decimal | None = None,
    bad_credit_records: int = 0,
    malicious_overdraft: bool = False,
    dormant: DormantSettings,
) -> DormantReason | None:
    """Why the client is negative-value, first match in domain.md order; no transaction counts as idle."""
    cutoff = months_before(on, dormant.idle_months)
    idle = last_transaction is None or last_transaction < cutoff
    if idle and balance < dormant.balance:
        return DormantReason.idle
    if _card_unused(card_uses_last_month, card_spend_last_month, card_balance, dormant):
        return DormantReason.card_unused
    if bad_credit_records >= dormant.bad_credit_records:
        return DormantReason.bad_credit
    if malicious_overdraft:
        return DormantReason.overdraft
    return None


def is_dormant(
    *,
    on: date,
    last_transaction: date | None,
    balance: Decimal,
    card_uses_last_month: int | None = None,
    card_spend_last_month: Decimal | None = None,
    card_balance: Decimal | None = None,
    bad_credit_records: int = 0,
    malicious_overdraft: bool = False,
    dormant: DormantSettings,
) -> bool:
    reason = dormant_reason(
        on=on,
        last_transaction=last_transaction,
        balance=balance,
        card_uses_last_month=card_uses_last_month,
        card_spend_last_month=card_spend_last_month,
        card_balance=card_balance,
        bad_credit_records=bad_credit_records,
        malicious_overdraft=malicious_overdraft,
        dormant=dormant,
    )
    return reason is not None


def _contribution(balance: Decimal, spread: Decimal, days: int, day_count: int) -> Decimal:
    """Multiply before dividing so that only the final rounding loses precision."""
    return (balance * spread * days / day_count).quantize(CENT, rounding=ROUND_HALF_UP)


def deposit_contribution(
    *,
    average_daily_balance: Decimal,
    average_deposit_rate: Decimal,
    days: int,
    transfer_price: Decimal,
    day_count: int = 360,
) -> Decimal:
    return _contribution(average_daily_balance, transfer_price - average_deposit_rate, days, day_count)


def loan_contribution(
    *,
    average_daily_balance: Decimal,
    weighted_loan_rate: Decimal,
    days: int,
    transfer_price: Decimal,
    day_count: int = 360,
) -> Decimal:
    return _contribution(average_daily_balance, weighted_loan_rate - transfer_price, days, day_count)


def personal_overdue_days(
    *, tier: Tier | str, last_contact: date | None, on: date, cadence: CadenceSettings
) -> int | None:
    """Days past the tier's cadence, or None; a client never contacted is overdue by the whole cadence."""
    days = cadence.personal_days.get(str(tier))
    if days is None:
        return None
    if last_contact is None:
        return days
    overdue = (on - last_contact).days - days
    return overdue if overdue > 0 else None


def corporate_contacts_required(
    *, contact_class: ContactClass | str, cadence: CadenceSettings, role: str = "rm"
) -> int:
    """Contacts a month the role owes the class; 0 when the configuration names none."""
    return cadence.corporate_per_month.get(str(contact_class), {}).get(role, 0)


def corporate_contacts_expected(
    *, contact_class: ContactClass | str, on: date, cadence: CadenceSettings, role: str = "rm"
) -> int:
    """Contacts due by the end of `on`, pro rata, so the 1st flags nobody and month end requires all."""
    required = corporate_contacts_required(contact_class=contact_class, cadence=cadence, role=role)
    return required * on.day // monthrange(on.year, on.month)[1]


def corporate_is_overdue(
    *,
    contact_class: ContactClass | str,
    contacts_this_month: int,
    on: date,
    cadence: CadenceSettings,
    role: str = "rm",
) -> bool:
    expected = corporate_contacts_expected(contact_class=contact_class, on=on, cadence=cadence, role=role)
    return contacts_this_month < expected


class _SortableKey(Hashable, Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_SortableKey)


def top_share(candidates: Iterable[tuple[K, Decimal]], share: Decimal) -> list[tuple[K, Decimal]]:
    """The highest-valued ceil(count × share), at least one; ties go to the smaller key."""
    ranked = sorted(candidates, key=lambda item: (-item[1], item[0]))
    if not ranked:
        return []
    keep = max(1, min(len(ranked), math.ceil(len(ranked) * share)))
    return ranked[:keep]


def _unit_tree(
    units: Iterable[int], parent_of: Mapping[int, int | None]
) -> tuple[dict[int, set[int]], set[int]]:
    """Children of every unit above `units`, and the roots; a unit missing from `parent_of` is a root."""
    children: dict[int, set[int]] = defaultdict(set)
    roots: set[int] = set()
    for unit in units:
        seen = {unit}
        parent = parent_of.get(unit)
        while parent is not None and unit not in children[parent]:
            if parent in seen:
                raise ValueError(f"unit {parent} is its own ancestor")
            children[parent].add(unit)
            seen.add(parent)
            unit, parent = parent, parent_of.get(parent)
        if parent is None:
            roots.add(unit)
    return children, roots


def core_client_levels(
    clients: Iterable[tuple[K, int, Decimal]],
    parent_of: Mapping[int, int | None],
    *,
    share: Decimal,
) -> dict[K, int]:
    """The core-client pyramid: each unit keeps the top `share` of what its children kept.

    A unit's level is 1 for an outlet and one more than its highest child otherwise, so an uneven
    tree still ranks head office highest; clients booked on a non-outlet unit compete there directly.
    """
    own: dict[int, list[tuple[K, Decimal]]] = defaultdict(list)
    for key, unit, value in clients:
        own[unit].append((key, value))
    children, roots = _unit_tree(list(own), parent_of)
    levels: dict[K, int] = {}

    def select(unit: int) -> tuple[list[tuple[K, Decimal]], int]:
        pool = list(own.get(unit, []))
        height = 1
        for child in sorted(children.get(unit, ())):
            kept, child_height = select(child)
            pool.extend(kept)
            height = max(height, child_height + 1)
        kept = top_share(pool, share)
        for key, _ in kept:
            levels[key] = max(levels.get(key, 0), height)
        return kept, height

    for root in sorted(roots):
        select(root)
    return levels


def large_movement_threshold(*, tier: str, aum: Decimal, movements: MovementSettings) -> Decimal:
    """The amount from which a movement is large for this client: the tier's line or a share of AUM, whichever is lower."""
    absolute = movements.absolute.get(tier) or movements.absolute.get("corporate" if tier.startswith("class") else "mass")
    if absolute is None:
        raise ValueError(f"no large-movement threshold for tier {tier!r}")
    share = (aum * movements.share_of_aum).quantize(CENT) if aum > 0 else None
    return min(absolute, share) if share else absolute
