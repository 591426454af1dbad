"""What the emulated Telegram knows: users, chats, messages, files, the update queue.

Objects here serialise to the Bot API's JSON shapes (`to_telegram`) so PTB's `de_json` reads
them; the frozen `*View` classes are what tests get back: snapshots that do not change when the
bot later edits a message.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.emulator.limits import FaultInjector, RateLimiter
from bot.emulator.text import entity_text

T = TypeVar("T")

# Update kinds Telegram sends when `allowed_updates` was never set (or set to []).
DEFAULT_UPDATE_KINDS = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
ALL_UPDATE_KINDS = DEFAULT_UPDATE_KINDS | {"chat_member", "message_reaction", "message_reaction_count"}


class Signal:
    """Wakes every waiter whenever the emulator's state changes; each waiter re-checks its condition.

    Waiting is event-driven: a waiter sleeps on an `asyncio.Event` that `changed()` sets, so it
    runs again only when something happened (or its own deadline passed).
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.version = 0

    def changed(self) -> None:
        self.version += 1
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, ready: Callable[[], T | None], timeout: float) -> T:
        """The first non-None value of `ready()`, re-checked on every change; TimeoutError after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = ready()
            if value is not None:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            event = self._event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                value = ready()
                if value is not None:
                    return value
                raise


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_telegram(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data


@dataclass(frozen=True)
class FileView:
    file_id: str
    file_unique_id: str
    kind: str
    file_name: str | None
    mime_type: str | None
    size: int
    data: bytes | None = None
    width: int | None = None
    height: int | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_name: str | None
    mime_type: str | None
    file_path: str
    width: int | None = None
    height: int | None = None

    def to_telegram(self) -> Any:
        common = {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}
        if self.kind == "photo":
            return [{**common, "width": self.width, "height": self.height}]
        data = dict(common)
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data

    def view(self) -> FileView:
        return FileView(
            file_id=self.file_id,
            file_unique_id=self.file_unique_id,
            kind=self.kind,
            file_name=self.file_name,
            mime_type=self.mime_type,
            size=len(self.data),
            data=self.data,
            width=self.width,
            height=self.height,
        )


@dataclass(frozen=True)
class MessageView:
    """A message as it was when the view was taken; `raw` is its Bot API JSON."""

    message_id: int
    chat_id: int
    sender_id: int
    from_bot: bool
    date: int
    text: str | None
    entities: tuple[dict[str, Any], ...]
    caption: str | None
    reply_markup: dict[str, Any] | None
    reply_keyboard: dict[str, Any] | None
    file: FileView | None
    edit_date: int | None
    reply_to_message_id: int | None
    raw: dict[str, Any]

    @classmethod
    def from_telegram(
        cls,
        raw: dict[str, Any],
        *,
        from_bot: bool,
        file: FileView | None = None,
        reply_keyboard: dict[str, Any] | None = None,
    ) -> MessageView:
        entities = raw.get("entities") or raw.get("caption_entities") or []
        return cls(
            message_id=raw["message_id"],
            chat_id=raw["chat"]["id"],
            sender_id=raw["from"]["id"],
            from_bot=from_bot,
            date=raw["date"],
            text=raw.get("text"),
            entities=tuple(entities),
            caption=raw.get("caption"),
            reply_markup=raw.get("reply_markup"),
            reply_keyboard=reply_keyboard,
            file=file,
            edit_date=raw.get("edit_date"),
            reply_to_message_id=(raw.get("reply_to_message") or {}).get("message_id"),
            raw=raw,
        )

    @property
    def content(self) -> str:
        """The text, or the caption of a photo or document."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        return [list(row) for row in (self.reply_markup or {}).get("inline_keyboard", [])]

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    def find_button(self, label_or_data: str) -> dict[str, Any]:
        """The inline button whose label (or else callback_data) is `label_or_data`."""
        flat = [button for row in self.buttons for button in row]
        for key in ("text", "callback_data"):
            for button in flat:
                if button.get(key) == label_or_data:
                    return button
        raise LookupError(
            f"message {self.message_id} in chat {self.chat_id} has no button {label_or_data!r}; "
            f"it has {[(b['text'], b.get('callback_data')) for b in flat]}"
        )

    def formatted(self, entity_type: str) -> list[str]:
        """The parts of the content covered by entities of `entity_type` (e.g. "bold")."""
        return [entity_text(self.content, e) for e in self.entities if e["type"] == entity_type]


@dataclass(frozen=True)
class CallbackAnswer:
    query_id: str
    chat_id: int | None
    message_id: int | None
    user_id: int
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True)
class ChatAction:
    chat_id: int
    action: str


@dataclass
class StoredMessage:
    message_id: int
    chat: Chat
    sender: User
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    file: StoredFile | None = None
    inline_markup: dict[str, Any] | None = None
    keyboard_markup: dict[str, Any] | None = None
    reply_to: StoredMessage | None = None
    edit_date: int | None = None
    deleted: bool = False
    link_preview_options: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    def to_telegram(self, *, with_reply: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender.to_telegram(),
            "chat": self.chat.to_telegram(),
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        if with_reply and self.reply_to is not None:
            data["reply_to_message"] = self.reply_to.to_telegram(with_reply=False)
        if self.text is not None:
            data["text"] = self.text
            if self.entities:
                data["entities"] = [dict(e) for e in self.entities]
        if self.file is not None:
            data[self.file.kind] = self.file.to_telegram()
        if self.caption:
            data["caption"] = self.caption
            if self.caption_entities:
                data["caption_entities"] = [dict(e) for e in self.caption_entities]
        if self.link_preview_options:
            data["link_preview_options"] = dict(self.link_preview_options)
        data.update(self.extra)
        if self.inline_markup:
            data["reply_markup"] = self.inline_markup
        return data

    def view(self) -> MessageView:
        return MessageView.from_telegram(
            self.to_telegram(),
            from_bot=self.from_bot,
            file=self.file.view() if self.file else None,
            reply_keyboard=self.keyboard_markup,
        )


@dataclass(eq=False)
class Chat:
    id: int
    type: str
    title: str | None = None
    user: User | None = None
    members: dict[int, User] = field(default_factory=dict)
    bot_is_member: bool = True
    bot_is_admin: bool = False
    blocked: bool = False
    started: bool = False
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    reply_keyboard: dict[str, Any] | None = None
    sent: list[MessageView] = field(default_factory=list)
    edits: list[MessageView] = field(default_factory=list)
    deletions: list[int] = field(default_factory=list)
    answers: list[CallbackAnswer] = field(default_factory=list)
    actions: list[ChatAction] = field(default_factory=list)
    cursors: Counter[str] = field(default_factory=Counter)

    def to_telegram(self) -> dict[str, Any]:
        if self.type == "private" and self.user is not None:
            return {
                "type": "private",
                **{k: v for k, v in self.user.to_telegram().items() if k in _PRIVATE_CHAT_FIELDS},
            }
        return {"id": self.id, "type": self.type, "title": self.title or ""}

    def history(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if not m.deleted]


_PRIVATE_CHAT_FIELDS = ("id", "first_name", "last_name", "username")


@dataclass
class PendingQuery:
    query_id: str
    user: User
    message: StoredMessage | None
    data: str | None
    created: float
    answered: bool = False


@dataclass
class CallRecord:
    """One Bot API request as the emulator saw it (file contents replaced by a short description)."""

    method: str
    params: dict[str, Any]
    status: int = 0
    description: str | None = None
    injected: bool = False


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateQueue:
    """Updates waiting for the bot, in Telegram's order; removed only once confirmed."""

    def __init__(self, first_update_id: int = 1) -> None:
        self.pending: deque[dict[str, Any]] = deque()
        self.next_update_id = first_update_id
        self.allowed: frozenset[str] = DEFAULT_UPDATE_KINDS

    def add(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update; None when `allowed_updates` filters its kind out (Telegram never stores it)."""
        if kind not in self.allowed:
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.pending.append({"update_id": update_id, kind: payload})
        return update_id

    def set_allowed(self, kinds: Iterable[str]) -> None:
        chosen = frozenset(kinds) & ALL_UPDATE_KINDS
        self.allowed = chosen or DEFAULT_UPDATE_KINDS

    def confirm(self, offset: int) -> None:
        """getUpdates' `offset`: positive confirms every update below it, negative keeps the last -offset."""
        if offset > 0:
            while self.pending and self.pending[0]["update_id"] < offset:
                self.pending.popleft()
        elif offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()

    def confirm_one(self, update_id: int) -> None:
        self.pending = deque(u for u in self.pending if u["update_id"] != update_id)

    def batch(self, limit: int) -> list[dict[str, Any]]:
        return [self.pending[i] for i in range(min(limit, len(self.pending)))]

    def clear(self) -> None:
        self.pending.clear()


@dataclass
class World:
    """The single source of truth shared by the Bot API side and the control side."""

    bot: User
    token: str
    users: dict[int, User] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    queries: dict[str, PendingQuery] = field(default_factory=dict)
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    commands: dict[tuple[tuple[Any, ...], str], list[dict[str, str]]] = field(default_factory=dict)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    webhook: WebhookConfig | None = None
    calls: list[CallRecord] = field(default_factory=list)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    faults: FaultInjector = field(default_factory=FaultInjector)
    signal: Signal = field(default_factory=Signal)
    in_flight: int = 0
    poll: Poll | None = None
    detached: set[asyncio.Task[Any]] = field(default_factory=set)
    closing: bool = False
    privacy_mode: bool = True
    callback_query_ttl: float = 15.0
    _file_counter: int = 0
    _query_counter: int = 0

    def now(self) -> int:
        return int(time.time())

    def store_message(self, chat: Chat, sender: User, **content: Any) -> StoredMessage:
        message = StoredMessage(message_id=chat.next_message_id, chat=chat, sender=sender, date=self.now(), **content)
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return message

    def make_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None,
        mime_type: str | None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        """A new file with Telegram-like ids; it joins `files` (and so works by file_id) once kept."""
        self._file_counter += 1
        number = self._file_counter
        prefix = {"photo": "AgAC", "document": "BQAC"}.get(kind, "CQAC")
        token = base64.urlsafe_b64encode(f"{kind}:{number}:{self.bot.id}".encode()).decode().rstrip("=")
        extension = (
            (file_name or "").rpartition(".")[2]
            if file_name and "." in file_name
            else ("jpg" if kind == "photo" else "bin")
        )
        stored = StoredFile(
            file_id=f"{prefix}{token}",
            file_unique_id=f"AQAD{number:06d}",
            kind=kind,
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            file_path=f"{kind}s/file_{number}.{extension}",
            width=width,
            height=height,
        )
        return stored

    def new_query_id(self) -> str:
        self._query_counter += 1
        return str(self.bot.id * 1_000_000 + self._query_counter)

    def chat_instance(self, chat: Chat) -> str:
        return str((chat.id * 2_654_435_761 + self.bot.id) % 2**63 - 2**62)


@dataclass(eq=False)
class Poll:
    """A getUpdates request currently held open (long polling)."""

    terminated_by: Exception | None = None
