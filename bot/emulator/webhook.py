"""Webhook mode: Telegram POSTs each update to the bot's URL until it answers 2xx.

Updates go one at a time, in order (Telegram may open up to `max_connections` in parallel; one
is enough to show every ordering bug and keeps tests deterministic). Each POST carries
`X-Telegram-Bot-Api-Secret-Token` when a secret was set. A non-2xx answer or a network error
is recorded for getWebhookInfo (`last_error_date`, `last_error_message`) and the same update
is retried after a delay that doubles from `retry_delay` up to `max_retry_delay`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from http import HTTPStatus

import aiohttp

from bot.emulator.state import WebhookConfig, World


class WebhookDelivery:
    def __init__(self, world: World, *, retry_delay: float = 0.2, max_retry_delay: float = 5.0) -> None:
        self.world = world
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self._task: asyncio.Task[None] | None = None

    def reconcile(self) -> None:
        """Start delivering when a webhook is set; the loop ends by itself once it is deleted."""
        if self.world.webhook is not None and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._run(), name="emulator-webhook-delivery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        world = self.world
        delay = self.retry_delay
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while not world.closing and world.webhook is not None:
                hook = world.webhook
                if not world.updates.pending:
                    with contextlib.suppress(TimeoutError):
                        await world.signal.wait_for(
                            lambda hook=hook: (
                                True if (world.updates.pending or world.webhook is not hook or world.closing) else None
                            ),
                            3600,
                        )
                    continue
                update = world.updates.pending[0]
                error = await self._post(session, hook, update)
                if error is None:
                    world.updates.confirm_one(update["update_id"])
                    delay = self.retry_delay
                    world.signal.changed()
                    continue
                hook.last_error_date, hook.last_error_message = world.now(), error
                world.signal.changed()
                with contextlib.suppress(TimeoutError):
                    await world.signal.wait_for(
                        lambda hook=hook: True if (world.webhook is not hook or world.closing) else None, delay
                    )
                delay = min(delay * 2, self.max_retry_delay)

    async def _post(self, session: aiohttp.ClientSession, hook: WebhookConfig, update: dict) -> str | None:
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with session.post(hook.url, data=json.dumps(update), headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                try:
                    phrase = HTTPStatus(response.status).phrase
                except ValueError:
                    phrase = ""
                return f"Wrong response from the webhook: {response.status} {phrase}".rstrip()
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as exc:
            return f"Connection error: {exc.__class__.__name__}"
