"""The schema comes from the migrations alone, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from domain import db


def test_the_migrations_build_exactly_the_tables_and_indexes_the_models_declare(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_the_database_is_at_the_newest_revision_after_upgrade(engine):
    assert db.current_revision(engine) == db.head_revision()
    assert db.ensure_schema(engine) is False


def test_search_and_reminder_columns_are_indexed(engine):
    indexed = {
        tuple(index["column_names"])
        for index in inspect(engine).get_indexes("client")
    }
    for column in ["name", "name_pinyin", "name_initials", "phone_last4", "birth_md"]:
        assert any(columns[0] == column for columns in indexed), column
    assert any(columns[:2] == ("rm_id", "tier") for columns in indexed)  # an RM's book by tier
    transaction_indexes = {tuple(i["column_names"]) for i in inspect(engine).get_indexes("transactions")}
    assert any(columns[0] == "occurred_at" for columns in transaction_indexes)


def test_a_bank_in_use_upgrades_to_the_newest_schema_and_keeps_its_rows(engine):
    """The migrations run on a populated database, not only on an empty one (SQLite cannot drop a
    table that clients refer to, so a migration must not rebuild `staff`)."""
    from alembic import command
    from sqlalchemy import text

    from tests.factories import make_bank

    command.downgrade(db.alembic_config(engine), "0005")
    with engine.begin() as connection:
        make_bank(connection, clients=3)
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM client")).scalar_one() == 3
        assert set(connection.execute(text("SELECT team_reports FROM staff")).scalars()) == {True}
