"""The Telegram emulator, driven by a real python-telegram-bot Application over real HTTP."""

from __future__ import annotations

import asyncio
import json
import struct
import sys
import zlib

import aiohttp
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.emulator import Emulator, RateLimitPolicy, WaitTimeout
from bot.emulator.html import HtmlParseError, parse_html
from bot.emulator.limits import RateLimiter
from bot.emulator.markdown import MarkdownParseError, parse_markdown
from bot.emulator.remote import RemoteEmulator


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def greet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payload = " ".join(context.args or [])
    await update.message.reply_text(f"Welcome, {update.effective_user.first_name}! {payload}".strip())


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


async def show_menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("客户 Clients", callback_data="menu:clients"),
                InlineKeyboardButton("Help", callback_data="menu:help"),
            ]
        ]
    )
    await update.message.reply_text("<b>Menu</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def open_section(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer(f"opening {query.data}")
    await query.edit_message_text(f"Section {query.data.split(':')[1]}")


async def test_start_command_is_answered_and_plain_text_is_echoed(emulator: Emulator, run_bot) -> None:
    await run_bot(CommandHandler("start", greet), MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    alice = emulator.create_user(first_name="Alice", language_code="zh-hans")

    await emulator.send_text(alice, "/start")
    assert (await emulator.next_message(alice.id)).text == "Welcome, Alice!"

    await emulator.send_text(alice, "你好 👋")
    reply = await emulator.next_message(alice.id)
    assert reply.text == "你好 👋" and reply.from_bot and reply.chat_id == alice.id


async def test_a_deep_link_payload_reaches_the_start_handler_as_its_argument(emulator: Emulator, run_bot) -> None:
    await run_bot(CommandHandler("start", greet))
    bob = emulator.create_user(first_name="Bob")

    await emulator.open_deep_link(bob, "invite_AB12-x")

    assert (await emulator.next_message(bob.id)).text == "Welcome, Bob! invite_AB12-x"
    with pytest.raises(ValueError, match="start parameters"):
        await emulator.open_deep_link(bob, "has space")


async def test_pressing_an_inline_button_lets_the_bot_answer_and_edit_the_message(emulator: Emulator, run_bot) -> None:
    await run_bot(CommandHandler("menu", show_menu), CallbackQueryHandler(open_section, pattern="^menu:"))
    carol = emulator.create_user(first_name="Carol")
    await emulator.send_text(carol, "/menu")
    menu = await emulator.next_message(carol.id)
    assert menu.text == "Menu" and menu.formatted("bold") == ["Menu"]
    assert menu.button_labels == ["客户 Clients", "Help"]

    await emulator.press(carol, menu, "客户 Clients")

    answer = await emulator.next_callback_answer(carol.id)
    edited = await emulator.next_edit(carol.id)
    assert answer.text == "opening menu:clients" and answer.message_id == menu.message_id
    assert edited.message_id == menu.message_id and edited.text == "Section clients"
    assert edited.reply_markup is None, "editMessageText without reply_markup drops the keyboard, as on Telegram"
    assert [m.text for m in emulator.history(carol.id)] == ["/menu", "Section clients"]
    with pytest.raises(LookupError, match="no button"):
        await emulator.press(carol, menu, "Help")


async def test_photos_and_documents_keep_their_bytes_and_can_be_resent_by_file_id(emulator: Emulator, run_bot) -> None:
    app = await run_bot()
    dave = emulator.create_user(first_name="Dave", started=True)
    png = tiny_png(3, 2)

    photo = await app.bot.send_photo(dave.id, png, caption="<i>chart</i>", parse_mode=ParseMode.HTML)
    document = await app.bot.send_document(dave.id, b"a,b\n1,2\n", filename="clients.csv", caption="export")
    again = await app.bot.send_document(dave.id, document.document.file_id)

    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2) and photo.caption == "chart"
    assert photo.caption_entities[0].type == "italic"
    sent = emulator.bot_messages(dave.id)
    assert sent[0].file.data == png and sent[0].file.kind == "photo"
    assert (sent[1].file.file_name, sent[1].file.mime_type, sent[1].file.data) == (
        "clients.csv",
        "text/csv",
        b"a,b\n1,2\n",
    )
    assert again.document.file_id == document.document.file_id and sent[2].caption is None
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await app.bot.send_photo(dave.id, b"not an image")
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await app.bot.send_document(dave.id, "BQACnot-a-file")


async def test_a_document_the_user_uploads_can_be_downloaded_by_the_bot(emulator: Emulator, run_bot) -> None:
    received: list[bytes] = []

    async def keep_upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        file = await update.message.document.get_file()
        received.append(bytes(await file.download_as_bytearray()))
        await update.message.reply_text(f"got {update.message.document.file_name}")

    await run_bot(MessageHandler(filters.Document.ALL, keep_upload))
    erin = emulator.create_user(first_name="Erin")

    await emulator.send_document(erin, b"PK\x03\x04 spreadsheet", "book.xlsx", caption="monthly")

    assert (await emulator.next_message(erin.id)).text == "got book.xlsx"
    assert received == [b"PK\x03\x04 spreadsheet"]


@pytest.mark.parametrize(
    ("html", "telegram_says"),
    [
        ("line one<br>line two", 'unsupported start tag "br" at byte offset 8'),
        ("<b>bold", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("AUM < 50万", 'unsupported start tag "" at byte offset 4'),
        ('<span class="x">s</span>', 'tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
async def test_html_that_telegram_rejects_raises_bad_request_in_telegrams_words(
    emulator: Emulator, run_bot, html: str, telegram_says: str
) -> None:
    app = await run_bot()
    user = emulator.create_user(started=True)

    with pytest.raises(BadRequest) as refused:
        await app.bot.send_message(user.id, html, parse_mode=ParseMode.HTML)

    assert str(refused.value).lower() == f"can't parse entities: {telegram_says}".lower()
    assert emulator.bot_messages(user.id) == []


async def test_supported_html_becomes_entities_with_utf16_offsets(emulator: Emulator, run_bot) -> None:
    app = await run_bot()
    user = emulator.create_user(started=True)
    html = '😀 <b>粗体</b> <a href="https://example.com/x?a=1&amp;b=2">link</a> &lt;3 <code>x</code> &unknown;'

    sent = await app.bot.send_message(user.id, html, parse_mode=ParseMode.HTML)

    assert sent.text == "😀 粗体 link <3 x &unknown;"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 3, 2),
        ("text_link", 6, 4),
        ("code", 14, 1),
    ]
    assert sent.entities[1].url == "https://example.com/x?a=1&b=2"


async def test_a_text_over_4096_utf16_units_after_parsing_is_too_long(emulator: Emulator, run_bot) -> None:
    app = await run_bot()
    user = emulator.create_user(started=True)

    await app.bot.send_message(user.id, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await app.bot.send_message(user.id, "a" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await app.bot.send_message(user.id, "😀" * 2049)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await app.bot.send_message(user.id, "<b> </b>\n", parse_mode=ParseMode.HTML)


async def test_deletions_captions_chat_actions_and_markdown_work_through_ptb(emulator: Emulator, run_bot) -> None:
    app = await run_bot()
    user = emulator.create_user(first_name="Nina", started=True)

    await app.bot.send_chat_action(user.id, "typing")
    doomed = await app.bot.send_message(user.id, "temporary")
    assert await app.bot.delete_message(user.id, doomed.message_id)
    photo = await app.bot.send_photo(user.id, tiny_png(), caption="v1")
    edited = await app.bot.edit_message_caption(
        user.id, photo.message_id, caption="*v2*", parse_mode=ParseMode.MARKDOWN_V2
    )
    chat = await app.bot.get_chat(user.id)
    reply = await app.bot.send_message(user.id, "about that", reply_parameters=ReplyParameters(photo.message_id))

    assert [a.action for a in emulator.chat_actions(user.id)] == ["typing"]
    assert await emulator.next_deletion(user.id) == doomed.message_id
    assert edited.caption == "v2" and edited.caption_entities[0].type == "bold"
    assert [m.content for m in emulator.bot_messages(user.id)] == ["v2", "about that"]
    assert (chat.type, chat.first_name) == ("private", "Nina")
    assert reply.reply_to_message.message_id == photo.message_id
    assert emulator.bot_messages(user.id)[-1].reply_to_message_id == photo.message_id
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await app.bot.send_message(user.id, "about what?", reply_parameters=ReplyParameters(doomed.message_id))
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await app.bot.delete_message(user.id, doomed.message_id)
    with pytest.raises(BadRequest, match="Can't parse entities: character '-' is reserved"):
        await app.bot.send_message(user.id, "Q3 - done", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match="Chat not found"):
        await app.bot.send_message(424242, "nobody")


async def test_callback_data_is_limited_to_64_bytes(emulator: Emulator, run_bot) -> None:
    app = await run_bot()
    user = emulator.create_user(started=True)

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("go", callback_data=data)]])

    await app.bot.send_message(user.id, "fits", reply_markup=keyboard("客" * 21 + "x"))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await app.bot.send_message(user.id, "too long", reply_markup=keyboard("客" * 22))
    assert [m.text for m in emulator.bot_messages(user.id)] == ["fits"]


async def test_identical_edits_are_not_modified_and_a_second_answer_is_too_old(emulator: Emulator, run_bot) -> None:
    outcomes: list[str] = []

    async def answer_twice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        try:
            await update.callback_query.answer("again")
        except BadRequest as exc:
            outcomes.append(str(exc))
        message = update.callback_query.message
        try:
            await message.edit_reply_markup(reply_markup=message.reply_markup)
        except BadRequest as exc:
            outcomes.append(str(exc))

    await run_bot(CommandHandler("menu", show_menu), CallbackQueryHandler(answer_twice))
    user = emulator.create_user()
    await emulator.send_text(user, "/menu")
    menu = await emulator.next_message(user.id)

    await emulator.press(user, menu, "menu:help")
    await emulator.wait_until_idle()

    assert outcomes == [
        "Query is too old and response timeout expired or query id is invalid",
        (
            "Message is not modified: specified new message content and reply markup are exactly the same as a "
            "current content and reply markup of the message"
        ),
    ]


async def test_webhook_mode_posts_updates_with_the_secret_token(emulator: Emulator, run_bot, webhook) -> None:
    pytest.importorskip("tornado", reason="PTB's webhook server needs python-telegram-bot[webhooks]")
    app = await run_bot(CommandHandler("start", greet), webhook=webhook)
    frank = emulator.create_user(first_name="Frank")

    await emulator.send_text(frank, "/start")

    assert (await emulator.next_message(frank.id)).text == "Welcome, Frank!"
    info = await app.bot.get_webhook_info()
    assert info.url == webhook.url and info.pending_update_count == 0
    with pytest.raises(Conflict, match="Conflict: can't use getUpdates method while webhook is active"):
        await app.bot.get_updates()
    async with aiohttp.ClientSession() as session:
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}
        async with session.post(webhook.url, json={"update_id": 999}, headers=wrong) as response:
            assert response.status == 403


async def test_flood_limits_answer_429_and_ptb_raises_retry_after(emulator: Emulator, run_bot) -> None:
    app = await run_bot()
    user = emulator.create_user(started=True)
    emulator.enable_rate_limits()

    for n in range(3):
        await app.bot.send_message(user.id, f"burst {n}")
    with pytest.raises(RetryAfter) as flood:
        await app.bot.send_message(user.id, "one too many")

    assert str(flood.value) == "Flood control exceeded. Retry in 1 seconds"
    assert emulator.count("sendMessage", status=429) == 1 and emulator.count(status=200) >= 3
    assert emulator.calls[-1].description == "Too Many Requests: retry after 1"


def test_rate_limit_buckets_refill_with_time_and_count_groups_per_minute() -> None:
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limiter.enable(RateLimitPolicy(private_burst=2))
    limiter.take(1, "private")
    limiter.take(1, "private")
    with pytest.raises(Exception, match="retry after 1"):
        limiter.take(1, "private")
    now[0] += 1.0
    limiter.take(1, "private")
    for _ in range(20):
        limiter.take(-5, "group")
    with pytest.raises(Exception, match="retry after 3"):
        limiter.take(-5, "group")


async def test_a_user_who_blocked_the_bot_makes_sends_fail_with_forbidden(emulator: Emulator, run_bot) -> None:
    statuses: list[str] = []

    async def membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        statuses.append(update.my_chat_member.new_chat_member.status)

    app = await run_bot(ChatMemberHandler(membership, ChatMemberHandler.MY_CHAT_MEMBER))
    gina = emulator.create_user(first_name="Gina")
    with pytest.raises(Forbidden, match="Forbidden: bot can't initiate conversation with a user"):
        await app.bot.send_message(gina.id, "hello?")

    await emulator.send_text(gina, "hi")
    await emulator.block(gina)
    await emulator.wait_until_idle()

    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await app.bot.send_message(gina.id, "reminder")
    assert statuses == ["kicked"]
    await emulator.unblock(gina)
    await app.bot.send_message(gina.id, "welcome back")


async def test_a_second_concurrent_get_updates_terminates_the_first_with_conflict(
    emulator: Emulator, app_builder
) -> None:
    first_bot, second_bot = app_builder().build().bot, app_builder().build().bot
    async with first_bot, second_bot:
        held = asyncio.create_task(first_bot.get_updates(timeout=10, read_timeout=15))
        await emulator.wait_until_polling()

        assert await second_bot.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="Conflict: terminated by other getUpdates request"):
            await held


async def test_a_held_get_updates_returns_as_soon_as_an_update_arrives(emulator: Emulator, app_builder) -> None:
    user = emulator.create_user(first_name="Hana")
    async with app_builder().build().bot as bot:
        held = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=35))
        await emulator.wait_until_polling()
        await emulator.send_text(user, "/help@rmbot_test_bot now")

        (update,) = await asyncio.wait_for(held, 5)
        assert update.message.text == "/help@rmbot_test_bot now"
        assert [(e.type, e.offset, e.length) for e in update.message.entities] == [("bot_command", 0, 20)]
        assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_updates_of_kinds_not_allowed_are_never_stored(emulator: Emulator, app_builder) -> None:
    user = emulator.create_user()
    async with app_builder().build().bot as bot:
        await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
        await emulator.send_text(user, "ignored")
        assert await bot.get_updates(timeout=0) == ()
        await bot.get_updates(timeout=0, allowed_updates=[])
        await emulator.send_text(user, "seen")
        (update,) = await bot.get_updates(timeout=0)
        assert update.message.text == "seen"


async def test_privacy_mode_hides_plain_group_chatter_but_not_commands(emulator: Emulator, run_bot) -> None:
    seen: list[str] = []

    async def note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.effective_message.text)

    async def welcome(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append("joined: " + update.effective_message.new_chat_members[0].first_name)

    await run_bot(MessageHandler(filters.TEXT, note), MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, welcome))
    ivan, jane, kai = (emulator.create_user(first_name=name) for name in ("Ivan", "Jane", "Kai"))
    team = emulator.create_group("Team East", [ivan, jane], supergroup=True)

    await emulator.send_text(ivan, "just chatting", chat_id=team)
    await emulator.send_text(jane, "/today@rmbot_test_bot", chat_id=team)
    await emulator.send_text(jane, "/today@other_bot", chat_id=team)
    await emulator.add_member(team, kai)
    await emulator.wait_until_idle()

    assert seen == ["/today@rmbot_test_bot", "joined: Kai"]
    assert str(team).startswith("-100")


async def test_wait_until_idle_waits_for_handlers_that_are_still_working(emulator: Emulator, run_bot) -> None:
    async def slow_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        total = await asyncio.to_thread(sum, range(300_000))
        await update.message.reply_text(f"sum {total}")

    await run_bot(MessageHandler(filters.TEXT, slow_reply))
    kim = emulator.create_user()

    await emulator.send_text(kim, "add up")
    await emulator.wait_until_idle()

    assert [m.text for m in emulator.bot_messages(kim.id)] == [f"sum {sum(range(300_000))}"]
    assert emulator.unread_messages(kim.id)[0].text.startswith("sum")


async def test_waiting_for_a_message_that_never_comes_says_what_went_wrong(emulator: Emulator, run_bot) -> None:
    async def broken_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("<b>unclosed", parse_mode=ParseMode.HTML)

    async def note_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(type(context.error).__name__)

    errors: list[str] = []
    await run_bot(MessageHandler(filters.TEXT, broken_reply), error_handlers=[note_error])
    lee = emulator.create_user()
    await emulator.send_text(lee, "hello")
    await emulator.wait_until_idle()

    with pytest.raises(WaitTimeout, match=r"no new message from the bot in chat \d+ within 0.1 s.*sendMessage -> 400"):
        await emulator.next_message(lee.id, timeout=0.1)
    assert errors == ["BadRequest"]


async def test_injected_faults_reach_ptb_as_its_own_errors(emulator: Emulator, run_bot) -> None:
    app = await run_bot()
    user = emulator.create_user(started=True)

    emulator.faults.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await app.bot.send_message(user.id, "a")
    emulator.faults.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await app.bot.send_message(user.id, "b")
    emulator.faults.fail_next("*", status=429, retry_after=7)
    with pytest.raises(RetryAfter):
        await app.bot.send_message(user.id, "c")
    emulator.faults.drop_next("sendMessage", after_processing=True)
    with pytest.raises(NetworkError):
        await app.bot.send_message(user.id, "d")

    emulator.faults.delay_next("sendMessage", 0.3)
    with pytest.raises(TimedOut):
        await app.bot.send_message(user.id, "e", read_timeout=0.05)

    assert (await emulator.next_message(user.id)).text == "d", "a dropped answer can hide a sent message"
    assert (await emulator.next_message(user.id)).text == "e", "so can a client that stopped waiting"
    assert [c.status for c in emulator.calls if c.method == "sendMessage"] == [500, 502, 429, 200, 200]


async def test_commands_are_kept_per_scope_and_language(emulator: Emulator, run_bot) -> None:
    app = await run_bot()
    zh = emulator.create_user(language_code="zh-hans")
    en = emulator.create_user(language_code="en")
    private = BotCommandScopeAllPrivateChats()

    await app.bot.set_my_commands([BotCommand("today", "今日")], scope=private, language_code="zh")
    await app.bot.set_my_commands([BotCommand("today", "Today"), BotCommand("help", "Help")], scope=private)

    assert [c.description for c in await app.bot.get_my_commands(scope=private, language_code="zh")] == ["今日"]
    assert await app.bot.get_my_commands() == ()
    assert [c["description"] for c in emulator.visible_commands(zh)] == ["今日"]
    assert [c["command"] for c in emulator.visible_commands(en)] == ["today", "help"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await app.bot.set_my_commands([BotCommand("Today", "capital letters")])


async def test_reply_keyboards_are_shown_to_the_user_and_tapped_as_text(emulator: Emulator, run_bot) -> None:
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(
            "Pick", reply_markup=ReplyKeyboardMarkup([["Yes", "No"]], one_time_keyboard=True)
        )

    await run_bot(CommandHandler("ask", ask), MessageHandler(filters.Regex("^(Yes|No)$"), echo))
    user = emulator.create_user()
    await emulator.send_text(user, "/ask")
    await emulator.next_message(user.id)

    await emulator.tap_keyboard(user, "Yes")

    assert (await emulator.next_message(user.id)).text == "Yes"
    assert emulator.reply_keyboard(user.id) is None


async def test_wrong_tokens_and_unknown_methods_are_answered_like_telegram(emulator: Emulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{emulator.base_url}123:wrong/getMe") as response:
            assert (response.status, await response.json()) == (
                401,
                {"ok": False, "error_code": 401, "description": "Unauthorized"},
            )
        async with session.post(f"{emulator.base_url}{emulator.token}/sendTelepathy", json={}) as response:
            assert (response.status, await response.json()) == (
                404,
                {"ok": False, "error_code": 404, "description": "Not Found"},
            )
        async with session.post(f"{emulator.base_url}{emulator.token}/sendMediaGroup", json={}) as response:
            assert response.status == 501
            assert (await response.json())[
                "description"
            ] == "Not Implemented: the emulator does not support sendMediaGroup yet"
        async with session.post(f"{emulator.base_url}{emulator.token}/SENDMESSAGE", data={"chat_id": "42"}) as response:
            body = await response.json()
            assert body == {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        async with session.get(f"{emulator.base_url}{emulator.token}/getMe") as response:
            me = (await response.json())["result"]
            assert me["is_bot"] and me["username"] == "rmbot_test_bot" and me["id"] == emulator.bot.id


async def test_the_http_control_side_drives_a_bot_like_the_in_process_api(emulator: Emulator, run_bot) -> None:
    await run_bot(CommandHandler("start", greet), CommandHandler("menu", show_menu), CallbackQueryHandler(open_section))
    async with RemoteEmulator(emulator.url) as remote:
        assert (await remote.bot_info())["base_url"] == emulator.base_url
        mia = await remote.create_user(501, "Mia")
        await remote.open_deep_link(mia, "code42")
        assert (await remote.next_message(mia.id)).text == "Welcome, Mia! code42"

        await remote.send_text(mia, "/menu")
        menu = await remote.next_message(mia.id)
        await remote.press(mia, menu, "Help")

        assert (await remote.next_edit(mia.id)).text == "Section help"
        await remote.wait_until_idle()
        assert [m.text for m in await remote.history(mia.id)] == [
            "/start code42",
            "Welcome, Mia! code42",
            "/menu",
            "Section help",
        ]
        assert [c["status"] for c in await remote.calls("answerCallbackQuery")] == [200]
        with pytest.raises(WaitTimeout, match="no new message from the bot"):
            await remote.next_message(mia.id, timeout=0.1)
        with pytest.raises(LookupError, match="no button"):
            await remote.press(mia, menu, "Nope")


def test_html_and_markdown_parsers_follow_telegrams_rules() -> None:
    assert parse_html('<pre><code class="language-python">x = 1</code></pre>').entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"}
    ]
    assert parse_html("<tg-spoiler>s</tg-spoiler><blockquote expandable>q</blockquote>").entities == [
        {"type": "spoiler", "offset": 0, "length": 1},
        {"type": "expandable_blockquote", "offset": 1, "length": 1},
    ]
    with pytest.raises(HtmlParseError, match="Unclosed start tag at byte offset 3"):
        parse_html("ab <b")
    assert parse_markdown("*粗* _i_ \\. [x](example.com)").text == "粗 i . x"
    with pytest.raises(MarkdownParseError, match=r"Character '\.' is reserved"):
        parse_markdown("Total: 5.0")
    with pytest.raises(MarkdownParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_markdown("*open")


async def test_the_emulator_runs_standalone_and_prints_its_base_url() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.emulator", "--port", "0", stdout=asyncio.subprocess.PIPE
    )
    try:
        first_line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert first_line.startswith("base_url") and "http://127.0.0.1:" in first_line
        base_url = first_line.split()[1]
        token = None
        for _ in range(3):
            line = (await process.stdout.readline()).decode()
            if line.startswith("token"):
                token = line.split()[1]
        async with aiohttp.ClientSession() as session, session.get(f"{base_url}{token}/getMe") as response:
            assert json.loads(await response.text())["ok"] is True
    finally:
        process.terminate()
        await process.wait()
