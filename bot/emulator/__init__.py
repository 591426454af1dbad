"""A local emulator of the Telegram Bot API, for end-to-end tests and the offline demo.

The real PTB `Application` talks to it over HTTP as if it were Telegram
(`ApplicationBuilder().base_url(emulator.base_url).base_file_url(emulator.base_file_url)`),
while tests act as users and watch the bot through `Emulator` (see `control.py`).
"""

from bot.emulator.control import Emulator, WaitTimeout
from bot.emulator.limits import RateLimitPolicy
from bot.emulator.state import (
    CallbackAnswer,
    CallRecord,
    ChatAction,
    FileView,
    MessageView,
    User,
)

__all__ = [
    "CallRecord",
    "CallbackAnswer",
    "ChatAction",
    "Emulator",
    "FileView",
    "MessageView",
    "RateLimitPolicy",
    "User",
    "WaitTimeout",
]
