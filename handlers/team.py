"""/team [7d|30d|month]: how the team (a lead's) or the units under theirs (a branch head's) are
doing, and a chart of it (`handlers.charts`), sent again when another period is chosen."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.team import BadPeriod, NotALead, Period, export, parse_period, summary
from handlers import callbacks as cb
from handlers import keyboards
from handlers.charts import team_chart
from handlers.exports import team_workbook
from handlers.context import BotContext
from handlers.search import edit_or_ignore

SHOWN = 30
"""Rows of the ranking in the message; the rest are counted."""


def _periods(context: BotContext, current: Period):  # noqa: ANN202
    return keyboards.markup([[
        keyboards.button(context.label("team_period", period.value, period is current), cb.encode(cb.TEAM, period.value))
        for period in Period
    ]])


async def _show(update: Update, context: BotContext, period: Period, *, edit: bool) -> None:
    services = context.services
    try:
        result = await services.run(summary, context.viewer, period=period, today=services.today(context.viewer), settings=services.settings)
    except NotALead:
        await update.effective_message.reply_text(context.render("team_not_a_lead"))
        return
    text = context.render("team_summary", s=result, shown=result.lines[:SHOWN], more=max(0, len(result.lines) - SHOWN))
    if edit:
        await edit_or_ignore(update, text, _periods(context, period))
    else:
        await update.effective_message.reply_text(text, reply_markup=_periods(context, period))
    target = float(services.settings.team.coverage_target)
    picture = await asyncio.to_thread(team_chart, result, target, context.label)  # matplotlib: off the event loop
    await update.effective_message.reply_photo(picture)


EXPORT_WORDS = ("export", "导出", "xlsx")


async def on_team(update: Update, context: BotContext) -> None:
    args = list(context.args or [])
    wants_export = bool(args) and args[0].lower() in EXPORT_WORDS
    try:
        period = parse_period(" ".join(args[1:] if wants_export else args))
    except BadPeriod as bad:
        await update.effective_message.reply_text(context.render("team_bad_period", typed=str(bad)[:20]))
        return
    if wants_export:
        await _export(update, context, period)
        return
    await _show(update, context, period, edit=False)


async def _export(update: Update, context: BotContext, period: Period) -> None:
    services = context.services
    try:
        data = await services.run(export, context.viewer, period=period, today=services.today(context.viewer), settings=services.settings)
    except NotALead:
        await update.effective_message.reply_text(context.render("team_not_a_lead"))
        return
    workbook = await asyncio.to_thread(team_workbook, data, context.label)  # openpyxl: off the event loop
    name = f"team-{data.summary.start:%Y%m%d}-{data.summary.end:%Y%m%d}.xlsx"
    await update.effective_message.reply_document(workbook, filename=name, caption=context.plain("team_export_caption", s=data.summary))


async def on_period(update: Update, context: BotContext) -> None:
    try:
        period = Period(cb.decode(update.callback_query.data).parts[0])
    except (IndexError, ValueError):
        await update.callback_query.answer(context.plain("button_expired"), show_alert=True)
        return
    await update.callback_query.answer()
    await _show(update, context, period, edit=True)


def handlers() -> list[tuple[BaseHandler, int]]:
    return [
        (CommandHandler("team", on_team), 0),
        (CallbackQueryHandler(on_period, pattern=cb.pattern(cb.TEAM)), 0),
    ]
