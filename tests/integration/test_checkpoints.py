"""The bot's SQLite checkpoints run in the background, not inside a request's commit."""

import pytest
from sqlalchemy import text

from bot.app import build_application
from bot.bootstrap import open_database
from bot.config import Settings
from domain.db import checkpoint
from reminders.jobs import CHECKPOINT_JOB


@pytest.fixture
def sqlite_settings(tmp_path):
    return Settings.model_validate({"database": {"url": f"sqlite:///{tmp_path / 'bank.db'}", "sqlite_checkpoint_seconds": 15}})


def _autocheckpoint(database) -> int:
    with database.engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()


def test_the_bot_turns_automatic_checkpoints_off_and_schedules_its_own(sqlite_settings):
    bot = open_database(sqlite_settings, background_checkpoints=True)
    cli = open_database(sqlite_settings)
    try:
        assert (_autocheckpoint(bot), bot.checkpoint_seconds) == (0, 15)
        assert (_autocheckpoint(cli), cli.checkpoint_seconds) == (1000, 0)  # other commands keep SQLite's own
        application = build_application(sqlite_settings, bot, token="1:x", jobs=False)
        assert [job.name for job in application.job_queue.jobs()] == [CHECKPOINT_JOB]
        assert not build_application(sqlite_settings, cli, token="1:x", jobs=False).job_queue.jobs()
    finally:
        bot.dispose()
        cli.dispose()


def test_a_checkpoint_writes_the_whole_log_back(sqlite_settings):
    bot = open_database(sqlite_settings, background_checkpoints=True)
    try:
        with bot.engine.begin() as connection:
            rows = [{"d": "y" * 500}] * 10_000  # ~5 MB: past SQLite's own threshold of 1,000 pages
            connection.execute(text("INSERT INTO audit_log (at, action, target, detail) VALUES ('2026-01-01', 'x', '', :d)"), rows)
        busy, log, done = checkpoint(bot.engine)
        assert busy == 0 and log > 1000 and done == log  # past SQLite's own threshold, and nothing left behind
    finally:
        bot.dispose()


def test_only_sqlite_needs_it(settings):
    database = open_database(settings, background_checkpoints=True)
    try:
        assert database.checkpoint_seconds == (30 if settings.database.url.startswith("sqlite") else 0)
    finally:
        database.dispose()
