"""`rmbot handover FROM TO [--tier T …] [--clients C1,C2] [--keep-access] [--yes]`: move an RM's clients."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from bot.cli_common import app, console, database, fail


@app.command("handover")
def handover(
    from_no: Annotated[str, typer.Argument(metavar="FROM", help="Employee number of the RM whose clients move.")],
    to_no: Annotated[str, typer.Argument(metavar="TO", help="Employee number of the RM who takes them.")],
    tier: Annotated[list[str] | None, typer.Option("--tier", help="Only clients of this tier (repeatable).")] = None,
    clients: Annotated[str | None, typer.Option("--clients", help="Only these client numbers, comma-separated.")] = None,
    keep_access: Annotated[bool, typer.Option("--keep-access", help="Keep FROM's Telegram link even when all clients move.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Hand FROM's clients (all, some tiers, or listed ones) over to TO: the original maintainer is
    kept, open alerts move with the clients, FROM's Telegram link is cut once nothing is left to
    them, and the handover is in the audit log."""
    from domain.db import unit_of_work
    from domain.handover import HandoverRefused, execute, plan

    numbers = tuple(n.strip() for n in (clients or "").split(",") if n.strip())
    with database() as opened, unit_of_work(opened.sessions) as session:
        try:
            chosen = plan(session, None, from_no, to_no, tiers=tuple(tier or ()), client_nos=numbers)
        except HandoverRefused as refused:
            raise fail(_refusal(refused)) from None
        table = Table(title=f"{chosen.from_no} {chosen.from_name} → {chosen.to_no} {chosen.to_name}")
        table.add_column("tier")
        table.add_column("clients", justify="right")
        for name, count in chosen.by_tier:
            table.add_row(name, f"{count:,}")
        console.print(table)
        if chosen.everything and not keep_access:
            console.print(f"All of {chosen.from_no}'s clients move: their Telegram link will be cut.")
        if not yes and not typer.confirm(f"Move {chosen.clients:,} client(s)?", default=False):
            console.print("Nothing moved.")
            raise typer.Exit(1)
        result = execute(session, chosen, actor=None, now=datetime.now(UTC), keep_access=keep_access)
    console.print(
        f"moved {result.moved:,} client(s) and {result.alerts_moved:,} open alert(s)"
        + ("; Telegram link cut" if result.access_cut else ""),
        highlight=False,
    )


def _refusal(refused) -> str:  # noqa: ANN001
    return {
        "unknown_staff": f"no staff member has employee number {refused.detail}",
        "inactive_target": f"{refused.detail} is not active: hand the clients to someone who is",
        "not_a_book": f"{refused.detail} does not keep a book of clients (an RM or a team lead does)",
        "same_rm": "FROM and TO are the same person",
        "unknown_clients": f"not clients of FROM: {refused.detail}",
        "nothing_to_move": f"{refused.detail} has no clients that match",
        "not_allowed": f"not allowed: {refused.detail}",
    }.get(refused.reason, str(refused))
