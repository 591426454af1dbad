"""The morning digest, pushed through the emulator: at the RM's local digest time on working days,
once a day whatever restarts or second processes do, and never to someone who blocked the bot."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from bot.app import build_application
from reminders.dispatch import send_due_digests
from reminders.jobs import DIGEST_JOB, SCAN_JOB

MONDAY = date(2026, 11, 23)
BEFORE = datetime(2026, 11, 23, 0, 29, tzinfo=UTC)  # 08:29 in Shanghai
AFTER = datetime(2026, 11, 23, 0, 31, tzinfo=UTC)  # 08:31


@pytest.fixture
def rm(bankbot):
    """E00004, who has talked to the bot before (Telegram lets a bot write only to such users), with
    a follow-up due on Monday; the other staff have not started the bot."""
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE client SET next_follow_up = :d WHERE client_no = 'C000000001'"), {"d": MONDAY})
    return bankbot.emulator.create_user(user_id=100004, first_name="张经理", language_code="zh-hans", started=True)


def _digests(bankbot, chat_id):
    return [m for m in bankbot.emulator.bot_messages(chat_id) if "今日要事" in m.text]


def _rows(bankbot):
    with bankbot.database.engine.connect() as connection:
        return connection.execute(text("SELECT s.employee_no, d.day, d.status FROM digest d JOIN staff s ON s.id = d.staff_id ORDER BY 1")).all()


async def test_the_digest_arrives_at_the_digest_time_once(bankbot, rm):
    bankbot.clock.now = BEFORE
    assert await send_due_digests(bankbot.application) == 0
    bankbot.clock.now = AFTER
    assert await send_due_digests(bankbot.application) == 1
    await bankbot.emulator.wait_until_idle()
    [digest] = _digests(bankbot, rm.id)
    assert "今天要跟进" in digest.text
    assert digest.button_labels  # each item opens its card
    assert await send_due_digests(bankbot.application) == 0  # the next run: already sent today
    assert len(_digests(bankbot, rm.id)) == 1
    statuses = {row[0]: row[2] for row in _rows(bankbot)}
    assert statuses["E00004"] == "sent"


async def test_a_bot_that_was_down_at_digest_time_sends_it_when_back_and_a_second_process_does_not(bankbot, rm, emulator, database):
    bankbot.clock.now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # 11:00: the bot was down at 08:30
    second = build_application(bankbot.settings, database, token=emulator.token, clock=lambda: bankbot.clock.now, jobs=False)
    async with second:
        assert await send_due_digests(bankbot.application) == 1
        assert await send_due_digests(second) == 0
    assert len(_digests(bankbot, rm.id)) == 1


async def test_an_rm_with_a_later_digest_time_gets_it_later(bankbot, rm):
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE staff SET digest_time = '09:00' WHERE employee_no = 'E00004'"))
    bankbot.clock.now = AFTER
    assert await send_due_digests(bankbot.application) == 0
    bankbot.clock.now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00
    assert await send_due_digests(bankbot.application) == 1


async def test_no_digest_on_a_day_off(bankbot, rm):
    bankbot.clock.now = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # Sunday 09:00
    assert await send_due_digests(bankbot.application) == 0
    assert _rows(bankbot) == []


async def test_a_blocked_bot_records_it_and_stops_sending_to_that_person(bankbot, rm):
    await bankbot.emulator.block(rm)
    bankbot.clock.now = AFTER
    assert await send_due_digests(bankbot.application) == 0
    assert [(no, status) for no, _, status in _rows(bankbot) if no == "E00004"] == [("E00004", "blocked")]
    bankbot.clock.now = datetime(2026, 11, 24, 0, 31, tzinfo=UTC)  # Tuesday
    assert await send_due_digests(bankbot.application) == 0
    with bankbot.database.engine.connect() as connection:
        assert connection.execute(text("SELECT blocked_at FROM staff WHERE employee_no = 'E00004'")).scalar() is not None


async def test_staff_who_never_started_the_bot_are_not_sent_again_and_again(bankbot, rm):
    bankbot.clock.now = AFTER
    await send_due_digests(bankbot.application)
    await send_due_digests(bankbot.application)
    lead = [status for no, _, status in _rows(bankbot) if no == "E00003"]
    assert lead == ["failed"]  # Telegram: chat not found. Recorded once, not retried every minute


def test_the_bot_schedules_the_scan_and_the_digests_from_config(settings, database, emulator):
    application = build_application(settings, database, token=emulator.token)
    assert sorted(job.name for job in application.job_queue.jobs()) == sorted([SCAN_JOB, DIGEST_JOB])
    assert not build_application(settings, database, token=emulator.token, jobs=False).job_queue.jobs()



async def test_writing_to_the_bot_again_after_blocking_it_brings_the_digests_back(bankbot, rm):
    await bankbot.emulator.block(rm)
    bankbot.clock.now = AFTER
    await send_due_digests(bankbot.application)
    await bankbot.emulator.unblock(rm)
    await bankbot.emulator.send_text(rm, "/help")
    await bankbot.emulator.next_message(rm.id)
    bankbot.clock.now = datetime(2026, 11, 24, 0, 31, tzinfo=UTC)  # Tuesday's digest
    assert await send_due_digests(bankbot.application) == 1
