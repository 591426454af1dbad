"""The RM's lists: /today, /due, /birthdays [days], /moves [days], /mine (and their keywords in plain text).

Each list is one domain query rendered by one template; buttons page through it in place
(`li:<name>:<page>[:<days>]`) and open a client's card.

The digest (/today, and the morning push) draws each reminder as a row of buttons: its client
(the card as a new message, so the digest stays, with the reminder's snooze and done under it),
the first snooze and done (`domain.triage`). Acting from the digest redraws it in place without
that reminder; acting from a card or an urgent alert takes the reminder's buttons off that message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain import lists
from domain.triage import Action, BadReminder, Outcome, Reminder, act, can_snooze, reminder_for
from handlers import callbacks as cb
from handlers import keyboards
from handlers.card import send_card
from handlers.context import BotContext
from handlers.search import edit_or_ignore

DUE, BIRTHDAYS, MOVES, TODAY, MINE = "due", "bd", "mv", "today", "mine"
BUTTONS_PER_ROW = 2
DIGEST_BUTTONS = 10

KEYWORDS: dict[str, str] = {
    **dict.fromkeys(("生日", "birthdays", "birthday"), BIRTHDAYS),
    **dict.fromkeys(("逾期", "overdue", "due", "跟进", "待跟进"), DUE),
    **dict.fromkeys(("大额", "大额变动", "movements", "moves"), MOVES),
    **dict.fromkeys(("今天", "今日", "晨报", "today"), TODAY),
    **dict.fromkeys(("我的客户", "mine"), MINE),
}
_TRAILING = " \t\r\n.!?。！？~～"


def keyword_list(text: str) -> str | None:
    """The list a whole message names (`生日`, `Overdue!`), or None."""
    return KEYWORDS.get(unicodedata.normalize("NFKC", text).strip().rstrip(_TRAILING).lower())


@dataclass(frozen=True)
class _Paged:
    query: Callable[..., lists.Page[Any]]
    template: str
    max_days: int | None = None


_PAGED = {
    DUE: _Paged(lists.due, "list_due"),
    BIRTHDAYS: _Paged(lists.birthdays, "list_birthdays", lists.MAX_BIRTHDAY_DAYS),
    MOVES: _Paged(lists.movements, "list_moves", lists.MAX_MOVEMENT_DAYS),
}


def _rows(buttons: Sequence[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i:i + BUTTONS_PER_ROW]) for i in range(0, len(buttons), BUTTONS_PER_ROW)]


def _card_buttons(context: BotContext, items: Sequence[Any], first: int | None = None) -> list[InlineKeyboardButton]:
    """One button per item opening its client's card, numbered like the message's lines when it numbers them."""
    return [
        keyboards.button(
            context.label("list_item", None if first is None else first + i, item), cb.encode(cb.CARD, item.client_id)
        )
        for i, item in enumerate(items)
    ]


def _links(context: BotContext, *names: str) -> list[InlineKeyboardButton]:
    return [keyboards.button(context.label("list_link", name), cb.encode(cb.LIST, name, 0)) for name in names]


def _paged_view(context: BotContext, name: str, result: lists.Page[Any]) -> tuple[str, InlineKeyboardMarkup | None]:
    extra = () if result.days is None else (result.days,)
    rows = _rows(_card_buttons(context, result.items, result.offset + 1))
    rows.append(keyboards.pager(context, result.page, result.pages, lambda page: cb.encode(cb.LIST, name, page, *extra)))
    rows.append(_links(context, TODAY, MINE))
    return context.render(_PAGED[name].template, result=result), keyboards.markup(rows)


def digest_view(context: BotContext, digest: lists.Digest, snooze_days: tuple[int, ...]) -> tuple[str, InlineKeyboardMarkup | None]:
    """The digest's text, a row per reminder (the first DIGEST_BUTTONS) with the first of
    `snooze_days`, and links to the whole lists that say how many more each holds."""
    rows = []
    for section in digest.sections:
        for item in section.items:
            if len(rows) < DIGEST_BUTTONS:
                rows.append(digest_row(context, reminder_for(item), digest.today, section.name, item, snooze_days[:1]))
    more = {
        DUE: digest.follow_ups.more + digest.overdue.more,
        BIRTHDAYS: digest.birthdays_today.more + digest.upcoming_birthdays.more,
        MOVES: digest.attrition.more,
    }
    rows.append([
        keyboards.button(context.label("list_link_more", name, count), cb.encode(cb.LIST, name, 0)) for name, count in more.items()
    ])
    return context.render("list_today", digest=digest), keyboards.markup(rows)


FROM_DIGEST, FROM_CARD = "g", "c"


def _parts(reminder: Reminder) -> tuple[str, int, str]:
    return reminder.kind.value, reminder.client_id, reminder.token()


def action_buttons(
    context: BotContext, reminder: Reminder, today: date, snooze_days: tuple[int, ...], *, source: str
) -> list[InlineKeyboardButton]:
    """💤 per snooze (when the reminder can be snoozed), then ✅."""
    choices = snooze_days if can_snooze(reminder, today) else ()
    buttons = [
        keyboards.button(context.label("snooze", days), cb.encode(cb.REMINDER_ACT, f"s{days}", *_parts(reminder), source))
        for days in choices
    ]
    buttons.append(done_button(context, reminder, source))
    return buttons


def done_button(context: BotContext, reminder: Reminder, source: str = FROM_CARD) -> InlineKeyboardButton:
    return keyboards.button(context.label("done"), cb.encode(cb.REMINDER_ACT, "d", *_parts(reminder), source))


def digest_row(
    context: BotContext, reminder: Reminder, today: date, section: str, item: object, snooze_days: tuple[int, ...]
) -> list[InlineKeyboardButton]:
    opener = keyboards.button(context.label("reminder_item", section, item), cb.encode(cb.REMINDER, *_parts(reminder)))
    return [opener, *action_buttons(context, reminder, today, snooze_days, source=FROM_DIGEST)]


def _reminder(parts: tuple[str, ...]) -> Reminder:
    try:
        return Reminder.parse(parts[0], parts[1], parts[2])
    except IndexError as missing:
        raise BadReminder(":".join(parts)) from missing


async def on_reminder_card(update: Update, context: BotContext) -> None:
    """The client's card as a new message, with the reminder's snooze and done under its buttons."""
    query = update.callback_query
    try:
        reminder = _reminder(cb.decode(query.data).parts)
    except BadReminder:
        await query.answer(context.plain("button_expired"), show_alert=True)
        return
    today = context.services.today(context.viewer)
    extra = [action_buttons(context, reminder, today, context.services.settings.chat.snooze_days, source=FROM_CARD)]
    if not await send_card(update, context, reminder.client_id, edit=False, extra=extra):
        await query.answer(context.plain("client_gone"), show_alert=True)
        return
    await query.answer()


async def on_reminder_action(update: Update, context: BotContext) -> None:
    query = update.callback_query
    services = context.services
    parts = cb.decode(query.data).parts
    try:
        op, source = parts[0], parts[4]
        reminder = _reminder(parts[1:4])
        action = Action.done if op == "d" else Action.snooze
        days = int(op[1:]) if action is Action.snooze else 0
        today = services.today(context.viewer)
        outcome = await services.run(act, context.viewer, reminder, action, days=days, today=today, now=services.now(), settings=services.settings)
    except (BadReminder, IndexError, ValueError):
        await query.answer(context.plain("reminder_gone"), show_alert=True)
        return
    await query.answer(_told(context, outcome))
    if source == FROM_DIGEST:
        await show_list(update, context, TODAY, edit=True)
    else:
        await _drop_reminder_buttons(update)


def _told(context: BotContext, outcome: Outcome) -> str:
    template = "reminder_snoozed" if outcome.action is Action.snooze else "reminder_done"
    return context.plain(template, outcome=outcome, kind=outcome.kind.value)


async def _drop_reminder_buttons(update: Update) -> None:
    message = update.callback_query.message
    markup = getattr(message, "reply_markup", None)
    if markup is None:
        return
    rows = [
        [button for button in row if not (button.callback_data or "").startswith(cb.REMINDER_ACT + cb.SEP)]
        for row in markup.inline_keyboard
    ]
    try:
        await update.callback_query.edit_message_reply_markup(keyboards.markup(rows) or InlineKeyboardMarkup([]))
    except BadRequest as error:
        if "not modified" not in error.message:
            raise


def _book_view(context: BotContext, book: lists.Book) -> tuple[str, InlineKeyboardMarkup | None]:
    markup = keyboards.markup([_links(context, DUE, BIRTHDAYS, MOVES)])
    return context.render("list_mine", book=book, viewer=context.viewer), markup


async def show_list(update: Update, context: BotContext, name: str, page: int = 0, days: int | None = None, *, edit: bool) -> None:
    """Run the list's query for the viewer, render it and send it (or edit the message a button sat on)."""
    services, viewer = context.services, context.viewer
    when = {"today": services.today(viewer), "settings": services.settings}
    if name == TODAY:
        text, markup = digest_view(context, await services.run(lists.today, viewer, **when), services.settings.chat.snooze_days)
    elif name == MINE:
        text, markup = _book_view(context, await services.run(lists.book, viewer, **when))
    else:
        spec = _PAGED[name]
        window = {} if spec.max_days is None else {"days": lists.DEFAULT_DAYS if days is None else days}
        text, markup = _paged_view(context, name, await services.run(spec.query, viewer, page=page, **when, **window))
    if edit and update.callback_query:
        await edit_or_ignore(update, text, markup)
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def list_for_keyword(update: Update, context: BotContext, text: str) -> bool:
    """Show the list a keyword names (生日, overdue …); False when the text is not a keyword."""
    name = keyword_list(text)
    if name is None:
        return False
    await show_list(update, context, name, edit=False)
    return True


def _command(name: str) -> Callable[[Update, BotContext], Any]:
    async def command(update: Update, context: BotContext) -> None:
        limit = _PAGED[name].max_days if name in _PAGED else None
        days = None
        if limit is not None:
            try:
                days = lists.parse_days(" ".join(context.args or []), limit=limit)
            except lists.BadDays as bad:
                command_name = (update.effective_message.text or "").split()[0].split("@")[0][:32]
                await update.effective_message.reply_text(context.render("list_bad_days", command=command_name, bad=bad))
                return
        await show_list(update, context, name, 0, days, edit=False)

    return command


async def on_list_page(update: Update, context: BotContext) -> None:
    data = cb.decode(update.callback_query.data)
    try:
        name, page = data.parts[0], int(data.parts[1])
        days = lists.check_days(int(data.parts[2]), _PAGED[name].max_days) if len(data.parts) > 2 else None
        if name not in (TODAY, MINE, *_PAGED):
            raise ValueError(name)
    except (IndexError, KeyError, TypeError, ValueError, lists.BadDays):
        await update.callback_query.answer(context.plain("button_expired"), show_alert=True)
        return
    await update.callback_query.answer()
    await show_list(update, context, name, page, days, edit=True)


def handlers() -> list[tuple[BaseHandler, int]]:
    commands = {"today": TODAY, "due": DUE, "birthdays": BIRTHDAYS, "moves": MOVES, "mine": MINE}
    return [
        *((CommandHandler(command, _command(name)), 0) for command, name in commands.items()),
        (CallbackQueryHandler(on_list_page, pattern=cb.pattern(cb.LIST)), 0),
        (CallbackQueryHandler(on_reminder_card, pattern=cb.pattern(cb.REMINDER)), 0),
        (CallbackQueryHandler(on_reminder_action, pattern=cb.pattern(cb.REMINDER_ACT)), 0),
    ]
