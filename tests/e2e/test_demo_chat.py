"""The offline demo: a newcomer types in the terminal and sees the real bot's answers."""

from io import StringIO

from rich.console import Console
from sqlalchemy import text

from bot.demo import chat_in_terminal, html_to_rich
from tests.factories import make_bank


def _script(*lines: str):
    feed = iter(lines)

    def read_line(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return read_line


async def _run(database, settings, *lines, persona="rm", tmp_path=None):
    with database.engine.begin() as connection:
        make_bank(connection, clients=12)
        for employee_no, user_id in (("E00004", 100004), ("E00003", 100003)):
            connection.execute(text("UPDATE staff SET telegram_user_id = :u WHERE employee_no = :e"), {"u": user_id, "e": employee_no})
    out = StringIO()
    console = Console(file=out, width=100, color_system=None)
    # No scheduled jobs: a digest pushed by the clock would interleave with the scripted chat.
    await chat_in_terminal(settings, database, persona=persona, console=console, read_line=_script(*lines), files=tmp_path, jobs=False)
    return out.getvalue()


async def test_typing_a_name_then_a_button_number_opens_the_card(database, settings, tmp_path):
    screen = await _run(database, settings, "zhangwei", "1", "/quit", tmp_path=tmp_path)
    assert "您好" in screen
    assert "[1] 张伟 · 大众 · 0002" in screen
    assert "客户号 C000000002" in screen and "[1] 📝 记录联系" in screen


async def test_logging_a_contact_works_from_the_terminal_as_on_a_phone(database, settings, tmp_path):
    screen = await _run(database, settings, "/log 张伟 call 约了下周喝茶", tmp_path=tmp_path)
    assert "已记录：张伟 · 电话" in screen
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM interaction")).scalar_one() == 1


async def test_a_button_number_that_is_not_on_screen_is_explained(database, settings, tmp_path):
    screen = await _run(database, settings, "zhangwei", "7", tmp_path=tmp_path)
    assert "there is no button 7" in screen


async def test_the_demo_can_be_a_team_lead(database, settings, tmp_path):
    screen = await _run(database, settings, "/start", persona="lead", tmp_path=tmp_path)
    assert "as lead (E00003)" in screen


async def test_a_leads_chart_and_workbook_are_saved_as_files_that_open_with_a_click(database, settings, tmp_path):
    screen = await _run(database, settings, "/team", "/team export", "/quit", persona="lead", tmp_path=tmp_path)
    saved = sorted(path.suffix for path in tmp_path.iterdir())
    assert saved == [".png", ".xlsx"], screen
    assert (next(tmp_path.glob("*.png")).read_bytes()).startswith(b"\x89PNG")


def test_telegram_html_becomes_terminal_styles_and_brackets_stay_literal():
    from rich.text import Text

    shown = Text.from_markup(html_to_rich("<b>张伟</b> [bold] [1] &lt;x&gt;"))
    assert shown.plain == "张伟 [bold] [1] <x>"
    assert [span.style for span in shown.spans] == ["bold"]
