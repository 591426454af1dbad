"""Who sees what of /team, as a matrix: a lead their own team only, a branch head their subtree only,
an admin the bank, an RM and a stranger nothing of it, a group chat the aggregates only; and the
workbook, the drill-down and a stale RM button keep to the same lines."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from domain.bulk import CLIENT, STAFF, TEAM, UNIT, Natives, write_rows
from tests.e2e.conftest import PEOPLE
from tests.factories import client_row

PNG = b"\x89PNG\r\n\x1a\n"
# Each book's people and clients, by the names that would give them away.
T0001 = {"张经理"}
T0002 = {"赵经理", "欧阳修", "欧阳询"}
BR02 = {"吴经理", "司马光", "司马迁"}
EVERYONE = T0001 | T0002 | BR02
SEES = {  # employee → the names of the three books their /team and its workbook may show
    "E00003": T0001,  # lead of T0001
    "E00007": T0002,  # lead of T0002, same sub-branch
    "E00002": T0001 | T0002,  # head of BR01: both teams
    "E00012": BR02,  # head of BR02
    "E00001": EVERYONE,  # admin
}


@pytest.fixture
def wider_bank(bank, engine):
    """The e2e bank plus team T0002 (lead E00007, RM E00006 with 欧阳修 and 欧阳询) at a second outlet
    of SB01, and branch BR02 (head E00012) with team T0201 (lead E00013, RM E00014 with 司马光 and
    司马迁). Every one of these clients is overdue (never contacted, wealth tier), and so is one of
    张经理's, so that each RM's name is in the workbook's overdue sheet."""
    with engine.begin() as connection:
        connection.execute(text("UPDATE client SET tier = 'wealth', last_contact_at = NULL WHERE client_no = 'C000000001'"))
        n = Natives.for_dialect(connection.dialect.name)
        units = dict(connection.execute(text("SELECT code, id FROM unit")).all())
        paths = dict(connection.execute(text("SELECT code, path FROM unit")).all())

        def unit(code: str, name: str, kind: str, parent: str) -> int:
            write_rows(connection, UNIT, [(code, name, kind, units[parent], "")])
            unit_id = connection.execute(text("SELECT id FROM unit WHERE code = :c"), {"c": code}).scalar_one()
            paths[code] = f"{paths[parent]}{unit_id}/"
            write_rows(connection, UNIT, [(code, name, kind, units[parent], paths[code])])
            units[code] = unit_id
            return unit_id

        unit("OT0002", "第二网点", "outlet", "SB01")
        unit("BR02", "第二分行", "branch", "HO")
        unit("OT0201", "第二分行营业部", "outlet", "BR02")
        write_rows(connection, TEAM, [("T0002", "第二团队", units["OT0002"]), ("T0201", "营业部团队", units["OT0201"])])
        teams = dict(connection.execute(text("SELECT code, id FROM team")).all())
        people = [
            ("E00006", "rm", "OT0002", "T0002"), ("E00007", "team_lead", "OT0002", "T0002"),
            ("E00012", "branch_head", "BR02", None), ("E00013", "team_lead", "OT0201", "T0201"),
            ("E00014", "rm", "OT0201", "T0201"),
        ]
        write_rows(connection, STAFF, [
            (no, PEOPLE[no][1], role, units[at], teams.get(team), PEOPLE[no][0], None, n.boolean(True), None)
            for no, role, at, team in people
        ])
        staff = dict(connection.execute(text("SELECT employee_no, id FROM staff")).all())
        clients = [(901, "欧阳修", "E00006", "OT0002"), (902, "欧阳询", "E00006", "OT0002"),
                   (903, "司马光", "E00014", "OT0201"), (904, "司马迁", "E00014", "OT0201")]
        write_rows(connection, CLIENT, [
            client_row(n, number, rm_id=staff[rm], unit_id=units[at], name=name, aum="800000", tier="wealth")
            for number, name, rm, at in clients
        ])
    return bank


async def _team(bankbot, employee_no: str):
    chat = bankbot.chat(employee_no)
    reply = await chat.say("/team 30天")
    if "📊" in reply.text:
        chart = await bankbot.emulator.next_message(chat.chat_id)
        assert chart.file is not None and chart.file.data[:8] == PNG
    return chat, reply


def _names_in(words: str) -> set[str]:
    return {name for name in EVERYONE if name in words}


async def _workbook_names(bankbot, chat) -> set[str]:
    await bankbot.emulator.send_text(chat.user, "/team export 30天")
    document = (await bankbot.emulator.next_message(chat.chat_id)).file
    assert document is not None and document.kind == "document"
    book = load_workbook(io.BytesIO(document.data), read_only=True)
    cells = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    return _names_in(cells)


@pytest.mark.parametrize("employee_no", sorted(SEES))
async def test_each_lead_and_head_sees_in_team_and_its_workbook_exactly_the_books_of_their_place(
    bankbot, wider_bank, employee_no,
):
    chat, reply = await _team(bankbot, employee_no)
    people = {name for name in _names_in(reply.text + " ".join(reply.button_labels)) if name.endswith("经理")}
    if "按覆盖率排名" in reply.text:  # RMs as rows: exactly the RMs of their books
        assert people == {name for name in SEES[employee_no] if name.endswith("经理")}
    else:  # units as rows: no person named
        assert "各机构" in reply.text and people == set()
    assert await _workbook_names(bankbot, chat) == SEES[employee_no]


async def test_a_branch_head_drills_down_only_into_their_own_subtree(bankbot, wider_bank):
    head, top = await _team(bankbot, "E00002")
    assert "第二分行" not in top.text
    sub_branch = await head.press_for_message(top, next(label for label in top.button_labels if label.startswith("1. ")))
    await bankbot.emulator.next_message(head.chat_id)
    assert "第一网点" in sub_branch.text and "第二网点" in sub_branch.text
    outlets = [label for label in sub_branch.button_labels if label[:1].isdigit()]
    seen = set()
    for label in outlets:
        outlet = await head.press_for_message(sub_branch, label)
        await bankbot.emulator.next_message(head.chat_id)
        seen |= _names_in(outlet.text)
    assert seen == {"张经理", "赵经理"}


@pytest.mark.parametrize("employee_no", ["E00004", "E00006", "E00014"])
async def test_an_rm_gets_no_team_figures_and_no_workbook(bankbot, wider_bank, employee_no):
    chat, reply = await _team(bankbot, employee_no)
    assert "/mine" in reply.text and _names_in(reply.text) == set() and reply.file is None
    await bankbot.emulator.send_text(chat.user, "/team export")
    refused = await bankbot.emulator.next_message(chat.chat_id)
    assert refused.file is None and "/mine" in refused.text


async def test_a_stranger_gets_only_the_refusal(bankbot, wider_bank):
    stranger = bankbot.stranger(language="zh-hans")
    for command in ("/team", "/team export"):
        reply = await stranger.say(command)
        assert "仅供本行员工使用" in reply.text and reply.button_labels == [] and reply.file is None


async def test_a_stale_rm_button_after_the_rm_moved_to_another_team_shows_nothing_of_them(bankbot, wider_bank):
    lead, reply = await _team(bankbot, "E00003")
    with bankbot.database.engine.begin() as connection:
        connection.execute(text(
            "UPDATE staff SET team_id = (SELECT id FROM team WHERE code = 'T0002'), "
            "unit_id = (SELECT id FROM unit WHERE code = 'OT0002') WHERE employee_no = 'E00004'"
        ))
    alert = await lead.press_for_alert(reply, "1. 张经理")
    assert alert and "张经理" not in alert
    await bankbot.emulator.wait_until_idle()
    assert bankbot.emulator.unread_messages(lead.chat_id) == []


@pytest.mark.parametrize(("employee_no", "rows"), [("E00003", "team"), ("E00002", "units")])
async def test_in_a_group_chat_team_gives_the_aggregates_only(bankbot, wider_bank, employee_no, rows):
    leader = bankbot.chat(employee_no)
    group = bankbot.emulator.create_group("第一分行群", members=[leader.user])
    await bankbot.emulator.send_text(leader.user, "/team 30天", chat_id=group)
    summary = await bankbot.emulator.next_message(group)
    assert "📊" in summary.text and "客户" in summary.text and "覆盖率" in summary.text
    assert _names_in(summary.text) == set() and "C0000" not in summary.text, "no person, no client"
    assert summary.button_labels == [] and "私聊" in summary.text
    if rows == "units":
        assert "各机构" in summary.text and "第一支行" in summary.text
    else:
        assert "按覆盖率排名" not in summary.text
    await bankbot.emulator.send_text(leader.user, f"/team@{bankbot.emulator.bot.username} export", chat_id=group)
    refused = await bankbot.emulator.next_message(group)
    assert refused.file is None and "私聊" in refused.text
    await bankbot.emulator.send_text(leader.user, "/due", chat_id=group)
    pointer = await bankbot.emulator.next_message(group)
    assert "只在私聊里工作" in pointer.text
    await bankbot.emulator.wait_until_idle()
    assert all(m.file is None for m in bankbot.emulator.bot_messages(group)), "no chart: it names the RMs"


async def test_in_a_group_chat_an_rm_and_a_stranger_get_no_team_figures(bankbot, wider_bank):
    rm = bankbot.chat("E00004")
    stranger = bankbot.stranger(language="zh-hans")
    group = bankbot.emulator.create_group("第一团队群", members=[rm.user, stranger.user])
    await bankbot.emulator.send_text(rm.user, "/team", chat_id=group)
    assert "/mine" in (await bankbot.emulator.next_message(group)).text
    await bankbot.emulator.send_text(stranger.user, "/team", chat_id=group)
    assert "只在私聊里工作" in (await bankbot.emulator.next_message(group)).text
    await bankbot.emulator.wait_until_idle()
    assert all("📊" not in m.text for m in bankbot.emulator.bot_messages(group))
