"""The digest's buttons, pressed as an RM presses them: each reminder a row (client, snooze, done),
the client's card with log contact, snooze and done, and the digest redrawn without what was handled."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from reminders.dispatch import send_due_digests
from tests.e2e.conftest import Chat

MONDAY = date(2026, 11, 23)
AFTER = datetime(2026, 11, 23, 0, 31, tzinfo=UTC)  # 08:31 in Shanghai


@pytest.fixture
async def pushed(bankbot):
    """E00004's Monday digest, pushed at 08:31, with a follow-up due for the first client."""
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE client SET next_follow_up = :d WHERE client_no = 'C000000001'"), {"d": MONDAY})
        name = connection.execute(text("SELECT name FROM client WHERE client_no = 'C000000001'")).scalar_one()
    chat = Chat(bankbot.emulator, bankbot.emulator.create_user(user_id=100004, first_name="张经理", language_code="zh-hans", started=True))
    bankbot.clock.now = AFTER
    assert await send_due_digests(bankbot.application) == 1
    digest = await bankbot.emulator.next_message(chat.chat_id)
    return chat, digest, name


def row_of(message, label: str) -> list[dict]:
    [row] = [row for row in message.buttons if row[0]["text"] == label]
    return row


def follow_up_due(bankbot) -> str | None:
    """The client's next follow-up as ISO text (SQLite gives text back, PostgreSQL a date)."""
    with bankbot.database.engine.connect() as connection:
        value = connection.execute(text("SELECT next_follow_up FROM client WHERE client_no = 'C000000001'")).scalar_one()
    return None if value is None else str(value)


async def test_each_reminder_in_the_digest_is_a_row_with_its_client_a_snooze_and_done(bankbot, pushed):
    _, digest, name = pushed
    assert [b["text"] for b in row_of(digest, f"📅 {name[:12]}")] == [f"📅 {name[:12]}", "💤 1天", "✅ 已办"]
    assert digest.buttons[-1][0]["text"].startswith("📋 待跟进与逾期")


async def test_done_in_the_digest_clears_the_follow_up_and_redraws_the_digest_without_it(bankbot, pushed):
    chat, digest, name = pushed
    done = row_of(digest, f"📅 {name[:12]}")[2]["callback_data"]
    answer = await chat.press_for_alert(digest, done)
    assert "跟进已完成" in answer
    redrawn = await bankbot.emulator.next_edit(chat.chat_id)
    assert redrawn.message_id == digest.message_id
    assert "今天要跟进" not in redrawn.text
    assert all(row[0]["text"] != f"📅 {name[:12]}" for row in redrawn.buttons)
    assert follow_up_due(bankbot) is None


async def test_the_client_opens_as_a_new_card_where_a_week_snooze_takes_the_reminder_off(bankbot, pushed):
    chat, digest, name = pushed
    card = await chat.press_for_message(digest, f"📅 {name[:12]}")
    assert name in card.text
    assert {"📝 记录联系", "💤 1天", "💤 7天", "✅ 已办"} <= set(card.button_labels)
    answer = await chat.press_for_alert(card, "💤 7天")
    assert "已推迟到" in answer
    edited = await bankbot.emulator.next_edit(chat.chat_id)
    assert "💤 7天" not in edited.button_labels and "📝 记录联系" in edited.button_labels
    assert follow_up_due(bankbot) == MONDAY.isoformat(), "a snooze changes nothing on the client"
    today = await chat.say("/today")
    assert "今天要跟进" not in today.text
    bankbot.clock.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # a week later
    assert "要跟进" in (await chat.say("/today")).text


async def test_a_reminder_button_of_a_client_moved_to_another_rm_is_refused_politely(bankbot, pushed):
    chat, digest, name = pushed
    with bankbot.database.engine.begin() as connection:
        other = connection.execute(text("SELECT id FROM staff WHERE employee_no = 'E00003'")).scalar_one()
        connection.execute(text("UPDATE client SET rm_id = :s WHERE client_no = 'C000000001'"), {"s": other})
    done = row_of(digest, f"📅 {name[:12]}")[2]["callback_data"]
    assert "这条提醒已不存在" in await chat.press_for_alert(digest, done)
    assert follow_up_due(bankbot) == MONDAY.isoformat()
