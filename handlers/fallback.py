"""What nothing else handled (registered last in group 0): plain text is a search, unknown commands and stale buttons get a
clear answer, and errors are logged without client data."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import callbacks as cb
from handlers.context import BotContext
from handlers.lists import list_for_keyword
from handlers.search import search_text

log = logging.getLogger("rmbot.errors")

MAX_TEXT = 4096


async def on_text(update: Update, context: BotContext) -> None:
    text = update.effective_message.text or ""
    if await list_for_keyword(update, context, text):
        return
    await search_text(update, context, text)


async def unknown_command(update: Update, context: BotContext) -> None:
    command = (update.effective_message.text or "").split()[0][:32]
    await update.effective_message.reply_text(context.render("unknown_command", command=command))


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await update.effective_message.reply_text(context.render("nothing_to_cancel"))


async def other_message(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice: the bot reads text only."""
    await update.effective_message.reply_text(context.render("text_only"))


async def stale_button(update: Update, context: BotContext) -> None:
    data = cb.decode(update.callback_query.data)
    if data and data.prefix == cb.NOOP:
        await update.callback_query.answer()
        return
    await update.callback_query.answer(context.plain("button_expired"), show_alert=True)


async def on_error(update: object, context: BotContext) -> None:
    """Log the exception type and update id only; tell the user something went wrong, nothing was lost."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
    log.error("update %s failed: %s (message withheld: it may hold client data)\n%s", update_id, type(error).__name__, frames)
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
        try:
            await update.effective_chat.send_message(context.render("error_generic"))
        except Exception:  # noqa: BLE001  (the user may have blocked the bot; nothing more to do)
            log.warning("could not tell update %s about the error", update_id)


def handlers() -> list[tuple[BaseHandler, int]]:
    return [
        (MessageHandler(filters.TEXT & ~filters.COMMAND, on_text), 0),
        (CommandHandler("cancel", nothing_to_cancel), 0),
        (MessageHandler(filters.COMMAND, unknown_command), 0),
        (MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, other_message), 0),
        (CallbackQueryHandler(stale_button), 0),
    ]
