"""/team through the emulator: a lead's team, a branch head's units, the period buttons, and
polite refusals."""


PNG = b"\x89PNG\r\n\x1a\n"


async def test_a_team_lead_gets_the_team_ranked_with_a_chart_and_can_switch_the_period(bankbot):
    lead = bankbot.chat("E00003")
    reply = await lead.say("/team")
    assert "📊" in reply.text and "按覆盖率排名" in reply.text and "张经理" in reply.text
    assert reply.button_labels[-3:] == ["• 近7天", "近30天", "本月"] and "1. 张经理" in reply.button_labels
    chart = (await bankbot.emulator.next_message(lead.chat_id)).file
    assert chart is not None and chart.kind == "photo" and chart.data[:8] == PNG
    assert 10_000 < chart.size < 1_000_000 and chart.width >= 800, "readable on a phone, small enough to send"
    month = await lead.press_for_edit(reply, "本月")
    assert month.message_id == reply.message_id and month.button_labels[-1] == "• 本月"
    assert (await bankbot.emulator.next_message(lead.chat_id)).file.data[:8] == PNG


async def test_a_lead_taps_an_rm_for_their_due_list_and_latest_logs_read_only(bankbot):
    from sqlalchemy import text

    with bankbot.database.engine.begin() as connection:
        connection.execute(text("UPDATE client SET tier = 'wealth', last_contact_at = NULL WHERE client_no = 'C000000001'"))
    lead = bankbot.chat("E00003")
    reply = await lead.say("/team")
    await bankbot.emulator.next_message(lead.chat_id)  # the chart
    view = await lead.press_for_message(reply, "1. 张经理")
    assert view.text.startswith("👤 张经理")
    assert "待跟进与逾期 1 位" in view.text and "最近记录" in view.text and view.button_labels == []


async def test_a_branch_head_gets_the_units_under_theirs(bankbot):
    head = bankbot.chat("E00002")
    reply = await head.say("/team 30天")
    assert "各机构" in reply.text and "人" in reply.text


async def test_an_rm_is_pointed_to_their_own_book_and_a_bad_period_is_explained(bankbot):
    rm = bankbot.chat("E00004")
    assert "/mine" in (await rm.say("/team")).text
    lead = bankbot.chat("E00003", language="en")
    assert "/team 30d" in (await lead.say("/team next year")).text


async def test_an_rm_whose_clients_were_all_handed_over_sees_nothing_more(bankbot):
    from datetime import UTC, datetime

    from domain.db import unit_of_work
    from domain.handover import execute, plan

    rm = bankbot.chat("E00004")
    assert "仅供本行员工使用" not in (await rm.say("/mine")).text
    with unit_of_work(bankbot.database.sessions) as session:
        result = execute(session, plan(session, None, "E00004", "E00003"), actor=None, now=datetime.now(UTC))
    assert result.access_cut and result.moved == 12
    refused = await rm.say("/mine")
    assert "仅供本行员工使用" in refused.text  # the stranger's answer: nothing of the book


async def test_a_team_lead_hands_an_rms_clients_over_in_chat_after_confirming(bankbot):
    lead = bankbot.chat("E00003")
    assert "/handover" in (await lead.say("/handover E00004")).text  # usage
    proposal = await lead.say("/handover E00004 E00003")
    assert "移交客户" in proposal.text and "共 12 位" in proposal.text and "登录会立即失效" in proposal.text
    done = await lead.press_for_edit(proposal, "✅ 确认移交")
    assert "已移交 12 位客户" in done.text and done.button_labels == []
    assert "仅供本行员工使用" in (await bankbot.chat("E00004").say("/mine")).text


async def test_cancelling_a_handover_moves_nothing_and_an_rm_may_not_hand_over(bankbot):
    lead = bankbot.chat("E00003")
    proposal = await lead.say("/handover E00004 E00003 mass")
    cancelled = await lead.press_for_edit(proposal, "✖ 取消")
    assert "没有客户被移交" in cancelled.text
    rm = bankbot.chat("E00004")
    assert "只能在您自己的团队内移交" in (await rm.say("/handover E00004 E00003")).text


async def test_the_export_is_a_workbook_with_a_sheet_per_view_whose_totals_match_the_database(bankbot):
    import io

    from openpyxl import load_workbook
    from sqlalchemy import text

    with bankbot.database.engine.begin() as connection:  # two never contacted wealth clients: overdue
        connection.execute(text("UPDATE client SET tier = 'wealth', last_contact_at = NULL WHERE client_no IN ('C000000001', 'C000000002')"))
    lead = bankbot.chat("E00003")
    await bankbot.emulator.send_text(lead.user, "/team export 30天")
    document = (await bankbot.emulator.next_message(lead.chat_id)).file
    assert document.kind == "document" and document.file_name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(document.data), read_only=True)
    assert book.sheetnames == ["汇总", "排名", "逾期客户", "大额变动"]
    summary = {row[0]: (row[1] if len(row) > 1 else None) for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    with bankbot.database.engine.connect() as connection:
        clients = connection.execute(text(
            "SELECT count(*) FROM client WHERE rm_id IN (SELECT s.id FROM staff s JOIN team t ON t.id = s.team_id WHERE t.code = 'T0001')"
        )).scalar_one()
        rms = connection.execute(text(
            "SELECT count(*) FROM staff s JOIN team t ON t.id = s.team_id WHERE t.code = 'T0001' AND s.role IN ('rm', 'team_lead')"
        )).scalar_one()
    assert summary["客户数"] == clients > 0
    assert len(list(book["排名"].iter_rows(min_row=2))) == rms
    ranking = list(book["排名"].iter_rows(values_only=True))
    by_tier = [n for n, name in enumerate(ranking[0]) if name in ("私行客户", "理财客户", "优质客户", "基础客户", "大众客户")]
    assert by_tier and sum(row[n] for row in ranking[1:] for n in by_tier) == clients, "each RM's clients by tier add up"
    from domain import lists
    from domain.access import viewer_for_employee
    from domain.db import unit_of_work

    with unit_of_work(bankbot.database.sessions) as session:
        viewer = viewer_for_employee(session, "E00003")
        due = lists.due(session, viewer, today=bankbot.application.bot_data["services"].today(viewer), settings=bankbot.settings)
    assert len(list(book["逾期客户"].iter_rows(min_row=2))) == due.total > 0, "the whole /due list, not a page of it"


async def test_the_exported_last_contact_is_the_readers_local_time_and_a_real_date(bankbot):
    import io
    from datetime import datetime

    from openpyxl import load_workbook
    from sqlalchemy import text

    with bankbot.database.engine.begin() as connection:  # overdue wealth client, last seen 02:30 UTC = 10:30 in Shanghai
        connection.execute(text("UPDATE client SET tier = 'wealth', last_contact_at = :at WHERE client_no = 'C000000001'"),
                           {"at": "2026-01-05 02:30:00.000000" if connection.dialect.name == "sqlite" else datetime(2026, 1, 5, 2, 30)})
    lead = bankbot.chat("E00003")
    await bankbot.emulator.send_text(lead.user, "/team export")
    document = (await bankbot.emulator.next_message(lead.chat_id)).file
    sheet = load_workbook(io.BytesIO(document.data), read_only=True)["逾期客户"]
    row = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "C000000001")
    assert row[6] == datetime(2026, 1, 5, 10, 30)


async def test_a_branch_head_taps_a_unit_and_then_an_outlet_down_to_its_rms(bankbot):
    head = bankbot.chat("E00002")
    top = await head.say("/team")
    await bankbot.emulator.next_message(head.chat_id)  # the chart
    unit_button = next(label for label in top.button_labels if label.startswith("1. "))
    middle = await head.press_for_message(top, unit_button)
    assert "各机构" in middle.text
    await bankbot.emulator.next_message(head.chat_id)
    outlet_button = next(label for label in middle.button_labels if label.startswith("1. "))
    outlet = await head.press_for_message(middle, outlet_button)
    assert "按覆盖率排名" in outlet.text and "张经理" in outlet.text


async def test_a_lead_hands_over_listed_clients_only_and_the_rm_keeps_the_rest(bankbot):
    from sqlalchemy import text

    lead = bankbot.chat("E00003")
    unknown = await lead.say("/handover E00004 E00003 C000000001,C999999999")
    assert "这些不是原客户经理的客户：C999999999" in unknown.text and unknown.button_labels == []
    assert "/handover" in (await lead.say("/handover E00004 E00003 C000000001 private")).text, "tiers or a list, not both"
    proposal = await lead.say("/handover E00004 E00003 C000000001，C000000002 C000000003")
    assert "共 3 位" in proposal.text and "登录会立即失效" not in proposal.text
    done = await lead.press_for_edit(proposal, "✅ 确认移交")
    assert "已移交 3 位客户" in done.text and done.button_labels == []
    with bankbot.database.engine.connect() as connection:
        owners = dict(connection.execute(text(
            "SELECT c.client_no, s.employee_no FROM client c JOIN staff s ON s.id = c.rm_id WHERE c.client_no <= 'C000000004'"
        )).all())
    assert owners == {"C000000001": "E00003", "C000000002": "E00003", "C000000003": "E00003", "C000000004": "E00004"}
    assert "仅供本行员工使用" not in (await bankbot.chat("E00004").say("/mine")).text, "the RM keeps access and the rest"


async def test_a_listed_handover_confirmed_after_a_restart_moves_nothing_and_says_so(bankbot):
    lead = bankbot.chat("E00003")
    proposal = await lead.say("/handover E00004 E00003 C000000001")
    bankbot.application.user_data[100003].clear()  # the list lives in the bot's memory: a restart loses it
    alert = await lead.press_for_alert(proposal, "✅ 确认移交")
    assert "重新发送 /handover" in alert
    from sqlalchemy import text

    with bankbot.database.engine.connect() as connection:
        owner = connection.execute(text(
            "SELECT s.employee_no FROM client c JOIN staff s ON s.id = c.rm_id WHERE c.client_no = 'C000000001'"
        )).scalar_one()
    assert owner == "E00004"
