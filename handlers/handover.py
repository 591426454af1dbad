"""/handover FROM TO [tier …]: a team lead (within the team) or an admin moves an RM's clients,
after a look at what would move and a tap on Confirm."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.handover import HandoverRefused, execute, plan
from domain.rules import Tier
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import BotContext
from handlers.search import edit_or_ignore

TIERS = {t.value for t in Tier} | {f"class{n}" for n in (1, 2, 3)}


def _parse(args: list[str]) -> tuple[str, str, tuple[str, ...]] | None:
    if len(args) < 2:
        return None
    tiers = tuple(a.lower() for a in args[2:])
    if any(t not in TIERS for t in tiers):
        return None
    return args[0].upper(), args[1].upper(), tiers


async def on_handover(update: Update, context: BotContext) -> None:
    parsed = _parse(list(context.args or []))
    if parsed is None:
        await update.effective_message.reply_text(context.render("handover_usage"))
        return
    from_no, to_no, tiers = parsed
    try:
        chosen = await context.services.run(plan, context.viewer, from_no, to_no, tiers=tiers)
    except HandoverRefused as refused:
        await update.effective_message.reply_text(context.render("handover_refused", reason=refused.reason, detail=refused.detail))
        return
    data = cb.encode(cb.HANDOVER, from_no, to_no, ",".join(tiers))
    markup = keyboards.markup([[keyboards.button(context.label("handover_confirm"), data),
                                keyboards.button(context.label("cancel"), cb.encode(cb.HANDOVER_CANCEL))]])
    await update.effective_message.reply_text(context.render("handover_plan", plan=chosen), reply_markup=markup)


async def on_confirm(update: Update, context: BotContext) -> None:
    query = update.callback_query
    parts = cb.decode(query.data).parts
    services = context.services
    try:
        from_no, to_no, tiers = parts[0], parts[1], tuple(t for t in parts[2].split(",") if t)

        def move(session, viewer):  # noqa: ANN001, ANN202  (one session: the plan as it stands now, then the move)
            return execute(session, plan(session, viewer, from_no, to_no, tiers=tiers), actor=viewer, now=services.now())

        result = await services.run(move, context.viewer)
    except (IndexError, HandoverRefused) as refused:
        await query.answer(context.plain("handover_refused", reason=getattr(refused, "reason", "gone"), detail=getattr(refused, "detail", "")),
                           show_alert=True)
        return
    await query.answer()
    await edit_or_ignore(update, context.render("handover_done", result=result), None)


async def on_cancel(update: Update, context: BotContext) -> None:
    await update.callback_query.answer()
    await edit_or_ignore(update, context.render("handover_cancelled"), None)


def handlers() -> list[tuple[BaseHandler, int]]:
    return [
        (CommandHandler("handover", on_handover), 0),
        (CallbackQueryHandler(on_confirm, pattern=cb.pattern(cb.HANDOVER)), 0),
        (CallbackQueryHandler(on_cancel, pattern=cb.pattern(cb.HANDOVER_CANCEL)), 0),
    ]
