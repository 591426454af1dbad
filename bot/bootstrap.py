"""The composition root: every entry point (CLI, bot, scheduler, tests) builds its pieces here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from bot.config import Settings
from domain import db


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    checkpoint_seconds: int = 0
    """When set, SQLite's automatic checkpoints are off and the bot runs one this often."""

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings, *, upgrade: bool = True, background_checkpoints: bool = False) -> Database:
    """Connect to the configured database; bring its schema up to date unless told not to.

    `background_checkpoints` is for the long-running bot: on SQLite it takes checkpoints out of
    request commits ([database] sqlite_checkpoint_seconds; the bot's job queue runs them)."""
    seconds = settings.database.sqlite_checkpoint_seconds
    background = background_checkpoints and seconds > 0 and settings.database.url.startswith("sqlite")
    engine = db.make_engine(
        settings.database.url,
        busy_timeout_ms=settings.database.sqlite_busy_timeout_ms,
        cache_mb=settings.database.sqlite_cache_mb,
        mmap_mb=settings.database.sqlite_mmap_mb,
        autocheckpoint=not background,
        echo=settings.database.echo,
    )
    if upgrade:
        db.ensure_schema(engine)
    return Database(engine=engine, sessions=db.session_factory(engine), checkpoint_seconds=seconds if background else 0)
