"""/handover FROM TO [tier … | client numbers …]: a team lead (within the team) or an admin moves
an RM's clients, all, those of some tiers or those listed, after a look at what would move and a
tap on Confirm."""

from __future__ import annotations

import re
import secrets

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.handover import HandoverRefused, execute, plan
from domain.rules import Tier
from handlers import callbacks as cb
from handlers import keyboards
from handlers.context import BotContext
from handlers.search import edit_or_ignore

TIERS = {t.value for t in Tier} | {f"class{n}" for n in (1, 2, 3)}


MAX_LISTED = 500
"""Client numbers one /handover may list (a message holds about as many)."""
PENDING = "handover_lists"
"""`user_data` key: listed handovers waiting for Confirm, by token (lost on restart: the button then expires)."""
_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")


def _parse(args: list[str]) -> tuple[str, str, tuple[str, ...], tuple[str, ...]] | None:
    """(from, to, tiers, client numbers): after the two employee numbers, either tiers or client
    numbers (separated by spaces or commas; a client number has a digit in it), not both."""
    if len(args) < 2:
        return None
    rest = [word for word in _LIST_SEPARATORS.split(" ".join(args[2:])) if word]
    tiers = tuple(word.lower() for word in rest if word.lower() in TIERS)
    clients = tuple(dict.fromkeys(word for word in rest if word.lower() not in TIERS))
    if (tiers and clients) or len(clients) > MAX_LISTED or not all(any(c.isdigit() for c in no) for no in clients):
        return None
    return args[0].upper(), args[1].upper(), tiers, clients


async def on_handover(update: Update, context: BotContext) -> None:
    parsed = _parse(list(context.args or []))
    if parsed is None:
        await update.effective_message.reply_text(context.render("handover_usage"))
        return
    from_no, to_no, tiers, clients = parsed
    try:
        chosen = await context.services.run(plan, context.viewer, from_no, to_no, tiers=tiers, client_nos=clients)
    except HandoverRefused as refused:
        await update.effective_message.reply_text(context.render("handover_refused", reason=refused.reason, detail=refused.detail))
        return
    if clients:
        token = secrets.token_hex(4)
        context.user_data.setdefault(PENDING, {})[token] = (from_no, to_no, clients)
        data = cb.encode(cb.HANDOVER_LIST, token)
    else:
        data = cb.encode(cb.HANDOVER, from_no, to_no, ",".join(tiers))
    markup = keyboards.markup([[keyboards.button(context.label("handover_confirm"), data),
                                keyboards.button(context.label("cancel"), cb.encode(cb.HANDOVER_CANCEL))]])
    await update.effective_message.reply_text(context.render("handover_plan", plan=chosen), reply_markup=markup)


async def on_confirm(update: Update, context: BotContext) -> None:
    query = update.callback_query
    pressed = cb.decode(query.data)
    parts = pressed.parts
    services = context.services
    try:
        if pressed.prefix == cb.HANDOVER_LIST:
            from_no, to_no, clients = context.user_data.get(PENDING, {}).pop(parts[0])
            tiers: tuple[str, ...] = ()
        else:
            from_no, to_no, tiers, clients = parts[0], parts[1], tuple(t for t in parts[2].split(",") if t), ()

        def move(session, viewer):  # noqa: ANN001, ANN202  (one session: the plan as it stands now, then the move)
            chosen = plan(session, viewer, from_no, to_no, tiers=tiers, client_nos=clients)
            return execute(session, chosen, actor=viewer, now=services.now())

        result = await services.run(move, context.viewer)
    except (IndexError, KeyError, HandoverRefused) as refused:
        await query.answer(context.plain("handover_refused", reason=getattr(refused, "reason", "gone"), detail=getattr(refused, "detail", "")),
                           show_alert=True)
        return
    await query.answer()
    await edit_or_ignore(update, context.render("handover_done", result=result), None)


async def on_cancel(update: Update, context: BotContext) -> None:
    context.user_data.pop(PENDING, None)
    await update.callback_query.answer()
    await edit_or_ignore(update, context.render("handover_cancelled"), None)


def handlers() -> list[tuple[BaseHandler, int]]:
    return [
        (CommandHandler("handover", on_handover), 0),
        (CallbackQueryHandler(on_confirm, pattern=cb.pattern(cb.HANDOVER)), 0),
        (CallbackQueryHandler(on_confirm, pattern=cb.pattern(cb.HANDOVER_LIST)), 0),
        (CallbackQueryHandler(on_cancel, pattern=cb.pattern(cb.HANDOVER_CANCEL)), 0),
    ]
