"""Every Telegram handler, in the order they are tried; `bot/` only concatenates them."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers import card, fallback, gate, handover, lists, log_contact, quick_log, search, start, team
from handlers import settings as preferences
from handlers.fallback import on_error


def all_handlers(settings) -> list[tuple[BaseHandler, int]]:  # noqa: ANN001
    """(handler, group) pairs: the sign-in gate first, the catch-alls last."""
    return [
        *gate.handlers(),
        *start.handlers(),
        *log_contact.handlers(settings),
        *search.handlers(),
        *card.handlers(),
        *quick_log.handlers(),
        *lists.handlers(),
        *team.handlers(),
        *handover.handlers(),
        *preferences.handlers(),
        *fallback.handlers(),
    ]


__all__ = ["all_handlers", "on_error"]
