"""`RemoteEmulator`: the control API of an emulator running in another process, over `/control/`.

Same names and arguments as `Emulator` (all awaitable here), for the terminal demo and manual
tries against `python -m bot.emulator`. File contents are fetched on demand (`file_bytes`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any, Self

import aiohttp

from bot.emulator.control import WaitTimeout, view_from_json
from bot.emulator.state import CallbackAnswer, MessageView, User

UserRef = User | int
MessageRef = MessageView | int


class RemoteEmulator:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def bot_info(self) -> dict[str, Any]:
        """token, base_url, base_file_url and the bot's User, to configure the bot process."""
        return await self._call("GET", "/bot")

    async def create_user(
        self,
        user_id: int | None = None,
        first_name: str = "Test",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        *,
        started: bool = False,
    ) -> User:
        data = await self._call(
            "POST",
            "/users",
            {
                "id": user_id,
                "first_name": first_name,
                "last_name": last_name,
                "username": username,
                "language_code": language_code,
                "started": started,
            },
        )
        return User(
            data["id"], data["first_name"], data.get("last_name"), data.get("username"), data.get("language_code")
        )

    async def create_group(
        self,
        title: str,
        members: Iterable[UserRef] = (),
        *,
        chat_id: int | None = None,
        supergroup: bool = False,
        bot_is_member: bool = True,
        bot_is_admin: bool = False,
    ) -> int:
        body = {
            "title": title,
            "member_ids": [_id(m) for m in members],
            "id": chat_id,
            "supergroup": supergroup,
            "bot_is_member": bot_is_member,
            "bot_is_admin": bot_is_admin,
        }
        return (await self._call("POST", "/groups", body))["id"]

    async def add_member(self, chat_id: int, user: UserRef) -> MessageView:
        return view_from_json(await self._call("POST", f"/groups/{chat_id}/members", {"user_id": _id(user)}))

    async def send_text(
        self, user: UserRef, text: str, *, chat_id: int | None = None, reply_to: MessageRef | None = None
    ) -> MessageView:
        body = {
            "user_id": _id(user),
            "text": text,
            "chat_id": chat_id,
            "reply_to_message_id": reply_to.message_id if isinstance(reply_to, MessageView) else reply_to,
        }
        return view_from_json(await self._call("POST", "/messages", body))

    async def open_deep_link(self, user: UserRef, payload: str) -> MessageView:
        return view_from_json(await self._call("POST", "/deep_link", {"user_id": _id(user), "payload": payload}))

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
        body = {
            "user_id": _id(user),
            "data_base64": base64.b64encode(data).decode(),
            "file_name": file_name,
            "mime_type": mime_type,
            "caption": caption,
            "chat_id": chat_id,
        }
        return view_from_json(await self._call("POST", "/documents", body))

    async def press(self, user: UserRef, message: MessageRef, button: str, *, chat_id: int | None = None) -> str:
        if isinstance(message, MessageView):
            chat_id, message = message.chat_id, message.message_id
        body = {"user_id": _id(user), "message_id": message, "button": button, "chat_id": chat_id}
        return (await self._call("POST", "/press", body))["query_id"]

    async def tap_keyboard(self, user: UserRef, label: str, *, chat_id: int | None = None) -> MessageView:
        return view_from_json(
            await self._call("POST", "/keyboard", {"user_id": _id(user), "label": label, "chat_id": chat_id})
        )

    async def block(self, user: UserRef) -> None:
        await self._call("POST", "/block", {"user_id": _id(user)})

    async def unblock(self, user: UserRef) -> None:
        await self._call("POST", "/unblock", {"user_id": _id(user)})

    async def history(self, chat_id: int) -> list[MessageView]:
        return [view_from_json(item) for item in await self._call("GET", f"/chats/{chat_id}/history")]

    async def next_message(self, chat_id: int, timeout: float = 5.0) -> MessageView:
        return view_from_json(await self._call("GET", f"/chats/{chat_id}/next_message", params={"timeout": timeout}))

    async def next_edit(self, chat_id: int, timeout: float = 5.0) -> MessageView:
        return view_from_json(await self._call("GET", f"/chats/{chat_id}/next_edit", params={"timeout": timeout}))

    async def next_callback_answer(self, chat_id: int, timeout: float = 5.0) -> CallbackAnswer:
        data = await self._call("GET", f"/chats/{chat_id}/next_callback_answer", params={"timeout": timeout})
        return CallbackAnswer(**data)

    async def wait_until_idle(self, timeout: float = 5.0, *, quiet: float | None = None) -> None:
        params: dict[str, Any] = {"timeout": timeout}
        if quiet is not None:
            params["quiet"] = quiet
        await self._call("GET", "/idle", params=params)

    async def file_bytes(self, file_id: str) -> bytes:
        async with self._http().get(f"{self.url}/control/files/{file_id}") as response:
            if response.status != 200:
                raise LookupError(f"no file {file_id!r}")
            return await response.read()

    async def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        return await self._call("GET", "/calls", params={"method": method} if method else None)

    async def enable_rate_limits(self, **policy: float) -> None:
        await self._call("POST", "/limits", {"enabled": True, **policy})

    async def disable_rate_limits(self) -> None:
        await self._call("POST", "/limits", {"enabled": False})

    async def fail_next(
        self, method: str, *, times: int = 1, status: int = 500, retry_after: int | None = None
    ) -> None:
        await self._call(
            "POST", "/faults", {"method": method, "times": times, "status": status, "retry_after": retry_after}
        )

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use `async with RemoteEmulator(url) as emulator:`")
        return self._session

    async def _call(
        self, verb: str, path: str, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> Any:
        query = {k: str(v) for k, v in (params or {}).items()}
        async with self._http().request(verb, f"{self.url}/control{path}", json=body, params=query) as response:
            data = await response.json()
            if response.status == 408:
                raise WaitTimeout(data["error"])
            if response.status == 404:
                raise LookupError(data["error"])
            if response.status != 200:
                raise ValueError(data.get("error", data))
            return data


def _id(user: UserRef) -> int:
    return user.id if isinstance(user, User) else int(user)
