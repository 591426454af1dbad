"""`/log 张三 call 聊了理财到期，两周后再约`, undo within minutes, and setting a follow-up from the card."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain import audit
from domain.contacts import BadDate, BadQuickLog, ClientNotVisible, UndoRefused, log_contact, parse_quick_log, set_follow_up, undo_contact
from domain.search import find_clients, parse_query
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import BotContext
from handlers.log_contact import FOLLOW_UP_DAYS

PENDING = "quick_log"
QUICK_PICK = "q"  # q:<client_id>  which of several matching clients the quick log is for


def _log(session, viewer, client_id: int, quick, now):  # noqa: ANN001, ANN202
    logged = log_contact(session, viewer, client_id, kind=quick.kind, note=quick.note, follow_up=quick.follow_up, now=now)
    audit.record(session, action="log_contact", now=now, staff_id=viewer.staff_id, target=str(client_id))
    return logged


async def _save_and_confirm(update: Update, context: BotContext, client_id: int, quick) -> None:  # noqa: ANN001
    services = context.services
    logged = await services.run(_log, context.viewer, client_id, quick, services.now())
    markup = InlineKeyboardMarkup([[keyboards.button(context.label("undo"), cb.encode(cb.UNDO, logged.interaction_id)),
                                    keyboards.button(context.label("open_card"), cb.encode(cb.CARD, logged.client_id))]])
    await update.effective_chat.send_message(context.render("log_saved", logged=logged), reply_markup=markup)


async def log_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    services = context.services
    text = (message.text or "").partition(" ")[2]
    try:
        quick = parse_quick_log(text, services.today(context.viewer))
    except BadQuickLog:
        await message.reply_text(context.render("quick_log_usage"))
        return
    except BadDate as bad:
        await message.reply_text(context.render("bad_date", typed=bad.detail))
        return
    query = parse_query(quick.who)
    result = await services.run(find_clients, context.viewer, query, 0, now=services.now()) if query else None
    if result is None or not result.hits:
        await message.reply_text(context.render("quick_log_no_client", who=quick.who))
        return
    exact = [hit for hit in result.hits if hit.name == quick.who or hit.client_no == quick.who.upper()]
    if len(exact) == 1 or result.total == 1:
        await _save_and_confirm(update, context, (exact or result.hits)[0].id, quick)
        return
    context.user_data[PENDING] = quick
    rows = [[keyboards.button(context.label("client_button", hit=hit), cb.encode(QUICK_PICK, hit.id))] for hit in result.hits]
    await message.reply_text(context.render("quick_log_which", who=quick.who, count=result.total), reply_markup=InlineKeyboardMarkup(rows))


async def on_pick(update: Update, context: BotContext) -> None:
    quick = context.user_data.pop(PENDING, None)
    if quick is None:
        await update.callback_query.answer(context.plain("button_expired"), show_alert=True)
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    try:
        await _save_and_confirm(update, context, cb.decode(update.callback_query.data).int(0), quick)
    except ClientNotVisible:
        await update.effective_chat.send_message(context.render("client_gone"))


def _undo(session, viewer, interaction_id: int, now, window):  # noqa: ANN001, ANN202
    name = undo_contact(session, viewer, interaction_id, now=now, window=window)
    audit.record(session, action="undo_contact", now=now, staff_id=viewer.staff_id, target=str(interaction_id))
    return name


async def on_undo(update: Update, context: BotContext) -> None:
    services = context.services
    window = timedelta(minutes=services.settings.chat.undo_minutes)
    try:
        name = await services.run(_undo, context.viewer, cb.decode(update.callback_query.data).int(0), services.now(), window)
    except UndoRefused as refused:
        await update.callback_query.answer(context.plain("undo_refused", reason=refused.detail, minutes=services.settings.chat.undo_minutes), show_alert=True)
        return
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(context.render("undone", name=name))


async def on_follow_up(update: Update, context: BotContext) -> None:
    client_id = cb.decode(update.callback_query.data).int(0)
    days = [keyboards.button(context.label("in_days", n), cb.encode(cb.FOLLOW_SET, client_id, n)) for n in FOLLOW_UP_DAYS]
    markup = InlineKeyboardMarkup([days, [keyboards.button(context.label("no_follow_up"), cb.encode(cb.FOLLOW_SET, client_id, "none")),
                                          keyboards.button(context.label("back_to_card"), cb.encode(cb.CARD, client_id))]])
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(markup)


async def on_follow_set(update: Update, context: BotContext) -> None:
    services = context.services
    data = cb.decode(update.callback_query.data)
    client_id, choice = data.int(0), data.parts[1]
    follow_up = None if choice == "none" else services.today(context.viewer) + timedelta(days=int(choice))
    try:
        name = await services.run(set_follow_up, context.viewer, client_id, follow_up, now=services.now())
    except ClientNotVisible:
        await update.callback_query.answer(context.plain("client_gone"), show_alert=True)
        return
    await update.callback_query.answer(context.plain("follow_up_set", name=name, day=follow_up))
    from handlers.card import send_card

    await send_card(update, context, client_id, edit=True)


def handlers() -> list[tuple[BaseHandler, int]]:
    return [
        (CommandHandler("log", log_command), 0),
        (CallbackQueryHandler(on_pick, pattern=cb.pattern(QUICK_PICK)), 0),
        (CallbackQueryHandler(on_undo, pattern=cb.pattern(cb.UNDO)), 0),
        (CallbackQueryHandler(on_follow_up, pattern=cb.pattern(cb.FOLLOW_UP)), 0),
        (CallbackQueryHandler(on_follow_set, pattern=cb.pattern(cb.FOLLOW_SET)), 0),
    ]
