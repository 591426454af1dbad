"""End-to-end fixtures: the Telegram emulator on a free local port, and real PTB Applications on it.

Everything runs in the test's own event loop: the emulator's aiohttp server, PTB's polling (or
its webhook server) and the test body, so a test can act as a user and await the bot's answer.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass

import pytest
from telegram.ext import Application, ApplicationBuilder, BaseHandler

from bot.emulator import Emulator
from bot.emulator.serving import Webhook, serving


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def application_builder(emulator: Emulator) -> ApplicationBuilder:
    """An ApplicationBuilder already pointed at the emulator; add handlers or settings and build."""
    return ApplicationBuilder().token(emulator.token).base_url(emulator.base_url).base_file_url(emulator.base_file_url)


RunBot = Callable[..., Awaitable[Application]]


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


@pytest.fixture
def webhook() -> Webhook:
    """Where PTB's webhook server will listen in this test, with a fresh secret token."""
    return Webhook(port=free_port(), secret_token=secrets.token_urlsafe(24))


@pytest.fixture
def app_builder(emulator: Emulator) -> Callable[[], ApplicationBuilder]:
    return lambda: application_builder(emulator)


@pytest.fixture
async def run_bot(emulator: Emulator) -> AsyncIterator[RunBot]:
    """`await run_bot(handler, ...)` builds and starts a real Application; it is stopped after the test.

    Pass `application=` to run one built elsewhere (e.g. by the composition root), and
    `webhook=Webhook(...)` to run it in webhook mode instead of polling.
    """
    async with contextlib.AsyncExitStack() as stack:

        async def run(
            *handlers: BaseHandler,
            application: Application | None = None,
            webhook: Webhook | None = None,
            error_handlers: Iterable[Callable] = (),
        ) -> Application:
            app = application or application_builder(emulator).build()
            for handler in handlers:
                app.add_handler(handler)
            for callback in error_handlers:
                app.add_error_handler(callback)
            return await stack.enter_async_context(serving(emulator, app, webhook=webhook))

        yield run


# --- rmbot itself on the emulator -------------------------------------------------------------

from datetime import UTC, datetime  # noqa: E402

from sqlalchemy import text  # noqa: E402

from bot.app import build_application  # noqa: E402
from bot.bootstrap import Database  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.emulator.state import MessageView  # noqa: E402
from tests.factories import make_bank  # noqa: E402

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)  # Sunday 22 November 2026, 10:00 in Shanghai

PEOPLE = {  # employee number → (Telegram id, first name, Telegram language)
    "E00001": (100001, "管理员", "zh-hans"),
    "E00002": (100002, "王行长", "zh-hans"),
    "E00003": (100003, "李组长", "zh-hans"),
    "E00004": (100004, "张经理", "zh-hans"),
    # only in tests that add them (test_team_visibility): another team, another branch
    "E00006": (100006, "赵经理", "zh-hans"),
    "E00007": (100007, "钱组长", "zh-hans"),
    "E00012": (100012, "孙行长", "zh-hans"),
    "E00013": (100013, "周组长", "zh-hans"),
    "E00014": (100014, "吴经理", "zh-hans"),
}


class Chat:
    """One person's private chat with the bot: say something, press a button, read the answer."""

    def __init__(self, emulator: Emulator, user) -> None:  # noqa: ANN001
        self.emulator = emulator
        self.user = user
        self.chat_id = user.id

    async def say(self, text: str) -> MessageView:
        """Send `text` and return the bot's next message."""
        await self.emulator.send_text(self.user, text)
        return await self.emulator.next_message(self.chat_id)

    async def press(self, message: MessageView, button: str) -> None:
        await self.emulator.press(self.user, message, button)

    async def press_for_edit(self, message: MessageView, button: str) -> MessageView:
        await self.press(message, button)
        return await self.emulator.next_edit(self.chat_id)

    async def press_for_message(self, message: MessageView, button: str) -> MessageView:
        await self.press(message, button)
        return await self.emulator.next_message(self.chat_id)

    async def press_for_alert(self, message: MessageView, button: str) -> str:
        """Press and return the text of the answer to this very press (earlier answers are skipped)."""
        query_id = await self.emulator.press(self.user, message, button)
        while (answer := await self.emulator.next_callback_answer(self.chat_id)).query_id != query_id:
            pass
        return answer.text or ""


class Clock:
    """The bot's clock in tests: starts at NOW, moved on by the test."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


@dataclass
class BankBot:
    emulator: Emulator
    application: Application
    database: Database
    settings: Settings
    bank: object
    clock: Clock

    def chat(self, employee_no: str, *, language: str | None = None) -> Chat:
        user_id, name, default_language = PEOPLE[employee_no]
        user = self.emulator.create_user(user_id=user_id, first_name=name, language_code=language or default_language)
        return Chat(self.emulator, user)

    def stranger(self, user_id: int = 424242, language: str = "en") -> Chat:
        return Chat(self.emulator, self.emulator.create_user(user_id=user_id, first_name="Stranger", language_code=language))


def bot_settings(settings: Settings, emulator: Emulator, **sections: dict) -> Settings:
    data = settings.model_dump()
    data["telegram"].update(base_url=emulator.base_url, base_file_url=emulator.base_file_url, token=emulator.token)
    for name, values in sections.items():
        data[name].update(values)
    return Settings.model_validate(data)


@pytest.fixture
def bank(engine):
    """The factory bank (units, team T0001, staff E00001–E00004, clients) with the staff linked to Telegram."""
    with engine.begin() as connection:
        made = make_bank(connection, clients=12)
        for employee_no, (user_id, _, _) in PEOPLE.items():
            connection.execute(text("UPDATE staff SET telegram_user_id = :u WHERE employee_no = :e"), {"u": user_id, "e": employee_no})
    return made


@pytest.fixture
def bot_config() -> dict:
    """Per-test settings overrides, e.g. `bot_config["chat"] = {"conversation_timeout_seconds": 1}`."""
    return {}


@pytest.fixture
async def bankbot(emulator, run_bot, database, settings, bank, bot_config) -> BankBot:
    """rmbot's own Application, built by the composition root, polling the emulator."""
    configured = bot_settings(settings, emulator, **bot_config)
    clock = Clock()
    application = build_application(configured, database, token=emulator.token, clock=clock, jobs=False)
    await run_bot(application=application)
    await emulator.wait_until_idle()
    return BankBot(emulator, application, database, configured, bank, clock)
