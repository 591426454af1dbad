"""The Bot API methods: validation, effects and answers as Telegram gives them.

Checks run in the order of Telegram's Bot API server: the text and its markup are parsed first
(`message text is empty`, `can't parse entities`, `message is too long`), then the chat is
resolved (`chat not found`), then access (`403 Forbidden`), then flood control (429), and only
then is anything stored.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.emulator.errors import (
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    bad_request,
    conflict,
    forbidden,
)
from bot.emulator.html import HtmlParseError, parse_html
from bot.emulator.media import (
    MAX_DOWNLOAD_BYTES,
    MAX_PHOTO_BYTES,
    guess_mime_type,
    image_size,
)
from bot.emulator.state import (
    DEFAULT_UPDATE_KINDS,
    CallbackAnswer,
    Chat,
    ChatAction,
    Poll,
    StoredFile,
    StoredMessage,
    WebhookConfig,
    World,
)
from bot.emulator.text import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH, FormattedText, tidy

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_SCOPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
_CONFLICT_POLL = "terminated by other getUpdates request; make sure that only one bot instance is running"
_CONFLICT_WEBHOOK = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


@dataclass(frozen=True)
class Upload:
    field: str
    file_name: str | None
    content_type: str | None
    data: bytes


class Params:
    """Request parameters however they came (JSON, form, multipart, query), read like Telegram reads them."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    def raw(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (dict, list, bool)):
            return json.dumps(value)
        return str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.raw(name)
        if value is None:
            return default
        try:
            return int(str(value).strip())
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.raw(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, error: str) -> Any:
        value = self.raw(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        return value

    def upload(self, name: str) -> Upload | None:
        value = self.raw(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.uploads.get(value.removeprefix("attach://"))
        return self.uploads.get(name)

    def logged(self) -> dict[str, Any]:
        shown = dict(self.values)
        for name, upload in self.uploads.items():
            shown[name] = {"file_name": upload.file_name, "mime_type": upload.content_type, "size": len(upload.data)}
        return shown


Handler = Callable[[Params], Awaitable[Any]]


class BotApi:
    def __init__(self, world: World, *, on_webhook_change: Callable[[], None] = lambda: None) -> None:
        self.world = world
        self._on_webhook_change = on_webhook_change
        self.methods: dict[str, tuple[str, Handler]] = {}
        for name in (
            "getMe",
            "getUpdates",
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
            "editMessageCaption",
            "deleteMessage",
            "answerCallbackQuery",
            "sendPhoto",
            "sendDocument",
            "sendChatAction",
            "getFile",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "setMyDescription",
            "getMyDescription",
            "setMyShortDescription",
            "getMyShortDescription",
            "setMyName",
            "getMyName",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "getChat",
            "logOut",
            "close",
        ):
            handler = getattr(self, "_" + re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower())
            self.methods[name.lower()] = (name, handler)

    def lookup(self, method: str) -> tuple[str, Handler] | None:
        """Telegram's method names are case-insensitive."""
        return self.methods.get(method.lower())

    async def _get_me(self, p: Params) -> Any:
        return {
            **self.world.bot.to_telegram(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.world.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _log_out(self, p: Params) -> Any:
        return True

    async def _close(self, p: Params) -> Any:
        return True

    async def _get_updates(self, p: Params) -> Any:
        world = self.world
        if world.webhook is not None:
            raise conflict(_CONFLICT_WEBHOOK)
        offset = p.integer("offset", 0) or 0
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = max(p.integer("timeout", 0) or 0, 0)
        allowed = p.json("allowed_updates", "can't parse allowed updates JSON array")
        if isinstance(allowed, list):
            world.updates.set_allowed(str(kind) for kind in allowed)
        world.updates.confirm(offset)
        if world.poll is not None:
            world.poll.terminated_by = conflict(_CONFLICT_POLL)
        poll = world.poll = Poll()
        world.signal.changed()
        try:
            try:
                await world.signal.wait_for(
                    lambda: (
                        True if (poll.terminated_by or world.updates.pending or world.closing or timeout == 0) else None
                    ),
                    timeout,
                )
            except TimeoutError:
                pass
            if poll.terminated_by is not None:
                raise poll.terminated_by
            return world.updates.batch(limit)
        finally:
            if world.poll is poll:
                world.poll = None
                world.signal.changed()

    async def _send_message(self, p: Params) -> Any:
        formatted = self._message_text(p)
        inline, keyboard = self._reply_markup(p)
        chat = self._writable_chat(p)
        reply_to = self._reply_target(p, chat)
        self.world.limiter.take(chat.id, chat.type)
        preview = p.json("link_preview_options", "can't parse link preview options JSON object")
        if preview is None and p.flag("disable_web_page_preview"):
            preview = {"is_disabled": True}
        message = self.world.store_message(
            chat,
            self.world.bot,
            text=formatted.text,
            entities=formatted.entities,
            inline_markup=inline,
            keyboard_markup=keyboard,
            reply_to=reply_to,
            link_preview_options=preview if isinstance(preview, dict) else None,
        )
        return self._delivered(chat, message, keyboard)

    async def _send_photo(self, p: Params) -> Any:
        return await self._send_media(p, "photo")

    async def _send_document(self, p: Params) -> Any:
        return await self._send_media(p, "document")

    async def _send_media(self, p: Params, kind: str) -> Any:
        caption = self._caption(p)
        inline, keyboard = self._reply_markup(p)
        stored = self._input_file(p, kind)
        chat = self._writable_chat(p)
        reply_to = self._reply_target(p, chat)
        self.world.limiter.take(chat.id, chat.type)
        self.world.files.setdefault(stored.file_id, stored)
        message = self.world.store_message(
            chat,
            self.world.bot,
            file=stored,
            caption=caption.text or None,
            caption_entities=caption.entities,
            inline_markup=inline,
            keyboard_markup=keyboard,
            reply_to=reply_to,
        )
        return self._delivered(chat, message, keyboard)

    def _delivered(self, chat: Chat, message: StoredMessage, keyboard: dict[str, Any] | None) -> dict[str, Any]:
        if keyboard is not None:
            chat.reply_keyboard = None if keyboard.get("remove_keyboard") else keyboard
        chat.sent.append(message.view())
        self.world.signal.changed()
        return message.to_telegram()

    async def _edit_message_text(self, p: Params) -> Any:
        formatted = self._message_text(p)
        inline, _ = self._reply_markup(p, inline_only=True)
        chat, message = self._bot_message(p, "message to edit not found")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        if (formatted.text, formatted.entities, inline) == (message.text, message.entities, message.inline_markup):
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities, message.inline_markup = formatted.text, formatted.entities, inline
        return self._edited(chat, message)

    async def _edit_message_caption(self, p: Params) -> Any:
        caption = self._caption(p)
        inline, _ = self._reply_markup(p, inline_only=True)
        chat, message = self._bot_message(p, "message to edit not found")
        if message.file is None:
            raise bad_request("there is no caption in the message to edit")
        new = (caption.text or None, caption.entities, inline)
        if new == (message.caption, message.caption_entities, message.inline_markup):
            raise bad_request(NOT_MODIFIED)
        message.caption, message.caption_entities, message.inline_markup = new
        return self._edited(chat, message)

    async def _edit_message_reply_markup(self, p: Params) -> Any:
        inline, _ = self._reply_markup(p, inline_only=True)
        chat, message = self._bot_message(p, "message to edit not found")
        if inline == message.inline_markup:
            raise bad_request(NOT_MODIFIED)
        message.inline_markup = inline
        return self._edited(chat, message)

    def _edited(self, chat: Chat, message: StoredMessage) -> dict[str, Any]:
        message.edit_date = self.world.now()
        chat.edits.append(message.view())
        self.world.signal.changed()
        return message.to_telegram()

    async def _delete_message(self, p: Params) -> Any:
        chat = self._chat(p)
        message_id = self._message_id(p)
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if chat.type != "private" and not message.from_bot and not chat.bot_is_admin:
            raise bad_request("message can't be deleted")
        message.deleted = True
        chat.deletions.append(message_id)
        self.world.signal.changed()
        return True

    async def _answer_callback_query(self, p: Params) -> Any:
        query_id = p.text("callback_query_id") or ""
        query = self.world.queries.get(query_id)
        expired = query is not None and time.monotonic() - query.created > self.world.callback_query_ttl
        if query is None or query.answered or expired:
            raise bad_request(QUERY_TOO_OLD)
        query.answered = True
        message = query.message
        answer = CallbackAnswer(
            query_id=query_id,
            chat_id=message.chat.id if message else None,
            message_id=message.message_id if message else None,
            user_id=query.user.id,
            data=query.data,
            text=p.text("text"),
            show_alert=p.flag("show_alert"),
            url=p.text("url"),
        )
        if message is not None:
            message.chat.answers.append(answer)
        self.world.signal.changed()
        return True

    async def _send_chat_action(self, p: Params) -> Any:
        action = p.text("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat = self._writable_chat(p)
        chat.actions.append(ChatAction(chat.id, action))
        self.world.signal.changed()
        return True

    async def _get_file(self, p: Params) -> Any:
        stored = self.world.files.get(p.text("file_id") or "")
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    async def _get_chat(self, p: Params) -> Any:
        chat = self._chat(p)
        no_gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
        )
        return {**chat.to_telegram(), "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": no_gifts}

    async def _set_my_commands(self, p: Params) -> Any:
        commands = p.json("commands", "can't parse commands JSON array")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON array")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name, description = str(command.get("command", "")).removeprefix("/"), str(command.get("description", ""))
            if not _COMMAND.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request(
                    "command description is empty" if not description else "BOT_COMMAND_DESCRIPTION_INVALID"
                )
            cleaned.append({"command": name, "description": description})
        key = (self._scope(p), self._language(p))
        if cleaned:
            self.world.commands[key] = cleaned
        else:
            self.world.commands.pop(key, None)
        return True

    async def _get_my_commands(self, p: Params) -> Any:
        return self.world.commands.get((self._scope(p), self._language(p)), [])

    async def _delete_my_commands(self, p: Params) -> Any:
        self.world.commands.pop((self._scope(p), self._language(p)), None)
        return True

    async def _set_my_description(self, p: Params) -> Any:
        return self._set_text(p, "description", 512)

    async def _get_my_description(self, p: Params) -> Any:
        return {"description": self.world.texts.get(("description", self._language(p)), "")}

    async def _set_my_short_description(self, p: Params) -> Any:
        return self._set_text(p, "short_description", 120)

    async def _get_my_short_description(self, p: Params) -> Any:
        return {"short_description": self.world.texts.get(("short_description", self._language(p)), "")}

    async def _set_my_name(self, p: Params) -> Any:
        return self._set_text(p, "name", 64)

    async def _get_my_name(self, p: Params) -> Any:
        language = self._language(p)
        return {"name": self.world.texts.get(("name", language)) or self.world.bot.first_name}

    def _set_text(self, p: Params, name: str, limit: int) -> bool:
        value = p.text(name) or ""
        if len(value) > limit:
            raise bad_request(f"{name.upper()}_INVALID" if name != "name" else "BOT_NAME_INVALID")
        key = (name, self._language(p))
        if value:
            self.world.texts[key] = value
        else:
            self.world.texts.pop(key, None)
        return True

    async def _set_webhook(self, p: Params) -> Any:
        url = p.text("url") or ""
        if not url:
            return await self._delete_webhook(p)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.text("secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = p.integer("max_connections", 40) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = p.json("allowed_updates", "can't parse allowed updates JSON array")
        if isinstance(allowed, list):
            self.world.updates.set_allowed(str(kind) for kind in allowed)
        if p.flag("drop_pending_updates"):
            self.world.updates.clear()
        self.world.webhook = WebhookConfig(url=url, secret_token=secret, max_connections=max_connections)
        if self.world.poll is not None:
            self.world.poll.terminated_by = conflict(_CONFLICT_WEBHOOK)
        self.world.signal.changed()
        self._on_webhook_change()
        return True

    async def _delete_webhook(self, p: Params) -> Any:
        if p.flag("drop_pending_updates"):
            self.world.updates.clear()
        changed = self.world.webhook is not None
        self.world.webhook = None
        self.world.signal.changed()
        if changed:
            self._on_webhook_change()
        return True

    async def _get_webhook_info(self, p: Params) -> Any:
        hook = self.world.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates.pending),
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
            if self.world.updates.allowed != DEFAULT_UPDATE_KINDS:
                info["allowed_updates"] = sorted(self.world.updates.allowed)
        return info

    def _message_text(self, p: Params) -> FormattedText:
        text = p.text("text")
        if not text:
            raise bad_request("message text is empty")
        formatted = self._formatted(text, p, "parse_mode", "entities")
        if not formatted.text:
            raise bad_request("message text is empty")
        if formatted.length > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return formatted

    def _caption(self, p: Params) -> FormattedText:
        caption = p.text("caption")
        if not caption:
            return FormattedText("")
        formatted = self._formatted(caption, p, "parse_mode", "caption_entities")
        if formatted.length > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return formatted

    def _formatted(self, text: str, p: Params, mode_name: str, entities_name: str) -> FormattedText:
        mode = (p.text(mode_name) or "").lower()
        if mode == "html":
            try:
                parsed = parse_html(text)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode in ("markdown", "markdownv2"):
            from bot.emulator.markdown import MarkdownParseError, parse_markdown

            try:
                parsed = parse_markdown(text, version=2 if mode == "markdownv2" else 1)
            except MarkdownParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        elif mode:
            raise bad_request("unsupported parse_mode")
        else:
            entities = p.json(entities_name, "can't parse entities JSON object") or []
            if not isinstance(entities, list):
                raise bad_request("can't parse entities JSON object")
            parsed = FormattedText(text, [e for e in entities if isinstance(e, dict)])
        return tidy(parsed)

    def _reply_markup(
        self, p: Params, *, inline_only: bool = False
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        markup = p.json("reply_markup", "can't parse reply keyboard markup JSON object")
        if markup is None:
            return None, None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = _inline_keyboard(markup["inline_keyboard"])
            return ({"inline_keyboard": rows} if any(rows) else None), None
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            return None, _reply_keyboard(markup)
        if "remove_keyboard" in markup or "force_reply" in markup:
            return None, markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    def _chat(self, p: Params) -> Chat:
        raw = p.raw("chat_id")
        if raw is None:
            raise bad_request("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            raise bad_request("chat not found")
        try:
            chat_id = int(str(raw).strip())
        except ValueError:
            raise bad_request("chat not found") from None
        chat = self.world.chats.get(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _writable_chat(self, p: Params) -> Chat:
        chat = self._chat(p)
        if chat.type == "private":
            if chat.blocked:
                raise forbidden("bot was blocked by the user")
            if not chat.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif not chat.bot_is_member:
            raise forbidden(f"bot is not a member of the {'supergroup' if chat.type == 'supergroup' else 'group'} chat")
        return chat

    def _message_id(self, p: Params) -> int:
        message_id = p.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        return message_id

    def _bot_message(self, p: Params, missing: str) -> tuple[Chat, StoredMessage]:
        if p.raw("inline_message_id") is not None:
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._chat(p)
        message = chat.messages.get(self._message_id(p))
        if message is None or message.deleted:
            raise bad_request(missing)
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _reply_target(self, p: Params, chat: Chat) -> StoredMessage | None:
        parameters = p.json("reply_parameters", "can't parse reply parameters JSON object")
        if isinstance(parameters, dict):
            message_id = parameters.get("message_id")
            allow = bool(parameters.get("allow_sending_without_reply"))
            target_chat = self.world.chats.get(int(parameters["chat_id"])) if parameters.get("chat_id") else chat
        else:
            message_id = p.integer("reply_to_message_id")
            allow = p.flag("allow_sending_without_reply")
            target_chat = chat
        if not message_id:
            return None
        message = target_chat.messages.get(int(message_id)) if target_chat else None
        if message is None or message.deleted:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return message

    def _input_file(self, p: Params, kind: str) -> StoredFile:
        upload = p.upload(kind)
        if upload is not None:
            return self._stored_upload(upload, kind)
        reference = p.text(kind)
        if not reference:
            raise bad_request(f"there is no {kind} in the request")
        if reference.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        stored = self.world.files.get(reference)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    def _stored_upload(self, upload: Upload, kind: str) -> StoredFile:
        if not upload.data:
            raise bad_request("file must be non-empty")
        if kind == "photo":
            if len(upload.data) > MAX_PHOTO_BYTES:
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            size = image_size(upload.data)
            if size is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10_000 or max(width, height) > 20 * max(1, min(width, height)):
                raise bad_request("PHOTO_INVALID_DIMENSIONS")
            return self.world.make_file(
                "photo", upload.data, file_name=None, mime_type=None, width=width, height=height
            )
        mime = guess_mime_type(upload.file_name, upload.content_type)
        return self.world.make_file(kind, upload.data, file_name=upload.file_name, mime_type=mime)

    def _scope(self, p: Params) -> tuple[Any, ...]:
        scope = p.json("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
            raise bad_request("can't parse BotCommandScope JSON object")
        key: list[Any] = [scope["type"]]
        for name in _SCOPES[scope["type"]]:
            if scope.get(name) in (None, ""):
                raise bad_request(f"{name} is empty" if name == "chat_id" else "user not found")
            key.append(int(scope[name]))
        if len(key) > 1 and key[1] not in self.world.chats:
            raise bad_request("chat not found")
        return tuple(key)

    def _language(self, p: Params) -> str:
        language = p.text("language_code") or ""
        if language and not _LANGUAGE.fullmatch(language):
            raise bad_request("invalid language code specified")
        return language


def _inline_keyboard(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    cleaned = []
    for row in rows:
        kept = []
        for button in row:
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
            if not isinstance(button.get("text"), str):
                raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
            if not button["text"]:
                raise bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None:
                if not isinstance(data, str) or len(data.encode("utf-8")) > 64:
                    raise bad_request("BUTTON_DATA_INVALID")
                if data == "":
                    button = {k: v for k, v in button.items() if k != "callback_data"}
            if not any(action in button for action in _INLINE_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            url = button.get("url")
            if url is not None and not _button_url_ok(str(url)):
                raise bad_request("BUTTON_URL_INVALID")
            kept.append(button)
        if kept:
            cleaned.append(kept)
    return cleaned


def _button_url_ok(url: str) -> bool:
    parts = urlsplit(url if "://" in url or url.startswith("tg:") else "http://" + url)
    if parts.scheme == "tg":
        return True
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "." in (parts.hostname or "")


def _reply_keyboard(markup: dict[str, Any]) -> dict[str, Any]:
    rows = markup["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'can\'t parse keyboard button: Field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays'
        )
    normalised = []
    for row in rows:
        buttons = []
        for button in row:
            if isinstance(button, str):
                button = {"text": button}
            if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
                raise bad_request("can't parse keyboard button: KeyboardButton must be a String or an Object")
            buttons.append(button)
        normalised.append(buttons)
    return {**markup, "keyboard": normalised}


# Every method of the Bot API (9.x). Those the emulator does not implement answer 501 with a
# clear description instead of Telegram's 404, which PTB would report as an invalid token.
_BOT_API_METHOD_NAMES = """
    addStickerToSet answerCallbackQuery answerGuestQuery answerInlineQuery answerPreCheckoutQuery
    answerShippingQuery answerWebAppQuery approveChatJoinRequest approveSuggestedPost banChatMember
    banChatSenderChat close closeForumTopic closeGeneralForumTopic convertGiftToStars copyMessage
    copyMessages createChatInviteLink createChatSubscriptionInviteLink createForumTopic
    createInvoiceLink createNewStickerSet declineChatJoinRequest declineSuggestedPost
    deleteAllMessageReactions deleteBusinessMessages deleteChatPhoto deleteChatStickerSet
    deleteForumTopic deleteMessage deleteMessageReaction deleteMessages deleteMyCommands
    deleteStickerFromSet deleteStickerSet deleteStory deleteWebhook editChatInviteLink
    editChatSubscriptionInviteLink editForumTopic editGeneralForumTopic editMessageCaption
    editMessageChecklist editMessageLiveLocation editMessageMedia editMessageReplyMarkup
    editMessageText editStory editUserStarSubscription exportChatInviteLink forwardMessage
    forwardMessages getAvailableGifts getBusinessAccountGifts getBusinessAccountStarBalance
    getBusinessConnection getChat getChatAdministrators getChatGifts getChatMember
    getChatMemberCount getChatMenuButton getCustomEmojiStickers getFile getForumTopicIconStickers
    getGameHighScores getManagedBotAccessSettings getManagedBotToken getMe getMyCommands
    getMyDefaultAdministratorRights getMyDescription getMyName getMyShortDescription
    getMyStarBalance getStarTransactions getStickerSet getUpdates getUserChatBoosts getUserGifts
    getUserPersonalChatMessages getUserProfileAudios getUserProfilePhotos getWebhookInfo
    giftPremiumSubscription hideGeneralForumTopic leaveChat logOut pinChatMessage postStory
    promoteChatMember readBusinessMessage refundStarPayment removeBusinessAccountProfilePhoto
    removeChatVerification removeMyProfilePhoto removeUserVerification reopenForumTopic
    reopenGeneralForumTopic replaceManagedBotToken replaceStickerInSet repostStory
    restrictChatMember revokeChatInviteLink savePreparedInlineMessage savePreparedKeyboardButton
    sendAnimation sendAudio sendChatAction sendChecklist sendContact sendDice sendDocument sendGame
    sendGift sendInvoice sendLivePhoto sendLocation sendMediaGroup sendMessage sendMessageDraft
    sendPaidMedia sendPhoto sendPoll sendSticker sendVenue sendVideo sendVideoNote sendVoice
    setBusinessAccountBio setBusinessAccountGiftSettings setBusinessAccountName
    setBusinessAccountProfilePhoto setBusinessAccountUsername setChatAdministratorCustomTitle
    setChatDescription setChatMemberTag setChatMenuButton setChatPermissions setChatPhoto
    setChatStickerSet setChatTitle setCustomEmojiStickerSetThumbnail setGameScore
    setManagedBotAccessSettings setMessageReaction setMyCommands setMyDefaultAdministratorRights
    setMyDescription setMyName setMyProfilePhoto setMyShortDescription setPassportDataErrors
    setStickerEmojiList setStickerKeywords setStickerMaskPosition setStickerPositionInSet
    setStickerSetThumbnail setStickerSetTitle setUserEmojiStatus setWebhook stopMessageLiveLocation
    stopPoll transferBusinessAccountStars transferGift unbanChatMember unbanChatSenderChat
    unhideGeneralForumTopic unpinAllChatMessages unpinAllForumTopicMessages
    unpinAllGeneralForumTopicMessages unpinChatMessage upgradeGift uploadStickerFile verifyChat
    verifyUser
"""
BOT_API_METHODS = frozenset(_BOT_API_METHOD_NAMES.split())
