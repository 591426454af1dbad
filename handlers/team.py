"""/team [7d|30d|month]: how the team (a lead's) or the units under theirs (a branch head's) are
doing, and a chart of it (`handlers.charts`), sent again when another period is chosen."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.team import BadPeriod, Line, NotALead, Period, Summary, export, parse_period, rm_view, summary
from handlers import callbacks as cb
from handlers import keyboards
from handlers.charts import team_chart
from handlers.exports import team_workbook
from handlers.context import BotContext
from handlers.search import edit_or_ignore

SHOWN = 30
"""Rows of the ranking in the message; the rest are counted."""


RM_BUTTONS = 10
"""A lead's first rows of the ranking as buttons: tap an RM for their due list and recent logs."""


def _keyboard(context: BotContext, current: Period, result=None, unit_id: int | None = None):  # noqa: ANN001, ANN202
    """The first rows of the ranking as buttons (an RM: their due list; a unit: its own summary),
    then the periods (of the same unit when drilled into)."""
    rows = []
    if result is not None:
        prefix = cb.TEAM_RM if result.rows_are == "rm" else cb.TEAM_UNIT
        extra = () if result.rows_are == "rm" else (current.value,)
        people = [keyboards.button(f"{n}. {line.name[:10]}", cb.encode(prefix, line.key, *extra))
                  for n, line in enumerate(result.lines[:RM_BUTTONS], 1) if line.key]
        rows += [people[i:i + 2] for i in range(0, len(people), 2)]
    scope = () if unit_id is None else (unit_id,)
    rows.append([
        keyboards.button(context.label("team_period", period.value, period is current), cb.encode(cb.TEAM, period.value, *scope))
        for period in Period
    ])
    return keyboards.markup(rows)


def summary_text(render: Callable[..., str], result: Summary, rows: Sequence[Line] | None = None, **extra: object) -> str:
    """The team_summary template for `result`, its first SHOWN rows (of `rows`, by default all) and
    how many more there are; `render` is a chat's or a speaker's."""
    rows = result.lines if rows is None else rows
    return render("team_summary", s=result, shown=rows[:SHOWN], more=max(0, len(rows) - SHOWN), **extra)


async def _summary(update: Update, context: BotContext, period: Period, unit_id: int | None = None) -> Summary | None:
    """The viewer's summary, or None after telling someone who is no lead (a button: it expired)."""
    services = context.services
    try:
        return await services.run(summary, context.viewer, period=period, today=services.today(context.viewer),
                                  settings=services.settings, unit_id=unit_id, report=True)
    except NotALead:
        if update.callback_query:
            await update.callback_query.answer(context.plain("button_expired"), show_alert=True)
        else:
            await update.effective_message.reply_text(context.render("team_not_a_lead"))
        return None


async def _show(update: Update, context: BotContext, period: Period, *, edit: bool, unit_id: int | None = None) -> None:
    result = await _summary(update, context, period, unit_id)
    if result is None:
        return
    text = summary_text(context.render, result)
    if edit:
        await edit_or_ignore(update, text, _keyboard(context, period, result, unit_id))
    else:
        await update.effective_message.reply_text(text, reply_markup=_keyboard(context, period, result, unit_id))
    target = float(context.services.settings.team.coverage_target)
    picture = await context.services.off_loop(team_chart, result, target, context.label, report=True)  # matplotlib
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
    if context.in_group:
        await _show_in_group(update, context, period, export=wants_export)
        return
    if wants_export:
        await _export(update, context, period)
        return
    await _show(update, context, period, edit=False)


async def _show_in_group(update: Update, context: BotContext, period: Period, *, export: bool) -> None:
    """In a group chat, the team's aggregates only: the totals and, for a branch head, the units'
    rows; no person's figures, no chart (it names the RMs), no buttons, no workbook."""
    message = update.effective_message
    if export:
        await message.reply_text(context.render("team_group_no_export"))
        return
    result = await _summary(update, context, period)
    if result is not None:
        await message.reply_text(summary_text(context.render, result, result.lines if result.rows_are == "unit" else (), group=True))


async def _export(update: Update, context: BotContext, period: Period) -> None:
    services = context.services
    try:
        data = await services.run(export, context.viewer, period=period, today=services.today(context.viewer), settings=services.settings,
                                  report=True)
    except NotALead:
        await update.effective_message.reply_text(context.render("team_not_a_lead"))
        return
    workbook = await services.off_loop(team_workbook, data, context.label, report=True)  # seconds for a branch
    name = f"team-{data.summary.start:%Y%m%d}-{data.summary.end:%Y%m%d}.xlsx"
    await update.effective_message.reply_document(workbook, filename=name, caption=context.plain("team_export_caption", s=data.summary))


async def on_period(update: Update, context: BotContext) -> None:
    parts = cb.decode(update.callback_query.data).parts
    try:
        period = Period(parts[0])
        unit_id = int(parts[1]) if len(parts) > 1 else None
    except (IndexError, ValueError):
        await update.callback_query.answer(context.plain("button_expired"), show_alert=True)
        return
    await update.callback_query.answer()
    await _show(update, context, period, edit=True, unit_id=unit_id)


async def on_unit(update: Update, context: BotContext) -> None:
    """A unit of the ranking, opened as a summary of its own (a new message; the one above stays)."""
    parts = cb.decode(update.callback_query.data).parts
    try:
        unit_id, period = int(parts[0]), Period(parts[1])
    except (IndexError, ValueError):
        await update.callback_query.answer(context.plain("button_expired"), show_alert=True)
        return
    await update.callback_query.answer()
    await _show(update, context, period, edit=False, unit_id=unit_id)


async def on_rm(update: Update, context: BotContext) -> None:
    """One RM's due list and latest logs, read-only, as a new message (the summary stays)."""
    query = update.callback_query
    services = context.services
    try:
        staff_id = cb.decode(query.data).int(0)
    except (IndexError, ValueError):
        staff_id = -1
    found = await services.run(rm_view, context.viewer, staff_id, today=services.today(context.viewer), settings=services.settings)
    if found is None:
        await query.answer(context.plain("button_expired"), show_alert=True)
        return
    await query.answer()
    await update.effective_message.reply_text(context.render("team_rm", view=found))


def handlers() -> list[tuple[BaseHandler, int]]:
    return [
        (CommandHandler("team", on_team), 0),
        (CallbackQueryHandler(on_rm, pattern=cb.pattern(cb.TEAM_RM)), 0),
        (CallbackQueryHandler(on_unit, pattern=cb.pattern(cb.TEAM_UNIT)), 0),
        (CallbackQueryHandler(on_period, pattern=cb.pattern(cb.TEAM)), 0),
    ]
