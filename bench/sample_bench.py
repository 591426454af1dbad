"""How long `rmbot sample` takes to build a million-client bank on SQLite, and its peak memory."""

from __future__ import annotations

import os
import sqlite3
from datetime import date

from bench import Context, Section, machine_table, measure

NAME = "sample"
TITLE = "the sample bank on SQLite"
CLIENTS = 1_000_000
SEED = 7
TABLES = ("unit", "team", "staff", "client", "balance_snapshot", "transactions", "interaction")


def run(context: Context) -> Section | None:
    clients = context.clients or CLIENTS
    database = context.out / "sample.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    config = context.out / "sample.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    command = [context.python, "-m", "bot.cli", "--config", str(config)]
    command += ["sample", "--clients", str(clients), "--seed", str(SEED)]
    env = {**os.environ, "PYTHONPATH": str(context.root)}
    result = measure(command, cwd=context.root, env=env)
    if result.exit_code != 0:
        print(f"rmbot sample failed (exit {result.exit_code})")
        return None

    with sqlite3.connect(database) as connection:
        counts = {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}
    rows = sum(counts.values())
    shown = " ".join(["rmbot", *command[3:]]).replace(f"{context.root}/", "")
    size = sum(f.stat().st_size for f in context.out.glob("sample.db*"))
    breakdown = ", ".join(f"{count:,} {table}" for table, count in counts.items())
    body = f"""## Sample bank: `rmbot sample --clients {clients:,}` on SQLite

| | |
|---|---|
| wall time | **{result.seconds:,.1f} s** ({rows / result.seconds:,.0f} rows/s) |
| peak RSS | **{result.peak_rss_kb / 1024:,.0f} MiB** |
| rows | {rows:,} ({breakdown}) |
| database file | {size / 1024**3:,.2f} GiB |
| command | `{shown}` on a fresh file |

{machine_table(date.today())}"""
    return Section(NAME, body)
