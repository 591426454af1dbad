"""Delivery of the morning digest: whoever is due gets `/today`'s message, once.

Runs as a job of the bot's JobQueue (see `reminders.jobs`); all decisions and records are in
`domain.digests`, the words in the `list_today` template (the digest is what /today shows).
Telegram's limits are the rate limiter's business (`AIORateLimiter` at
`telegram.messages_per_second`, retrying after a 429's `retry_after`).

Delivery is at most once from the person's point of view: a digest is claimed (`digests.claim`)
just before its request and never sent twice; a send that surely did not reach Telegram is
retried in place, then given back to the next run; one that may have reached it (a timeout, a
connection lost before the answer, a crash between the claim and the record) is recorded and not
repeated, since a duplicate would be shown while the content stays in /today.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from domain import digests, lists, team, team_reports, urgent
from domain.alerts import AlertKind
from domain.triage import Reminder
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import Services
from handlers.charts import team_chart
from handlers.lists import digest_view, done_button
from handlers.render import Renderer, pick_locale
from handlers.team import summary_text

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
"""Telegram surely did not show the message (no connection, a 5xx, a 429 storm past the rate
limiter's own retries): give the claim back, stop this run; the next run sends it."""


def outcome_of(error: TelegramError) -> str:
    """What a failed send means for the person: "blocked" (403), "failed" (Telegram refused it, e.g.
    a chat never started), RETRY (surely not shown), or "unknown" (the request may have reached
    Telegram: a read timeout, a connection lost before the answer). Unknown sends are not sent
    again: at most once, since a duplicate digest or alert would be shown and a lost push is not
    lost content (the digest is always in /today, an outflow in /moves)."""
    cause = error.__cause__
    if isinstance(error, Forbidden):
        return "blocked"
    if isinstance(error, RetryAfter):
        return RETRY
    if isinstance(error, TimedOut):
        return RETRY if isinstance(cause, (httpx.PoolTimeout, httpx.ConnectTimeout)) else "unknown"
    if isinstance(error, BadRequest):  # before NetworkError, of which PTB makes it a kind
        return "failed"
    if isinstance(error, NetworkError):
        # Telegram answered (a 5xx, maybe an HTML page), or the connection was refused: not shown
        answered = not isinstance(cause, httpx.HTTPError)
        return RETRY if answered or isinstance(cause, httpx.ConnectError) else "unknown"
    return "failed"


PER_CHAT_SECONDS = 1.0
"""Telegram: about one message a second to one chat."""


async def _pace(application: Application, chat_id: int) -> None:
    """Wait until a second has passed since the last pushed message to this chat (bounded memory:
    only chats written to in the last seconds are kept)."""
    loop = asyncio.get_running_loop()
    last: dict[int, float] = application.bot_data.setdefault("pushed_at", {})
    now = loop.time()
    for stale in [chat for chat, at in last.items() if now - at > PER_CHAT_SECONDS]:
        del last[stale]
    wait = last.get(chat_id, now - PER_CHAT_SECONDS) + PER_CHAT_SECONDS - now
    last[chat_id] = now + max(wait, 0.0)
    if wait > 0:
        await asyncio.sleep(wait)  # the per-chat rate itself, not a wait for an outcome


async def deliver(
    application: Application, chat_id: int, text: str, markup, *, what: str, retry_delays: Sequence[float] = ()  # noqa: ANN001
) -> tuple[str, int | None]:
    """Send one pushed message: ("sent", message id), or why not (`outcome_of`). A send that surely
    did not reach Telegram is tried again after each of `retry_delays` seconds first. Messages to
    one chat are a second apart (Telegram: one a second per chat; the rate limiter paces only
    all chats together and groups), so that three urgent alerts at once draw no 429."""
    await _pace(application, chat_id)
    for delay in (*retry_delays, None):
        try:
            message = await application.bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramError as error:
            outcome = outcome_of(error)
            if outcome == RETRY and delay is not None:
                log.info("%s not sent (%s): trying again in %.1f s", what, error.message, delay)
                await asyncio.sleep(delay)
                continue
            level = logging.WARNING if outcome in (RETRY, "unknown") else logging.INFO
            log.log(level, "%s: %s (%s)", what, outcome, error.message)
            return outcome, None
        return "sent", message.message_id
    raise AssertionError("unreachable")


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
    """Make the digest, then claim it and send it at once: the claim is the last thing before the
    request, so that a crash leaves as short a window as can be between the two."""
    settings = services.settings
    staff_id, day = recipient.viewer.staff_id, recipient.day
    digest = await services.run(lists.today, recipient.viewer, today=day, settings=settings)
    if not await services.run(digests.claim, staff_id=staff_id, day=day, now=now):
        return "taken"  # another process has it
    if digest.is_empty:
        await services.run(digests.finish, staff_id=staff_id, day=day, status="empty", now=now)
        return "empty"
    locale = pick_locale(recipient.viewer.locale, settings.display.locale)
    text, markup = digest_view(Speaker(services.renderer, locale), digest, settings.chat.snooze_days)
    items = sum(section.total for section in digest.sections)
    status, message_id = await deliver(
        application, recipient.telegram_user_id, text, markup, what=f"digest for staff {staff_id}",
        retry_delays=settings.telegram.retry_delays_seconds,
    )
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
        status, _ = await deliver(
            application, alert.telegram_user_id, text, markup, what=f"urgent alert {alert.alert_id}",
            retry_delays=settings.telegram.retry_delays_seconds,
        )
        if status == RETRY:
            status = "pending"  # the claim given back: the next run tries again
        await services.run(urgent.finish_alert, alert_id=alert.alert_id, staff_id=alert.staff_id, status=status, now=now)
        if status == "pending":
            break
        sent += status == "sent"
    return sent


async def send_team_reports(application: Application) -> int:
    """Send every weekly (team lead) or monthly (branch head) team summary due now, with its chart."""
    services: Services = application.bot_data["services"]
    settings = services.settings
    now = services.now()
    sent = 0
    for due in await services.run(team_reports.due_reports, now=now, settings=settings):
        result = await services.run(team.summary, due.viewer, period=due.period, today=due.summary_day, settings=settings, report=True)
        staff_id, day = due.viewer.staff_id, due.report_day
        if not await services.run(team_reports.claim, staff_id=staff_id, report_day=day, now=now):
            continue
        speaker = Speaker(services.renderer, pick_locale(due.viewer.locale, settings.display.locale))
        text = summary_text(speaker.render, result, scheduled=due.period.value)
        status, message_id = await deliver(application, due.telegram_user_id, text, None, what=f"team report for staff {staff_id}",
                                           retry_delays=settings.telegram.retry_delays_seconds)
        if status == RETRY:
            await services.run(team_reports.release, staff_id=staff_id, report_day=day)
            break
        await services.run(team_reports.finish, staff_id=staff_id, report_day=day, status=status, now=now, message_id=message_id)
        if status == "sent":
            sent += 1
            picture = await services.off_loop(team_chart, result, float(settings.team.coverage_target), speaker.label, report=True)
            try:  # the picture is a companion: the summary is delivered and recorded whatever happens to it
                await application.bot.send_photo(due.telegram_user_id, picture)
            except TelegramError as error:
                log.info("team report chart for staff %s not sent: %s", staff_id, error.message)
    return sent
