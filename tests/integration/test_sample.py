"""The sample bank: deterministic, consistent with the shared rules, written like an import."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel, select
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from domain import calendar, derived, rules
from domain.models import Client, Interaction, Staff
from domain.sample import BankNotEmpty, Story, build_sample_bank
from domain.sample.build import bank_tables
from domain.sample.clients import Thresholds, _age
from domain.sample.days import Columns, epoch_day, from_epoch_day, lunar_table
from domain.summary import bank_summary
from domain.types import from_fen
from tests.factories import table_rows

TODAY = date(2026, 3, 18)
CLIENTS = 1000


@pytest.fixture
def bank(engine: Engine, settings: Settings) -> Engine:
    """A freshly built sample bank of 1,000 clients as of TODAY, seed 7."""
    build_sample_bank(engine, settings, clients=CLIENTS, today=TODAY, seed=7)
    return engine


def digest(engine: Engine, tables: list[str] | None = None) -> str:
    """A hash of every row of the bank's tables, in primary-key order."""
    h = hashlib.sha256()
    with engine.connect() as connection:
        for table in sorted(tables or bank_tables()):
            h.update(table.encode())
            for row in table_rows(connection, table):
                h.update(repr(row).encode())
    return h.hexdigest()


def rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as connection:
        return list(connection.execute(text(sql), params).all())


def scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def clients(engine: Engine) -> list[Client]:
    with Session(engine) as session:
        return list(session.exec(select(Client).order_by(Client.client_no)))


def test_the_same_seed_size_and_day_give_an_identical_bank(bank, settings):
    first = digest(bank)
    build_sample_bank(bank, settings, clients=CLIENTS, today=TODAY, seed=7, replace=True)
    assert digest(bank) == first


def test_another_seed_or_another_day_gives_another_bank(bank, settings):
    first = digest(bank)
    build_sample_bank(bank, settings, clients=CLIENTS, today=TODAY, seed=8, replace=True)
    assert digest(bank) != first
    build_sample_bank(bank, settings, clients=CLIENTS, today=TODAY + timedelta(days=1), seed=7, replace=True)
    assert digest(bank) != first


def test_the_fixed_keys_the_importer_relies_on_are_there(bank):
    units = {
        code: (kind, parent)
        for code, kind, parent in rows(
            bank, "SELECT u.code, u.kind, p.code FROM unit u LEFT JOIN unit p ON p.id = u.parent_id"
        )
    }
    assert units["HO"] == ("head_office", None)
    assert units["BR01"] == ("branch", "HO")
    assert units["SB01"] == ("sub_branch", "BR01")
    assert units["OT0001"] == ("outlet", "SB01")
    assert rows(bank, "SELECT t.code, u.code FROM team t JOIN unit u ON u.id = t.unit_id WHERE t.code = 'T0001'") == [
        ("T0001", "OT0001")
    ]
    staff = {
        number: (role, unit, team, telegram)
        for number, role, unit, team, telegram in rows(
            bank,
            "SELECT s.employee_no, s.role, u.code, t.code, s.telegram_user_id FROM staff s "
            "JOIN unit u ON u.id = s.unit_id LEFT JOIN team t ON t.id = s.team_id",
        )
    }
    assert staff["E00001"] == ("admin", "HO", None, 100001)
    assert staff["E00002"] == ("branch_head", "BR01", None, 100002)
    assert staff["E00003"] == ("team_lead", "OT0001", "T0001", 100003)
    assert staff["E00004"] == ("rm", "OT0001", "T0001", 100004)
    assert "E00005" in staff
    numbers = [n for (n,) in rows(bank, "SELECT client_no FROM client ORDER BY client_no")]
    assert numbers == [f"C{i:09d}" for i in range(1, CLIENTS + 1)]


def test_only_the_four_demo_personas_have_telegram_ids(bank):
    assert rows(bank, "SELECT employee_no FROM staff WHERE telegram_user_id IS NOT NULL ORDER BY employee_no") == [
        ("E00001",),
        ("E00002",),
        ("E00003",),
        ("E00004",),
    ]


def test_unit_paths_hold_each_units_ancestry_so_a_subtree_is_one_prefix_match(bank):
    paths = dict(rows(bank, "SELECT code, path FROM unit"))
    ids = dict(rows(bank, "SELECT code, id FROM unit"))
    assert paths["HO"] == f"/{ids['HO']}/"
    assert paths["OT0001"] == f"/{ids['HO']}/{ids['BR01']}/{ids['SB01']}/{ids['OT0001']}/"
    under_sb01 = {code for code, path in paths.items() if path.startswith(paths["SB01"])}
    assert {"SB01", "OT0001"} <= under_sb01
    assert "BR01" not in under_sb01


def test_about_one_rm_per_400_clients_in_teams_led_at_an_outlet(bank):
    roles = dict(rows(bank, "SELECT role, count(*) FROM staff GROUP BY role"))
    assert roles["rm"] == CLIENTS // 400 + 1
    assert roles["team_lead"] >= 1 and roles["branch_head"] >= 2 and roles["admin"] >= 1
    books = dict(
        rows(bank, "SELECT s.employee_no, count(*) FROM client c JOIN staff s ON s.id = c.rm_id GROUP BY s.employee_no")
    )
    assert set(books) <= {n for (n,) in rows(bank, "SELECT employee_no FROM staff WHERE role = 'rm'")}


def test_refreshing_the_derived_fields_from_history_changes_no_row(bank):
    before = digest(bank, ["client"])
    with bank.begin() as connection:
        derived.refresh_contacts(connection)
        derived.refresh_balances(connection)
        derived.refresh_last_transactions(connection)
    assert digest(bank, ["client"]) == before


def test_each_rms_book_per_snapshot_day_is_the_sum_of_their_clients_snapshots(bank):
    books = rows(bank, "SELECT staff_id, as_of, aum, clients FROM book_aum ORDER BY staff_id, as_of")
    assert len(books) > 10
    assert books == rows(bank, """
        SELECT c.rm_id, s.as_of, sum(s.aum), count(*) FROM balance_snapshot s JOIN client c ON c.id = s.client_id
        WHERE c.rm_id IS NOT NULL GROUP BY c.rm_id, s.as_of ORDER BY c.rm_id, s.as_of""")
    before = digest(bank, ["book_aum"])
    with bank.begin() as connection:
        derived.refresh_book(connection)
    assert digest(bank, ["book_aum"]) == before


def test_the_schema_is_exactly_what_the_migrations_made_after_a_build(bank):
    with bank.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


def test_a_database_that_holds_a_bank_is_refused_unless_replaced(bank, settings):
    with pytest.raises(BankNotEmpty, match="clients: 1,000"):
        build_sample_bank(bank, settings, clients=10, today=TODAY)
    build_sample_bank(bank, settings, clients=10, today=TODAY, replace=True)
    assert scalar(bank, "SELECT count(*) FROM client") == 10
    assert scalar(bank, "SELECT count(*) FROM transactions WHERE client_id NOT IN (SELECT id FROM client)") == 0


def test_the_top_fifth_of_personal_clients_hold_about_four_fifths_of_their_aum(bank):
    aum = np.sort(np.array([a for (a,) in rows(bank, "SELECT aum FROM client WHERE kind = 'personal'")]))[::-1]
    share = aum[: len(aum) // 5].sum() / aum.sum()
    assert 0.75 <= share <= 0.85


def test_tiers_cards_sizes_and_classes_are_what_the_shared_rules_say(bank, settings):
    checked = Counter()
    for c in clients(bank):
        if c.kind == "personal":
            age = calendar.age_on(c.birthday, TODAY)
            assert c.tier == rules.personal_tier(
                c.aum,
                age=age,
                card_spend_year=c.card_spend_year,
                personal_loans=c.loans,
                custody_margin=c.custody_margin,
                card_level=c.card_level,
                tiers=settings.tiers,
                maintained=settings.maintained,
            ), c.client_no
            by_rule = rules.card_level(c.aum, cards=settings.cards)
            assert c.card_level == by_rule or (c.card_level == "gold" and by_rule is None), c.client_no
        else:
            assert c.tier == rules.contact_class(
                deposits=c.deposits, credit_target=c.credit_target, classes=settings.corporate_class
            )
            assert c.corp_size == rules.corporate_size(
                total_assets=c.total_assets,
                registered_capital=c.registered_capital,
                is_credit_client=c.total_assets is not None,
                sizes=settings.corporate_size,
            )
            assert c.corp_contribution and c.industry and c.birthday is None
        checked[c.kind] += 1
    assert 0.05 <= checked["corporate"] / CLIENTS <= 0.10
    assert {c.tier for c in clients(bank) if c.kind == "personal"} == {"private", "wealth", "premium", "basic", "mass"}


def test_the_vectorised_age_is_calendar_age_on_including_29_february(bank):
    births = [date(1960, 2, 29), date(1961, 2, 28), date(1961, 3, 1), date(1990, 12, 31), date(2000, 1, 1)]
    for today in (date(2025, 2, 28), date(2025, 3, 1), date(2024, 2, 28), date(2024, 2, 29), date(2025, 12, 31)):
        year = np.array([b.year for b in births])
        md = np.array([b.month * 100 + b.day for b in births])
        assert _age(year, md, today).tolist() == [calendar.age_on(b, today) for b in births]


def test_the_vectorised_large_movement_line_is_the_shared_rule(bank, settings):
    thresholds = Thresholds.of(settings)
    tier_codes = ("private", "wealth", "premium", "basic", "mass", "class1", "class2", "class3")
    for tier, aum in rows(bank, "SELECT tier, aum FROM client"):
        vectorised = thresholds.large_movement(np.array([tier_codes.index(tier)]), np.array([aum]))[0]
        assert from_fen(int(vectorised)) == rules.large_movement_threshold(
            tier=tier, aum=from_fen(aum), movements=settings.movements
        )


def test_lunar_birthdays_agree_with_the_solar_birth_date(bank):
    lunar = [c for c in clients(bank) if c.lunar_birth_month is not None]
    personal = [c for c in clients(bank) if c.kind == "personal"]
    assert 0.15 <= len(lunar) / len(personal) <= 0.25
    for c in lunar:
        assert calendar.solar_to_lunar(c.birthday) == (c.lunar_birth_month, c.lunar_birth_day, c.lunar_birth_leap)
    assert any(c.birthday.month == 2 and c.birthday.day == 29 for c in personal)
    assert all(c.birth_md == c.birthday.month * 100 + c.birthday.day for c in personal)


def test_the_lunar_table_is_domain_calendar_solar_to_lunar():
    table = lunar_table(1900, 2030)
    days = np.random.default_rng(1).integers(epoch_day(date(1901, 1, 1)), epoch_day(date(2030, 12, 31)), 200)
    month, day, leap = table.lookup(days)
    looked_up = zip(month.tolist(), day.tolist(), leap.tolist(), strict=True)
    assert [(m, d, bool(is_leap)) for m, d, is_leap in looked_up] == [
        calendar.solar_to_lunar(from_epoch_day(x)) for x in days.tolist()
    ]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_whole_columns_become_exactly_what_natives_make_of_each_value(dialect):
    columns = Columns(dialect)
    rng = np.random.default_rng(5)
    seconds = rng.integers(0, 2_000_000_000, 3000)
    present = rng.random(3000) < 0.8
    instants = [datetime(1970, 1, 1) + timedelta(seconds=int(s)) for s in seconds.tolist()]
    assert columns.instants(seconds, present) == [
        columns.natives.instant(t) if p else None for t, p in zip(instants, present, strict=True)
    ]
    days = seconds // 86_400
    assert columns.dates(days, present) == [
        columns.natives.date(from_epoch_day(d)) if p else None for d, p in zip(days.tolist(), present, strict=True)
    ]
    assert columns.booleans(np.array([True, False])) == [columns.natives.boolean(True), columns.natives.boolean(False)]


def test_each_client_has_about_13_snapshots_9_transactions_and_4_interactions(bank):
    snapshots = scalar(bank, "SELECT count(*) FROM balance_snapshot") / CLIENTS
    transactions = scalar(bank, "SELECT count(*) FROM transactions") / CLIENTS
    interactions = scalar(bank, "SELECT count(*) FROM interaction") / CLIENTS
    assert 12.5 <= snapshots <= 13.5
    assert 8.5 <= transactions <= 9.5
    assert 3.5 <= interactions <= 4.5
    since = (TODAY - timedelta(days=91)).isoformat()
    assert scalar(bank, "SELECT count(*) FROM transactions WHERE occurred_at >= :since", since=since) / CLIENTS >= 8.5


def test_the_newest_snapshot_is_the_clients_balance_as_of_yesterday(bank):
    mismatched = scalar(
        bank,
        """
        SELECT count(*) FROM client c JOIN balance_snapshot b ON b.client_id = c.id AND b.as_of = c.aum_as_of
        WHERE b.aum != c.aum OR b.deposits != c.deposits OR b.loans != c.loans
        """,
    )
    assert mismatched == 0
    newest = {d for (d,) in rows(bank, "SELECT max(as_of) FROM balance_snapshot GROUP BY client_id")}
    assert {str(d) for d in newest} == {str(TODAY - timedelta(days=1))}
    assert {c.aum_as_of for c in clients(bank)} == {TODAY - timedelta(days=1)}


def test_products_are_one_to_six_codes(bank):
    counts = Counter(len(c.products.split(",")) for c in clients(bank))
    assert set(counts) <= set(range(1, 7))
    assert len(counts) >= 4


def test_large_movements_lie_above_the_line_and_near_misses_just_below_it(bank, settings):
    above = below = 0
    other_banks = set()
    for amount, tier, aum, bank_name, other in rows(
        bank,
        "SELECT t.amount, c.tier, c.aum, t.counterparty_bank, t.other_bank "
        "FROM transactions t JOIN client c ON c.id = t.client_id",
    ):
        line = rules.large_movement_threshold(tier=tier, aum=from_fen(aum), movements=settings.movements)
        above += from_fen(amount) >= line
        below += Decimal("0.85") * line <= from_fen(amount) < line
        if other:
            other_banks.add(bank_name)
    assert above > 50 and below > 50
    assert {"工商银行", "建设银行", "招商银行"} <= other_banks


def test_some_clients_are_overdue_some_lost_and_some_follow_ups_fall_due_today(bank, settings):
    overdue = 0
    for c in clients(bank):
        if c.kind != "personal":
            continue
        last = c.last_contact_at.astimezone(settings.tz).date() if c.last_contact_at else None
        overdue += (
            rules.personal_overdue_days(tier=c.tier, last_contact=last, on=TODAY, cadence=settings.cadence) is not None
        )
    with bank.connect() as connection:
        summary = bank_summary(connection, settings, TODAY)
    assert overdue == sum(count for tier, count in summary.overdue_by_tier.items() if not tier.startswith("class"))
    assert overdue > 50
    assert summary.lost_contact >= 5
    assert summary.follow_ups_today >= 5
    assert summary.follow_ups_today == scalar(
        bank,
        "SELECT count(*) FROM client WHERE next_follow_up = :d",
        d=TODAY if bank.dialect.name != "sqlite" else TODAY.isoformat(),
    )


def test_the_demo_rm_has_a_birthday_a_follow_up_and_a_large_outflow_to_another_bank(bank, settings):
    with bank.connect() as connection:
        summary = bank_summary(connection, settings, TODAY)
    showcase = {c.client_no: c for c in clients(bank)[: len(Story)]}
    e00004 = scalar(bank, "SELECT id FROM staff WHERE employee_no = 'E00004'")
    assert {c.rm_id for c in showcase.values()} == {e00004}
    birthday = showcase["C000000001"]
    assert (birthday.birthday.month, birthday.birthday.day) == (TODAY.month, TODAY.day)
    lunar = showcase["C000000004"]
    assert (
        calendar.next_lunar_birthday(lunar.lunar_birth_month, lunar.lunar_birth_day, lunar.lunar_birth_leap, TODAY)
        == TODAY
    )
    assert summary.birthdays[0].solar >= 1 and summary.birthdays[0].lunar >= 1
    assert showcase["C000000002"].next_follow_up == TODAY
    assert showcase["C000000007"].lost_contact
    assert showcase["C000000010"].birthday.month == 2 and showcase["C000000010"].birthday.day == 29
    outflows = {o.client_no: o for o in summary.top_outflows}
    yesterday = outflows["C000000003"]
    assert yesterday.rm == "E00004" and yesterday.occurred_at.date() == TODAY - timedelta(days=1)
    assert "C000000012" in outflows
    assert [p.employee_no for p in summary.personas] == ["E00001", "E00002", "E00003", "E00004"]
    assert summary.personas[3].telegram_user_id == 100004 and summary.personas[3].clients >= len(Story)


def test_history_reads_back_through_the_models(bank):
    with Session(bank) as session:
        client = session.exec(select(Client).where(Client.client_no == "C000000003")).one()
        assert isinstance(client.aum, Decimal) and client.aum == Decimal(820_000)
        assert client.last_contact_at.tzinfo == UTC and client.last_transaction_at.tzinfo == UTC
        newest = session.exec(
            select(Interaction).where(Interaction.client_id == client.id).order_by(Interaction.occurred_at.desc())
        ).first()
        assert (newest.occurred_at, newest.kind, newest.source) == (
            client.last_contact_at,
            client.last_contact_kind,
            "sample",
        )
        assert session.exec(select(Staff).where(Staff.employee_no == "E00004")).one().locale == "zh_CN"


runner = CliRunner()


def test_rmbot_sample_builds_refuses_a_second_time_and_replaces_when_told(engine, config_file):
    args = ["--config", str(config_file), "sample", "--clients", "1000", "--today", "2026-03-18"]
    built = runner.invoke(app, args)
    assert built.exit_code == 0, built.output
    assert "clients 1,000" in built.output
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "--replace" in refused.output
    replaced = runner.invoke(app, [*args, "--replace", "--seed", "9"])
    assert replaced.exit_code == 0, replaced.output
    assert scalar(engine, "SELECT count(*) FROM client") == 1000


def test_rmbot_summary_prints_the_bank_and_the_demo_personas(bank, config_file):
    result = runner.invoke(app, ["--config", str(config_file), "summary", "--today", "2026-03-18"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for expected in ("Clients by tier (1,000)", "Birthdays this week", "Large outflows", "100004", "E00004", "private"):
        assert expected in result.output


@pytest.mark.slow
def test_rmbot_demo_builds_the_demo_bank_once_and_then_summarises_it(engine, config_file):
    first = runner.invoke(app, ["--config", str(config_file), "demo", "--today", "2026-03-18"], terminal_width=200)
    assert first.exit_code == 0, first.output
    assert "clients 10,000" in first.output and "Demo personas" in first.output
    again = runner.invoke(app, ["--config", str(config_file), "demo", "--today", "2026-03-18"], terminal_width=200)
    assert again.exit_code == 0, again.output
    assert "using the bank already in" in again.output
    assert scalar(engine, "SELECT count(*) FROM client") == 10_000


def test_a_today_that_is_not_a_date_is_refused_with_a_clear_message(engine, config_file):
    result = runner.invoke(app, ["--config", str(config_file), "sample", "--clients", "5", "--today", "18/03/2026"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_the_bank_is_searchable_by_part_of_a_name_and_new_clients_are_too(bank):
    """The build lifts the name-part triggers for speed; the parts and the triggers must be back."""
    with bank.connect() as connection:
        suffixes = sum(len(name) for (name,) in connection.execute(text("SELECT name FROM client")))
        assert scalar(bank, "SELECT count(*) FROM client_name_part") == suffixes  # every name's every suffix
        middle = scalar(bank, "SELECT name FROM client WHERE length(name) = 3 ORDER BY id LIMIT 1")[1:]
        holders = scalar(bank, f"SELECT count(*) FROM client WHERE name LIKE '%{middle}%'")
        assert scalar(bank, f"SELECT count(DISTINCT client_id) FROM client_name_part WHERE part LIKE '{middle}%'") == holders
    with bank.begin() as connection:
        connection.execute(text("UPDATE client SET name = '欧阳新名' WHERE id = 1"))
    assert scalar(bank, "SELECT client_id FROM client_name_part WHERE part = '新名'") == 1
