"""Log a contact from the card in three taps: kind → note (or skip) → next follow-up.

One conversation; what the RM enters is kept in `user_data` and handed to the domain service
only at the last step. /cancel at any step; a flow left alone times out and saves nothing.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from domain.contacts import (
    KINDS,
    MAX_NOTE,
    BadDate,
    ClientNotVisible,
    client_name_if_visible,
    log_contact,
    parse_follow_up_answer,
)
from domain import audit
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import BotContext

KIND, NOTE, FOLLOW_UP = range(3)
DRAFT = "log_draft"
FOLLOW_UP_DAYS = (7, 14, 30)


def _cancel_row(context: BotContext) -> list:
    return [keyboards.button(context.label("cancel"), cb.encode(cb.LOG_FOLLOW, "cancel"))]


async def start(update: Update, context: BotContext) -> int:
    query = update.callback_query
    client_id = cb.decode(query.data).int(0)
    name = await context.services.run(client_name_if_visible, context.viewer, client_id)
    if name is None:
        await query.answer(context.plain("client_gone"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    context.user_data[DRAFT] = {"client_id": client_id, "name": name}
    kinds = [keyboards.button(context.label("kind", kind), cb.encode(cb.LOG_KIND, kind)) for kind in KINDS]
    markup = InlineKeyboardMarkup([kinds[:3], kinds[3:], _cancel_row(context)])
    await query.message.reply_text(context.render("log_ask_kind", name=name), reply_markup=markup)
    return KIND


async def choose_kind(update: Update, context: BotContext) -> int:
    query = update.callback_query
    draft = context.user_data.get(DRAFT)
    if draft is None:
        return await _expired(update, context)
    await query.answer()
    draft["kind"] = cb.decode(query.data).parts[0]
    markup = InlineKeyboardMarkup([[keyboards.button(context.label("skip_note"), cb.encode(cb.LOG_SKIP))], _cancel_row(context)])
    await query.edit_message_text(context.render("log_ask_note", draft=draft), reply_markup=markup)
    return NOTE


async def type_note(update: Update, context: BotContext) -> int:
    draft = context.user_data.get(DRAFT)
    text = update.effective_message.text or ""
    if len(text) > MAX_NOTE:
        await update.effective_message.reply_text(context.render("log_note_too_long", limit=MAX_NOTE, length=len(text)))
        return NOTE
    draft["note"] = text.strip()
    return await _ask_follow_up(update, context, draft)


async def skip_note(update: Update, context: BotContext) -> int:
    draft = context.user_data.get(DRAFT)
    if draft is None:
        return await _expired(update, context)
    await update.callback_query.answer()
    draft["note"] = ""
    return await _ask_follow_up(update, context, draft)


async def _ask_follow_up(update: Update, context: BotContext, draft: dict) -> int:
    days = [keyboards.button(context.label("in_days", n), cb.encode(cb.LOG_FOLLOW, n)) for n in FOLLOW_UP_DAYS]
    markup = InlineKeyboardMarkup([days, [keyboards.button(context.label("no_follow_up"), cb.encode(cb.LOG_FOLLOW, "none"))], _cancel_row(context)])
    await update.effective_chat.send_message(context.render("log_ask_follow_up", draft=draft), reply_markup=markup)
    return FOLLOW_UP


async def pick_follow_up(update: Update, context: BotContext) -> int:
    query = update.callback_query
    choice = cb.decode(query.data).parts[0]
    if choice == "cancel":
        return await cancel(update, context)
    draft = context.user_data.get(DRAFT)
    if draft is None or "kind" not in draft:
        return await _expired(update, context)
    await query.answer()
    today = context.services.today(context.viewer)
    follow_up = None if choice == "none" else today + timedelta(days=int(choice))
    await query.edit_message_reply_markup(None)
    return await _save(update, context, draft, follow_up)


async def type_follow_up(update: Update, context: BotContext) -> int:
    draft = context.user_data.get(DRAFT)
    try:
        follow_up = parse_follow_up_answer(update.effective_message.text or "", context.services.today(context.viewer))
    except BadDate as bad:
        await update.effective_message.reply_text(context.render("bad_date", typed=bad.detail))
        return FOLLOW_UP
    return await _save(update, context, draft, follow_up)


def _log_and_audit(session, viewer, draft: dict, follow_up, now):  # noqa: ANN001, ANN202
    logged = log_contact(session, viewer, draft["client_id"], kind=draft["kind"], note=draft.get("note", ""), follow_up=follow_up, now=now)
    audit.record(session, action="log_contact", now=now, staff_id=viewer.staff_id, target=str(draft["client_id"]))
    return logged


async def _save(update: Update, context: BotContext, draft: dict, follow_up) -> int:  # noqa: ANN001
    services = context.services
    try:
        logged = await services.run(_log_and_audit, context.viewer, draft, follow_up, services.now())
    except ClientNotVisible:
        context.user_data.pop(DRAFT, None)
        await update.effective_chat.send_message(context.render("client_gone"))
        return ConversationHandler.END
    context.user_data.pop(DRAFT, None)
    markup = InlineKeyboardMarkup([[keyboards.button(context.label("undo"), cb.encode(cb.UNDO, logged.interaction_id)),
                                    keyboards.button(context.label("open_card"), cb.encode(cb.CARD, logged.client_id))]])
    await update.effective_chat.send_message(context.render("log_saved", logged=logged), reply_markup=markup)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    context.user_data.pop(DRAFT, None)
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    await update.effective_chat.send_message(context.render("log_cancelled"))
    return ConversationHandler.END


async def timed_out(update: Update, context: BotContext) -> None:
    if context.user_data.pop(DRAFT, None) is not None and update.effective_chat:
        await update.effective_chat.send_message(context.render("log_timed_out"))


async def _expired(update: Update, context: BotContext) -> int:
    await update.callback_query.answer(context.plain("button_expired"), show_alert=True)
    return ConversationHandler.END


async def remind_step(update: Update, context: BotContext) -> None:
    """Text where a button is expected: say what the step wants; nothing is lost."""
    await update.effective_message.reply_text(context.render("log_use_buttons"))


def conversation(timeout_seconds: int) -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(start, pattern=cb.pattern(cb.LOG))],
        states={
            KIND: [CallbackQueryHandler(choose_kind, pattern=cb.pattern(cb.LOG_KIND)), MessageHandler(text, remind_step)],
            NOTE: [MessageHandler(text, type_note), CallbackQueryHandler(skip_note, pattern=cb.pattern(cb.LOG_SKIP))],
            FOLLOW_UP: [CallbackQueryHandler(pick_follow_up, pattern=cb.pattern(cb.LOG_FOLLOW)), MessageHandler(text, type_follow_up)],
            ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, timed_out), CallbackQueryHandler(timed_out)],
        },
        fallbacks=[CommandHandler("cancel", cancel), CallbackQueryHandler(cancel, pattern=r"^lf:cancel$")],
        conversation_timeout=timeout_seconds,
        allow_reentry=True,
        name="log_contact",
        per_message=False,
    )


def handlers(settings) -> list[tuple[BaseHandler, int]]:  # noqa: ANN001
    return [(conversation(settings.chat.conversation_timeout_seconds), 0)]
