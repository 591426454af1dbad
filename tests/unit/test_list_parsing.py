"""What an RM types to reach a list: a keyword instead of a command, a number of days."""

import pytest

from domain.lists import MAX_BIRTHDAY_DAYS, MAX_MOVEMENT_DAYS, BadDays, parse_days
from handlers import callbacks as cb
from handlers.lists import BIRTHDAYS, DUE, MINE, MOVES, TODAY, keyword_list


@pytest.mark.parametrize(
    "typed, days",
    [(None, 7), ("", 7), ("  ", 7), ("14", 14), ("１４", 14), ("14天", 14), ("14 日", 14), ("30 days", 30), ("1 day", 1),
     ("0", 0), ("60", 60)],
)
def test_a_number_of_days_may_come_with_its_unit_or_not_at_all(typed, days):
    assert parse_days(typed, limit=MAX_BIRTHDAY_DAYS) == days


@pytest.mark.parametrize("typed", ["abc", "-3", "1.5", "两周", "61", "999", "14 weeks", "1234567"])
def test_anything_else_or_more_than_the_limit_is_refused_with_the_limit(typed):
    with pytest.raises(BadDays) as refused:
        parse_days(typed, limit=MAX_BIRTHDAY_DAYS)
    assert refused.value.limit == 60 and refused.value.detail
    assert refused.value.number == (int(typed) if typed in ("61", "999") else None)


def test_movements_look_back_further_than_birthdays_look_ahead():
    assert parse_days("90", limit=MAX_MOVEMENT_DAYS) == 90
    with pytest.raises(BadDays):
        parse_days("91", limit=MAX_MOVEMENT_DAYS)


@pytest.mark.parametrize(
    "text, name",
    [("生日", BIRTHDAYS), ("Birthdays", BIRTHDAYS), ("birthday", BIRTHDAYS), ("逾期", DUE), ("overdue", DUE), ("due", DUE),
     ("跟进", DUE), ("待跟进", DUE), ("大额", MOVES), ("大额变动", MOVES), ("movements", MOVES), ("moves", MOVES),
     ("今天", TODAY), ("今日", TODAY), ("晨报", TODAY), ("Today!", TODAY), (" 今天？", TODAY), ("我的客户", MINE), ("mine", MINE)],
)
def test_a_whole_message_that_is_a_keyword_names_a_list(text, name):
    assert keyword_list(text) == name


@pytest.mark.parametrize("text", ["张三", "生日快乐", "今天拜访张三", "zs", "overdue clients", "", "C000000001"])
def test_anything_more_than_a_keyword_is_left_to_search(text):
    assert keyword_list(text) is None


def test_list_buttons_fit_telegrams_64_bytes_even_on_a_far_page():
    assert cb.fits(cb.LIST, BIRTHDAYS, 124_999, MAX_BIRTHDAY_DAYS)
    assert cb.fits(cb.LIST, MOVES, 124_999, MAX_MOVEMENT_DAYS)
    assert cb.decode(cb.encode(cb.LIST, BIRTHDAYS, 3, 30)).parts == (BIRTHDAYS, "3", "30")
