"""The scheduled team summaries through the emulator: a team lead's every Monday at 09:00 local,
a branch head's on the month's first working day, each once, late if the bot was down, never to
someone who switched theirs off."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from reminders.dispatch import send_team_reports

MONDAY_0859 = datetime(2026, 11, 23, 0, 59, tzinfo=UTC)  # 08:59 in Shanghai
MONDAY_0901 = datetime(2026, 11, 23, 1, 1, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def people(bankbot):
    lead = bankbot.emulator.create_user(user_id=100003, first_name="李组长", language_code="zh-hans", started=True)
    head = bankbot.emulator.create_user(user_id=100002, first_name="王行长", language_code="zh-hans", started=True)
    return lead, head


def reports(bankbot, chat_id):
    return [m for m in bankbot.emulator.bot_messages(chat_id) if m.text and "📅" in m.text]


async def test_a_team_lead_gets_the_weekly_report_on_monday_at_nine_once_with_its_chart(bankbot, people):
    lead, _ = people
    bankbot.clock.now = MONDAY_0859
    await send_team_reports(bankbot.application)
    assert reports(bankbot, lead.id) == []
    bankbot.clock.now = MONDAY_0901
    assert await send_team_reports(bankbot.application) == 1
    [report] = reports(bankbot, lead.id)
    assert "团队周报" in report.text and "11月16日–11月22日" in report.text  # the seven days before Monday
    assert bankbot.emulator.bot_messages(lead.id)[-1].file.data[:8] == PNG
    bankbot.clock.now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday: this week's is sent
    assert await send_team_reports(bankbot.application) == 0
    assert len(reports(bankbot, lead.id)) == 1


async def test_a_report_missed_on_monday_goes_out_when_the_bot_is_back_that_week(bankbot, people):
    lead, _ = people
    bankbot.clock.now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # Thursday: the bot was down on Monday
    assert await send_team_reports(bankbot.application) == 1
    assert "11月16日–11月22日" in reports(bankbot, lead.id)[0].text


async def test_a_branch_head_gets_last_month_on_the_first_working_day(bankbot, people):
    _, head = people
    bankbot.clock.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # November's report day is four weeks gone
    await send_team_reports(bankbot.application)
    assert reports(bankbot, head.id) == []
    bankbot.clock.now = datetime(2026, 12, 1, 1, 1, tzinfo=UTC)  # Tuesday 1 December, 09:01
    await send_team_reports(bankbot.application)
    [monthly] = [m for m in reports(bankbot, head.id) if "月报" in m.text]
    assert "11月1日–11月30日" in monthly.text


async def test_someone_who_switched_reports_off_gets_none(bankbot, people):
    lead, _ = people
    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE staff SET team_reports = :f WHERE employee_no = 'E00003'"), {"f": False})
    bankbot.clock.now = MONDAY_0901
    await send_team_reports(bankbot.application)
    assert reports(bankbot, lead.id) == []


async def test_a_lead_switches_the_report_off_in_settings_and_an_rm_is_not_offered_it(bankbot, people):
    from tests.e2e.conftest import Chat

    lead, _ = people
    chat = Chat(bankbot.emulator, lead)
    shown = await chat.say("/settings")
    assert "团队周报/月报：开" in shown.text
    switched = await chat.press_for_edit(shown, "📊 关闭团队周报/月报")
    assert "团队周报/月报：关" in switched.text and "📊 开启团队周报/月报" in switched.button_labels
    bankbot.clock.now = MONDAY_0901
    await send_team_reports(bankbot.application)
    assert reports(bankbot, lead.id) == []
    rm = bankbot.chat("E00004")
    assert "团队周报" not in (await rm.say("/settings")).text
