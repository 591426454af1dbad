"""`domain.calendar` reads lunar dates from one table per lunar year; they must agree with
lunar_python asked date by date (the slow, direct way, kept here as the reference)."""

from datetime import date, timedelta

import pytest
from lunar_python import Lunar, LunarMonth, LunarYear, Solar

from domain import calendar
from domain.calendar import lunar_year_of
from domain.lists import _birthday_window


def _direct_birthday_in_year(month: int, day: int, is_leap: bool, lunar_year: int) -> date:
    leap = is_leap and LunarYear.fromYear(lunar_year).getLeapMonth() == month
    lunar_month = -month if leap else month
    last_day = LunarMonth.fromYm(lunar_year, lunar_month).getDayCount()
    solar = Lunar.fromYmd(lunar_year, lunar_month, min(day, last_day)).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _direct_next_birthday(month: int, day: int, is_leap: bool, on: date) -> date:
    return min(d for d in (_direct_birthday_in_year(month, day, is_leap, y) for y in range(on.year - 1, on.year + 2)) if d >= on)


def _direct_solar_to_lunar(d: date) -> tuple[int, int, bool]:
    lunar = Solar.fromYmd(d.year, d.month, d.day).getLunar()
    return abs(lunar.getMonth()), lunar.getDay(), lunar.getMonth() < 0


BIRTHDAYS = [(m, d, leap) for m in range(1, 13) for d in (1, 15, 29, 30) for leap in (False, True)]


@pytest.mark.parametrize("year", [2023, 2025, 2026, 2033])  # leap months 2, 6, none, 11
def test_a_lunar_birthday_in_a_year_is_the_day_lunar_python_gives(year):
    mismatches = [b for b in BIRTHDAYS if calendar.lunar_birthday_in_year(*b, year) != _direct_birthday_in_year(*b, year)]
    assert mismatches == []


@pytest.mark.parametrize("on", [date(2026, 1, 1), date(2026, 2, 16), date(2026, 11, 22), date(2026, 12, 31)])
def test_the_next_lunar_birthday_is_the_one_lunar_python_gives(on):
    sample = BIRTHDAYS[::5]
    assert [calendar.next_lunar_birthday(*b, on) for b in sample] == [_direct_next_birthday(*b, on) for b in sample]


def test_every_solar_day_maps_to_the_lunar_date_lunar_python_gives():
    days = [date(2025, 1, 1) + timedelta(days=n) for n in range(0, 800, 3)]
    assert [calendar.solar_to_lunar(d) for d in days] == [_direct_solar_to_lunar(d) for d in days]


def test_the_lunar_year_turns_at_the_spring_festival():
    assert lunar_year_of(date(2026, 2, 16)) == 2025  # 除夕
    assert lunar_year_of(date(2026, 2, 17)) == 2026  # 春节
    assert lunar_year_of(date(1966, 11, 18)) == 1966


def test_a_window_keeps_only_the_birthdays_whose_next_date_falls_inside_it():
    start = date(2026, 11, 22)
    solar, lunar = _birthday_window(start, start + timedelta(days=60))
    assert all(0 <= days <= 60 for _, days in [*solar, *lunar])
    for (month, day, leap), days in lunar:
        assert calendar.next_lunar_birthday(month, day, leap, start) == start + timedelta(days=days)
    for md, days in solar:
        assert calendar.next_solar_birthday(date(2000, md // 100, md % 100), start) == start + timedelta(days=days)
    assert len(solar) == 61 and len({b for b, _ in lunar}) >= 61
