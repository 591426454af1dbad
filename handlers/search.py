"""Plain text is a search (or, for a few keywords, a list); /find does the same."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.search import ParsedQuery, QueryKind, find_clients, parse_query
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import BotContext

LAST_SEARCH = "last_search"


async def show_results(update: Update, context: BotContext, query: ParsedQuery, page: int, *, edit: bool) -> None:
    services = context.services
    result = await services.run(find_clients, context.viewer, query, page, now=services.now())
    context.user_data[LAST_SEARCH] = (query.kind, query.text, page)
    text = context.render("search_results", result=result)
    markup = keyboards.search_results(context, result)
    if edit and update.callback_query:
        await edit_or_ignore(update, text, markup)
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def edit_or_ignore(update: Update, text: str, markup) -> None:  # noqa: ANN001
    """Edit the message a button sits on; a second tap on the same button changes nothing."""
    try:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message:
            raise


async def search_text(update: Update, context: BotContext, text: str) -> None:
    query = parse_query(text)
    if query is None:
        await update.effective_message.reply_text(context.render("search_nothing_typed"))
        return
    await show_results(update, context, query, 0, edit=False)


async def find_command(update: Update, context: BotContext) -> None:
    await search_text(update, context, " ".join(context.args or []))


async def on_search_page(update: Update, context: BotContext) -> None:
    data = cb.decode(update.callback_query.data)
    if data.parts[-1] == "last":
        remembered = context.user_data.get(LAST_SEARCH)
        if remembered is None:
            await update.callback_query.answer(context.plain("button_expired"), show_alert=True)
            return
        kind, text, page = remembered
        if data.parts[0] != "last":
            page = int(data.parts[0])
    else:
        page, kind, text = int(data.parts[0]), data.parts[1], data.parts[2]
    await update.callback_query.answer()
    await show_results(update, context, ParsedQuery(QueryKind(kind), text), max(page, 0), edit=True)


def handlers() -> list[tuple[BaseHandler, int]]:
    return [
        (CommandHandler("find", find_command), 0),
        (CallbackQueryHandler(on_search_page, pattern=cb.pattern(cb.SEARCH)), 0),
    ]
