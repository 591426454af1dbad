"""`rmbot sample`, `rmbot demo` and `rmbot summary`: a sample bank to try rmbot on, and a bank at a glance."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import Engine, make_url

from bot.cli_common import app, console, database, fail, local_day, settings
from bot.config import CORPORATE_CLASSES, Settings

if TYPE_CHECKING:
    from domain.sample import SampleReport
    from domain.summary import BankSummary

DEMO_CLIENTS = 10_000
DEMO_SEED = 7

TodayOption = Annotated[
    str | None,
    typer.Option(
        "--today", help="The bank's today, YYYY-MM-DD (default: today in the configured time zone).", show_default=False
    ),
]


def _today(value: str | None, config: Settings) -> date:
    return local_day(value, config, "--today")


@app.command("sample")
def sample(
    clients: Annotated[int, typer.Option("--clients", min=1, help="How many clients the sample bank has.")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, size and day: same bank.")] = DEMO_SEED,
    today: TodayOption = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Empty the bank's tables first (everything in them is deleted).")
    ] = False,
) -> None:
    """Build a deterministic sample bank of N clients in the configured database."""
    config = settings()
    day = _today(today, config)
    with database() as opened:
        report = _build(opened.engine, config, clients=clients, seed=seed, today=day, replace=replace)
    _print_report(report)


@app.command("demo")
def demo(
    today: TodayOption = None,
    persona: Annotated[
        str, typer.Option("--as", help="Who you are in the chat: rm, lead, branch or admin.", show_default=True)
    ] = "rm",
    clients: Annotated[int, typer.Option("--clients", min=1000, help="Size of the sample bank if one is built.")] = DEMO_CLIENTS,
    chat: Annotated[bool, typer.Option("--chat/--no-chat", help="Open the terminal chat after the summary.")] = True,
) -> None:
    """The offline demo: a sample bank (built if absent), its summary, then a chat with the real bot on the local emulator."""
    # Telegram, aiohttp, numpy: loaded by the commands that use them, not by every `rmbot` start.
    from bot.demo import PERSONAS, chat_in_terminal
    from domain.sample import bank_counts
    from domain.summary import bank_summary

    if persona not in PERSONAS:
        raise fail(f"--as must be one of {', '.join(PERSONAS)}, not {persona!r}")
    config = settings()
    day = _today(today, config)
    with database(background_checkpoints=True) as opened:
        with opened.engine.connect() as connection:
            counts = bank_counts(connection)
        if not counts["client"]:
            if any(counts.values()):
                raise fail(
                    "the database holds units or staff but no clients; "
                    f"run `rmbot sample --clients {DEMO_CLIENTS} --replace` to start from a sample bank"
                )
            _print_report(_build(opened.engine, config, clients=clients, seed=DEMO_SEED, today=day, replace=False))
        else:
            where = make_url(config.database.url).render_as_string(hide_password=True)
            console.print(f"[dim]using the bank already in {where} ({counts['client']:,} clients)[/]")
        with opened.engine.connect() as connection:
            render_summary(bank_summary(connection, config, day))
        if chat:
            asyncio.run(chat_in_terminal(config, opened, persona=persona, console=console))


@app.command("summary")
def summary(today: TodayOption = None) -> None:
    """Print the bank at a glance: organisation, tiers, history, today's reminders, demo personas."""
    from domain.summary import bank_summary

    config = settings()
    day = _today(today, config)
    with database() as opened, opened.engine.connect() as connection:
        render_summary(bank_summary(connection, config, day))


def _build(engine: Engine, config: Settings, *, clients: int, seed: int, today: date, replace: bool) -> SampleReport:
    from domain.sample import BankNotEmpty, build_sample_bank

    with Progress(
        TextColumn("building the sample bank"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("clients", total=clients)
        try:
            return build_sample_bank(
                engine,
                config,
                clients=clients,
                seed=seed,
                today=today,
                replace=replace,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
        except BankNotEmpty as exc:
            raise fail(f"{exc}; pass --replace to empty it first (everything in it is deleted)") from None


def _print_report(report: SampleReport) -> None:
    counts = {
        "units": report.units, "teams": report.teams, "staff": report.staff, "clients": report.clients,
        "balance snapshots": report.snapshots, "transactions": report.transactions,
        "interactions": report.interactions,
    }
    console.print(
        f"sample bank built in {report.seconds:.1f} s (seed {report.seed}, today {report.today}): "
        + ", ".join(f"{name} {count:,}" for name, count in counts.items())
    )


def _money(amount: Decimal) -> str:
    return f"¥{amount:,.0f}"


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    return table


def render_summary(s: BankSummary) -> None:
    console.print(f"[bold]Bank summary[/] as of {s.today:%Y-%m-%d} ({s.today:%A})")

    organisation = _table("Organisation", "", "count")
    for kind, count in s.units_by_kind.items():
        organisation.add_row(f"units: {kind}", f"{count:,}")
    for role, count in s.staff_by_role.items():
        organisation.add_row(f"staff: {role}", f"{count:,}")
    console.print(organisation)

    tiers = _table(f"Clients by tier ({s.clients:,})", "tier", "clients", "AUM · deposits", "share")
    for line in s.tiers:
        measure = "deposits" if line.tier in CORPORATE_CLASSES else "AUM"
        tiers.add_row(line.tier, f"{line.clients:,}", f"{measure} {_money(line.amount)}", f"{line.share:.1%}")
    tiers.caption = "share: of personal AUM for personal tiers, of corporate deposits for contact classes"
    console.print(tiers)

    sizes = _table("Corporate clients by size", "size", "clients", "deposits")
    for size, (count, deposits) in s.corporate_by_size.items():
        sizes.add_row(size, f"{count:,}", _money(deposits))
    console.print(sizes)

    history = _table("History", "", "rows")
    history.add_row("interactions", f"{s.interactions:,}")
    history.add_row("transactions", f"{s.transactions:,}")
    history.add_row("balance snapshots", f"{s.snapshots:,}")
    console.print(history)

    reminders = _table("Today", "", "clients")
    for tier, count in s.overdue_by_tier.items():
        reminders.add_row(f"overdue contact: {tier}", f"{count:,}")
    reminders.add_row("lost contact", f"{s.lost_contact:,}")
    reminders.add_row("follow-ups due today", f"{s.follow_ups_today:,}")
    reminders.add_row("follow-ups past due", f"{s.follow_ups_missed:,}")
    console.print(reminders)

    birthdays = _table("Birthdays this week", "day", "solar", "lunar")
    for day in s.birthdays:
        birthdays.add_row(f"{day.day:%Y-%m-%d %a}", f"{day.solar:,}", f"{day.lunar:,}")
    console.print(birthdays)

    outflows = _table(
        f"Large outflows to other banks, last 7 days: {s.large_outflows:,}, {_money(s.large_outflow_total)}"
        + (f" (top {len(s.top_outflows)})" if s.top_outflows else ""),
        "client",
        "name",
        "tier",
        "amount",
        "to",
        "when",
        "RM",
    )
    for o in s.top_outflows:
        outflows.add_row(
            o.client_no, o.client_name, o.tier, _money(o.amount), o.bank, f"{o.occurred_at:%m-%d %H:%M}", o.rm or ""
        )
    console.print(outflows)

    personas = _table("Demo personas", "staff", "name", "role", "unit", "team", "Telegram id", "own clients")
    for p in s.personas:
        personas.add_row(p.employee_no, p.name, p.role, p.unit, p.team or "", str(p.telegram_user_id), f"{p.clients:,}")
    console.print(personas)
