"""The HTTP face of the emulator: Telegram's URL layout, encodings and answers.

`/bot<token>/<method>` accepts GET or POST with parameters in the query string, a JSON body,
an urlencoded form (what PTB's HTTPXRequest sends: each non-string value JSON-encoded) or
multipart/form-data (PTB, when a file is uploaded). Answers are exactly
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": "..."}`, with
`"parameters": {"retry_after": S}` on 429. `/file/bot<token>/<file_path>` serves files.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Coroutine
from typing import Any, NoReturn

from aiohttp import web

from bot.emulator.errors import NOT_FOUND, UNAUTHORIZED, ApiError
from bot.emulator.limits import GATEWAY_STATUSES, Fault, gateway_page
from bot.emulator.media import MAX_UPLOAD_BYTES
from bot.emulator.methods import BOT_API_METHODS, BotApi, Handler, Params, Upload
from bot.emulator.state import CallRecord, World

_WELL_FORMED_TOKEN = re.compile(r"\d+:[\w-]+")
_LONG_POLLING_METHODS = frozenset({"getUpdates"})


def build_app(world: World, api: BotApi) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
    endpoint = _BotApiEndpoint(world, api)
    app.router.add_route("*", "/bot{token}/{method}", endpoint.handle)
    app.router.add_get("/file/bot{token}/{path:.+}", endpoint.download)
    return app


def telegram_json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        content_type="application/json",
    )


class _BotApiEndpoint:
    def __init__(self, world: World, api: BotApi) -> None:
        self.world = world
        self.api = api

    async def handle(self, request: web.Request) -> web.StreamResponse:
        token, method = request.match_info["token"], request.match_info["method"]
        if token != self.world.token:
            error = UNAUTHORIZED if _WELL_FORMED_TOKEN.fullmatch(token) else NOT_FOUND
            self._log(CallRecord(method, {}, error.code, error.description))
            return telegram_json(error.to_telegram(), error.code)
        found = self.api.lookup(method)
        if found is None:
            real = next((name for name in BOT_API_METHODS if name.lower() == method.lower()), None)
            error = (
                NOT_FOUND
                if real is None
                else ApiError(501, f"Not Implemented: the emulator does not support {real} yet")
            )
            self._log(CallRecord(real or method, {}, error.code, error.description))
            return telegram_json(error.to_telegram(), error.code)
        name, handler = found
        try:
            params = await _read_params(request)
        except ApiError as exc:
            self._log(CallRecord(name, {}, exc.code, exc.description))
            return telegram_json(exc.to_telegram(), exc.code)
        record = CallRecord(name, params.logged())
        fault = self.world.faults.take(name)
        delay = 0.0
        if fault is not None and fault.kind == "delay":
            record.injected, delay, fault = True, fault.seconds, None
        elif fault is not None and not (fault.kind == "drop" and fault.after_processing):
            return self._injected(request, record, fault)
        if name in _LONG_POLLING_METHODS:
            response = await self._execute(handler, params, record, delay, tracked=False)
        else:
            response = await self._run_to_completion(self._execute(handler, params, record, delay, tracked=True))
        if fault is not None:
            record.injected, record.description = True, "connection dropped after the call took effect"
            return _drop(request)
        return response

    async def _run_to_completion(self, call: Coroutine[Any, Any, web.Response]) -> web.Response:
        """Like Telegram, finish a call even when the client gave up waiting (its read timeout)."""
        task = asyncio.ensure_future(call)
        self.world.detached.add(task)
        task.add_done_callback(self.world.detached.discard)
        return await asyncio.shield(task)

    async def _execute(
        self, handler: Handler, params: Params, record: CallRecord, delay: float, *, tracked: bool
    ) -> web.Response:
        if tracked:
            self.world.in_flight += 1
            self.world.signal.changed()
        try:
            if delay:
                await asyncio.sleep(delay)
            result = await handler(params)
        except ApiError as exc:
            record.status, record.description = exc.code, exc.description
            return telegram_json(exc.to_telegram(), exc.code)
        except asyncio.CancelledError:
            record.status, record.description = 499, "client closed the connection"
            raise
        else:
            record.status = 200
            return telegram_json({"ok": True, "result": result})
        finally:
            if tracked:
                self.world.in_flight -= 1
            self._log(record)

    def _injected(self, request: web.Request, record: CallRecord, fault: Fault) -> web.StreamResponse:
        record.injected = True
        if fault.kind == "drop":
            record.status, record.description = 0, "connection dropped"
            self._log(record)
            return _drop(request)
        error = fault.error()
        record.status, record.description = error.code, error.description
        self._log(record)
        if error.code in GATEWAY_STATUSES:
            return web.Response(status=error.code, text=gateway_page(error.code), content_type="text/html")
        return telegram_json(error.to_telegram(), error.code)

    async def download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.world.token:
            return telegram_json(NOT_FOUND.to_telegram(), 404)
        path = request.match_info["path"]
        for stored in self.world.files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")
        return telegram_json(NOT_FOUND.to_telegram(), 404)

    def _log(self, record: CallRecord) -> None:
        self.world.calls.append(record)
        self.world.signal.changed()


def _drop(request: web.Request) -> NoReturn:
    """Close the socket without answering, as a broken network or a crashed front end would."""
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError


async def _read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.can_read_body:
        return Params(values)
    try:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON") from None
            if isinstance(body, dict):
                values.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[name] = Upload(name, value.filename, value.content_type, value.file.read())
                else:
                    values[name] = value
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "Request Entity Too Large") from None
    return Params(values, uploads)
