"""The reminder scan on a real database: each rule at its edges, written once whatever happens."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from domain.alerts import NEVER, scan
from domain.bulk import CLIENT, TRANSACTION, Natives, write_rows
from domain.models import Alert
from domain.types import to_fen
from tests.factories import client_row, make_org

TODAY = date(2026, 11, 24)  # a Tuesday
NOW = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
SATURDAY = date(2026, 11, 28)


def _local(day: date, hour: int = 10) -> datetime:
    """`hour` o'clock in Shanghai on `day`, as the naive UTC instant the database stores."""
    return datetime(day.year, day.month, day.day, hour) - timedelta(hours=8)


@pytest.fixture
def bank(engine):
    """E00004's clients, one per rule and edge; C…900 has no RM (nobody to tell)."""
    with engine.begin() as connection:
        made = make_org(connection)
        n = Natives.for_dialect(connection.dialect.name)
        rm = connection.execute(text("SELECT id, unit_id FROM staff WHERE employee_no = 'E00004'")).one()

        def client(number, **kw):
            owner = kw.pop("rm", rm[0])
            return client_row(n, number, rm_id=owner, unit_id=rm[1], **kw)

        write_rows(connection, CLIENT, [
            client(1, name="跟进今天", tier="mass"),
            client(2, name="跟进昨天", tier="mass"),
            client(3, name="跟进明天", tier="mass"),
            client(4, name="私行刚好", tier="private"),     # contacted 14 days ago: on the cadence's last day
            client(5, name="私行逾期", tier="private"),     # 15 days ago: overdue since today
            client(6, name="从未联系", tier="wealth"),      # never contacted
            client(7, name="生日七天", tier="private", birthday=date(1970, 12, 1)),
            client(8, name="生日六天", tier="private", birthday=date(1970, 11, 30)),
            client(9, name="生日今天", tier="basic", birthday=date(1980, 11, 24)),
            client(10, name="转出他行", tier="wealth", aum="1000000"),
            client(900, name="无人负责", tier="mass", rm=None),
        ])
        ids = dict(connection.execute(text("SELECT name, id FROM client")).all())
        follow_ups = {"跟进今天": TODAY, "跟进昨天": TODAY - timedelta(days=1), "跟进明天": TODAY + timedelta(days=1), "无人负责": TODAY}
        for name, day in follow_ups.items():
            connection.execute(text("UPDATE client SET next_follow_up = :d WHERE id = :id"), {"d": n.date(day), "id": ids[name]})
        recently = n.instant(_local(TODAY - timedelta(days=3)))
        connection.execute(text("UPDATE client SET last_contact_at = :t WHERE name NOT IN ('私行刚好', '私行逾期', '从未联系')"), {"t": recently})
        connection.execute(text("UPDATE client SET last_transaction_at = :t"), {"t": recently})  # none of them dormant
        for name, days in (("私行刚好", 14), ("私行逾期", 15)):
            connection.execute(text("UPDATE client SET last_contact_at = :t WHERE id = :id"),
                               {"t": n.instant(_local(TODAY - timedelta(days=days))), "id": ids[name]})
        line = to_fen("200000")  # a wealth client's line (30 % of 1,000,000 is above it)
        write_rows(connection, TRANSACTION, [
            ("X1", ids["转出他行"], n.instant(_local(TODAY - timedelta(days=1), 15)), line, "out", "mobile", "招商银行", n.boolean(True), ""),
            ("X2", ids["转出他行"], n.instant(_local(TODAY, 9)), line - 1, "out", "mobile", "招商银行", n.boolean(True), ""),
            ("X3", ids["转出他行"], n.instant(_local(TODAY, 9)), line, "in", "counter", "", n.boolean(False), ""),
            ("X4", ids["转出他行"], n.instant(_local(TODAY - timedelta(days=2), 23)), line * 5, "out", "mobile", "招商银行", n.boolean(True), ""),
        ])
    made.clients = ids
    return made


def _alerts(session):
    return {(a.kind, a.dedup_key.split(":")[1], a.occasion, a.dedup_key) for a in session.exec(select(Alert))}


def _by_kind(session, bank, kind):
    names = {v: k for k, v in bank.clients.items()}
    return sorted((names[a.client_id], a.occasion) for a in session.exec(select(Alert).where(Alert.kind == kind)))


def test_each_rule_finds_its_clients_at_the_edges(session, bank, settings):
    report = scan(session, today=TODAY, settings=settings, now=NOW)
    session.commit()
    assert _by_kind(session, bank, "follow_up") == [("跟进今天", TODAY), ("跟进昨天", TODAY - timedelta(days=1))]
    assert _by_kind(session, bank, "overdue") == [("从未联系", NEVER), ("私行逾期", TODAY)]
    assert _by_kind(session, bank, "birthday") == [("生日七天", date(2026, 12, 1)), ("生日今天", TODAY)]
    assert _by_kind(session, bank, "attrition") == [("转出他行", TODAY - timedelta(days=1))]  # X2 is a fen short; X4 too old
    assert _by_kind(session, bank, "inflow") == [("转出他行", TODAY)]
    assert report.created == report.found
    staff = session.exec(select(Alert.staff_id).distinct()).all()
    assert len(staff) == 1  # all to E00004; the client without an RM is nobody's alert


def test_the_payload_says_what_the_digest_needs(session, bank, settings):
    scan(session, today=TODAY, settings=settings, now=NOW)
    attrition = session.exec(select(Alert).where(Alert.kind == "attrition")).one()
    assert json.loads(attrition.payload) | {"transaction_id": 0} == {
        "amount": "200000.00", "counterparty_bank": "招商银行", "tier": "wealth", "transaction_id": 0,
        "at": "2026-11-23T07:00:00+00:00",  # 15:00 in Shanghai, yesterday
    }
    ahead = session.exec(select(Alert).where(Alert.kind == "birthday", Alert.occasion == date(2026, 12, 1))).one()
    assert json.loads(ahead.payload) == {"calendar": "solar", "days": 7, "tier": "private", "age": 56}
    assert ahead.dedup_key.endswith(":7")


def test_a_second_scan_or_a_second_machine_writes_nothing_new(session, bank, settings, sessions):
    first = scan(session, today=TODAY, settings=settings, now=NOW)
    session.commit()
    before = _alerts(session)
    with sessions() as other:  # another process, another session
        again = scan(other, today=TODAY, settings=settings, now=NOW + timedelta(minutes=5))
        other.commit()
    assert again.total_created == 0 and again.found == first.found
    assert _alerts(session) == before


def test_the_next_day_adds_only_what_is_new_that_day(session, bank, settings):
    scan(session, today=TODAY, settings=settings, now=NOW)
    session.commit()
    report = scan(session, today=TODAY + timedelta(days=1), settings=settings, now=NOW + timedelta(days=1))
    new = {kind: count for kind, count in report.created.items() if count}
    assert new == {"follow_up": 1, "overdue": 1}  # 跟进明天 is due; 私行刚好 passes its 14 days
    assert ("跟进明天", TODAY + timedelta(days=1)) in _by_kind(session, bank, "follow_up")
    assert ("私行刚好", TODAY + timedelta(days=1)) in _by_kind(session, bank, "overdue")


def test_a_contact_logged_after_the_alert_clears_it_and_a_new_spell_is_a_new_alert(session, bank, settings):
    scan(session, today=TODAY, settings=settings, now=NOW)
    session.commit()
    client_id = bank.clients["私行逾期"]
    session.exec(text("UPDATE client SET last_contact_at = :t WHERE id = :id").bindparams(t=NOW + timedelta(hours=1), id=client_id))
    session.commit()
    report = scan(session, today=TODAY, settings=settings, now=NOW + timedelta(hours=2))
    assert report.cleared == 1
    cleared = session.exec(select(Alert).where(Alert.client_id == client_id)).one()
    assert cleared.status == "cleared" and cleared.cleared_at is not None
    assert "overdue" not in report.found or report.found["overdue"] == 1  # only 从未联系 is still overdue


def test_a_scan_on_a_weekend_leaves_birthdays_to_the_working_day(session, bank, settings):
    report = scan(session, today=SATURDAY, settings=settings, now=NOW + timedelta(days=4))
    assert not report.birthdays_scanned and report.found["birthday"] == 0


def test_the_friday_scan_covers_reminders_that_fall_on_the_weekend(session, bank, settings):
    friday = date(2026, 11, 27)
    scan(session, today=friday, settings=settings, now=NOW + timedelta(days=3))
    found = _by_kind(session, bank, "birthday")
    assert ("生日六天", date(2026, 11, 30)) in found  # Monday's birthday: its day-before reminder falls on Sunday
    assert ("生日七天", date(2026, 12, 1)) not in found  # Tuesday's: its day-before reminder is Monday's


def test_the_command_line_scans_and_dry_runs(engine, bank, config_file):
    runner = CliRunner()
    scanned = runner.invoke(app, ["--config", str(config_file), "remind", "scan", "--date", TODAY.isoformat()])
    assert scanned.exit_code == 0, scanned.output
    assert "attrition" in scanned.output
    assert "8 new alert(s)" in scanned.output  # 2 follow-ups, 2 overdue, 2 birthdays, 1 attrition, 1 inflow
    again = runner.invoke(app, ["--config", str(config_file), "remind", "scan", "--date", TODAY.isoformat()])
    assert "0 new alert(s)" in again.output
    dry = runner.invoke(app, ["--config", str(config_file), "remind", "--dry-run", "--date", TODAY.isoformat(), "--staff", "E00004"])
    assert dry.exit_code == 0, dry.output
    assert "转出他行" in dry.output and "生日今天" in dry.output and "<b>" not in dry.output
    bare = runner.invoke(app, ["--config", str(config_file), "remind"])
    assert bare.exit_code == 2 and "--dry-run" in bare.output
    bad = runner.invoke(app, ["--config", str(config_file), "remind", "scan", "--date", "2026-02-30"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


def test_while_one_process_scans_another_skips(session, bank, settings, sessions):
    from domain.locks import SCAN, try_lead

    assert try_lead(session, SCAN)  # this session is "the other process", mid-scan
    with sessions() as other:
        report = scan(other, today=TODAY, settings=settings, now=NOW)
        other.commit()
    postgresql = session.get_bind().dialect.name == "postgresql"
    assert report.skipped is postgresql  # SQLite runs one process: nothing to skip for
    session.rollback()  # the lock ends with its transaction
    with sessions() as other:
        assert not scan(other, today=TODAY, settings=settings, now=NOW).skipped


def _transfers(session, client_id, *moves):
    connection = session.connection()
    n = Natives.for_dialect(connection.dialect.name)
    write_rows(connection, TRANSACTION, [
        (external_id, client_id, n.instant(at), to_fen(amount), direction, "mobile", "招商银行" if other else "", n.boolean(other), "")
        for external_id, at, amount, direction, other in moves
    ])


def test_small_transfers_to_another_bank_on_one_day_that_reach_the_line_together_are_one_attrition_alert(session, bank, settings):
    client = bank.clients["从未联系"]  # wealth: the line is 200,000
    _transfers(session, client,
               ("S1", _local(TODAY, 9), "120000", "out", True),
               ("S2", _local(TODAY, 11), "80000", "out", True),      # together exactly the line
               ("S3", _local(TODAY - timedelta(days=1), 23), "150000", "out", True),  # yesterday: a day of its own
               ("S4", _local(TODAY, 12), "150000", "in", False))     # another kind
    report = scan(session, today=TODAY, settings=settings, now=NOW)
    [total] = session.exec(select(Alert).where(Alert.dedup_key.endswith(":total"))).all()
    assert total.dedup_key == f"attrition:{client}:{TODAY.isoformat()}:total"
    assert json.loads(total.payload)["amount"] == "200000.00" and json.loads(total.payload)["transactions"] == 2
    assert report.created["attrition"] == 2  # X1 on its own, and this total
    again = scan(session, today=TODAY, settings=settings, now=NOW + timedelta(minutes=5))
    assert again.total_created == 0


def test_small_transfers_a_fen_short_of_the_line_together_are_not_an_alert(session, bank, settings):
    client = bank.clients["从未联系"]
    _transfers(session, client, ("S5", _local(TODAY, 9), "120000", "out", True), ("S6", _local(TODAY, 10), "79999.99", "out", True))
    scan(session, today=TODAY, settings=settings, now=NOW)
    assert session.exec(select(Alert).where(Alert.dedup_key.endswith(":total"))).all() == []


def _add_client(session, number, **fields):
    connection = session.connection()
    n = Natives.for_dialect(connection.dialect.name)
    rm = connection.execute(text("SELECT id, unit_id FROM staff WHERE employee_no = 'E00004'")).one()
    write_rows(connection, CLIENT, [client_row(n, number, rm_id=rm[0], unit_id=rm[1], **fields)])
    client_id = connection.execute(text("SELECT id FROM client WHERE client_no = :c"), {"c": f"C{number:09d}"}).scalar_one()
    connection.execute(text("UPDATE client SET last_contact_at = :t, last_transaction_at = :t WHERE id = :id"),
                       {"t": n.instant(_local(TODAY - timedelta(days=3))), "id": client_id})
    return client_id


def test_a_birthday_that_is_a_milestone_says_so(session, bank, settings):
    sixty = _add_client(session, 20, name="整寿六十", tier="private", birthday=date(1966, 12, 1))
    scan(session, today=TODAY, settings=settings, now=NOW)
    alert = session.exec(select(Alert).where(Alert.client_id == sixty)).one()
    assert json.loads(alert.payload) | {} == {"calendar": "solar", "days": 7, "tier": "private", "age": 60, "milestone": 60}


def test_a_corporate_client_behind_this_months_contacts_is_one_alert_for_the_month(session, bank, settings):
    behind = _add_client(session, 21, name="对公落后", tier="class1")
    scan(session, today=TODAY, settings=settings, now=NOW)
    [alert] = session.exec(select(Alert).where(Alert.client_id == behind)).all()
    assert (alert.kind, alert.dedup_key, alert.occasion) == ("overdue", f"overdue:{behind}:m2026-11", date(2026, 11, 1))
    later = scan(session, today=TODAY + timedelta(days=1), settings=settings, now=NOW + timedelta(days=1))
    assert session.exec(select(Alert).where(Alert.client_id == behind)).all() == [alert]
    assert later.found["overdue"] >= 1


def _snapshots(session, client_id, *points):
    """Balance snapshots (day, AUM) and the client's AUM from the newest, as an import leaves them."""
    from domain.bulk import BALANCE
    from domain.derived import refresh_balances

    connection = session.connection()
    n = Natives.for_dialect(connection.dialect.name)
    write_rows(connection, BALANCE, [(client_id, n.date(day), to_fen(aum), to_fen(aum), 0) for day, aum in points])
    refresh_balances(connection)


AFTER_IMPORT = TODAY - timedelta(days=7)
"""A balances import has just brought snapshots of the last week."""


def test_the_daily_scan_leaves_balance_changes_to_the_import_that_brings_them(session, bank, settings):
    falling = _add_client(session, 37, name="资产下滑", tier="private", aum="1000000")
    _snapshots(session, falling, (TODAY - timedelta(days=7), "1000000"), (TODAY, "500000"))
    assert scan(session, today=TODAY, settings=settings, now=NOW).found["aum_drop"] == 0
    assert scan(session, today=TODAY, settings=settings, now=NOW, balances_since=AFTER_IMPORT).created["aum_drop"] == 1


def test_an_aum_fall_of_30_percent_within_7_days_is_flagged_and_a_fen_less_is_not(session, bank, settings):
    falling = _add_client(session, 30, name="资产下滑", tier="private", aum="1000000")
    almost = _add_client(session, 31, name="差一分", tier="private", aum="1000000")
    _snapshots(session, falling, (TODAY - timedelta(days=7), "1000000"), (TODAY - timedelta(days=1), "700000"))
    _snapshots(session, almost, (TODAY - timedelta(days=7), "1000000"), (TODAY - timedelta(days=1), "700000.01"))
    scan(session, today=TODAY, settings=settings, now=NOW, balances_since=AFTER_IMPORT)
    drops = session.exec(select(Alert).where(Alert.kind == "aum_drop")).all()
    assert [(a.client_id, a.occasion) for a in drops] == [(falling, TODAY - timedelta(days=1))]
    assert json.loads(drops[0].payload) == {"tier": "private", "peak_fen": 100000000, "aum_fen": 70000000}


def test_a_fall_spread_over_more_than_7_days_is_not_a_7_day_fall(session, bank, settings):
    slow = _add_client(session, 32, name="慢慢下滑", tier="private", aum="1000000")
    _snapshots(session, slow, (TODAY - timedelta(days=8), "1000000"), (TODAY - timedelta(days=4), "850000"), (TODAY, "700000"))
    scan(session, today=TODAY, settings=settings, now=NOW, balances_since=AFTER_IMPORT)
    assert session.exec(select(Alert).where(Alert.kind == "aum_drop")).all() == []


def test_aum_that_earns_another_tier_is_flagged_once_a_month_and_a_maintained_client_keeps_basic(session, bank, settings):
    up = _add_client(session, 33, name="升级", tier="wealth", aum="0")
    kept = _add_client(session, 34, name="保留", tier="basic", aum="0")
    _snapshots(session, up, (TODAY, "2000000"))      # the private line exactly
    _snapshots(session, kept, (TODAY, "10"))
    session.exec(text("UPDATE client SET card_level = 'gold' WHERE id = :id").bindparams(id=kept))
    scan(session, today=TODAY, settings=settings, now=NOW, balances_since=AFTER_IMPORT)
    changes = session.exec(select(Alert).where(Alert.kind == "tier_change")).all()
    assert [(a.client_id, a.dedup_key) for a in changes] == [(up, f"tier_change:{up}:m2026-11:wealth-private")]
    assert json.loads(changes[0].payload) == {"tier": "wealth", "to": "private"}
    assert scan(session, today=TODAY + timedelta(days=1), settings=settings, now=NOW, balances_since=AFTER_IMPORT).created["tier_change"] == 0


def test_a_client_idle_six_months_with_little_left_is_flagged_dormant_once(session, bank, settings):
    idle = _add_client(session, 35, name="沉睡", tier="mass", aum="299.99")
    rich = _add_client(session, 36, name="沉睡有钱", tier="mass", aum="300")
    long_ago = Natives.for_dialect(session.connection().dialect.name).instant(_local(date(2026, 5, 23)))
    session.exec(text("UPDATE client SET last_transaction_at = :t WHERE id IN (:a, :b)").bindparams(t=long_ago, a=idle, b=rich))
    scan(session, today=TODAY, settings=settings, now=NOW)
    assert [a.client_id for a in session.exec(select(Alert).where(Alert.kind == "dormant"))] == [idle]
    assert scan(session, today=TODAY + timedelta(days=1), settings=settings, now=NOW).created["dormant"] == 0
