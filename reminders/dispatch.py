"""Delivery of the morning digest: whoever is due gets `/today`'s message, once.

Runs as a job of the bot's JobQueue (see `reminders.jobs`); all decisions and records are in
`domain.digests`, the words in the `list_today` template (the digest is what /today shows).
Telegram's limits are the rate limiter's business (`AIORateLimiter`: 30 messages/s overall,
retries after a 429's `retry_after`).
"""

from __future__ import annotations

import logging

from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut
from telegram.ext import Application

from domain import digests, lists, urgent
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import Services
from handlers.lists import digest_view
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


async def send_due_digests(application: Application) -> int:
    """Send every digest that is due now; returns how many went out."""
    services: Services = application.bot_data["services"]
    settings = services.settings
    now = services.now()
    sent = 0
    for recipient in await services.run(digests.due_recipients, now=now, settings=settings):
        staff_id, day = recipient.viewer.staff_id, recipient.day
        if not await services.run(digests.claim, staff_id=staff_id, day=day, now=now):
            continue  # another process has it
        digest = await services.run(lists.today, recipient.viewer, today=day, settings=settings)
        if digest.is_empty:
            await services.run(digests.finish, staff_id=staff_id, day=day, status="empty", now=now)
            continue
        locale = pick_locale(recipient.viewer.locale, settings.display.locale)
        text, markup = digest_view(Speaker(services.renderer, locale), digest)
        items = sum(section.total for section in digest.sections)
        try:
            message = await application.bot.send_message(recipient.telegram_user_id, text, reply_markup=markup)
        except Forbidden:
            log.info("staff %s has blocked the bot: no more digests until they come back", staff_id)
            await services.run(digests.finish, staff_id=staff_id, day=day, status="blocked", now=now)
        except TimedOut:
            log.warning("digest for staff %s timed out: maybe delivered, not sent again", staff_id)
            await services.run(digests.finish, staff_id=staff_id, day=day, status="unknown", now=now)
        except BadRequest as error:  # before NetworkError, of which PTB makes it a kind
            log.info("digest for staff %s refused by Telegram: %s", staff_id, error.message)  # e.g. never started the bot
            await services.run(digests.finish, staff_id=staff_id, day=day, status="failed", now=now)
        except NetworkError as error:
            log.warning("digest for staff %s not sent (%s): retried on the next run", staff_id, type(error).__name__)
            await services.run(digests.release, staff_id=staff_id, day=day)
            break
        else:
            await services.run(digests.finish, staff_id=staff_id, day=day, status="sent", now=now, message_id=message.message_id, items=items)
            sent += 1
    return sent


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
        markup = keyboards.markup([[keyboards.button(speaker.label("list_item", None, alert), cb.encode(cb.CARD, alert.client_id))]])
        status = "sent"
        try:
            await application.bot.send_message(alert.telegram_user_id, speaker.render("urgent_attrition", alert=alert), reply_markup=markup)
        except Forbidden:
            status = "blocked"
        except TimedOut:
            status = "unknown"
        except BadRequest:  # before NetworkError, of which PTB makes it a kind
            status = "failed"
        except NetworkError:
            status = "pending"  # surely not sent: the next run tries again
        await services.run(urgent.finish_alert, alert_id=alert.alert_id, staff_id=alert.staff_id, status=status, now=now)
        if status == "pending":
            break
        sent += status == "sent"
    return sent
