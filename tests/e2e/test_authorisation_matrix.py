"""Every command × every kind of user: staff get answers scoped to their place, strangers get one
polite refusal, group chats get no client data."""

import pytest

COMMANDS = ["/start", "/help", "/find 伟", "/log 张伟 call 测试", "/settings", "/cancel",
            "/today", "/due", "/birthdays", "/moves", "/mine", "/team", "/handover", "伟"]
GROUP_ANSWERED = {"/team"}
"""Answered in a group, with aggregates only (tests/e2e/test_team_visibility.py)."""
STAFF = ["E00004", "E00003", "E00002", "E00001"]
REFUSAL = "仅供本行员工使用"
TROUBLE = ("出了点问题", "我不认识")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("employee_no", STAFF)
async def test_every_staff_role_gets_a_real_answer_to_every_command(bankbot, employee_no, command):
    reply = await bankbot.chat(employee_no).say(command)
    assert REFUSAL not in reply.content
    assert not any(word in reply.content for word in TROUBLE), reply.content


@pytest.mark.parametrize("command", COMMANDS)
async def test_a_stranger_gets_only_the_refusal_for_every_command(bankbot, command):
    stranger = bankbot.stranger(language="zh-hans")
    reply = await stranger.say(command)
    assert REFUSAL in reply.content and reply.button_labels == []
    await bankbot.emulator.wait_until_idle()
    assert len(bankbot.emulator.bot_messages(stranger.chat_id)) == 1


@pytest.mark.parametrize("command", [c for c in COMMANDS if c not in GROUP_ANSWERED])
async def test_a_group_chat_never_gets_client_data(bankbot, command):
    rm = bankbot.chat("E00004")
    group = bankbot.emulator.create_group("客户经理群", members=[rm.user])
    await bankbot.emulator.send_text(rm.user, command, chat_id=group)
    await bankbot.emulator.wait_until_idle()
    said = [m.content for m in bankbot.emulator.bot_messages(group)]
    assert all("伟" not in text and "C0000" not in text for text in said)
    assert said in ([], ["为保护客户信息，我只在私聊里工作。请点开我的头像，直接给我发消息。"])


async def test_each_role_sees_only_the_clients_its_place_allows(bankbot):
    from sqlalchemy import text

    with bankbot.database.engine.begin() as connection:
        admin_id = connection.execute(text("SELECT id FROM staff WHERE employee_no = 'E00001'")).scalar_one()
        ho = connection.execute(text("SELECT id FROM unit WHERE code = 'HO'")).scalar_one()
        connection.execute(text("UPDATE client SET rm_id = :a, unit_id = :u WHERE client_no = 'C000000002'"), {"a": admin_id, "u": ho})
    counts = {}
    for employee_no in STAFF:
        reply = await bankbot.chat(employee_no).say("伟")
        counts[employee_no] = "12 位客户" in reply.content, "11 位客户" in reply.content
    assert counts == {"E00004": (False, True), "E00003": (False, True), "E00002": (False, True), "E00001": (True, False)}
