"""Entry point of the `rmbot` command: the application plus every command module."""

from bot import cli_bot, cli_db, cli_handover, cli_import, cli_remind, cli_sample  # noqa: F401  (each module registers its commands on `app`)
from bot.cli_common import app

__all__ = ["app"]

if __name__ == "__main__":
    app()
