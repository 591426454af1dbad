"""/settings: language, morning digest time, quiet hours — buttons, or a time typed as HH:MM."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.preferences import BadTime, preferences, update_preferences
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import BotContext
from handlers.render import pick_locale

DIGEST_TIMES = ("07:30", "08:00", "08:30", "09:00")
QUIET_CHOICES = ("21:00-08:00", "22:00-07:00", "off")


def _keyboard(context: BotContext, prefs=None):  # noqa: ANN001, ANN202
    button = keyboards.button
    rows = [
        [button("中文", cb.encode(cb.SETTINGS, "locale", "zh_CN")), button("English", cb.encode(cb.SETTINGS, "locale", "en"))],
        [button(f"⏰ {t}", cb.encode(cb.SETTINGS, "digest", t.replace(":", ""))) for t in DIGEST_TIMES],
        [button(context.label("quiet_choice", q), cb.encode(cb.SETTINGS, "quiet", q.replace(":", ""))) for q in QUIET_CHOICES],
    ]
    if prefs is not None and prefs.reports_offered:
        turn = "off" if prefs.team_reports else "on"
        rows.append([button(context.label("team_reports_switch", turn), cb.encode(cb.SETTINGS, "reports", turn))])
    return keyboards.markup(rows)


def _defaults(context: BotContext) -> dict:
    schedule = context.services.settings.schedule
    return {"digest_time": f"{schedule.digest_time:%H:%M}", "quiet": f"{schedule.quiet_start:%H:%M}–{schedule.quiet_end:%H:%M}"}


async def show(update: Update, context: BotContext) -> None:
    prefs = await context.services.run(preferences, context.viewer)
    text = context.render("settings", prefs=prefs, defaults=_defaults(context))
    await update.effective_message.reply_text(text, reply_markup=_keyboard(context, prefs))


async def choose(update: Update, context: BotContext) -> None:
    data = cb.decode(update.callback_query.data)
    key, value = data.parts[0], data.parts[1]
    if key == "locale":
        changes = {"locale": value}
    elif key == "digest":
        changes = {"digest_time": f"{value[:2]}:{value[2:]}"}
    elif key == "reports":
        changes = {"team_reports": value == "on"}
    elif value == "off":
        changes = {"quiet_start": None, "quiet_end": None}
    else:
        start, end = value.split("-")
        changes = {"quiet_start": f"{start[:2]}:{start[2:]}", "quiet_end": f"{end[:2]}:{end[2:]}"}
    try:
        prefs = await context.services.run(update_preferences, context.viewer, **changes)
    except BadTime:
        await update.callback_query.answer(context.plain("button_expired"), show_alert=True)
        return
    if "locale" in changes:
        context.locale = pick_locale(prefs.locale)
    await update.callback_query.answer(context.plain("settings_saved"))
    text = context.render("settings", prefs=prefs, defaults=_defaults(context))
    from handlers.search import edit_or_ignore

    await edit_or_ignore(update, text, _keyboard(context, prefs))


def handlers() -> list[tuple[BaseHandler, int]]:
    return [
        (CommandHandler("settings", show), 0),
        (CallbackQueryHandler(choose, pattern=cb.pattern(cb.SETTINGS)), 0),
    ]
