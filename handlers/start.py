"""/start (with an invite code: sign in), /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from domain import audit
from domain.access import viewer_for_telegram
from domain.invites import InviteRefused, redeem_invite
from handlers.context import BotContext


def _link(session, code: str, user_id: int, now):  # noqa: ANN001, ANN202
    staff = redeem_invite(session, code, user_id, now=now)
    audit.record(session, action="sign_in", now=now, staff_id=staff.id, telegram_user_id=user_id)
    return viewer_for_telegram(session, user_id)


async def start(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    if context.args and not context.signed_in:
        try:
            context.viewer = await context.services.run(_link, context.args[0], user.id, context.services.now())
        except InviteRefused as refused:
            await message.reply_text(context.render("invite_refused", reason=refused.detail))
            return
        await message.reply_text(context.render("welcome", viewer=context.viewer, first_time=True))
        return
    await message.reply_text(context.render("welcome", viewer=context.viewer, first_time=False))


async def help_command(update: Update, context: BotContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.render("help", viewer=context.viewer))


def handlers() -> list[tuple[BaseHandler, int]]:
    return [(CommandHandler("start", start), 0), (CommandHandler("help", help_command), 0)]
