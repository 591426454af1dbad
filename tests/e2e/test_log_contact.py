"""Logging a contact: three taps from the card, one line with /log, cancel, timeout, undo."""

from datetime import date

import pytest
from sqlalchemy import text


def _client(bankbot, client_no="C000000002"):
    with bankbot.database.engine.connect() as connection:
        return connection.execute(
            text("SELECT last_contact_kind, next_follow_up, (SELECT count(*) FROM interaction) FROM client WHERE client_no = :no"),
            {"no": client_no},
        ).one()


async def _open_card(rm, typed="zhangwei"):
    results = await rm.say(typed)
    return await rm.press_for_edit(results, results.button_labels[0])


async def test_three_taps_and_a_note_log_a_call_with_a_follow_up_in_a_week(bankbot):
    rm = bankbot.chat("E00004")
    card = await _open_card(rm)
    ask_kind = await rm.press_for_message(card, "📝 记录联系")
    assert "记录与 张伟 的联系" in ask_kind.content
    ask_note = await rm.press_for_edit(ask_kind, "电话")
    assert "聊了什么" in ask_note.content
    ask_follow_up = await rm.say("聊了理财到期，客户考虑续作")
    assert "什么时候再跟进" in ask_follow_up.content
    await rm.press(ask_follow_up, "7天后")
    saved = await bankbot.emulator.next_message(rm.chat_id)
    assert "已记录：张伟 · 电话 · 下次跟进 11月29日" in saved.content
    kind, follow_up, logs = _client(bankbot)
    assert (kind, str(follow_up), logs) == ("call", "2026-11-29", 1)


async def test_skipping_the_note_and_typing_a_date_works_too(bankbot):
    rm = bankbot.chat("E00004")
    card = await _open_card(rm)
    ask_kind = await rm.press_for_message(card, "📝 记录联系")
    ask_note = await rm.press_for_edit(ask_kind, "拜访")
    ask_follow_up = await rm.press_for_message(ask_note, "跳过备注")
    bad = await rm.say("2026-02-30")
    assert "看不懂这个日期" in bad.content and _client(bankbot)[2] == 0
    saved = await rm.say("12-05")
    assert "下次跟进 12月5日" in saved.content
    assert _client(bankbot)[:2] == ("visit", date(2026, 12, 5)) or str(_client(bankbot)[1]) == "2026-12-05"


async def test_cancel_at_any_step_saves_nothing(bankbot):
    rm = bankbot.chat("E00004")
    card = await _open_card(rm)
    ask_kind = await rm.press_for_message(card, "📝 记录联系")
    await rm.press_for_edit(ask_kind, "微信")
    cancelled = await rm.say("/cancel")
    assert "已取消，没有保存任何内容" in cancelled.content
    assert _client(bankbot)[2] == 0
    after = await rm.say("zhangwei")
    assert "张伟" in after.content  # plain text is a search again, not a note


@pytest.mark.parametrize("bot_config", [{"chat": {"conversation_timeout_seconds": 1}}])
async def test_a_flow_left_alone_times_out_cleanly(bankbot, bot_config):
    rm = bankbot.chat("E00004")
    card = await _open_card(rm)
    ask_kind = await rm.press_for_message(card, "📝 记录联系")
    await rm.press_for_edit(ask_kind, "电话")
    timed_out = await bankbot.emulator.next_message(rm.chat_id, timeout=10)
    assert "已自动取消，没有保存任何内容" in timed_out.content
    assert _client(bankbot)[2] == 0


async def test_text_where_a_button_is_expected_is_answered_and_loses_nothing(bankbot):
    rm = bankbot.chat("E00004")
    card = await _open_card(rm)
    ask_kind = await rm.press_for_message(card, "📝 记录联系")
    hint = await rm.say("电话")
    assert "请点上面的按钮" in hint.content
    await rm.press_for_edit(ask_kind, "电话")
    follow = await rm.say("备注")
    assert "什么时候再跟进" in follow.content


async def test_a_note_over_the_limit_is_refused_and_the_flow_continues(bankbot):
    rm = bankbot.chat("E00004")
    card = await _open_card(rm)
    ask_kind = await rm.press_for_message(card, "📝 记录联系")
    await rm.press_for_edit(ask_kind, "电话")
    too_long = await rm.say("很" * 2500)
    assert "备注太长了（2500 字）" in too_long.content
    assert "什么时候再跟进" in (await rm.say("短一点")).content


async def test_the_one_line_log_records_kind_note_and_follow_up(bankbot):
    rm = bankbot.chat("E00004")
    saved = await rm.say("/log 张伟 call 聊了理财到期，两周后再约")
    assert "已记录：张伟 · 电话 · 下次跟进 12月6日" in saved.content
    assert _client(bankbot)[:2] in {("call", date(2026, 12, 6)), ("call", "2026-12-06")}


async def test_the_one_line_log_asks_which_client_when_several_match(bankbot):
    rm = bankbot.chat("E00004", language="en")
    which = await rm.say("/log zw visit brought the brochure")
    assert "clients match" in which.content
    await rm.press(which, which.button_labels[0])
    saved = await bankbot.emulator.next_message(rm.chat_id)
    assert "Logged:" in saved.content and "Visit" in saved.content


async def test_the_one_line_log_for_nobody_on_my_book_saves_nothing(bankbot):
    reply = await bankbot.chat("E00004").say("/log 诸葛亮 call hello")
    assert "没有「诸葛亮」" in reply.content and _client(bankbot)[2] == 0


async def test_a_logged_contact_can_be_undone_and_the_card_forgets_it(bankbot):
    rm = bankbot.chat("E00004")
    saved = await rm.say("/log C000000002 visit 送了台历")
    undone = await rm.press_for_edit(saved, "↶ 撤销")
    assert "已撤销对 张伟 的这条联系记录" in undone.content
    assert _client(bankbot) == (None, None, 0)


async def test_undo_is_refused_after_ten_minutes_and_the_log_stays(bankbot):
    rm = bankbot.chat("E00004")
    saved = await rm.say("/log C000000002 visit 送了台历")
    bankbot.clock.advance(minutes=10, seconds=1)
    alert = await rm.press_for_alert(saved, "↶ 撤销")
    assert "超过 10 分钟，已不能撤销" in alert
    assert _client(bankbot)[2] == 1


async def test_logging_shows_on_the_card_as_the_last_contact(bankbot):
    rm = bankbot.chat("E00004", language="en")
    await rm.say("/log C000000002 meeting quarterly review")
    card = await _open_card(rm, "C000000002")
    assert "Last contact" in card.content and "Meeting" in card.content and "quarterly review" in card.content


async def test_a_follow_up_can_be_set_from_the_card_without_logging(bankbot):
    rm = bankbot.chat("E00004")
    card = await _open_card(rm)
    choices = await rm.press_for_edit(card, "📅 设跟进")
    await rm.press(choices, "14天后")
    refreshed = await bankbot.emulator.next_edit(rm.chat_id)
    assert "下次跟进 12月6日" in refreshed.content
    assert _client(bankbot)[2] == 0
