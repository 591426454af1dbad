"""The `rmbot` Typer application and what every command shares: settings, database, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.bootstrap import Database, open_database
from bot.config import ConfigError, Settings, load_settings

app = typer.Typer(
    name="rmbot",
    help="rmbot: a Telegram assistant for bank relationship managers (客户经理).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


class _State:
    config_path: Path | None = None


state = _State()


@app.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="TOML settings file (default: $RMBOT_CONFIG, else built-in defaults).", show_default=False),
    ] = None,
) -> None:
    state.config_path = config


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a clear error and return the exit to raise: no traceback for a user's mistake."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings(state.config_path)
    except ConfigError as exc:
        raise fail(str(exc)) from None


@contextmanager
def database(upgrade: bool = True, *, background_checkpoints: bool = False) -> Iterator[Database]:
    opened = open_database(settings(), upgrade=upgrade, background_checkpoints=background_checkpoints)
    try:
        yield opened
    finally:
        opened.dispose()


def local_day(value: str | None, config: Settings, option: str) -> date:
    """A day given as YYYY-MM-DD, or today in the configured time zone."""
    if value is None:
        return datetime.now(config.tz).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from None
