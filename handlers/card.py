"""The client card and what hangs off it: recent contacts, recent movements."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from domain.cards import recent_contacts, recent_movements, view_card
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import BotContext
from handlers.search import LAST_SEARCH, edit_or_ignore


async def send_card(
    update: Update, context: BotContext, client_id: int, *, edit: bool, extra: list[list[InlineKeyboardButton]] | None = None
) -> bool:
    """Show the card (editing the message the button sat on), with `extra` rows of buttons under its
    own; False when the client is not visible."""
    services = context.services
    card = await services.run(view_card, context.viewer, client_id, now=services.now(), settings=services.settings)
    if card is None:
        return False
    text = context.render("card", card=card, today=services.today(context.viewer))
    markup = keyboards.card(context, client_id, back=LAST_SEARCH in context.user_data and edit)
    if extra:
        markup = InlineKeyboardMarkup([*markup.inline_keyboard, *extra])
    if edit:
        await edit_or_ignore(update, text, markup)
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)
    return True


async def on_card(update: Update, context: BotContext) -> None:
    client_id = cb.decode(update.callback_query.data).int(0)
    if not await send_card(update, context, client_id, edit=True):
        await update.callback_query.answer(context.plain("client_gone"), show_alert=True)
        return
    await update.callback_query.answer()


async def on_contacts(update: Update, context: BotContext) -> None:
    client_id = cb.decode(update.callback_query.data).int(0)
    found = await context.services.run(recent_contacts, context.viewer, client_id)
    await _show_history(update, context, client_id, found, "recent_contacts")


async def on_movements(update: Update, context: BotContext) -> None:
    client_id = cb.decode(update.callback_query.data).int(0)
    found = await context.services.run(recent_movements, context.viewer, client_id, now=context.services.now())
    await _show_history(update, context, client_id, found, "recent_movements")


async def _show_history(update: Update, context: BotContext, client_id: int, found, template: str) -> None:  # noqa: ANN001
    if found is None:
        await update.callback_query.answer(context.plain("client_gone"), show_alert=True)
        return
    await update.callback_query.answer()
    name, lines = found
    markup = InlineKeyboardMarkup([[keyboards.button(context.label("back_to_card"), cb.encode(cb.CARD, client_id))]])
    await edit_or_ignore(update, context.render(template, name=name, lines=lines), markup)


def handlers() -> list[tuple[BaseHandler, int]]:
    return [
        (CallbackQueryHandler(on_card, pattern=cb.pattern(cb.CARD)), 0),
        (CallbackQueryHandler(on_contacts, pattern=cb.pattern(cb.CONTACTS)), 0),
        (CallbackQueryHandler(on_movements, pattern=cb.pattern(cb.MOVES)), 0),
    ]
