"""`rmbot db …`: the schema is made by Alembic migrations and nothing else."""

from __future__ import annotations

import typer

from bot.cli_common import app, console, database
from domain import db

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration."""
    with database(upgrade=False) as opened:
        before = db.current_revision(opened.engine)
        db.upgrade(opened.engine)
        after = db.current_revision(opened.engine)
    if before == after:
        console.print(f"schema already at {after}")
    else:
        console.print(f"schema upgraded: {before or 'empty'} → {after}")


@db_app.command("current")
def current() -> None:
    """Show the schema revision of the database and the newest one this version knows."""
    with database(upgrade=False) as opened:
        console.print(f"database: {db.current_revision(opened.engine) or 'empty'}; newest: {db.head_revision()}")
