"""Handing clients over: counts before and after, the original maintainer kept, open alerts moved,
the departing RM's access cut, the audit row, and who may do it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from domain.handover import HandoverRefused, execute, plan
from domain.models import Alert, AuditLog, Client, Staff
from tests.integration.test_lists import add_client, bank, who  # noqa: F401

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def book(session, employee_no):
    staff_id = session.exec(select(Staff.id).where(Staff.employee_no == employee_no)).one()
    return sorted(session.exec(select(Client.id).where(Client.rm_id == staff_id)).all())


def staff(session, employee_no) -> Staff:
    return session.exec(select(Staff).where(Staff.employee_no == employee_no)).one()


def test_everything_moves_with_the_original_maintainer_kept_alerts_moved_and_access_cut(session, bank, settings):
    mine = [add_client(session, rm="E00005", tier=tier) for tier in ("wealth", "wealth", "private")]
    leaver = staff(session, "E00005")
    leaver.telegram_user_id = 555005
    session.add(leaver)
    session.add(Alert(dedup_key=f"overdue:{mine[0]}:never", kind="overdue", client_id=mine[0], staff_id=leaver.id,
                      occasion=NOW.date(), status="pending", created_at=NOW))
    session.flush()
    before = len(book(session, "E00004"))
    chosen = plan(session, who(session, "E00003"), "E00005", "E00004")
    assert (chosen.by_tier, chosen.everything) == ((("private", 1), ("wealth", 2)), True)
    result = execute(session, chosen, actor=who(session, "E00003"), now=NOW)
    assert (result.moved, result.alerts_moved, result.access_cut) == (3, 1, True)
    assert book(session, "E00005") == [] and len(book(session, "E00004")) == before + 3
    assert {session.get(Client, c).original_rm_id for c in mine} == {leaver.id}
    assert session.exec(select(Alert.staff_id)).all() == [staff(session, "E00004").id]
    assert staff(session, "E00005").telegram_user_id is None
    [entry] = session.exec(select(AuditLog).where(AuditLog.action == "handover")).all()
    assert entry.target == "E00005->E00004" and "clients=3" in entry.detail


def test_a_tier_or_a_list_of_clients_moves_alone_and_the_rm_keeps_access(session, bank, settings):
    wealth = add_client(session, rm="E00005", tier="wealth")
    private = add_client(session, rm="E00005", tier="private")
    listed = session.get(Client, wealth).client_no
    result = execute(session, plan(session, None, "E00005", "E00004", tiers=("private",)), actor=None, now=NOW)
    assert (result.moved, result.access_cut) == (1, False) and book(session, "E00005") == [wealth]
    execute(session, plan(session, None, "E00005", "E00004", client_nos=(listed,)), actor=None, now=NOW)
    assert book(session, "E00005") == [] and private in book(session, "E00004")
    with pytest.raises(HandoverRefused) as refused:
        plan(session, None, "E00004", "E00005", client_nos=("C999999999",))
    assert refused.value.reason == "unknown_clients"


def test_a_team_lead_cannot_move_another_teams_clients_and_nobody_hands_over_to_an_inactive_rm(session, bank, settings):
    add_client(session, rm="E00006", tier="wealth")
    with pytest.raises(HandoverRefused) as refused:
        plan(session, who(session, "E00003"), "E00006", "E00004")
    assert refused.value.reason == "not_allowed"
    session.exec(text("UPDATE staff SET active = :f WHERE employee_no = 'E00005'").bindparams(f=False))
    with pytest.raises(HandoverRefused) as refused:
        plan(session, None, "E00006", "E00005")
    assert refused.value.reason == "inactive_target"


def test_the_command_line_shows_the_plan_asks_and_moves(config_file, engine, session, bank, settings):
    add_client(session, rm="E00005", tier="wealth")
    session.commit()
    runner = CliRunner()
    declined = runner.invoke(app, ["--config", str(config_file), "handover", "E00005", "E00004"], input="n\n")
    assert declined.exit_code == 1 and "Nothing moved" in declined.output
    moved = runner.invoke(app, ["--config", str(config_file), "handover", "E00005", "E00004", "--yes"])
    assert moved.exit_code == 0, moved.output
    assert "moved 1 client(s)" in moved.output and "Telegram link cut" in moved.output
    unknown = runner.invoke(app, ["--config", str(config_file), "handover", "E09999", "E00004", "--yes"])
    assert unknown.exit_code == 2 and "no staff member has employee number E09999" in unknown.output
