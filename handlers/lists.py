"""The RM's lists: /today, /due, /birthdays, /moves, /mine (and their keywords in plain text)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from handlers.context import BotContext


async def list_for_keyword(update: Update, context: BotContext, text: str) -> bool:
    """Show the list a keyword names (生日, overdue …); False when the text is not a keyword."""
    return False


def handlers() -> list[tuple[BaseHandler, int]]:
    return []
