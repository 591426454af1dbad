"""The sign-in gate: runs before every handler. Strangers and deactivated staff get one polite
refusal and no data; group chats never see client data: there, only `/team` from signed-in staff
is answered, with the team's aggregates."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

import re

from domain.access import lift_block, viewer_for_telegram
from handlers.context import BotContext
from handlers.render import pick_locale


GROUP_COMMANDS = re.compile(r"/team(?:@\w+)?(?:\s|$)", re.IGNORECASE)
"""What a group chat may ask: a team's summary, which carries aggregates only there."""


def _is_group_summary(update: Update, context: BotContext) -> bool:
    message = update.message
    if update.callback_query or message is None or not message.text:
        return False
    command = GROUP_COMMANDS.match(message.text)
    if command is None:
        return False
    addressed = command.group(0).strip().partition("@")[2]
    return not addressed or addressed.lower() == (context.bot.username or "").lower()


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
        if viewer is None or not _is_group_summary(update, context):
            await _refuse_in_group(update, context)
            raise ApplicationHandlerStop
        context.in_group = True
    if viewer is None:
        if _is_start_with_code(update):
            return
        await _refuse_stranger(update, context)
        raise ApplicationHandlerStop
    context.viewer = viewer
    if viewer.blocked and not context.in_group:  # a word in a group says nothing of the private chat
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
