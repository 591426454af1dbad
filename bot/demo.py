"""The offline demo: the real bot on the local Telegram emulator, and a chat in the terminal.

A newcomer types as a demo RM (or team lead, branch head, admin) would on their phone: text goes
to the bot, a number presses the button with that number. Photos and documents the bot sends
are saved to files. Nothing here knows more of the bot than Telegram would.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from bot.app import build_application
from bot.bootstrap import Database
from bot.config import Settings
from bot.emulator import Emulator
from bot.emulator.control import WaitTimeout
from bot.emulator.serving import serving
from bot.emulator.state import MessageView

PERSONAS = {  # --as → (employee number, Telegram id) of the sample bank's demo staff
    "rm": ("E00004", 100004),
    "lead": ("E00003", 100003),
    "branch": ("E00002", 100002),
    "admin": ("E00001", 100001),
}
QUIT = {"/quit", "/exit", "quit", "exit", "退出"}
_TAG = re.compile(r"<(/?)(\w+)[^>]*>")
_STYLE = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
          "s": "strike", "del": "strike", "code": "cyan", "pre": "cyan", "a": "underline", "blockquote": "dim"}


def html_to_rich(text: str) -> str:
    """Telegram's HTML subset as rich markup; everything else in the text is shown literally."""
    out: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        out.append(escape(html.unescape(text[position:match.start()])))
        style = _STYLE.get(match[2].lower())
        if style:
            out.append(f"[/{style}]" if match[1] else f"[{style}]")
        position = match.end()
    out.append(escape(html.unescape(text[position:])))
    return "".join(out)


@dataclass
class TerminalChat:
    emulator: Emulator
    user: object
    console: Console
    files: Path
    buttons: list[tuple[MessageView, str]]
    shown: dict[int, str] = field(default_factory=dict)

    @property
    def chat_id(self) -> int:
        return self.user.id  # type: ignore[attr-defined]

    def show(self, message: MessageView, *, edited: bool = False) -> None:
        if edited and self.shown.get(message.message_id) == message.content:
            if not message.buttons and self.buttons and self.buttons[0][0].message_id == message.message_id:
                self.buttons = []  # only its buttons went away
            if not message.buttons:
                return
        self.shown[message.message_id] = message.content
        marker = "✎ " if edited else ""
        self.console.print(f"[green]bot ›[/] {marker}{html_to_rich(message.content)}", highlight=False)
        if message.file is not None:
            self.files.mkdir(parents=True, exist_ok=True)
            path = self.files / (message.file.file_name or f"{message.file.file_id}{_suffix(message.file.data)}")
            path.write_bytes(message.file.data)
            self.console.print(f"   [dim]📎 saved {path}[/]")
        self.buttons = [(message, label) for label in message.button_labels]
        for row_start, row in enumerate(message.buttons):
            first = sum(len(r) for r in message.buttons[:row_start])
            labels = "  ".join(f"[bold cyan][{first + i + 1}][/] {escape(b['text'])}" for i, b in enumerate(row))
            self.console.print(f"   {labels}", highlight=False)

    async def drain(self) -> None:
        """Print what the bot said and edited since the last look; alerts from buttons too."""
        for stream, edited in ((self.emulator.next_message, False), (self.emulator.next_edit, True)):
            while True:
                try:
                    self.show(await stream(self.chat_id, timeout=0), edited=edited)
                except WaitTimeout:
                    break
        while True:
            try:
                answer = await self.emulator.next_callback_answer(self.chat_id, timeout=0)
            except WaitTimeout:
                break
            if answer.text:
                self.console.print(f"[yellow]bot ›[/] [bold]{escape(answer.text)}[/]", highlight=False)

    async def act(self, typed: str) -> None:
        if typed.isdigit() and len(typed) <= 2 and self.buttons:
            index = int(typed) - 1
            if not 0 <= index < len(self.buttons):
                self.console.print(f"[dim]there is no button {typed}; buttons are 1–{len(self.buttons)}[/]")
                return
            message, label = self.buttons[index]
            try:
                await self.emulator.press(self.user, message, label)
            except LookupError:
                self.console.print("[dim]that button is no longer on screen[/]")
                return
        else:
            await self.emulator.send_text(self.user, typed)
        await self.emulator.wait_until_idle(timeout=60)
        await self.drain()


async def chat_in_terminal(
    settings: Settings,
    database: Database,
    *,
    persona: str,
    console: Console,
    read_line: Callable[[str], str] = input,
    files: Path = Path("demo-output"),
    jobs: bool = True,
) -> None:
    employee_no, telegram_id = PERSONAS[persona]
    async with Emulator() as emulator, contextlib.AsyncExitStack() as stack:
        configured = settings.model_copy(
            update={"telegram": settings.telegram.model_copy(
                update={"base_url": emulator.base_url, "base_file_url": emulator.base_file_url})}
        )
        application = build_application(configured, database, token=emulator.token, jobs=jobs)
        language = "zh-hans" if settings.display.locale == "zh_CN" else "en"
        # Someone who has used the bot before (so it may write first): after the digest time on a
        # working day, this morning's digest arrives as the demo starts, as it would on a phone.
        user = emulator.create_user(user_id=telegram_id, first_name=f"demo {persona}", language_code=language, started=True)
        await stack.enter_async_context(serving(emulator, application))
        chat = TerminalChat(emulator, user, console, files, [])
        console.print(
            f"\n[bold]Chatting with rmbot as {persona} ({employee_no})[/]. Type a client's name (e.g. 张, zhang, zs), "
            "a command (/help, /today, /due, /log …), or a button's number. /quit to leave.\n"
        )
        await chat.act("/start")
        while True:
            try:
                typed = (await asyncio.to_thread(read_line, "you › ")).strip()
            except EOFError:
                break
            if typed in QUIT:
                break
            if typed:
                await chat.act(typed)


def _suffix(data: bytes) -> str:
    """A photo has no file name on Telegram: name it by what it is, so that it opens with a click."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    return ".bin"
