"""Delivery of the morning digest: whoever is due gets `/today`'s message, once.

Runs as a job of the bot's JobQueue (see `reminders.jobs`); all decisions and records are in
`domain.digests`, the words in the `list_today` template (the digest is what /today shows).
Telegram's limits are the rate limiter's business (`AIORateLimiter`: 30 messages/s overall,
retries after a 429's `retry_after`).
"""

from __future__ import annotations

import asyncio
import logging

from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.ext import Application

from domain import digests, lists, urgent
from domain.alerts import AlertKind
from domain.triage import Reminder
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import Services
from handlers.lists import digest_view, done_button
from handlers.render import Renderer, pick_locale

log = logging.getLogger("rmbot.reminders")


class Speaker:
    """What the list views need of a handler's context, for a message no update asked for."""

    def __init__(self, renderer: Renderer, locale: str) -> None:
        self.renderer = renderer
        self.locale = locale

    def render(self, template: str, /, **data: object) -> str:
        return self.renderer.render(self.locale, template, **data)

    def label(self, name: str, /, *args: object, **kwargs: object) -> str:
        return self.renderer.label(self.locale, name, *args, **kwargs)


RETRY = "retry"
"""The message surely did not leave (the connection failed): give the claim back, stop this run."""


async def deliver(application: Application, chat_id: int, text: str, markup, *, what: str) -> tuple[str, int | None]:  # noqa: ANN001
    """Send one pushed message: ("sent", message id), or why not: "blocked" (403), "unknown" (timed
    out: maybe delivered, so not sent again), "failed" (Telegram refused it, e.g. a chat the person
    never started) or RETRY."""
    try:
        message = await application.bot.send_message(chat_id, text, reply_markup=markup)
    except Forbidden:
        log.info("%s: the bot is blocked; nothing more is sent until they write again", what)
        return "blocked", None
    except TimedOut:
        log.warning("%s timed out: maybe delivered, not sent again", what)
        return "unknown", None
    except BadRequest as error:  # before NetworkError, of which PTB makes it a kind
        log.info("%s refused by Telegram: %s", what, error.message)
        return "failed", None
    except NetworkError as error:
        log.warning("%s not sent (%s): retried on the next run", what, type(error).__name__)
        return RETRY, None
    return "sent", message.message_id


async def send_due_digests(application: Application) -> int:
    """Send every digest that is due now; returns how many went out.

    `schedule.dispatch_concurrency` digests are in hand at once: while one waits for the rate
    limiter or for Telegram, the next is read from the database and drawn, so that the sending
    keeps up with the limit (30 a second) rather than with the time one digest takes to make.
    A connection failure stops the run: what was not sent goes out on the next one.
    """
    services: Services = application.bot_data["services"]
    settings = services.settings
    now = services.now()
    due = iter(await services.run(digests.due_recipients, now=now, settings=settings))
    sent = 0
    stopped = False

    async def worker() -> None:
        nonlocal sent, stopped
        for recipient in due:  # one iterator shared by the workers: each digest is taken once
            status = await _send_digest(application, services, recipient, now)
            if status == RETRY:
                stopped = True
            if stopped:
                return
            sent += status == "sent"

    await asyncio.gather(*(worker() for _ in range(max(settings.schedule.dispatch_concurrency, 1))))
    return sent


async def _send_digest(application: Application, services: Services, recipient: digests.Recipient, now) -> str:  # noqa: ANN001
    settings = services.settings
    staff_id, day = recipient.viewer.staff_id, recipient.day
    if not await services.run(digests.claim, staff_id=staff_id, day=day, now=now):
        return "taken"  # another process has it
    digest = await services.run(lists.today, recipient.viewer, today=day, settings=settings)
    if digest.is_empty:
        await services.run(digests.finish, staff_id=staff_id, day=day, status="empty", now=now)
        return "empty"
    locale = pick_locale(recipient.viewer.locale, settings.display.locale)
    text, markup = digest_view(Speaker(services.renderer, locale), digest, settings.chat.snooze_days)
    items = sum(section.total for section in digest.sections)
    status, message_id = await deliver(application, recipient.telegram_user_id, text, markup, what=f"digest for staff {staff_id}")
    if status == RETRY:
        await services.run(digests.release, staff_id=staff_id, day=day)
        return RETRY
    await services.run(digests.finish, staff_id=staff_id, day=day, status=status, now=now, message_id=message_id, items=items)
    return status


async def send_urgent_alerts(application: Application) -> int:
    """Send every urgent alert that may go out now (outside the RM's quiet hours); returns how many went."""
    services: Services = application.bot_data["services"]
    settings = services.settings
    now = services.now()
    sent = 0
    for alert in await services.run(urgent.due_urgent, now=now, settings=settings):
        if not await services.run(urgent.claim_alert, alert_id=alert.alert_id):
            continue
        speaker = Speaker(services.renderer, pick_locale(alert.locale, settings.display.locale))
        row = [keyboards.button(speaker.label("list_item", None, alert), cb.encode(cb.CARD, alert.client_id))]
        if alert.transaction_id is not None:
            row.append(done_button(speaker, Reminder(AlertKind.attrition, alert.client_id, transaction_id=alert.transaction_id)))
        markup = keyboards.markup([row])
        text = speaker.render("urgent_attrition", alert=alert)
        status, _ = await deliver(application, alert.telegram_user_id, text, markup, what=f"urgent alert {alert.alert_id}")
        if status == RETRY:
            status = "pending"  # the claim given back: the next run tries again
        await services.run(urgent.finish_alert, alert_id=alert.alert_id, staff_id=alert.staff_id, status=status, now=now)
        if status == "pending":
            break
        sent += status == "sent"
    return sent
