"""The control side: act as Telegram users, read what the bot did, wait for it without sleeping.

`Emulator` is the in-process API (tests run it in their own event loop); `/control/...` exposes
the same operations over HTTP for another process (the terminal demo, see `remote.py`).

Waiting is event-driven. Every change to the emulated world (an update queued, a message stored,
a request starting or ending) fires `World.signal`; `next_message` and friends re-check their
condition on each change and give up with `WaitTimeout` after `timeout` seconds.

Idle. `wait_until_idle()` returns when, all at once,
1. every update Telegram queued has been confirmed by the bot: in polling mode by a getUpdates
   whose offset is above its update_id, in webhook mode by a 2xx answer to its POST;
2. no Bot API request of the bot is in flight (a getUpdates long poll that holds nothing does
   not count as work);
3. every idle probe has returned. A probe is an awaitable the harness registers to see inside
   the bot: the e2e fixtures register PTB's `application.update_queue.join`, which returns once
   every fetched update went through the handlers. Confirmation (1) happens before that — PTB
   confirms a batch as soon as it is queued, not once handled — which is why (3) is needed;
4. nothing changed while the probes ran. Without probes (a bot in another process) the
   conditions must hold for `quiet` seconds with no new request instead: the emulator cannot see
   a handler that is still thinking before its first call.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Self

from aiohttp import web

from bot.emulator.errors import ApiError
from bot.emulator.limits import FaultInjector, RateLimiter, RateLimitPolicy
from bot.emulator.media import guess_mime_type
from bot.emulator.methods import BotApi
from bot.emulator.server import build_app
from bot.emulator.state import (
    CallbackAnswer,
    CallRecord,
    Chat,
    ChatAction,
    FileView,
    MessageView,
    PendingQuery,
    StoredMessage,
    User,
    World,
)
from bot.emulator.text import bot_command_entities, utf16_len
from bot.emulator.webhook import WebhookDelivery

DEFAULT_QUIET = 0.2
_DEEP_LINK_PAYLOAD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

UserRef = User | int
MessageRef = MessageView | int


class WaitTimeout(AssertionError):
    """The bot did not do what a test waited for in time; the message says what it did instead."""


class Emulator:
    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "rmbot_test_bot",
        bot_name: str = "RM Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        privacy_mode: bool = True,
    ) -> None:
        if token is None:
            token = f"{7_000_000_000 + secrets.randbelow(999_999_999)}:{secrets.token_urlsafe(26)}"
        bot_id = int(token.split(":", 1)[0])
        self.world = World(
            bot=User(id=bot_id, first_name=bot_name, username=bot_username, is_bot=True),
            token=token,
            privacy_mode=privacy_mode,
        )
        self.host, self.port = host, port
        self._webhooks = WebhookDelivery(self.world)
        self.api = BotApi(self.world, on_webhook_change=self._webhooks.reconcile)
        self._runner: web.AppRunner | None = None
        self._probes: list[Callable[[], Awaitable[object]]] = []
        self._next_user_id = 100_000_001
        self._next_group_id = 4_000_000_001

    @property
    def token(self) -> str:
        return self.world.token

    @property
    def bot(self) -> User:
        return self.world.bot

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What `ApplicationBuilder().base_url(...)` takes (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def limits(self) -> RateLimiter:
        return self.world.limiter

    @property
    def faults(self) -> FaultInjector:
        return self.world.faults

    async def start(self) -> None:
        app = build_app(self.world, self.api)
        ControlRoutes(self).register(app)
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self.world.closing = True
        self.world.signal.changed()
        await self._webhooks.stop()
        for task in list(self.world.detached):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def go_offline(self) -> None:
        """Stop listening (connections are refused, as when Telegram cannot be reached); the
        world is kept, and `go_online` listens again on the same port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def go_online(self) -> None:
        if self._runner is None:
            await self.start()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def create_user(
        self,
        user_id: int | None = None,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        *,
        started: bool = False,
    ) -> User:
        """A Telegram user and their private chat with the bot (chat id = user id).

        Until the user writes to the bot (or `started=True`), the bot's messages to them fail with
        `403 Forbidden: bot can't initiate conversation with a user`, as on Telegram.
        """
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        if user_id in self.world.users:
            raise ValueError(f"user {user_id} already exists")
        user = User(user_id, first_name, last_name, username, language_code)
        self.world.users[user_id] = user
        self.world.chats[user_id] = Chat(id=user_id, type="private", user=user, started=started)
        return user

    def create_group(
        self,
        title: str,
        members: Iterable[UserRef] = (),
        *,
        chat_id: int | None = None,
        supergroup: bool = False,
        bot_is_member: bool = True,
        bot_is_admin: bool = False,
    ) -> int:
        """A group (or supergroup) with `members`; with the bot in it, the bot gets `my_chat_member`."""
        if chat_id is None:
            number = self._next_group_id
            self._next_group_id += 1
            chat_id = -(1_000_000_000_000 + number) if supergroup else -number
        users = [self._user(member) for member in members]
        chat = Chat(
            id=chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            members={user.id: user for user in users},
            bot_is_member=bot_is_member,
            bot_is_admin=bot_is_admin,
        )
        self.world.chats[chat_id] = chat
        if bot_is_member and users:
            self._queue(
                "my_chat_member",
                self._member_change(chat, users[0], "left", "administrator" if bot_is_admin else "member"),
            )
        return chat_id

    async def add_member(self, chat_id: int, user: UserRef) -> MessageView:
        """`user` joins the group: the service message with `new_chat_members` Telegram sends."""
        chat, member = self._chat(chat_id), self._user(user)
        chat.members[member.id] = member
        message = self.world.store_message(chat, member, extra={"new_chat_members": [member.to_telegram()]})
        return self._incoming(chat, message, service=True)

    async def send_text(
        self,
        user: UserRef,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: MessageRef | None = None,
    ) -> MessageView:
        """`user` sends `text` (to the bot, or in group `chat_id`); commands get `bot_command` entities."""
        sender = self._user(user)
        chat = self._writing_chat(sender, chat_id)
        if not text.strip():
            raise ValueError("Telegram clients do not send empty messages")
        if utf16_len(text) > 4096:
            raise ValueError("Telegram clients split texts over 4096 characters; send the parts one by one")
        message = self.world.store_message(
            chat,
            sender,
            text=text,
            entities=bot_command_entities(text),
            reply_to=self._message(chat, reply_to) if reply_to is not None else None,
        )
        return self._incoming(chat, message)

    async def open_deep_link(self, user: UserRef, payload: str) -> MessageView:
        """The user opens t.me/<bot>?start=<payload>: their client sends `/start <payload>`."""
        if not 1 <= len(payload) <= 64 or not set(payload) <= _DEEP_LINK_PAYLOAD:
            raise ValueError(f"Telegram ignores start parameters that are not 1-64 of A-Z a-z 0-9 _ -: {payload!r}")
        return await self.send_text(user, f"/start {payload}")

    async def send_document(
        self,
        user: UserRef,
        data: bytes,
        file_name: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> MessageView:
        """`user` uploads a file; the bot can getFile it and download it from base_file_url."""
        sender = self._user(user)
        chat = self._writing_chat(sender, chat_id)
        stored = self.world.make_file(
            "document", data, file_name=file_name, mime_type=guess_mime_type(file_name, mime_type)
        )
        self.world.files[stored.file_id] = stored
        message = self.world.store_message(
            chat,
            sender,
            file=stored,
            caption=caption,
            caption_entities=bot_command_entities(caption) if caption else [],
        )
        return self._incoming(chat, message)

    async def press(self, user: UserRef, message: MessageRef, button: str, *, chat_id: int | None = None) -> str:
        """`user` presses the inline button labelled (or with callback_data) `button`; returns the query id.

        The button is looked up on the message as it is now, so a keyboard the bot removed by an
        edit cannot be pressed any more.
        """
        presser = self._user(user)
        chat = self._chat(message.chat_id if isinstance(message, MessageView) else (chat_id or presser.id))
        self._check_can_write(presser, chat)
        stored = self._message(chat, message)
        found = stored.view().find_button(button)
        if "callback_data" not in found:
            kind = next((key for key in found if key != "text"), "text")
            raise ValueError(f"button {button!r} is a {kind} button: pressing it sends the bot no update")
        query_id = self.world.new_query_id()
        self.world.queries[query_id] = PendingQuery(query_id, presser, stored, found["callback_data"], time.monotonic())
        self._queue(
            "callback_query",
            {
                "id": query_id,
                "from": presser.to_telegram(),
                "message": stored.to_telegram(),
                "chat_instance": self.world.chat_instance(chat),
                "data": found["callback_data"],
            },
        )
        return query_id

    async def tap_keyboard(self, user: UserRef, label: str, *, chat_id: int | None = None) -> MessageView:
        """`user` taps `label` on the reply keyboard the bot is showing them: the label is sent as text."""
        presser = self._user(user)
        chat = self._chat(chat_id or presser.id)
        keyboard = chat.reply_keyboard
        labels = [button["text"] for row in (keyboard or {}).get("keyboard", []) for button in row]
        if label not in labels:
            raise LookupError(f"chat {chat.id} shows no reply keyboard button {label!r}; it shows {labels}")
        if keyboard and keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None
        return await self.send_text(presser, label, chat_id=chat.id if chat.type != "private" else None)

    async def block(self, user: UserRef) -> None:
        """The user blocks the bot: its messages now fail with 403, and it gets `my_chat_member` (kicked)."""
        blocker = self._user(user)
        chat = self._chat(blocker.id)
        if not chat.blocked:
            chat.blocked = True
            self._queue("my_chat_member", self._member_change(chat, blocker, "member", "kicked"))

    async def unblock(self, user: UserRef) -> None:
        blocker = self._user(user)
        chat = self._chat(blocker.id)
        if chat.blocked:
            chat.blocked = False
            chat.started = True
            self._queue("my_chat_member", self._member_change(chat, blocker, "kicked", "member"))

    def history(self, chat_id: int) -> list[MessageView]:
        """Every message in the chat that is not deleted, in order, as it is now (after edits)."""
        return [message.view() for message in self._chat(chat_id).history()]

    def bot_messages(self, chat_id: int) -> list[MessageView]:
        return [view for view in self.history(chat_id) if view.from_bot]

    def message(self, chat_id: int, message_id: int) -> MessageView:
        return self._message(self._chat(chat_id), message_id).view()

    def unread_messages(self, chat_id: int) -> list[MessageView]:
        """Bot messages `next_message` has not returned yet."""
        chat = self._chat(chat_id)
        return chat.sent[chat.cursors["sent"] :]

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the user of `chat_id` currently sees, if any."""
        return self._chat(chat_id).reply_keyboard

    def chat_actions(self, chat_id: int) -> list[ChatAction]:
        return list(self._chat(chat_id).actions)

    def file(self, file_id: str) -> FileView:
        stored = self.world.files.get(file_id)
        if stored is None:
            raise LookupError(f"no file {file_id!r}")
        return stored.view()

    def commands(self, *, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, str]]:
        """What getMyCommands would answer for exactly this scope and language."""
        scope = scope or {"type": "default"}
        key = (scope["type"], *(int(scope[k]) for k in ("chat_id", "user_id") if k in scope))
        return list(self.world.commands.get((key, language_code), []))

    def visible_commands(self, user: UserRef, chat_id: int | None = None) -> list[dict[str, str]]:
        """The command menu `user` sees in a chat: Telegram's scope order, the user's language first."""
        person = self._user(user)
        chat = self._chat(chat_id or person.id)
        private = chat.type == "private"
        scopes: list[tuple[Any, ...]] = []
        if not private:
            scopes += [("chat_member", chat.id, person.id), ("chat", chat.id), ("all_group_chats",)]
        else:
            scopes += [("chat", chat.id), ("all_private_chats",)]
        scopes.append(("default",))
        language = (person.language_code or "")[:2]
        for scope in scopes:
            for lang in ([language] if language else []) + [""]:
                found = self.world.commands.get((scope, lang))
                if found:
                    return list(found)
        return []

    async def next_message(self, chat_id: int, timeout: float = 5.0) -> MessageView:
        """The bot's next new message in the chat not returned before (in the order sent)."""
        return await self._next(chat_id, "sent", "new message from the bot", timeout)

    async def next_edit(self, chat_id: int, timeout: float = 5.0) -> MessageView:
        """The next edit of a bot message in the chat, as the message looked right after it."""
        return await self._next(chat_id, "edits", "edit by the bot", timeout)

    async def next_callback_answer(self, chat_id: int, timeout: float = 5.0) -> CallbackAnswer:
        """The next answerCallbackQuery for a button pressed on a message of the chat."""
        return await self._next(chat_id, "answers", "callback query answer", timeout)

    async def next_deletion(self, chat_id: int, timeout: float = 5.0) -> int:
        """The id of the next message the bot deleted in the chat."""
        return await self._next(chat_id, "deletions", "message deletion", timeout)

    async def wait_until_polling(self, timeout: float = 5.0) -> None:
        """Until the bot holds a getUpdates long poll open."""
        try:
            await self.world.signal.wait_for(lambda: True if self.world.poll is not None else None, timeout)
        except TimeoutError:
            raise WaitTimeout(f"the bot did not start polling within {timeout} s{self._recent_failures()}") from None

    def add_idle_probe(self, probe: Callable[[], Awaitable[object]]) -> None:
        """Let `wait_until_idle` also await `probe()` (e.g. PTB's `application.update_queue.join`)."""
        self._probes.append(probe)

    def remove_idle_probe(self, probe: Callable[[], Awaitable[object]]) -> None:
        self._probes.remove(probe)

    async def wait_until_idle(self, timeout: float = 5.0, *, quiet: float | None = None) -> None:
        """Until the bot has handled every update and has nothing in flight (see the module doc)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        quiet = (0.0 if self._probes else DEFAULT_QUIET) if quiet is None else quiet
        signal = self.world.signal
        try:
            while True:
                await signal.wait_for(lambda: True if self._settled() else None, deadline - loop.time())
                version = signal.version
                for probe in self._probes:
                    await asyncio.wait_for(probe(), max(deadline - loop.time(), 0.001))
                if quiet > 0:
                    try:
                        await signal.wait_for(lambda seen=version: True if signal.version != seen else None, quiet)
                        continue
                    except TimeoutError:
                        pass
                if self._settled() and signal.version == version:
                    return
        except TimeoutError:
            raise WaitTimeout(self._not_idle(timeout)) from None

    @property
    def calls(self) -> list[CallRecord]:
        return list(self.world.calls)

    def count(self, method: str | None = None, *, status: int | None = None) -> int:
        """How many Bot API calls (of `method`, answered `status`) the emulator has seen."""
        return sum(
            1
            for call in self.world.calls
            if (method is None or call.method == method) and (status is None or call.status == status)
        )

    @property
    def counters(self) -> Counter[str]:
        return Counter(call.method for call in self.world.calls)

    def enable_rate_limits(self, policy: RateLimitPolicy | None = None) -> None:
        self.world.limiter.enable(policy)

    def _settled(self) -> bool:
        return not self.world.updates.pending and self.world.in_flight == 0

    def _not_idle(self, timeout: float) -> str:
        pending = len(self.world.updates.pending)
        return (
            f"the bot was not idle within {timeout} s: {pending} update(s) not confirmed, "
            f"{self.world.in_flight} request(s) in flight"
            + ("" if self.world.poll is not None or self.world.webhook else "; nothing is polling getUpdates")
            + self._recent_failures()
        )

    async def _next(self, chat_id: int, stream: str, what: str, timeout: float) -> Any:
        chat = self._chat(chat_id)
        items: list[Any] = getattr(chat, stream)

        def ready() -> Any:
            index = chat.cursors[stream]
            if index < len(items):
                chat.cursors[stream] += 1
                return items[index]
            return None

        try:
            return await self.world.signal.wait_for(ready, timeout)
        except TimeoutError:
            raise WaitTimeout(self._explain(chat, what, timeout)) from None

    def _explain(self, chat: Chat, what: str, timeout: float) -> str:
        parts = [f"no {what} in chat {chat.id} within {timeout} s"]
        if self.world.updates.pending:
            parts.append(f"{len(self.world.updates.pending)} update(s) not yet confirmed by the bot")
        if self.world.poll is None and self.world.webhook is None:
            parts.append("nothing is polling getUpdates")
        return "; ".join(parts) + self._recent_failures()

    def _recent_failures(self) -> str:
        failed = [c for c in self.world.calls if c.status not in (200, 499) and c.method != "getUpdates"][-5:]
        if not failed:
            return ""
        return "; recent failed calls: " + ", ".join(f"{c.method} -> {c.status} {c.description}" for c in failed)

    def _queue(self, kind: str, payload: dict[str, Any]) -> int | None:
        update_id = self.world.updates.add(kind, payload)
        self.world.signal.changed()
        return update_id

    def _incoming(self, chat: Chat, message: StoredMessage, *, service: bool = False) -> MessageView:
        if chat.type == "private":
            chat.started = True
        if self._bot_sees(chat, message, service=service):
            self._queue("message", message.to_telegram())
        else:
            self.world.signal.changed()
        return message.view()

    def _bot_sees(self, chat: Chat, message: StoredMessage, *, service: bool) -> bool:
        """Privacy mode: in groups the bot gets service messages, commands, replies to it and mentions of it."""
        if chat.type == "private":
            return True
        if not chat.bot_is_member:
            return False
        if service or not self.world.privacy_mode or chat.bot_is_admin:
            return True
        text = message.text or message.caption or ""
        username = f"@{self.bot.username}".lower()
        for entity in message.entities or message.caption_entities:
            if entity["type"] == "bot_command" and entity["offset"] == 0:
                command = text[: entity["length"]]
                return "@" not in command or command.lower().endswith(username)
        if message.reply_to is not None and message.reply_to.from_bot:
            return True
        return username in text.lower()

    def _member_change(self, chat: Chat, actor: User, old: str, new: str) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"user": self.bot.to_telegram(), "status": status}
            if status == "kicked":
                data["until_date"] = 0
            if status == "administrator":
                data.update(
                    {
                        "can_be_edited": False,
                        "is_anonymous": False,
                        "can_manage_chat": True,
                        "can_delete_messages": True,
                        "can_manage_video_chats": False,
                        "can_restrict_members": False,
                        "can_promote_members": False,
                        "can_change_info": False,
                        "can_invite_users": True,
                        "can_post_stories": False,
                        "can_edit_stories": False,
                        "can_delete_stories": False,
                    }
                )
            return data

        return {
            "chat": chat.to_telegram(),
            "from": actor.to_telegram(),
            "date": self.world.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }

    def _user(self, user: UserRef) -> User:
        user_id = user.id if isinstance(user, User) else int(user)
        found = self.world.users.get(user_id)
        if found is None:
            raise LookupError(f"no user {user_id}; create it with create_user()")
        return found

    def _chat(self, chat_id: int) -> Chat:
        chat = self.world.chats.get(int(chat_id))
        if chat is None:
            raise LookupError(f"no chat {chat_id}")
        return chat

    def _writing_chat(self, sender: User, chat_id: int | None) -> Chat:
        chat = self._chat(chat_id if chat_id is not None else sender.id)
        self._check_can_write(sender, chat)
        return chat

    def _check_can_write(self, sender: User, chat: Chat) -> None:
        if chat.type == "private":
            if chat.id != sender.id:
                raise ValueError(f"user {sender.id} cannot write in the private chat of user {chat.id}")
            if chat.blocked:
                raise ValueError(f"user {sender.id} has blocked the bot; unblock() first")
        elif sender.id not in chat.members:
            raise ValueError(f"user {sender.id} is not a member of chat {chat.id}")

    def _message(self, chat: Chat, message: MessageRef) -> StoredMessage:
        message_id = message.message_id if isinstance(message, MessageView) else int(message)
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise LookupError(f"no message {message_id} in chat {chat.id}")
        return stored


def view_to_json(view: MessageView) -> dict[str, Any]:
    data: dict[str, Any] = {"message": view.raw, "from_bot": view.from_bot, "reply_keyboard": view.reply_keyboard}
    if view.file is not None:
        data["file"] = {k: v for k, v in vars(view.file).items() if k != "data"}
    return data


def view_from_json(data: dict[str, Any], file_data: bytes | None = None) -> MessageView:
    file = FileView(**data["file"], data=file_data) if data.get("file") else None
    return MessageView.from_telegram(
        data["message"], from_bot=data["from_bot"], file=file, reply_keyboard=data.get("reply_keyboard")
    )


class ControlRoutes:
    """`/control/...`: the Emulator's operations as JSON over HTTP, for a process outside the tests."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def register(self, app: web.Application) -> None:
        routes = [
            ("GET", "/control/bot", self.bot),
            ("POST", "/control/users", self.create_user),
            ("POST", "/control/groups", self.create_group),
            ("POST", "/control/groups/{chat_id}/members", self.add_member),
            ("POST", "/control/messages", self.send_text),
            ("POST", "/control/deep_link", self.open_deep_link),
            ("POST", "/control/documents", self.send_document),
            ("POST", "/control/press", self.press),
            ("POST", "/control/keyboard", self.tap_keyboard),
            ("POST", "/control/block", self.block),
            ("POST", "/control/unblock", self.unblock),
            ("GET", "/control/chats/{chat_id}/history", self.history),
            ("GET", "/control/chats/{chat_id}/next_message", self.next_message),
            ("GET", "/control/chats/{chat_id}/next_edit", self.next_edit),
            ("GET", "/control/chats/{chat_id}/next_callback_answer", self.next_callback_answer),
            ("GET", "/control/idle", self.idle),
            ("GET", "/control/calls", self.calls),
            ("GET", "/control/files/{file_id}", self.file),
            ("POST", "/control/limits", self.limits),
            ("POST", "/control/faults", self.faults),
        ]
        for verb, path, handler in routes:
            app.router.add_route(verb, path, self._guarded(handler))

    def _guarded(self, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except WaitTimeout as exc:
                return web.json_response({"error": str(exc)}, status=408)
            except LookupError as exc:
                return web.json_response({"error": str(exc)}, status=404)
            except (ValueError, KeyError, TypeError, ApiError) as exc:
                return web.json_response({"error": str(exc)}, status=400)

        return guarded

    async def bot(self, request: web.Request) -> web.Response:
        e = self.emulator
        return web.json_response(
            {"token": e.token, "base_url": e.base_url, "base_file_url": e.base_file_url, "bot": e.bot.to_telegram()}
        )

    async def create_user(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.emulator.create_user(
            body.get("id"),
            body.get("first_name", "Test"),
            body.get("last_name"),
            body.get("username"),
            body.get("language_code"),
            started=bool(body.get("started", False)),
        )
        return web.json_response(user.to_telegram())

    async def create_group(self, request: web.Request) -> web.Response:
        body = await request.json()
        chat_id = self.emulator.create_group(
            body["title"],
            body.get("member_ids", []),
            chat_id=body.get("id"),
            supergroup=bool(body.get("supergroup", False)),
            bot_is_member=bool(body.get("bot_is_member", True)),
            bot_is_admin=bool(body.get("bot_is_admin", False)),
        )
        return web.json_response({"id": chat_id})

    async def add_member(self, request: web.Request) -> web.Response:
        body = await request.json()
        view = await self.emulator.add_member(int(request.match_info["chat_id"]), body["user_id"])
        return web.json_response(view_to_json(view))

    async def send_text(self, request: web.Request) -> web.Response:
        body = await request.json()
        view = await self.emulator.send_text(
            body["user_id"], body["text"], chat_id=body.get("chat_id"), reply_to=body.get("reply_to_message_id")
        )
        return web.json_response(view_to_json(view))

    async def open_deep_link(self, request: web.Request) -> web.Response:
        body = await request.json()
        view = await self.emulator.open_deep_link(body["user_id"], body["payload"])
        return web.json_response(view_to_json(view))

    async def send_document(self, request: web.Request) -> web.Response:
        body = await request.json()
        view = await self.emulator.send_document(
            body["user_id"],
            base64.b64decode(body["data_base64"]),
            body["file_name"],
            mime_type=body.get("mime_type"),
            caption=body.get("caption"),
            chat_id=body.get("chat_id"),
        )
        return web.json_response(view_to_json(view))

    async def press(self, request: web.Request) -> web.Response:
        body = await request.json()
        query_id = await self.emulator.press(
            body["user_id"], int(body["message_id"]), body["button"], chat_id=body.get("chat_id")
        )
        return web.json_response({"query_id": query_id})

    async def tap_keyboard(self, request: web.Request) -> web.Response:
        body = await request.json()
        view = await self.emulator.tap_keyboard(body["user_id"], body["label"], chat_id=body.get("chat_id"))
        return web.json_response(view_to_json(view))

    async def block(self, request: web.Request) -> web.Response:
        await self.emulator.block((await request.json())["user_id"])
        return web.json_response({"ok": True})

    async def unblock(self, request: web.Request) -> web.Response:
        await self.emulator.unblock((await request.json())["user_id"])
        return web.json_response({"ok": True})

    async def history(self, request: web.Request) -> web.Response:
        views = self.emulator.history(int(request.match_info["chat_id"]))
        return web.json_response([view_to_json(view) for view in views])

    async def next_message(self, request: web.Request) -> web.Response:
        view = await self.emulator.next_message(int(request.match_info["chat_id"]), _timeout(request))
        return web.json_response(view_to_json(view))

    async def next_edit(self, request: web.Request) -> web.Response:
        view = await self.emulator.next_edit(int(request.match_info["chat_id"]), _timeout(request))
        return web.json_response(view_to_json(view))

    async def next_callback_answer(self, request: web.Request) -> web.Response:
        answer = await self.emulator.next_callback_answer(int(request.match_info["chat_id"]), _timeout(request))
        return web.json_response(vars(answer))

    async def idle(self, request: web.Request) -> web.Response:
        quiet = request.query.get("quiet")
        await self.emulator.wait_until_idle(_timeout(request), quiet=float(quiet) if quiet else None)
        return web.json_response({"idle": True})

    async def calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        return web.json_response(
            [
                {
                    "method": c.method,
                    "params": c.params,
                    "status": c.status,
                    "description": c.description,
                    "injected": c.injected,
                }
                for c in self.emulator.calls
                if method is None or c.method == method
            ]
        )

    async def file(self, request: web.Request) -> web.Response:
        found = self.emulator.file(request.match_info["file_id"])
        return web.Response(body=found.data or b"", content_type=found.mime_type or "application/octet-stream")

    async def limits(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("enabled", True):
            fields = {k: v for k, v in body.items() if k in RateLimitPolicy.__dataclass_fields__}
            self.emulator.limits.enable(RateLimitPolicy(**fields) if fields else None)
        else:
            self.emulator.limits.disable()
        return web.json_response({"enabled": self.emulator.limits.enabled})

    async def faults(self, request: web.Request) -> web.Response:
        body = await request.json()
        method, times = body["method"], int(body.get("times", 1))
        if body.get("drop"):
            self.emulator.faults.drop_next(method, times=times, after_processing=bool(body.get("after_processing")))
        elif body.get("delay"):
            self.emulator.faults.delay_next(method, float(body["delay"]), times=times)
        else:
            self.emulator.faults.fail_next(
                method,
                times=times,
                status=int(body.get("status", 500)),
                retry_after=body.get("retry_after"),
                description=body.get("description"),
            )
        return web.json_response({"queued": len(self.emulator.faults)})


def _timeout(request: web.Request) -> float:
    return float(request.query.get("timeout", "5"))


__all__ = ["CallbackAnswer", "Emulator", "MessageView", "WaitTimeout"]
