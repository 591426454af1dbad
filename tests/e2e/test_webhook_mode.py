"""Webhook mode from config: updates arrive by POST with the secret token; anything else is refused."""

import httpx
import pytest

from bot.app import build_application
from bot.config import ConfigError
from bot.runner import transport
from tests.e2e.conftest import Clock, bot_settings, free_port


async def test_the_bot_answers_through_a_webhook_and_refuses_a_wrong_secret(emulator, database, settings, bank):
    port = free_port()
    configured = bot_settings(
        settings, emulator,
        telegram={"mode": "webhook", "webhook_url": f"http://127.0.0.1:{port}/hook", "webhook_port": port,
                  "webhook_secret": "s3cret-s3cret-s3cret"},
    )
    options = transport(configured).options
    application = build_application(configured, database, token=emulator.token, clock=Clock(), jobs=False)
    await application.initialize()
    await application.start()
    try:
        await application.updater.start_webhook(**options)
        rm = emulator.create_user(user_id=100004, first_name="张经理", language_code="zh-hans")
        await emulator.send_text(rm, "zhangwei")
        reply = await emulator.next_message(rm.id)
        assert reply.button_labels == ["张伟 · 大众 · 0002"]
        async with httpx.AsyncClient() as client:
            forged = await client.post(
                f"http://127.0.0.1:{port}/hook",
                json={"update_id": 999, "message": {"message_id": 1, "date": 0, "chat": {"id": 100004, "type": "private"},
                                                    "from": {"id": 100004, "is_bot": False, "first_name": "x"}, "text": "zw"}},
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
        assert forged.status_code == 403
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


@pytest.mark.parametrize(
    "telegram, message",
    [
        ({"mode": "webhook", "webhook_url": ""}, "webhook_url"),
        ({"mode": "webhook", "webhook_url": "https://bank.example/hook", "webhook_secret": "short"}, "webhook_secret"),
    ],
)
def test_webhook_mode_without_url_or_secret_is_refused_before_start(settings, telegram, message):
    configured = settings.model_copy(update={"telegram": settings.telegram.model_copy(update=telegram)})
    with pytest.raises(ConfigError, match=message):
        transport(configured)
