"""Inline keyboards built from data and labels; the words come from `labels.j2`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.search import SearchPage
from handlers import callbacks as cb
from handlers.context import BotContext


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text[:64], callback_data=data)


def pager(context: BotContext, page: int, pages: int, data_for_page) -> list[InlineKeyboardButton]:  # noqa: ANN001
    """◀ 2/5 ▶ — only the arrows that lead somewhere."""
    row = []
    if page > 0:
        row.append(button(context.label("previous"), data_for_page(page - 1)))
    if pages > 1:
        row.append(button(f"{page + 1}/{pages}", cb.encode(cb.NOOP)))
    if page + 1 < pages:
        row.append(button(context.label("next"), data_for_page(page + 1)))
    return row


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    """None for no buttons: Telegram refuses an empty inline keyboard."""
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def search_results(context: BotContext, result: SearchPage) -> InlineKeyboardMarkup | None:
    rows = [
        [button(context.label("client_button", hit=hit), cb.encode(cb.CARD, hit.id))] for hit in result.hits
    ]
    query = result.query

    def page_data(page: int) -> str:
        if cb.fits(cb.SEARCH, page, query.kind, query.text):
            return cb.encode(cb.SEARCH, page, query.kind, query.text)
        return cb.encode(cb.SEARCH, page, "last")

    rows.append(pager(context, result.page, result.pages, page_data))
    return markup(rows)


def card(context: BotContext, client_id: int, *, back: bool) -> InlineKeyboardMarkup:
    rows = [
        [button(context.label("log_contact"), cb.encode(cb.LOG, client_id)),
         button(context.label("set_follow_up"), cb.encode(cb.FOLLOW_UP, client_id))],
        [button(context.label("recent_contacts"), cb.encode(cb.CONTACTS, client_id)),
         button(context.label("recent_movements"), cb.encode(cb.MOVES, client_id))],
    ]
    if back:
        rows.append([button(context.label("back_to_results"), cb.encode(cb.SEARCH, "last"))])
    return InlineKeyboardMarkup(rows)
