"""An RM finds a client and opens the card, through the real bot over HTTP."""

from sqlalchemy import text


async def test_a_name_typed_in_chat_lists_matching_clients_with_a_button_each(bankbot):
    rm = bankbot.chat("E00004")
    reply = await rm.say("张伟")
    assert "张伟" in reply.content
    assert reply.button_labels == ["张伟 · 大众 · 0002"]


async def test_pressing_a_result_turns_the_message_into_the_client_card_with_masked_phone(bankbot):
    rm = bankbot.chat("E00004")
    results = await rm.say("zw")
    card = await rm.press_for_edit(results, "张伟 · 大众 · 0002")
    assert "客户号 C000000002" in card.content
    assert "138****0002" in card.content and "13800000002" not in card.content
    assert card.button_labels == ["📝 记录联系", "📅 设跟进", "🗂 最近联系", "💸 资金动向", "↩ 返回结果"]


async def test_more_than_eight_matches_are_paged_and_the_next_page_edits_the_same_message(bankbot):
    rm = bankbot.chat("E00004")
    first = await rm.say("伟")
    assert "12 位客户" in first.content and "第 1/2 页" in first.content
    assert len([label for label in first.button_labels if "·" in label]) == 8
    second = await rm.press_for_edit(first, "下一页 ▶")
    assert second.message_id == first.message_id
    assert "第 2/2 页" in second.content and len([label for label in second.button_labels if "·" in label]) == 4
    back = await rm.press_for_edit(second, "◀ 上一页")
    assert "第 1/2 页" in back.content


async def test_back_to_results_returns_from_the_card_to_the_list(bankbot):
    rm = bankbot.chat("E00004")
    results = await rm.say("伟")
    card = await rm.press_for_edit(results, results.button_labels[0])
    again = await rm.press_for_edit(card, "↩ 返回结果")
    assert "12 位客户" in again.content


async def test_find_command_searches_the_same_way(bankbot):
    rm = bankbot.chat("E00004")
    reply = await rm.say("/find 0002")
    assert reply.button_labels == ["张伟 · 大众 · 0002"]


async def test_a_client_on_another_rms_book_is_not_found(bankbot):
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE client SET rm_id = (SELECT id FROM staff WHERE employee_no = 'E00001') WHERE client_no = 'C000000002'"))
    reply = await bankbot.chat("E00004").say("张伟")
    assert "没有找到" in reply.content and reply.button_labels == []


async def test_an_english_speaker_gets_english(bankbot):
    rm = bankbot.chat("E00004", language="en")
    reply = await rm.say("zhangwei")
    assert '"zhangwei": 1 client' in reply.content
    card = await rm.press_for_edit(reply, reply.button_labels[0])
    assert "Client C000000002" in card.content and "📝 Log contact" in card.button_labels


async def test_viewing_a_card_is_written_to_the_audit_log(bankbot):
    rm = bankbot.chat("E00004")
    results = await rm.say("C000000002")
    await rm.press_for_edit(results, results.button_labels[0])
    with bankbot.database.engine.connect() as connection:
        actions = connection.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars().all()
    assert actions == ["search", "view_card"]


async def test_recent_contacts_and_movements_open_from_the_card_and_lead_back(bankbot):
    rm = bankbot.chat("E00004")
    results = await rm.say("C000000002")
    card = await rm.press_for_edit(results, results.button_labels[0])
    contacts = await rm.press_for_edit(card, "🗂 最近联系")
    assert "还没有联系记录" in contacts.content
    card = await rm.press_for_edit(contacts, "↩ 返回客户")
    movements = await rm.press_for_edit(card, "💸 资金动向")
    assert "近 90 天没有交易" in movements.content
