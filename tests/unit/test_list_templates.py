"""Every list message renders in both languages from sample data, escaped, well under Telegram's limit."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.config import Settings
from domain.access import Viewer
from domain.lists import (
    BadDays,
    BirthdayCalendar,
    BirthdayItem,
    Book,
    Digest,
    DueItem,
    DueReason,
    KindTotal,
    MovementItem,
    MovementKind,
    MovementPage,
    Page,
    Section,
    TierLine,
)
from handlers.render import LOCALES, TELEGRAM_LIMIT, Renderer

S = Settings()
RENDERER = Renderer(time_zone="Asia/Shanghai", aum_mode="band", aum_bands=S.chat.aum_bands)
TODAY = date(2026, 11, 18)
AT = datetime(2026, 11, 17, 6, 5, tzinfo=UTC)
NAME = "张<b>&伟"
LONG = "北京" + "<b>&" * 40  # longer than any column allows, full of characters that escape to more
VIEWER = Viewer(staff_id=4, name="张经理", role="rm", unit_id=4, unit_path="/1/2/3/4/", team_id=1)


def due_item(reason: str, n: int = 1, name: str = NAME, **changes) -> DueItem:
    values = {"client_id": n, "client_no": f"C{n:09d}", "name": name, "tier": "private" if n % 2 else "class1",
              "reason": DueReason(reason), "days": 3, "last_contact": AT, "since_contact": 20, "follow_up": date(2026, 11, 15),
              "contacts": 1, "expected": 2, "lost_contact": n % 3 == 0}
    return DueItem(**(values | changes))


def birthday_item(n: int = 1, name: str = NAME, lunar: bool = False, days: int = 2) -> BirthdayItem:
    return BirthdayItem(client_id=n, client_no=f"C{n:09d}", name=name, tier="wealth", calendar=BirthdayCalendar.lunar if lunar else BirthdayCalendar.solar,
                        on=date(2026, 11, 18 + days), days=days, age=60, milestone=60 if n == 1 else None,
                        lunar_month=10 if lunar else None, lunar_day=20 if lunar else None, lunar_leap=False)


def movement_item(n: int = 1, name: str = NAME, direction: str = "out", other_bank: bool = True, bank: str = "招商<银行>") -> MovementItem:
    return MovementItem(transaction_id=n, client_id=n, client_no=f"C{n:09d}", name=name, tier="private", at=AT,
                        amount=Decimal("1234567.89"), direction=direction, other_bank=other_bank, counterparty_bank=bank,
                        threshold=Decimal(1000000))


def due_page(name: str = NAME) -> Page[DueItem]:
    reasons = ["follow_up", "follow_up", "overdue", "overdue", "corporate_behind", "lost_contact", "overdue", "overdue"]
    items = [due_item(r, n, name, days=0 if n == 1 else 3, since_contact=None if n == 4 else 20) for n, r in enumerate(reasons, 1)]
    return Page(tuple(items), 1, 123)


def birthday_page(name: str = NAME) -> Page[BirthdayItem]:
    return Page(tuple(birthday_item(n, name, lunar=n % 2 == 0, days=n - 1) for n in range(1, 9)), 0, 9, 30)


def movement_page(name: str = NAME, bank: str = "招商<银行>") -> MovementPage:
    kinds = [("out", True), ("out", True), ("out", False), ("in", False)] * 2
    items = tuple(movement_item(n, name, d, o, bank) for n, (d, o) in enumerate(kinds, 1))
    totals = (KindTotal(MovementKind.attrition, 4, Decimal("4938271.56")), KindTotal(MovementKind.outflow, 2, Decimal("2469135.78")),
              KindTotal(MovementKind.inflow, 0, Decimal(0)))
    return MovementPage(items, 0, 8, 7, totals)


def book() -> Book:
    tiers = tuple(TierLine(t, 10 + i, Decimal("12345678.9") * (i + 1), Decimal(2000000), t != "mass", i, 1, 0)
                  for i, t in enumerate(["private", "wealth", "premium", "basic", "mass", "class1", "class2", "class3"]))
    return Book(TODAY, tiers)


def digest(name: str = NAME, bank: str = "招商<银行>", per_section: int = 5) -> Digest:
    n = per_section
    return Digest(
        today=TODAY,
        attrition=Section("attrition", tuple(movement_item(i, name, bank=bank) for i in range(n)), n + 3),
        birthdays_today=Section("birthdays_today", tuple(birthday_item(i, name, lunar=i % 2 == 0, days=0) for i in range(n)), n + 1),
        follow_ups=Section("follow_ups", tuple(due_item("follow_up", i, name, days=i) for i in range(n)), n + 40),
        overdue=Section("overdue", tuple(due_item(r, i, name) for i, r in enumerate(["overdue", "corporate_behind", "lost_contact", "overdue", "overdue"][:n])),
                        200, (("private", 150), ("wealth", 40), ("class1", 10))),
        upcoming_birthdays=Section("upcoming_birthdays", tuple(birthday_item(i, name, lunar=i % 2 == 0, days=i + 1) for i in range(n)), n),
    )


EMPTY_DIGEST = Digest(TODAY, *(Section(name, (), 0) for name in ("attrition", "birthdays_today", "follow_ups", "overdue", "upcoming_birthdays")))


def messages(name: str = NAME, bank: str = "招商<银行>") -> dict[str, dict]:
    return {
        "list_due": {"result": due_page(name)},
        "list_birthdays": {"result": birthday_page(name)},
        "list_moves": {"result": movement_page(name, bank)},
        "list_mine": {"book": book(), "viewer": VIEWER},
        "list_today": {"digest": digest(name, bank)},
        "list_bad_days": {"command": "/birthdays", "bad": BadDays("<b>abc", 60)},
    }


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", list(messages()))
def test_each_list_renders_tidily_and_escapes_what_came_from_outside(locale, template):
    text = RENDERER.render(locale, template, **messages()[template])
    assert len(text) < TELEGRAM_LIMIT
    assert "\n\n\n" not in text and not text.startswith("\n")
    assert "<b>&" not in text and "<b>abc" not in text and "<银行>" not in text
    if template not in ("list_mine", "list_bad_days"):
        assert "张&lt;b&gt;&amp;伟" in text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", list(messages()))
def test_the_longest_names_and_banks_still_fit_one_message(locale, template):
    text = RENDERER.render(locale, template, **messages(LONG, LONG)[template])
    assert len(text) < TELEGRAM_LIMIT


@pytest.mark.parametrize("locale", LOCALES)
def test_each_item_of_a_page_is_numbered_from_where_the_page_starts(locale):
    text = RENDERER.render(locale, "list_due", result=due_page())
    assert [line.split(".")[0] for line in text.split("\n") if line[:1].isdigit()] == [str(n) for n in range(9, 17)]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_digest_shows_sections_in_order_with_what_is_left_out(locale):
    text = RENDERER.render(locale, "list_today", digest=digest())
    heads = [line[:1] for line in text.split("\n") if line[:1] in "🔴🎂📅⏰🎁" and "<b>" in line]
    assert heads == ["🔴", "🎂", "📅", "⏰", "🎁"]
    assert ("…还有 195 位" if locale == "zh_CN" else "…and 195 more") in text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(
    "template, data",
    [("list_due", {"result": Page((), 0, 0)}), ("list_birthdays", {"result": Page((), 0, 0, 7)}),
     ("list_moves", {"result": MovementPage((), 0, 0, 1)}), ("list_today", {"digest": EMPTY_DIGEST}),
     ("list_mine", {"book": Book(TODAY, ()), "viewer": VIEWER})],
)
def test_an_empty_list_says_so_in_a_sentence(locale, template, data):
    text = RENDERER.render(locale, template, **data)
    assert 10 < len(text) < 300 and "\n\n\n" not in text


def test_zh_amounts_read_in_wan_and_lunar_dates_as_people_say_them():
    text = RENDERER.render("zh_CN", "list_birthdays", result=birthday_page())
    assert "农历十月二十" in text and "60 岁整寿" in text
    moves = RENDERER.render("zh_CN", "list_moves", result=movement_page())
    assert "123.46万" in moves and "🔴 转出他行 4 笔 493.83万" in moves


@pytest.mark.parametrize("locale", LOCALES)
def test_a_list_button_names_the_client_and_tier_in_plain_text(locale):
    label = RENDERER.label(locale, "list_item", 9, due_item("overdue", 1))
    assert label.startswith("9. 张<b>&伟 · ") and len(label) <= 64
    assert RENDERER.label(locale, "list_item", None, due_item("overdue", 1)).startswith("张<b>&伟 · ")
    assert all(RENDERER.label(locale, "list_link", name) for name in ("due", "bd", "mv", "today", "mine"))


@pytest.mark.parametrize("locale", LOCALES)
def test_a_number_of_days_too_large_is_told_the_limit_rather_than_called_unreadable(locale):
    unreadable = RENDERER.render(locale, "list_bad_days", command="/moves", bad=BadDays("abc", 90))
    too_many = RENDERER.render(locale, "list_bad_days", command="/moves", bad=BadDays("100", 90, 100))
    assert "abc" in unreadable and "100" not in too_many and "90" in too_many and "/moves 14" in too_many


@pytest.mark.parametrize("locale", LOCALES)
def test_a_same_day_total_says_how_many_transfers_made_it(locale):
    from dataclasses import replace

    summed = replace(movement_item(1), transactions=3)
    text = RENDERER.render(locale, "list_today", digest=replace(digest(), attrition=Section("attrition", (summed,), 1)))
    assert ("3 笔合计" if locale == "zh_CN" else "in 3 transfers") in text


@pytest.mark.parametrize("locale", LOCALES)
def test_changes_in_the_book_read_as_a_fall_an_upgrade_and_a_dormant_client(locale):
    from dataclasses import replace

    from domain.lists import ChangeItem, ChangeKind

    items = (
        ChangeItem(1, "C000000001", NAME, "private", ChangeKind.aum_drop, TODAY, peak=Decimal(1000000), aum=Decimal(700000)),
        ChangeItem(2, "C000000002", NAME, "wealth", ChangeKind.tier_change, TODAY, to_tier="private"),
        ChangeItem(3, "C000000003", NAME, "mass", ChangeKind.dormant, TODAY),
    )
    text = RENDERER.render(locale, "list_today", digest=replace(EMPTY_DIGEST, changes=Section("changes", items, 4)))
    assert "−30" in text and "⬆️" in text and "💤" in text
    assert ("…还有 1 位" if locale == "zh_CN" else "…and 1 more") in text
