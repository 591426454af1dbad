"""`rmbot import KIND FILE`: how admins load data from the bank's systems (formats: docs/import.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy.exc import SQLAlchemyError

from bot.cli_common import app, console, database, errors, fail, settings
from domain.importing import (
    KINDS,
    ImportRefused,
    ImportReport,
    check_request,
    import_file,
)
from domain.importing import Progress as ProgressCallback

SHOWN_REJECTS = 50
LARGE_FILE = 64 * 1024 * 1024
"""Files this big get a progress bar even when stderr is not a terminal (e.g. a logged cron job)."""


@app.command("import")
def import_command(
    kind: Annotated[str, typer.Argument(help=f"What the file holds: {', '.join(KINDS)}.", show_default=False)],
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030) or XLSX file.", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, write nothing.")] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows even when some are invalid.")
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Where to write the invalid rows (default: FILE.rejects.csv).", show_default=False),
    ] = None,
) -> None:
    """Load units, staff, clients, balances, transactions or interactions from a bank export."""
    chosen = settings()
    try:
        check_request(kind, file, chosen)
        with database() as opened, _progress_bar(file) as progress:
            report = import_file(
                opened.engine,
                kind,
                file,
                settings=chosen,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                rejects_path=rejects,
                progress=progress,
                keep_rejects=SHOWN_REJECTS,
            )
    except ImportRefused as exc:
        raise fail(escape(f"{file.name}: {exc}")) from None
    except SQLAlchemyError as exc:
        raise fail(escape(f"cannot use the database: {str(getattr(exc, 'orig', exc)).strip().splitlines()[0]}")) from None
    _print_summary(report, counted=report.committed or (dry_run and (skip_invalid or not report.rejected)))
    if report.committed and kind in SCANNED_AFTER:
        _scan(chosen, balances=kind == "balances")
    if report.rejected and not report.committed:
        raise typer.Exit(1)


SCANNED_AFTER = ("transactions", "balances")
"""Imports after which the reminder scan runs at once: money leaving reaches the RM within minutes."""


def _scan(chosen, *, balances: bool) -> None:  # noqa: ANN001
    from datetime import datetime

    from domain.alerts import balances_since, scan
    from domain.db import unit_of_work

    today = datetime.now(chosen.tz).date()
    since = balances_since(today, chosen) if balances else None
    with database() as opened, unit_of_work(opened.sessions) as session:
        scanned = scan(session, today=today, settings=chosen, balances_since=since)
    found = ", ".join(f"{kind} {count:,}" for kind, count in sorted(scanned.created.items()) if count) or "nothing new"
    console.print(f"reminder scan: {found}", highlight=False)


@contextmanager
def _progress_bar(file: Path) -> Iterator[ProgressCallback | None]:
    if not (errors.is_terminal or file.stat().st_size >= LARGE_FILE):
        yield None
        return
    columns = (TextColumn("importing"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=errors, transient=True) as bar:
        task = bar.add_task("import", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _verdict(report: ImportReport) -> str:
    if report.dry_run:
        would_stop = f"; {report.rejected:,} invalid rows would stop the import" if report.rejected else ""
        return "dry run, nothing was written" + would_stop
    if report.committed:
        return "imported" + (f", skipping {report.rejected:,} invalid rows" if report.rejected else "")
    return (
        f"nothing imported: {report.rejected:,} of {report.rows_read:,} rows are invalid. Fix them, or run "
        f"again with --skip-invalid to import the other {report.accepted:,}"
    )


def _print_summary(report: ImportReport, *, counted: bool) -> None:
    """One screen: what was read, written and rejected, how fast, and the first rejected rows.

    `counted` says whether new/changed counts mean anything (not when an invalid row stopped writing).
    """
    head = f"[bold]{report.kind}[/] from {escape(report.path.name)} ({escape(report.format)}): {escape(_verdict(report))}"
    console.print(head, highlight=False, soft_wrap=True)
    figures = [
        ("rows read", f"{report.rows_read:,}"),
        ("new or changed", f"{report.written:,}" if counted else "-"),
        ("unchanged", f"{report.unchanged:,}" if counted else "-"),
        ("rejected", f"{report.rejected:,}"),
    ]
    for label, value in figures:
        console.print(f"  {label:<15}{value:>12}", highlight=False)
    console.print(f"  {'time':<15}{report.seconds:.1f} s, {report.rows_per_second:,.0f} rows/s", highlight=False)
    if report.ignored_columns:
        console.print(f"  ignored columns: {', '.join(report.ignored_columns)}", highlight=False, soft_wrap=True, markup=False)
    if report.rejected:
        console.print("rejected rows:", highlight=False)
        for reject in report.rejects[:SHOWN_REJECTS]:
            console.print(f"  {reject}", highlight=False, soft_wrap=True, markup=False)
        hidden = report.rejected - min(len(report.rejects), SHOWN_REJECTS)
        if hidden:
            console.print(f"  … and {hidden:,} more", highlight=False)
        console.print(
            f"all rejected rows, with line, column and reason: {report.rejects_path}",
            highlight=False, soft_wrap=True, markup=False,
        )
