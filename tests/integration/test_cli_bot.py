"""`rmbot run` refuses without a token; `rmbot invite` prints a working one-time link."""

import re

from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from domain.invites import hash_code
from domain.models import Invite
from tests.factories import make_bank

runner = CliRunner()


def test_run_without_a_token_says_what_to_set(config_file, engine, monkeypatch):
    monkeypatch.delenv("RMBOT_BOT_TOKEN", raising=False)
    result = runner.invoke(app, ["--config", str(config_file), "run"])
    assert result.exit_code == 2
    assert "RMBOT_BOT_TOKEN" in result.output and "Traceback" not in result.output


def test_commands_that_do_not_talk_to_telegram_need_no_token(config_file, engine, monkeypatch):
    monkeypatch.delenv("RMBOT_BOT_TOKEN", raising=False)
    result = runner.invoke(app, ["--config", str(config_file), "db", "current"])
    assert result.exit_code == 0, result.output


def test_invite_prints_a_deep_link_whose_code_is_stored_only_hashed(config_file, engine, session):
    with engine.begin() as connection:
        make_bank(connection, clients=1)
    result = runner.invoke(app, ["--config", str(config_file), "invite", "E00004", "--bot-username", "@bank_rm_bot"])
    assert result.exit_code == 0, result.output
    code = re.search(r"https://t\.me/bank_rm_bot\?start=([A-Za-z0-9_-]+)", result.output)[1]
    assert session.exec(select(Invite.code_hash)).one() == hash_code(code)


def test_invite_for_an_unknown_employee_is_a_clear_error(config_file, engine):
    result = runner.invoke(app, ["--config", str(config_file), "invite", "E99999"])
    assert result.exit_code == 2 and "no staff member has employee number E99999" in result.output


def test_help_lists_every_command(config_file):
    result = runner.invoke(app, ["--help"])
    for command in ("run", "invite", "import", "sample", "demo", "summary", "db"):
        assert command in result.output
