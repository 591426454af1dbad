from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.config import CadenceSettings, MaintainedSettings, PersonalTierSettings, Settings
from domain.rules import (
    large_movement_threshold,
    CardLevel,
    ContactClass,
    CorporateSize,
    DormantReason,
    Tier,
    card_level,
    contact_class,
    core_client_levels,
    corporate_contacts_expected,
    corporate_is_overdue,
    corporate_size,
    deposit_contribution,
    dormant_reason,
    is_dormant,
    loan_contribution,
    months_before,
    personal_overdue_days,
    personal_tier,
)

S = Settings()
D = Decimal
MILLION = 1_000_000


def tier_of(aum: int, **kwargs: object) -> Tier:
    return personal_tier(D(aum), tiers=S.tiers, maintained=S.maintained, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("aum", "tier"),
    [
        (2_000_001, Tier.private),
        (2_000_000, Tier.private),
        (1_999_999, Tier.wealth),
        (200_001, Tier.wealth),
        (200_000, Tier.wealth),
        (199_999, Tier.premium),
        (100_001, Tier.premium),
        (100_000, Tier.premium),
        (99_999, Tier.basic),
        (50_001, Tier.basic),
        (50_000, Tier.basic),
        (49_999, Tier.mass),
        (0, Tier.mass),
    ],
)
def test_a_client_is_tiered_by_the_lower_bound_of_their_aum(aum: int, tier: Tier) -> None:
    assert tier_of(aum) == tier


def test_a_client_with_exactly_two_million_is_private() -> None:
    assert tier_of(2_000_000) == "private"


@pytest.mark.parametrize(
    ("age", "tier"), [(59, Tier.basic), (60, Tier.mass), (61, Tier.mass), (None, Tier.basic)]
)
def test_basic_tier_lasts_only_until_sixty_and_an_unknown_age_counts_as_younger(
    age: int | None, tier: Tier
) -> None:
    assert tier_of(50_000, age=age) == tier


def test_age_does_not_lower_a_premium_client() -> None:
    assert tier_of(100_000, age=80) == Tier.premium


@pytest.mark.parametrize(
    ("field", "threshold"),
    [("card_spend_year", 50_000), ("personal_loans", 300_000), ("custody_margin", 10_000)],
)
def test_a_mass_client_at_a_maintained_line_is_kept_at_basic(field: str, threshold: int) -> None:
    assert tier_of(0, **{field: D(threshold - 1)}) == Tier.mass
    assert tier_of(0, **{field: D(threshold)}) == Tier.basic
    assert tier_of(0, **{field: D(threshold + 1)}) == Tier.basic


@pytest.mark.parametrize(
    ("level", "tier"),
    [("gold", Tier.basic), ("platinum", Tier.basic), ("classic", Tier.mass), (None, Tier.mass)],
)
def test_gold_and_platinum_card_holders_are_maintained(level: str | None, tier: Tier) -> None:
    assert tier_of(1_000, card_level=level) == tier


def test_a_maintained_client_over_sixty_keeps_basic() -> None:
    assert tier_of(60_000, age=70, personal_loans=D(300_000)) == Tier.basic


def test_being_maintained_never_lowers_a_higher_tier() -> None:
    assert tier_of(2_000_000, card_spend_year=D(50_000)) == Tier.private


def test_a_raised_private_line_in_the_config_moves_two_million_to_wealth() -> None:
    tiers = PersonalTierSettings(private=D(3_000_000), wealth=D(200_000), premium=D(100_000), basic=D(50_000))
    assert personal_tier(D(2_000_000), tiers=tiers, maintained=S.maintained) == Tier.wealth
    assert personal_tier(D(3_000_000), tiers=tiers, maintained=S.maintained) == Tier.private


def test_the_maintained_tier_comes_from_the_config() -> None:
    maintained = MaintainedSettings(tier="premium")
    assert (
        personal_tier(D(0), card_spend_year=D(50_000), tiers=S.tiers, maintained=maintained) == Tier.premium
    )


@pytest.mark.parametrize(
    ("aum", "level"),
    [
        (99_999, None),
        (100_000, CardLevel.gold),
        (999_999, CardLevel.gold),
        (1_000_000, CardLevel.platinum),
        (4_999_999, CardLevel.platinum),
        (5_000_000, CardLevel.diamond),
        (5_000_001, CardLevel.diamond),
    ],
)
def test_card_level_follows_aum_lines(aum: int, level: CardLevel | None) -> None:
    assert card_level(D(aum), cards=S.cards) == level


@pytest.mark.parametrize(
    ("assets", "size"),
    [
        (30_000 * MILLION + 1, CorporateSize.extra_large),
        (30_000 * MILLION, CorporateSize.extra_large),
        (30_000 * MILLION - 1, CorporateSize.large),
        (600 * MILLION, CorporateSize.large),
        (600 * MILLION - 1, CorporateSize.medium),
        (60 * MILLION, CorporateSize.medium),
        (60 * MILLION - 1, CorporateSize.small),
        (10 * MILLION + 1, CorporateSize.small),
        (10 * MILLION, CorporateSize.small),
        (10 * MILLION - 1, CorporateSize.micro),
    ],
)
def test_a_credit_client_is_sized_by_total_assets(assets: int, size: CorporateSize) -> None:
    sized = corporate_size(
        total_assets=D(assets), registered_capital=D(0), is_credit_client=True, sizes=S.corporate_size
    )
    assert sized == size


@pytest.mark.parametrize(
    ("capital", "size"),
    [
        (5_000 * MILLION, CorporateSize.extra_large),
        (5_000 * MILLION - 1, CorporateSize.large),
        (100 * MILLION, CorporateSize.large),
        (100 * MILLION - 1, CorporateSize.medium),
        (10 * MILLION, CorporateSize.medium),
        (10 * MILLION - 1, CorporateSize.small),
        (5 * MILLION + 1, CorporateSize.small),
        (5 * MILLION, CorporateSize.small),
        (5 * MILLION - 1, CorporateSize.micro),
    ],
)
def test_a_non_credit_client_is_sized_by_registered_capital(capital: int, size: CorporateSize) -> None:
    sized = corporate_size(registered_capital=D(capital), is_credit_client=False, sizes=S.corporate_size)
    assert sized == size


def test_sizing_without_the_needed_figure_is_refused() -> None:
    with pytest.raises(ValueError, match="total assets"):
        corporate_size(registered_capital=D(MILLION), is_credit_client=True, sizes=S.corporate_size)
    with pytest.raises(ValueError, match="registered capital"):
        corporate_size(total_assets=D(MILLION), is_credit_client=False, sizes=S.corporate_size)


@pytest.mark.parametrize(
    ("deposits", "klass"),
    [
        (200 * MILLION + 1, ContactClass.class1),
        (200 * MILLION, ContactClass.class2),
        (200 * MILLION - 1, ContactClass.class2),
        (50 * MILLION + 1, ContactClass.class2),
        (50 * MILLION, ContactClass.class2),
        (50 * MILLION - 1, ContactClass.class3),
    ],
)
def test_contact_class_follows_deposits(deposits: int, klass: ContactClass) -> None:
    assert contact_class(deposits=D(deposits), classes=S.corporate_class) == klass


@pytest.mark.parametrize(
    ("target", "klass"),
    [(200 * MILLION + 1, ContactClass.class1), (200 * MILLION, ContactClass.class3)],
)
def test_a_credit_target_above_two_hundred_million_makes_class1(target: int, klass: ContactClass) -> None:
    assert contact_class(deposits=D(MILLION), credit_target=D(target), classes=S.corporate_class) == klass


ON = date(2025, 7, 15)


def reason(**kwargs: object) -> DormantReason | None:
    facts: dict[str, object] = {"on": ON, "last_transaction": ON, "balance": D(10_000)} | kwargs
    return dormant_reason(dormant=S.dormant, **facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("last", "expected"),
    [(date(2025, 1, 14), DormantReason.idle), (date(2025, 1, 15), None), (date(2025, 1, 16), None)],
)
def test_a_client_idle_for_more_than_six_months_with_a_low_balance_is_dormant(
    last: date, expected: DormantReason | None
) -> None:
    assert reason(last_transaction=last, balance=D(299)) == expected


@pytest.mark.parametrize(("balance", "expected"), [(299, DormantReason.idle), (300, None), (301, None)])
def test_an_idle_client_holding_three_hundred_or_more_is_not_dormant(
    balance: int, expected: DormantReason | None
) -> None:
    assert reason(last_transaction=date(2024, 1, 1), balance=D(balance)) == expected


def test_a_client_with_no_transaction_on_record_counts_as_idle() -> None:
    assert reason(last_transaction=None, balance=D(0)) == DormantReason.idle


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 7, 15), 6, date(2025, 1, 15)),
        (date(2025, 8, 31), 6, date(2025, 2, 28)),
        (date(2024, 8, 31), 6, date(2024, 2, 29)),
        (date(2025, 3, 15), 6, date(2024, 9, 15)),
    ],
)
def test_months_before_clamps_to_the_end_of_a_shorter_month(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


@pytest.mark.parametrize(
    ("uses", "spend", "balance", "expected"),
    [
        (1, 79, 1_000, DormantReason.card_unused),
        (1, 80, 1_000, None),
        (1, 80, 99, DormantReason.card_unused),
        (1, 80, 100, None),
        (2, 0, 0, None),
        (3, 0, 0, None),
        (None, 0, 0, None),
    ],
)
def test_a_card_used_less_than_twice_a_month_with_low_spend_or_balance_is_negative(
    uses: int | None, spend: int, balance: int, expected: DormantReason | None
) -> None:
    found = reason(card_uses_last_month=uses, card_spend_last_month=D(spend), card_balance=D(balance))
    assert found == expected


@pytest.mark.parametrize(
    ("records", "expected"), [(1, None), (2, DormantReason.bad_credit), (3, DormantReason.bad_credit)]
)
def test_two_or_more_bad_credit_records_make_a_client_negative(
    records: int, expected: DormantReason | None
) -> None:
    assert reason(bad_credit_records=records) == expected


def test_a_malicious_overdraft_makes_a_client_negative() -> None:
    assert reason(malicious_overdraft=True) == "overdraft"


def test_an_active_client_is_not_dormant() -> None:
    assert not is_dormant(on=ON, last_transaction=ON, balance=D(10_000), dormant=S.dormant)
    assert is_dormant(on=ON, last_transaction=None, balance=D(0), dormant=S.dormant)


def test_deposit_contribution_is_balance_times_spread_over_360_times_days() -> None:
    value = deposit_contribution(
        average_daily_balance=D(MILLION),
        average_deposit_rate=D("0.0150"),
        days=30,
        transfer_price=S.value.transfer_price,
    )
    assert value == D("833.33")


def test_a_deposit_paid_above_the_transfer_price_costs_the_bank() -> None:
    value = deposit_contribution(
        average_daily_balance=D(MILLION),
        average_deposit_rate=D("0.0300"),
        days=360,
        transfer_price=D("0.0250"),
    )
    assert value == D("-5000.00")


def test_contributions_round_half_up_to_the_fen() -> None:
    value = deposit_contribution(
        average_daily_balance=D("100.5"),
        average_deposit_rate=D("0.0150"),
        days=360,
        transfer_price=D("0.0250"),
    )
    assert value == D("1.01")


def test_loan_contribution_is_balance_times_margin_over_the_day_count_times_days() -> None:
    def contribution(days: int, day_count: int) -> Decimal:
        return loan_contribution(
            average_daily_balance=D(MILLION),
            weighted_loan_rate=D("0.0435"),
            days=days,
            transfer_price=S.value.transfer_price,
            day_count=day_count,
        )

    assert contribution(90, 360) == D("4625.00")
    assert contribution(365, 365) == D("18500.00")


@pytest.mark.parametrize(("tier", "days"), [("private", 14), ("wealth", 30), ("premium", 60), ("basic", 90)])
def test_a_client_is_overdue_only_after_the_cadence_has_passed(tier: str, days: int) -> None:
    def overdue(ago: int) -> int | None:
        return personal_overdue_days(
            tier=tier, last_contact=ON - timedelta(days=ago), on=ON, cadence=S.cadence
        )

    assert overdue(days - 1) is None
    assert overdue(days) is None
    assert overdue(days + 1) == 1


def test_a_client_never_contacted_is_overdue_by_the_whole_cadence() -> None:
    assert personal_overdue_days(tier=Tier.private, last_contact=None, on=ON, cadence=S.cadence) == 14


def test_mass_clients_have_no_cadence() -> None:
    assert personal_overdue_days(tier=Tier.mass, last_contact=None, on=ON, cadence=S.cadence) is None


def test_a_shorter_cadence_in_the_config_makes_a_client_overdue_sooner() -> None:
    cadence = CadenceSettings(personal_days={"private": 7})
    last = ON - timedelta(days=8)
    assert personal_overdue_days(tier="private", last_contact=last, on=ON, cadence=cadence) == 1
    assert personal_overdue_days(tier="wealth", last_contact=last, on=ON, cadence=cadence) is None


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 6, 1), 0),
        (date(2025, 6, 9), 0),
        (date(2025, 6, 10), 1),
        (date(2025, 6, 11), 1),
        (date(2025, 6, 20), 2),
        (date(2025, 6, 30), 3),
        (date(2025, 7, 10), 0),
        (date(2025, 7, 11), 1),
        (date(2025, 7, 31), 3),
        (date(2026, 2, 28), 3),
    ],
)
def test_an_rm_owes_three_contacts_a_month_pro_rata(on: date, expected: int) -> None:
    assert (
        corporate_contacts_expected(contact_class=ContactClass.class1, on=on, cadence=S.cadence) == expected
    )


def test_the_branch_head_owes_a_class1_client_one_contact_by_month_end() -> None:
    def expected(on: date) -> int:
        return corporate_contacts_expected(
            contact_class="class1", on=on, cadence=S.cadence, role="branch_head"
        )

    assert expected(date(2025, 6, 29)) == 0
    assert expected(date(2025, 6, 30)) == 1


def test_a_role_the_class_does_not_name_owes_nothing() -> None:
    assert (
        corporate_contacts_expected(
            contact_class="class1", on=date(2025, 6, 30), cadence=S.cadence, role="outlet_head"
        )
        == 0
    )


@pytest.mark.parametrize(
    ("on", "contacts", "overdue"),
    [
        (date(2025, 6, 1), 0, False),
        (date(2025, 6, 10), 0, True),
        (date(2025, 6, 10), 1, False),
        (date(2025, 6, 30), 2, True),
        (date(2025, 6, 30), 3, False),
    ],
)
def test_a_corporate_client_is_overdue_when_behind_the_pro_rata_count(
    on: date, contacts: int, overdue: bool
) -> None:
    flagged = corporate_is_overdue(
        contact_class=ContactClass.class3, contacts_this_month=contacts, on=on, cadence=S.cadence
    )
    assert flagged is overdue


HEAD_OFFICE, BRANCH, SUB_A, SUB_B, OUTLET_A1, OUTLET_A2, OUTLET_B1 = 1, 10, 20, 21, 100, 101, 102
PARENT_OF: dict[int, int | None] = {
    HEAD_OFFICE: None,
    BRANCH: HEAD_OFFICE,
    SUB_A: BRANCH,
    SUB_B: BRANCH,
    OUTLET_A1: SUB_A,
    OUTLET_A2: SUB_A,
    OUTLET_B1: SUB_B,
}


def clients(prefix: str, count: int, outlet: int, step: int) -> list[tuple[str, int, Decimal]]:
    return [(f"{prefix}{i:02}", outlet, D((i + 1) * step)) for i in range(count)]


def test_the_core_client_pyramid_keeps_the_top_fifth_at_every_level() -> None:
    book = (
        clients("a", 10, OUTLET_A1, 1_000)
        + clients("b", 5, OUTLET_A2, 50_000)
        + clients("c", 20, OUTLET_B1, 1_000)
    )
    levels = core_client_levels(book, PARENT_OF, share=S.value.pyramid_share)
    assert levels == {"a09": 1, "a08": 1, "b04": 4, "c19": 2, "c18": 1, "c17": 1, "c16": 1}


def test_an_outlet_with_a_single_client_keeps_that_client_as_core() -> None:
    assert core_client_levels([("x", OUTLET_A1, D(1))], PARENT_OF, share=S.value.pyramid_share) == {"x": 4}


def test_equal_values_are_broken_by_the_client_key() -> None:
    book = [("b", OUTLET_A1, D(100)), ("a", OUTLET_A1, D(100)), ("c", OUTLET_A1, D(100))]
    assert core_client_levels(book, PARENT_OF, share=S.value.pyramid_share) == {"a": 4}


def test_a_larger_share_in_the_config_keeps_more_core_clients() -> None:
    book = clients("a", 10, OUTLET_A1, 1_000)
    levels = core_client_levels(book, PARENT_OF, share=D("0.50"))
    assert sorted(key for key, level in levels.items() if level >= 1) == ["a05", "a06", "a07", "a08", "a09"]
    assert max(levels, key=levels.__getitem__) == "a09"


def test_a_unit_that_is_its_own_ancestor_is_refused() -> None:
    with pytest.raises(ValueError, match="ancestor"):
        core_client_levels([("x", 2, D(1))], {2: 3, 3: 2}, share=S.value.pyramid_share)


def test_no_clients_means_no_core_clients() -> None:
    assert core_client_levels([], PARENT_OF, share=S.value.pyramid_share) == {}


@pytest.mark.parametrize(
    "tier, aum, expected",
    [
        ("private", Decimal(10_000_000), Decimal(1_000_000)),   # the tier's line is lower than 30 % of AUM
        ("private", Decimal(2_000_000), Decimal(600_000)),      # 30 % of AUM is lower
        ("wealth", Decimal(0), Decimal(200_000)),               # no AUM: the tier's line alone
        ("class1", Decimal(900_000_000), Decimal(5_000_000)),   # corporate classes share one line
    ],
)
def test_a_movement_is_large_from_the_tier_line_or_thirty_percent_of_aum_whichever_is_lower(tier, aum, expected):
    assert large_movement_threshold(tier=tier, aum=aum, movements=Settings().movements) == expected
