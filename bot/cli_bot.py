"""`rmbot run` (the bot) and `rmbot invite` (a sign-in link for a staff member)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli_common import app, console, database, fail, settings
from bot.config import ConfigError, require_token


@app.command()
def run() -> None:
    """Run the bot: long polling, or a webhook when [telegram] mode = "webhook"."""
    # Telegram and Jinja take a second to load: only this command needs them.
    from bot.app import build_application
    from bot.runner import run_forever, transport

    configured = settings()
    try:
        token = require_token(configured)
        transport(configured)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with database(background_checkpoints=True) as opened:
        run_forever(build_application(configured, opened, token=token), configured)


@app.command()
def invite(
    employee_no: Annotated[str, typer.Argument(help="The staff member's employee number, e.g. E00004.")],
    bot_username: Annotated[str, typer.Option(help="The bot's @username for the link (default: [telegram] bot_username).")] = "",
) -> None:
    """Create a one-time sign-in link for a staff member (it expires after [invites] ttl_hours)."""
    from domain.db import unit_of_work
    from domain.invites import InviteRefused, create_invite

    configured = settings()
    with database() as opened:
        try:
            with unit_of_work(opened.sessions) as session:
                issued = create_invite(session, employee_no, now=datetime.now(UTC), ttl_hours=configured.invites.ttl_hours)
        except InviteRefused as refused:
            reasons = {"unknown_staff": f"no staff member has employee number {employee_no}", "inactive_staff": f"{employee_no} is deactivated"}
            raise fail(reasons.get(refused.detail, refused.detail)) from None
    username = (bot_username or configured.telegram.bot_username).lstrip("@") or "<your_bot>"
    local = issued.expires_at.astimezone(configured.tz)
    console.print(f"Invite for [bold]{issued.staff_name}[/] ({issued.employee_no}), valid until {local:%Y-%m-%d %H:%M} ({configured.schedule.time_zone}):")
    console.print(f"  https://t.me/{username}?start={issued.code}", soft_wrap=True, highlight=False)
    console.print(f"  or send the bot: /start {issued.code}", soft_wrap=True, highlight=False)
    console.print("It works once. Send it to them privately.")
