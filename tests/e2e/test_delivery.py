"""Pushing digests when Telegram is not kind: a 429 storm, 5xx answers, a refused connection, an
answer lost after Telegram took the message, and the bot dying mid-dispatch. Whatever happens,
each person sees each digest at most once, and nothing Telegram surely did not take is lost."""

import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from bot.app import build_application
from domain import digests
from reminders.dispatch import send_due_digests
from tests.e2e.conftest import bot_settings

MONDAY = date(2026, 11, 23)
AFTER = datetime(2026, 11, 23, 0, 31, tzinfo=UTC)  # 08:31 in Shanghai
LEAD, RM = 100003, 100004


@pytest.fixture
def bot_config() -> dict:
    return {"telegram": {"retry_delays_seconds": [0.01, 0.01]}, "schedule": {"dispatch_concurrency": 1}}


@pytest.fixture
def people(bankbot):
    """E00003 (team lead) and E00004 (RM) have started the bot; both have a digest due on Monday at 08:31."""
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE client SET next_follow_up = :d WHERE client_no = 'C000000001'"), {"d": MONDAY})
    for user_id, name in ((LEAD, "李组长"), (RM, "张经理")):
        bankbot.emulator.create_user(user_id=user_id, first_name=name, language_code="zh-hans", started=True)
    bankbot.clock.now = AFTER
    return bankbot


def digests_seen(bankbot, chat_id) -> int:
    return sum("今日要事" in m.text for m in bankbot.emulator.bot_messages(chat_id))


def statuses(bankbot) -> dict[str, str]:
    with bankbot.database.engine.connect() as connection:
        rows = connection.execute(text("SELECT s.employee_no, d.status FROM digest d JOIN staff s ON s.id = d.staff_id")).all()
    return dict(rows)


async def test_a_429_storm_is_waited_out_as_telegram_asks_and_each_digest_arrives_once(people):
    people.emulator.faults.fail_next("sendMessage", times=3, status=429, retry_after=1)
    started = time.monotonic()
    assert await send_due_digests(people.application) == 2
    assert time.monotonic() - started >= 3, "three refusals, each asking for a second's wait"
    assert people.emulator.count("sendMessage", status=429) == 3
    assert (digests_seen(people, LEAD), digests_seen(people, RM)) == (1, 1)


async def test_telegram_answering_5xx_is_tried_again_at_once(people):
    people.emulator.faults.fail_next("sendMessage", times=2, status=502)
    assert await send_due_digests(people.application) == 2
    assert (digests_seen(people, LEAD), digests_seen(people, RM)) == (1, 1)


async def test_a_refused_connection_gives_the_digests_back_to_the_next_run(people):
    await people.emulator.go_offline()  # Telegram cannot be reached
    assert await send_due_digests(people.application) == 0
    assert statuses(people) == {}, "nothing claimed stays claimed"
    await people.emulator.go_online()
    assert await send_due_digests(people.application) == 2
    assert (digests_seen(people, LEAD), digests_seen(people, RM)) == (1, 1)


async def test_an_answer_lost_after_telegram_took_the_message_is_not_sent_again(people):
    people.emulator.faults.drop_next("sendMessage", after_processing=True)  # the lead's digest: shown, answer lost
    assert await send_due_digests(people.application) == 1
    assert statuses(people) == {"E00003": "unknown", "E00004": "sent"}
    assert await send_due_digests(people.application) == 0
    assert (digests_seen(people, LEAD), digests_seen(people, RM)) == (1, 1)


class Crash(BaseException):
    """The process dying: nothing after it runs, no handler catches it."""


async def test_dying_mid_dispatch_then_restarting_repeats_nothing_and_loses_nothing_unclaimed(people, database, monkeypatch):
    real_finish = digests.finish

    def die(*args, **kwargs):
        raise Crash()  # after Telegram took the lead's digest, before it was recorded

    monkeypatch.setattr(digests, "finish", die)
    with pytest.raises(Crash):
        await send_due_digests(people.application)
    monkeypatch.setattr(digests, "finish", real_finish)
    assert (digests_seen(people, LEAD), digests_seen(people, RM)) == (1, 0)
    restarted = build_application(bot_settings(people.settings, people.emulator), database, token=people.emulator.token,
                                  clock=lambda: people.clock.now, jobs=False)
    async with restarted:
        assert await send_due_digests(restarted) == 1  # the RM's, never claimed before the crash
        assert await send_due_digests(restarted) == 0
    assert (digests_seen(people, LEAD), digests_seen(people, RM)) == (1, 1)
    assert statuses(people) == {"E00003": "sending", "E00004": "sent"}
