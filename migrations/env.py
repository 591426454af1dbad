"""Alembic environment: runs on the engine rmbot hands over, or on `sqlalchemy.url` from alembic.ini."""

from alembic import context
from sqlalchemy import engine_from_config, pool
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


engine = config.attributes.get("engine")
if engine is None:
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    _run(connection)
    connection.commit()
