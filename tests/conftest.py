"""Shared fixtures: the database under test is real (SQLite file, or PostgreSQL from
`RMBOT_TEST_DATABASE_URL`), its schema made by the migrations, emptied before each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, SQLModel

from bot.bootstrap import Database
from bot.config import Settings
from domain import db as dbmod

import domain.models  # noqa: F401


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("RMBOT_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'rmbot-test.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = dbmod.make_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    dbmod.upgrade(engine)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The migrated test database, empty."""
    _empty_all_tables(migrated_engine)
    return migrated_engine


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return dbmod.session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


@pytest.fixture
def database(engine: Engine, sessions: sessionmaker[Session]) -> Database:
    return Database(engine=engine, sessions=sessions)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.model_validate({"database": {"url": database_url}})


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> Path:
    """A TOML file pointing rmbot at the test database, for CLI tests."""
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return path


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: tests compare it before and after to prove nothing changed."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in sorted(metadata.tables)
            if name != "alembic_version"
        }
