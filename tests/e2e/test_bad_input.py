"""Bad input gets a clear answer and changes nothing it should not."""

import pytest
from sqlalchemy import text

from tests.conftest import table_counts


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("/frobnicate", "我不认识 /frobnicate 这个命令"),
        ("/find", "请输入要找的客户"),
        ("😀🎉", "请输入要找的客户"),
        ("'; DROP TABLE client; --", "没有找到"),
        ("张" * 4000, "没有找到"),
        ("Zhang三", "没有找到"),
    ],
)
async def test_odd_messages_get_a_clear_answer_and_change_nothing(bankbot, typed, expected):
    before = table_counts(bankbot.database.engine)
    reply = await bankbot.chat("E00004").say(typed)
    assert expected in reply.content
    after = table_counts(bankbot.database.engine)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}


async def test_a_sticker_or_photo_gets_told_the_bot_reads_text(bankbot):
    rm = bankbot.chat("E00004")
    await bankbot.emulator.send_document(rm.user, b"%PDF-1.4", "x.pdf")
    assert "只能读文字" in (await bankbot.emulator.next_message(rm.chat_id)).content


async def test_two_taps_on_the_same_button_show_the_card_once_and_raise_no_error(bankbot, caplog):
    rm = bankbot.chat("E00004")
    results = await rm.say("zhangwei")
    await rm.press(results, results.button_labels[0])
    await rm.press(results, results.button_labels[0])
    await bankbot.emulator.wait_until_idle()
    card = bankbot.emulator.message(rm.chat_id, results.message_id)
    assert "客户号 C000000002" in card.content
    assert len(bankbot.emulator.bot_messages(rm.chat_id)) == 1
    assert not [r for r in caplog.records if r.name == "rmbot.errors"]


async def test_a_button_whose_client_left_the_book_says_so(bankbot):
    rm = bankbot.chat("E00004")
    results = await rm.say("zw")
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE client SET rm_id = NULL WHERE client_no = 'C000000002'"))
    assert "已不在您的客户名单中" in await rm.press_for_alert(results, results.button_labels[0])


async def test_buttons_from_before_a_restart_say_they_expired(bankbot, emulator, run_bot, database):
    from bot.app import build_application
    from tests.e2e.conftest import NOW

    rm = bankbot.chat("E00004")
    results = await rm.say("zw")
    card = await rm.press_for_edit(results, results.button_labels[0])
    await bankbot.application.updater.stop()
    await bankbot.application.stop()
    restarted = build_application(bankbot.settings, database, token=emulator.token, clock=lambda: NOW, jobs=False)
    await run_bot(application=restarted)
    alert = await rm.press_for_alert(card, "↩ 返回结果")
    assert "已过期" in alert
