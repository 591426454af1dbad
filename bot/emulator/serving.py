"""Run a PTB `Application` against the emulator as `rmbot run` would, and stop it cleanly whatever happens.

Shared by the e2e tests, the offline demo and the chat benchmark.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from telegram.ext import Application

from bot.emulator.control import Emulator


@dataclass(frozen=True)
class Webhook:
    port: int
    secret_token: str
    url_path: str = "telegram"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.url_path}"


@contextlib.asynccontextmanager
async def serving(
    emulator: Emulator, application: Application, *, webhook: Webhook | None = None
) -> AsyncIterator[Application]:
    """Run `application` against the emulator (polling, or webhook) and stop it cleanly afterwards.

    PTB's update queue is registered as an idle probe, so `emulator.wait_until_idle()` also
    waits until every fetched update has gone through the handlers.
    """
    probe = application.update_queue.join
    await application.initialize()
    if application.post_init:  # as Application.run_polling/run_webhook do
        await application.post_init(application)
    try:
        await application.start()
        if webhook is None:
            await application.updater.start_polling(poll_interval=0, timeout=10)
        else:
            await application.updater.start_webhook(
                listen="127.0.0.1",
                port=webhook.port,
                url_path=webhook.url_path,
                webhook_url=webhook.url,
                secret_token=webhook.secret_token,
            )
        emulator.add_idle_probe(probe)
        yield application
    finally:
        with contextlib.suppress(ValueError):
            emulator.remove_idle_probe(probe)
        if application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
