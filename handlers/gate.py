"""The sign-in gate: runs before every handler. Strangers and deactivated staff get one polite
refusal and no data; group chats never see client data."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from domain.access import lift_block, viewer_for_telegram
from handlers.context import BotContext
from handlers.render import pick_locale


def _is_start_with_code(update: Update) -> bool:
    message = update.effective_message
    return bool(message and message.text and message.text.startswith("/start ") and len(message.text.split()) == 2)


async def sign_in_gate(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    services = context.services
    viewer = await services.run(viewer_for_telegram, user.id)
    context.locale = pick_locale(viewer.locale if viewer else None, user.language_code, services.settings.display.locale)
    if chat is not None and chat.type != ChatType.PRIVATE:
        await _refuse_in_group(update, context)
        raise ApplicationHandlerStop
    if viewer is None:
        if _is_start_with_code(update):
            return
        await _refuse_stranger(update, context)
        raise ApplicationHandlerStop
    context.viewer = viewer
    if viewer.blocked:
        await services.run(lift_block, viewer.staff_id)


async def _refuse_stranger(update: Update, context: BotContext) -> None:
    text = context.render("not_signed_in")
    if update.callback_query:
        await update.callback_query.answer(context.plain("not_signed_in"), show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(text)


async def _refuse_in_group(update: Update, context: BotContext) -> None:
    """Only commands aimed at the bot get an answer in a group: a pointer to the private chat."""
    message = update.effective_message
    if update.callback_query:
        await update.callback_query.answer(context.plain("group_private_only"), show_alert=True)
    elif message and message.text and message.text.startswith("/"):
        await message.reply_text(context.render("group_private_only"))


def handlers() -> list[tuple[BaseHandler, int]]:
    return [(TypeHandler(Update, sign_in_gate), -1)]
