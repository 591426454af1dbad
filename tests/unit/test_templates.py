"""Templates render real data into tidy messages in both languages, with user text escaped."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.config import Settings
from domain.cards import Birthday, ClientCard, ContactLine, LastContact, Movement, OpenAlert
from domain.search import ClientHit, ParsedQuery, QueryKind, SearchPage
from handlers.render import LOCALES, Renderer

S = Settings()
RENDERER = Renderer(time_zone="Asia/Shanghai", aum_mode="band", aum_bands=S.chat.aum_bands)
AT = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


def card(**changes) -> ClientCard:
    values = dict(
        id=1, client_no="C000000002", name="张<b>&伟", kind="personal", tier="wealth", value_class="vip",
        corp_size=None, industry=None, aum=Decimal("650000"), aum_change_30d=Decimal("-19200"),
        deposits=Decimal("300000"), loans=Decimal("0"), products=["DEP", "FUND"], rm_name="刘铭",
        original_rm_name="王芳", phone="138****0002", id_number="1101**********1234",
        last_contact=LastContact(AT, "call", "聊了<理财>到期", "刘铭"), next_follow_up=date(2026, 11, 29),
        follow_up_days=7, overdue_days=None, lost_contact=False,
        birthday=Birthday(solar=date(1966, 11, 29), solar_next=date(2026, 11, 29), solar_days=7, age_next=60,
                          milestone=60, lunar_month=10, lunar_day=20, lunar_leap=False,
                          lunar_next=date(2026, 11, 29), lunar_days=7),
        movements=[Movement(AT, Decimal("300000"), "out", True, "招商银行", "mobile"),
                   Movement(AT, Decimal("80000"), "in", False, "", "counter")],
        alerts=[OpenAlert("movement", date(2026, 11, 21), "{}")], tags=["老客户"],
    )
    values.update(changes)
    return ClientCard(**values)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_card_puts_each_fact_on_its_own_line_and_escapes_what_users_typed(locale):
    text = RENDERER.render(locale, "card", card=card(), today=date(2026, 11, 22))
    assert "张&lt;b&gt;&amp;伟" in text and "<b>&" not in text.replace("<b>张", "")
    assert "&lt;理财&gt;" in text
    assert "\n\n\n" not in text
    lines = text.split("\n")
    assert any(line.startswith("💰") for line in lines)
    assert any(line.startswith("📦") for line in lines)
    assert any(line.startswith("🎂") for line in lines)
    assert any(line.startswith("🏮") for line in lines)
    assert sum(line.startswith(("🔴", "🟢")) for line in lines) == 2
    assert len(text) < 4096


@pytest.mark.parametrize("locale", LOCALES)
def test_search_results_list_one_client_per_line(locale):
    hits = [ClientHit(i, f"C00000000{i}", f"张伟{i}", "personal", "wealth", Decimal(300000), i % 2 == 0) for i in range(1, 9)]
    page = SearchPage(ParsedQuery(QueryKind.name, "张伟"), hits, 0, 12)
    text = RENDERER.render(locale, "search_results", result=page)
    numbered = [line for line in text.split("\n") if line[:2] in {f"{i}." for i in range(1, 9)}]
    assert len(numbered) == 8 and "12+" not in text
    many = RENDERER.render(locale, "search_results", result=SearchPage(ParsedQuery(QueryKind.name, "张"), hits, 0, 200))
    assert "200+" in many and ("1/25" in many)


@pytest.mark.parametrize("locale", LOCALES)
def test_recent_contacts_and_movements_keep_one_entry_per_block(locale):
    lines = [ContactLine(AT, "visit", "送了台历", "刘铭", date(2026, 12, 1)), ContactLine(AT, "call", "", "刘铭", None)]
    text = RENDERER.render(locale, "recent_contacts", name="张伟", lines=lines)
    assert "\n\n\n" not in text and text.count("刘铭") == 2
    moves = RENDERER.render(locale, "recent_movements", name="张伟", lines=card().movements)
    assert "\n\n\n" not in moves and moves.count("\n") >= 2


def test_zh_amounts_read_in_wan_and_english_in_yuan():
    assert RENDERER.render("zh_CN", "card", card=card(), today=date(2026, 11, 22)).count("50万–100万") == 1
    assert "CN¥500,000–CN¥1,000,000" in RENDERER.render("en", "card", card=card(), today=date(2026, 11, 22))


@pytest.mark.parametrize(
    "month, day, leap, text",
    [(10, 20, False, "十月二十"), (6, 1, True, "闰六月初一"), (12, 30, False, "腊月三十"), (1, 15, False, "正月十五"), (11, 21, False, "冬月廿一")],
)
def test_lunar_birthdays_read_as_people_say_them(month, day, leap, text):
    from handlers.render import lunar_date

    assert lunar_date(month, day, leap, "zh_CN") == text


@pytest.mark.parametrize("locale, birthdays, tiers, coverage", [
    ("zh_CN", "期内生日 5 位，已问候 3 位", "资产层级升级 2 位 · 降级 1 位", "覆盖率 <b>90%</b>（期初 75%）"),
    ("en", "Birthdays 5, 3 greeted", "Tier upgrades 2 · downgrades 1", "Coverage <b>90 %</b> (start: 75 %)"),
])
def test_the_team_summary_tells_coverage_then_and_now_birthdays_greeted_and_tier_changes(locale, birthdays, tiers, coverage):
    from handlers.team import summary_text
    from domain.team import Line, Period, Summary

    rm = Line(1, "张<经理>", rms=1, clients=40, with_cadence=40, overdue=4, overdue_with_cadence=4, birthdays=5, birthdays_greeted=3,
              tier_ups=2, tier_downs=1, with_cadence_before=40, overdue_before=10)
    total = Line(0, "")
    total.add(rm)
    result = Summary("第一团队", Period.week, date(2026, 11, 12), date(2026, 11, 18), "rm", (rm,), total)
    text = summary_text(lambda name, **values: RENDERER.render(locale, name, **values), result)
    assert birthdays in text and tiers in text and coverage in text and "张&lt;经理&gt;" in text
