"""The lists read lunar dates from one table per lunar year; they must agree with `domain.calendar`."""

from datetime import date, timedelta

import pytest

from domain import calendar
from domain.lists import (
    _birthday_window,
    _lunar_birthday_in_year,
    _lunar_year_of,
    _next_lunar_birthday,
    _solar_to_lunar,
)

BIRTHDAYS = [(m, d, leap) for m in range(1, 13) for d in (1, 15, 29, 30) for leap in (False, True)]


@pytest.mark.parametrize("year", [2023, 2025, 2026, 2033])  # leap months 2, 6, none, 11
def test_a_lunar_birthday_in_a_year_is_the_day_the_calendar_module_gives(year):
    mismatches = [b for b in BIRTHDAYS if _lunar_birthday_in_year(*b, year) != calendar.lunar_birthday_in_year(*b, year)]
    assert mismatches == []


@pytest.mark.parametrize("on", [date(2026, 1, 1), date(2026, 2, 16), date(2026, 11, 22), date(2026, 12, 31)])
def test_the_next_lunar_birthday_is_the_one_the_calendar_module_gives(on):
    sample = BIRTHDAYS[::5]
    assert [_next_lunar_birthday(*b, on) for b in sample] == [calendar.next_lunar_birthday(*b, on) for b in sample]


def test_every_solar_day_maps_to_the_lunar_date_the_calendar_module_gives():
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(0, 800, 3)]
    assert [_solar_to_lunar(d) for d in days] == [calendar.solar_to_lunar(d) for d in days]


def test_the_lunar_year_turns_at_the_spring_festival():
    assert _lunar_year_of(date(2026, 2, 16)) == 2025  # 除夕
    assert _lunar_year_of(date(2026, 2, 17)) == 2026  # 春节
    assert _lunar_year_of(date(1966, 11, 18)) == 1966


def test_a_window_keeps_only_the_birthdays_whose_next_date_falls_inside_it():
    start = date(2026, 11, 22)
    solar, lunar = _birthday_window(start, start + timedelta(days=60))
    assert all(0 <= days <= 60 for _, days in [*solar, *lunar])
    for (month, day, leap), days in lunar:
        assert calendar.next_lunar_birthday(month, day, leap, start) == start + timedelta(days=days)
    for md, days in solar:
        assert calendar.next_solar_birthday(date(2000, md // 100, md % 100), start) == start + timedelta(days=days)
    assert len(solar) == 61 and len({b for b, _ in lunar}) >= 61
