"""Sign-in by invite, and what strangers, deactivated staff and group chats get: nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from domain.db import unit_of_work
from domain.invites import create_invite
from tests.e2e.conftest import NOW


def _invite(bankbot, employee_no, *, now=NOW):
    with unit_of_work(bankbot.database.sessions) as session:
        return create_invite(session, employee_no, now=now, ttl_hours=bankbot.settings.invites.ttl_hours).code


async def test_a_stranger_gets_one_polite_refusal_and_no_data(bankbot):
    stranger = bankbot.stranger(language="en")
    reply = await stranger.say("张伟")
    assert "for the bank's staff only" in reply.content
    assert reply.button_labels == []
    await bankbot.emulator.wait_until_idle()
    assert len(bankbot.emulator.bot_messages(stranger.chat_id)) == 1


async def test_an_invite_link_signs_a_new_phone_in_and_then_search_works(bankbot):
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE staff SET telegram_user_id = NULL WHERE employee_no = 'E00004'"))
    code = _invite(bankbot, "E00004")
    newcomer = bankbot.stranger(user_id=555001, language="zh-hans")
    await bankbot.emulator.open_deep_link(newcomer.user, code)
    welcome = await bankbot.emulator.next_message(newcomer.chat_id)
    assert "已登录：<b>张经理</b>" in welcome.raw["text"] or "已登录：张经理" in welcome.content
    found = await newcomer.say("zhangwei")
    assert found.button_labels == ["张伟 · 大众 · 0002"]


async def test_an_invite_works_once(bankbot):
    code = _invite(bankbot, "E00003")
    first, second = bankbot.stranger(555002, "en"), bankbot.stranger(555003, "en")
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE staff SET telegram_user_id = NULL WHERE employee_no = 'E00003'"))
    assert "Signed in as" in (await first.say(f"/start {code}")).content
    assert "already been used" in (await second.say(f"/start {code}")).content
    assert "for the bank's staff only" in (await second.say("张伟")).content


async def test_an_expired_invite_is_refused_with_what_to_do(bankbot):
    code = _invite(bankbot, "E00003", now=NOW - timedelta(hours=73))
    reply = await bankbot.stranger(555004, "en").say(f"/start {code}")
    assert "expired" in reply.content and "ask your admin" in reply.content


async def test_a_deactivated_rm_is_refused_at_once(bankbot):
    rm = bankbot.chat("E00004")
    assert (await rm.say("张伟")).button_labels
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE staff SET active = false WHERE employee_no = 'E00004'"))
    assert "仅供本行员工使用" in (await rm.say("张伟")).content


async def test_a_stranger_pressing_an_old_button_sees_an_alert_not_data(bankbot):
    rm = bankbot.chat("E00004")
    results = await rm.say("zw")
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE staff SET telegram_user_id = NULL WHERE employee_no = 'E00004'"))
    alert = await rm.press_for_alert(results, results.button_labels[0])
    assert "仅供本行员工使用" in alert
    assert bankbot.emulator.message(rm.chat_id, results.message_id).content == results.content


async def test_in_a_group_chat_the_bot_shows_no_client_data(bankbot):
    rm = bankbot.chat("E00004")
    group = bankbot.emulator.create_group("团队群", members=[rm.user])
    await bankbot.emulator.send_text(rm.user, "/find 张伟", chat_id=group)
    reply = await bankbot.emulator.next_message(group)
    assert "只在私聊里工作" in reply.content and "张伟" not in reply.content
    await bankbot.emulator.send_text(rm.user, "张伟", chat_id=group)
    await bankbot.emulator.wait_until_idle()
    assert len(bankbot.emulator.bot_messages(group)) == 1


async def test_the_command_menu_is_registered_in_both_languages(bankbot):
    chinese = {c["command"]: c["description"] for c in bankbot.emulator.commands(scope={"type": "all_private_chats"}, language_code="zh")}
    english = {c["command"]: c["description"] for c in bankbot.emulator.commands(scope={"type": "all_private_chats"}, language_code="en")}
    assert set(chinese) == set(english) >= {"today", "due", "birthdays", "moves", "mine", "find", "log", "settings", "help", "cancel"}
    assert chinese["help"] == "使用说明" and english["help"] == "How to use the bot"


@pytest.mark.parametrize("language, words", [("zh-hans", "使用说明"), ("en", "how to use it")])
async def test_help_explains_everything_in_one_screen(bankbot, language, words):
    reply = await bankbot.chat("E00004", language=language).say("/help")
    assert words in reply.content and len(reply.content) < 1500
