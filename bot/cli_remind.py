"""`rmbot remind`: the reminder scan now (`scan`), or what each RM's digest would say (`--dry-run`)."""

from __future__ import annotations

import html
import re
import time
from typing import Annotated

import typer
from rich.table import Table

from bot.cli_common import app, console, database, fail, local_day, settings

remind = typer.Typer(help="Reminders: run the scan now, or print what the digests would say.", no_args_is_help=False)
app.add_typer(remind, name="remind")

DateOption = Annotated[
    str | None,
    typer.Option("--date", help="The bank's day, YYYY-MM-DD (default: today in the configured time zone).", show_default=False),
]
_TAG = re.compile(r"<[^>]+>")


@remind.callback(invoke_without_command=True)
def remind_main(
    context: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print each RM's digest for the day; send and write nothing.")] = False,
    on: DateOption = None,
    staff: Annotated[str | None, typer.Option("--staff", help="Only this employee number.", show_default=False)] = None,
) -> None:
    """Print what the morning digest would tell each RM (with --dry-run), for admins checking the rules."""
    if context.invoked_subcommand is not None:
        return
    if not dry_run:
        raise fail("say what to do: `rmbot remind --dry-run [--date YYYY-MM-DD] [--staff E00004]`, or `rmbot remind scan`")
    from domain import lists
    from domain.access import viewer_for_employee
    from domain.db import unit_of_work
    from domain.models import Role, Staff
    from handlers.render import Renderer, pick_locale
    from sqlmodel import select

    config = settings()
    day = local_day(on, config, "--date")
    renderer = Renderer(time_zone=config.schedule.time_zone, aum_mode=config.display.aum, aum_bands=config.chat.aum_bands)
    with database() as opened, unit_of_work(opened.sessions) as session:
        if staff:
            viewer = viewer_for_employee(session, staff)
            if viewer is None:
                raise fail(f"no staff member has employee number {staff}")
            employees = [staff]
        else:
            employees = list(session.exec(
                select(Staff.employee_no).where(Staff.role == Role.rm, Staff.active == True).order_by(Staff.employee_no)  # noqa: E712
            ))
        quiet = 0
        for employee_no in employees:
            viewer = viewer_for_employee(session, employee_no)
            digest = lists.today(session, viewer, today=day, settings=config)
            if digest.is_empty and not staff:
                quiet += 1
                continue
            locale = pick_locale(viewer.locale, config.display.locale)
            text = html.unescape(_TAG.sub("", renderer.render(locale, "list_today", digest=digest)))
            console.rule(f"{employee_no} {viewer.name}", style="dim")
            console.print(text, highlight=False, markup=False)
        console.print(f"\n{len(employees) - quiet:,} digest(s) for {day.isoformat()}; {quiet:,} RM(s) with nothing due.", highlight=False)


@remind.command("scan")
def remind_scan(
    on: DateOption = None,
    balances: Annotated[bool, typer.Option("--balances", help="Also look for AUM falls and tier changes, as after a balances import.")] = False,
) -> None:
    """Run the reminder scan now: write what is due to the outbox (running it twice adds nothing)."""
    from domain.alerts import balances_since, scan
    from domain.db import unit_of_work

    config = settings()
    day = local_day(on, config, "--date")
    with database() as opened:
        started = time.perf_counter()
        with unit_of_work(opened.sessions) as session:
            since = balances_since(day, config) if balances else None
            report = scan(session, today=day, settings=config, balances_since=since)
        seconds = time.perf_counter() - started
    if report.skipped:
        console.print("another rmbot process is running the scan right now: nothing done here.")
        return
    table = Table(title=f"Reminder scan for {day.isoformat()}")
    table.add_column("kind")
    table.add_column("found", justify="right")
    table.add_column("new", justify="right")
    for kind in sorted(report.found, key=lambda k: -report.found[k]):
        table.add_row(kind, f"{report.found[kind]:,}", f"{report.created[kind]:,}")
    console.print(table)
    if not report.birthdays_scanned:
        console.print(f"{day.isoformat()} is not a working day: birthdays are left for the next working day's scan.")
    console.print(
        f"{report.total_created:,} new alert(s); {report.cleared:,} cleared by contacts logged since; scanned in {seconds:.2f} s.",
        highlight=False,
    )
