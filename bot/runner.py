"""Running the bot for real: long polling by default, a webhook by config."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application

from bot.config import ConfigError, Settings


@dataclass(frozen=True)
class Transport:
    mode: str
    options: dict = field(default_factory=dict)


def transport(settings: Settings) -> Transport:
    """How updates reach the bot; a webhook without a secret token is refused."""
    tg = settings.telegram
    if tg.mode == "polling":
        return Transport("polling", {"allowed_updates": Update.ALL_TYPES, "drop_pending_updates": False})
    if not tg.webhook_url:
        raise ConfigError("webhook mode needs [telegram] webhook_url: the public HTTPS address Telegram posts to")
    if len(tg.webhook_secret) < 16:
        raise ConfigError(
            "webhook mode needs [telegram] webhook_secret (16+ characters of A-Z, a-z, 0-9, _ or -): "
            "requests without it in X-Telegram-Bot-Api-Secret-Token are refused"
        )
    return Transport(
        "webhook",
        {
            "listen": tg.webhook_listen,
            "port": tg.webhook_port,
            "url_path": urlsplit(tg.webhook_url).path.lstrip("/"),
            "webhook_url": tg.webhook_url,
            "secret_token": tg.webhook_secret,
            "allowed_updates": Update.ALL_TYPES,
        },
    )


def run_forever(application: Application, settings: Settings) -> None:
    """Block until interrupted (Ctrl-C / SIGTERM), with PTB's own start-up and shutdown."""
    chosen = transport(settings)
    if chosen.mode == "webhook":
        application.run_webhook(**chosen.options)
    else:
        application.run_polling(**chosen.options)
