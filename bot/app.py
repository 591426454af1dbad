"""Builds the python-telegram-bot Application: one function, used by `rmbot run`, the demo and tests."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Callable
from datetime import datetime

from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import HTTPXRequest
from telegram.warnings import PTBUserWarning

from bot.bootstrap import Database
from bot.config import Settings
from bot.updates import PerChatUpdateProcessor
from handlers import all_handlers, on_error
from handlers.context import BotContext, Services, system_clock
from handlers.render import LOCALES, Renderer
from reminders.jobs import schedule_checkpoints, schedule_jobs

COMMANDS = ("today", "due", "birthdays", "moves", "mine", "team", "find", "log", "settings", "help", "cancel")


def build_application(
    settings: Settings,
    database: Database,
    *,
    token: str,
    clock: Callable[[], datetime] = system_clock,
    rate_limit: bool = True,
    jobs: bool = True,
) -> Application:
    """The bot, wired to `database`, talking to `settings.telegram.base_url` (Telegram or the emulator).

    `jobs=False` leaves out the scheduled jobs (the reminder scan, the digests): for tests and
    benchmarks that drive the bot update by update."""
    renderer = Renderer(time_zone=settings.schedule.time_zone, aum_mode=settings.display.aum, aum_bands=settings.chat.aum_bands)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram.base_url)
        .base_file_url(settings.telegram.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=None, tzinfo=settings.tz))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerChatUpdateProcessor())
        .request(HTTPXRequest(connection_pool_size=settings.telegram.connection_pool_size))
        .post_init(_register_commands)
        .post_shutdown(_stop_workers)
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram.messages_per_second, max_retries=3))
    application = builder.build()
    application.bot_data["services"] = Services(settings=settings, database=database, renderer=renderer, clock=clock)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        for handler, group in all_handlers(settings):
            application.add_handler(handler, group)
    application.add_error_handler(on_error)
    if jobs:
        schedule_jobs(application)
    if database.checkpoint_seconds:
        schedule_checkpoints(application, database)
    # Everything built so far (modules, handlers, templates, the ORM's caches) lives as long as the
    # bot: out of the collector's sight, a full collection scans only what updates allocate (a
    # card's p99 in the chat bench: 6.7 → 3.4 ms).
    gc.freeze()
    return application


async def _stop_workers(application: Application) -> None:
    application.bot_data["services"].shutdown()


async def _register_commands(application: Application) -> None:
    """The command menu in both languages; the default list is the config's language."""
    services: Services = application.bot_data["services"]
    for locale in LOCALES:
        commands = [BotCommand(name, services.renderer.label(locale, "command", name)) for name in COMMANDS]
        await application.bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code=locale[:2])
        if locale == services.settings.display.locale:
            await application.bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())
