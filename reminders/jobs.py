"""The bot's scheduled jobs, created at start-up from config; the database says what is due.

- `scan`: the reminder scan (`domain.alerts.scan`) every day at [schedule] scan_time.
- `checkpoint` (SQLite, `rmbot run`): the WAL written back every [database]
  sqlite_checkpoint_seconds in a worker thread.
- `digests`: every [schedule] dispatch_every_seconds, the urgent alerts that may go out and the
  digests that are due (`reminders.dispatch`): at each RM's digest time, or as soon as the bot is
  back if it was down.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application, CallbackContext

from bot.bootstrap import Database
from domain.alerts import scan
from domain.db import checkpoint
from handlers.context import Services
from reminders.dispatch import send_due_digests, send_team_reports, send_urgent_alerts

SCAN_JOB, DIGEST_JOB, CHECKPOINT_JOB = "scan", "digests", "checkpoint"
log = logging.getLogger("rmbot.reminders")


def schedule_jobs(application: Application) -> None:
    services: Services = application.bot_data["services"]
    schedule = services.settings.schedule
    queue = application.job_queue
    queue.run_daily(_scan, time=schedule.scan_time.replace(tzinfo=services.settings.tz), name=SCAN_JOB)
    queue.run_repeating(_digests, interval=schedule.dispatch_every_seconds, first=1, name=DIGEST_JOB)


def schedule_checkpoints(application: Application, database: Database) -> None:
    """SQLite only: write the WAL back every few seconds in a worker thread, not in a request's commit."""

    async def run(_context: CallbackContext) -> None:
        await asyncio.to_thread(checkpoint, database.engine)

    application.job_queue.run_repeating(run, interval=database.checkpoint_seconds, first=database.checkpoint_seconds, name=CHECKPOINT_JOB)


async def _scan(context: CallbackContext) -> None:
    services: Services = context.application.bot_data["services"]
    report = await services.run(scan, today=services.today(), settings=services.settings, now=services.now())
    log.info("reminder scan for %s: %d new alerts, %d cleared", report.day, report.total_created, report.cleared)


async def _digests(context: CallbackContext) -> None:
    urgent = await send_urgent_alerts(context.application)
    sent = await send_due_digests(context.application)
    reports = await send_team_reports(context.application)
    if urgent or sent or reports:
        log.info("%d urgent alert(s), %d digest(s) and %d team report(s) sent", urgent, sent, reports)
