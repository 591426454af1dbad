"""What an RM types when logging a contact: the kind, the note and when to follow up."""

from datetime import date

import pytest

from domain.contacts import BadDate, find_follow_up, parse_follow_up_answer, parse_quick_log

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("两周后再约", date(2026, 12, 6)),
        ("in 2 weeks", date(2026, 12, 6)),
        ("3天后回访", date(2026, 11, 25)),
        ("十天后", date(2026, 12, 2)),
        ("两个月后", date(2027, 1, 22)),
        ("in a month", date(2026, 12, 22)),
        ("下个月", date(2026, 12, 22)),
        ("明天", date(2026, 11, 23)),
        ("day after tomorrow", date(2026, 11, 24)),
        ("下周再说", date(2026, 11, 29)),
        ("12-05", date(2026, 12, 5)),
        ("12月5日再联系", date(2026, 12, 5)),
        ("2026-12-05", date(2026, 12, 5)),
        ("11-22", date(2026, 11, 22)),
    ],
)
def test_follow_up_phrases_in_chinese_and_english_become_dates(text, expected):
    assert find_follow_up(text, TODAY)[0] == expected


def test_a_month_and_day_already_past_this_year_means_next_year():
    assert find_follow_up("11-01", TODAY)[0] == date(2027, 11, 1)


def test_29_february_without_a_year_means_the_next_leap_year():
    assert find_follow_up("02-29", TODAY)[0] == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["2026-02-30", "13-45", "2025-12-01"])
def test_impossible_or_past_dates_are_refused_not_guessed(text):
    with pytest.raises(BadDate):
        find_follow_up(text, TODAY)


def test_decimals_in_a_note_are_not_taken_for_dates():
    assert find_follow_up("聊了利率3.5的产品", TODAY) == (None, "聊了利率3.5的产品")


def test_a_typed_answer_that_is_no_date_is_refused():
    with pytest.raises(BadDate):
        parse_follow_up_answer("找时间吧", TODAY)


def test_the_one_line_log_reads_who_kind_note_and_follow_up():
    log = parse_quick_log("张三 call 聊了理财到期，两周后再约", TODAY)
    assert (log.who, log.kind, log.note, log.follow_up) == ("张三", "call", "聊了理财到期，两周后再约", date(2026, 12, 6))


@pytest.mark.parametrize("word, kind", [("微信", "message"), ("拜访", "visit"), ("wechat", "message"), ("MEETING", "meeting")])
def test_kinds_are_understood_in_both_languages(word, kind):
    assert parse_quick_log(f"C000000001 {word} 发了资料", TODAY).kind == kind


def test_without_a_kind_the_contact_is_a_call_and_every_word_is_note():
    log = parse_quick_log("李四 客户说下周出差", TODAY)
    assert (log.kind, log.note, log.follow_up) == ("call", "客户说下周出差", date(2026, 11, 29))
