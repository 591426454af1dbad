"""/settings: the RM's language, digest time and quiet hours stick."""

from sqlalchemy import text


def _staff(bankbot):
    with bankbot.database.engine.connect() as connection:
        return connection.execute(
            text("SELECT locale, digest_time, quiet_start, quiet_end FROM staff WHERE employee_no = 'E00004'")
        ).one()


async def test_settings_show_the_defaults_from_config(bankbot):
    reply = await bankbot.chat("E00004").say("/settings")
    assert "晨报时间：08:30（默认）" in reply.content and "免打扰：21:00–08:00（默认）" in reply.content


async def test_switching_to_english_changes_every_later_answer(bankbot):
    rm = bankbot.chat("E00004")
    menu = await rm.say("/settings")
    switched = await rm.press_for_edit(menu, "English")
    assert "My settings" in switched.content and "Language: English" in switched.content
    assert "How to use" in (await rm.say("/help")).content or "how to use it" in (await rm.say("/help")).content
    assert _staff(bankbot)[0] == "en"


async def test_digest_time_and_quiet_hours_are_saved(bankbot):
    rm = bankbot.chat("E00004")
    menu = await rm.say("/settings")
    menu = await rm.press_for_edit(menu, "⏰ 07:30")
    menu = await rm.press_for_edit(menu, "🌙 22:00-07:00")
    assert "晨报时间：07:30，" in menu.content and "免打扰：22:00–07:00，" in menu.content
    assert tuple(_staff(bankbot)) == (None, "07:30", "22:00", "07:00")
    off = await rm.press_for_edit(menu, "🌙 关闭免打扰")
    assert "（默认）" in off.content and _staff(bankbot)[2] is None
