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

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings, *, upgrade: bool = True) -> Database:
    """Connect to the configured database; bring its schema up to date unless told not to."""
    engine = db.make_engine(
        settings.database.url,
        busy_timeout_ms=settings.database.sqlite_busy_timeout_ms,
        cache_mb=settings.database.sqlite_cache_mb,
        mmap_mb=settings.database.sqlite_mmap_mb,
        echo=settings.database.echo,
    )
    if upgrade:
        db.ensure_schema(engine)
    return Database(engine=engine, sessions=db.session_factory(engine))
