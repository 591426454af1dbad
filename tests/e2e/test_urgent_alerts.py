"""Money leaving for another bank above the urgent line reaches the RM at once, through the
emulator; in quiet hours it waits for them to end; it is sent once."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from domain.alerts import scan
from domain.bulk import TRANSACTION, Natives, write_rows
from domain.db import unit_of_work
from domain.types import to_fen
from reminders.dispatch import send_urgent_alerts
from tests.e2e.conftest import Chat

TUESDAY = date(2026, 11, 24)
NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
LATE = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 22:00: quiet hours (21:00–08:00)


@pytest.fixture
def rm(bankbot):
    return bankbot.emulator.create_user(user_id=100004, first_name="张经理", language_code="zh-hans", started=True)


def _outflow(bankbot, external_id: str, amount: str, at: datetime, *, other_bank: bool = True) -> None:
    with bankbot.database.engine.begin() as connection:
        n = Natives.for_dialect(connection.dialect.name)
        client_id = connection.execute(text("SELECT id FROM client WHERE client_no = 'C000000002'")).scalar_one()
        row = (external_id, client_id, n.instant(at.astimezone(UTC).replace(tzinfo=None)), to_fen(amount), "out", "mobile",
               "招商银行" if other_bank else "", n.boolean(other_bank), "")
        write_rows(connection, TRANSACTION, [row])
    with unit_of_work(bankbot.database.sessions) as session:
        scan(session, today=TUESDAY, settings=bankbot.settings, now=at)


def _urgent(bankbot, chat_id):
    return [m for m in bankbot.emulator.bot_messages(chat_id) if "资金转出他行" in m.text]


async def test_a_large_outflow_to_another_bank_is_pushed_at_once_and_once(bankbot, rm):
    _outflow(bankbot, "U1", "600000", NOON - timedelta(minutes=5))
    bankbot.clock.now = NOON
    assert await send_urgent_alerts(bankbot.application) == 1
    await bankbot.emulator.wait_until_idle()
    [message] = _urgent(bankbot, rm.id)
    assert "60万" in message.text and "招商银行" in message.text
    assert message.button_labels[1:] == ["✅ 已办"]  # the first opens the client's card
    assert await send_urgent_alerts(bankbot.application) == 0
    assert len(_urgent(bankbot, rm.id)) == 1


async def test_an_outflow_marked_done_on_the_alert_is_not_in_the_next_digest(bankbot, rm):
    _outflow(bankbot, "U5", "700000", NOON - timedelta(minutes=5))
    bankbot.clock.now = NOON
    assert await send_urgent_alerts(bankbot.application) == 1
    message = await bankbot.emulator.next_message(rm.id)
    chat = Chat(bankbot.emulator, rm)
    assert "已标记处理" in await chat.press_for_alert(message, "✅ 已办")
    assert (await bankbot.emulator.next_edit(rm.id)).button_labels == message.button_labels[:1]
    bankbot.clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 09:00
    today = await chat.say("/today")
    assert "转出他行" not in today.text


async def test_below_the_urgent_line_or_inside_the_bank_it_waits_for_the_digest(bankbot, rm):
    _outflow(bankbot, "U2", "499999.99", NOON - timedelta(minutes=5))
    _outflow(bankbot, "U3", "900000", NOON - timedelta(minutes=4), other_bank=False)
    bankbot.clock.now = NOON
    assert await send_urgent_alerts(bankbot.application) == 0
    assert _urgent(bankbot, rm.id) == []


async def test_in_quiet_hours_it_waits_until_they_end(bankbot, rm):
    _outflow(bankbot, "U4", "800000", LATE - timedelta(minutes=5))
    bankbot.clock.now = LATE
    assert await send_urgent_alerts(bankbot.application) == 0
    bankbot.clock.now = datetime(2026, 11, 24, 23, 59, tzinfo=UTC)  # 07:59 next morning: still quiet
    assert await send_urgent_alerts(bankbot.application) == 0
    bankbot.clock.now = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 08:00
    assert await send_urgent_alerts(bankbot.application) == 1


async def test_an_rm_who_blocked_the_bot_is_not_sent_to(bankbot, rm):
    await bankbot.emulator.block(rm)
    _outflow(bankbot, "U5", "700000", NOON - timedelta(minutes=5))
    bankbot.clock.now = NOON
    assert await send_urgent_alerts(bankbot.application) == 0
    with bankbot.database.engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM alert WHERE kind = 'attrition'")).scalar_one() == "blocked"
        assert connection.execute(text("SELECT blocked_at FROM staff WHERE employee_no = 'E00004'")).scalar() is not None


async def test_several_alerts_for_one_rm_at_once_are_paced_to_telegrams_one_a_second_per_chat(bankbot, rm):
    for n in range(4):
        _outflow(bankbot, f"P{n}", f"{600000 + n}", NOON - timedelta(minutes=10 - n))
    bankbot.emulator.enable_rate_limits()  # a burst of 3 to one chat, then one a second
    bankbot.clock.now = NOON
    assert await send_urgent_alerts(bankbot.application) == 4
    assert bankbot.emulator.count("sendMessage", status=429) == 0
    assert len(_urgent(bankbot, rm.id)) == 4
