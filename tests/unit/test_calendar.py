import logging
from datetime import date

import pytest

from bot.config import Settings
from domain.calendar import (
    age_on,
    days_until,
    first_workday_of_month,
    is_workday,
    lunar_birthday_in_year,
    milestone_age,
    next_lunar_birthday,
    next_solar_birthday,
    next_workday,
    solar_to_lunar,
)

S = Settings()
MILESTONES = S.birthdays.milestones
BIRTHDAY = date(1980, 5, 10)


@pytest.mark.parametrize(
    ("on", "next_birthday", "days"),
    [
        (date(2025, 5, 9), date(2025, 5, 10), 1),
        (date(2025, 5, 10), date(2025, 5, 10), 0),
        (date(2025, 5, 11), date(2026, 5, 10), 364),
    ],
)
def test_the_next_birthday_is_today_or_later(on: date, next_birthday: date, days: int) -> None:
    assert next_solar_birthday(BIRTHDAY, on) == next_birthday
    assert days_until(next_birthday, on) == days


def test_a_january_birthday_seen_in_late_december_is_next_year() -> None:
    found = next_solar_birthday(date(1990, 1, 2), date(2025, 12, 30))
    assert found == date(2026, 1, 2)
    assert days_until(found, date(2025, 12, 30)) == 3


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2027, 2, 27), date(2027, 2, 28)),
        (date(2027, 2, 28), date(2027, 2, 28)),
        (date(2027, 3, 1), date(2028, 2, 29)),
        (date(2028, 2, 28), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2028, 2, 29)),
        (date(2028, 3, 1), date(2029, 2, 28)),
    ],
)
def test_a_29_february_birthday_falls_on_28_february_in_common_years(on: date, expected: date) -> None:
    assert next_solar_birthday(date(1988, 2, 29), on) == expected


@pytest.mark.parametrize(
    ("on", "age"), [(date(2025, 7, 14), 59), (date(2025, 7, 15), 60), (date(2025, 7, 16), 60)]
)
def test_a_client_turns_a_year_older_on_the_birthday(on: date, age: int) -> None:
    assert age_on(date(1965, 7, 15), on) == age


@pytest.mark.parametrize(
    ("on", "age"),
    [(date(2027, 2, 27), 38), (date(2027, 2, 28), 39), (date(2028, 2, 28), 39), (date(2028, 2, 29), 40)],
)
def test_a_29_february_child_ages_on_28_february_in_common_years(on: date, age: int) -> None:
    assert age_on(date(1988, 2, 29), on) == age


@pytest.mark.parametrize(
    ("on", "milestone"),
    [(date(2025, 7, 14), 60), (date(2025, 7, 15), 60), (date(2025, 7, 16), None)],
)
def test_the_sixtieth_birthday_is_a_milestone_until_it_has_passed(on: date, milestone: int | None) -> None:
    assert milestone_age(date(1965, 7, 15), on, MILESTONES) == milestone


def test_an_ordinary_birthday_is_no_milestone() -> None:
    assert milestone_age(date(1966, 7, 15), date(2025, 7, 15), MILESTONES) is None


def test_a_milestone_in_january_is_seen_from_late_december() -> None:
    assert milestone_age(date(1966, 1, 2), date(2025, 12, 30), MILESTONES) == 60


@pytest.mark.parametrize(
    ("month", "day", "is_leap", "year", "expected"),
    [
        (6, 1, False, 2025, date(2025, 6, 25)),
        (6, 1, True, 2025, date(2025, 7, 25)),
        (6, 30, False, 2025, date(2025, 7, 24)),
        (2, 1, True, 2023, date(2023, 3, 22)),
        (5, 1, True, 2028, date(2028, 6, 23)),
        (5, 1, False, 2028, date(2028, 5, 24)),
    ],
)
def test_a_lunar_birthday_lands_on_its_solar_date(
    month: int, day: int, is_leap: bool, year: int, expected: date
) -> None:
    assert lunar_birthday_in_year(month, day, is_leap, year) == expected


def test_a_leap_month_birthday_falls_on_the_ordinary_month_in_a_year_without_that_leap_month() -> None:
    assert lunar_birthday_in_year(6, 1, True, 2026) == date(2026, 7, 14)
    assert lunar_birthday_in_year(6, 1, True, 2026) == lunar_birthday_in_year(6, 1, False, 2026)


def test_day_30_falls_on_day_29_in_a_29_day_month() -> None:
    assert lunar_birthday_in_year(2, 30, False, 2025) == date(2025, 3, 28)
    assert lunar_birthday_in_year(6, 30, True, 2025) == date(2025, 8, 22)


def test_an_impossible_lunar_date_is_refused() -> None:
    with pytest.raises(ValueError):
        lunar_birthday_in_year(13, 1, False, 2025)
    with pytest.raises(ValueError):
        lunar_birthday_in_year(1, 31, False, 2025)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 6, 24), date(2025, 6, 25)),
        (date(2025, 6, 25), date(2025, 6, 25)),
        (date(2025, 6, 26), date(2026, 7, 14)),
    ],
)
def test_the_next_lunar_birthday_is_today_or_later(on: date, expected: date) -> None:
    assert next_lunar_birthday(6, 1, False, on) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2025, 7, 24), date(2025, 7, 25)),
        (date(2025, 7, 25), date(2025, 7, 25)),
        (date(2025, 7, 26), date(2026, 7, 14)),
    ],
)
def test_a_leap_sixth_month_birthday_is_kept_in_2025_and_on_the_ordinary_month_in_2026(
    on: date, expected: date
) -> None:
    assert next_lunar_birthday(6, 1, True, on) == expected


def test_a_twelfth_month_lunar_birthday_seen_in_late_december_falls_next_solar_year() -> None:
    assert next_lunar_birthday(12, 15, False, date(2025, 12, 30)) == date(2026, 2, 2)


def test_a_twelfth_month_lunar_birthday_in_january_belongs_to_the_previous_lunar_year() -> None:
    assert next_lunar_birthday(12, 29, False, date(2025, 1, 5)) == date(2025, 1, 28)


def test_a_lunar_new_year_birthday_just_passed_comes_back_next_year() -> None:
    assert next_lunar_birthday(1, 1, False, date(2026, 2, 17)) == date(2026, 2, 17)
    assert next_lunar_birthday(1, 1, False, date(2026, 2, 18)) == date(2027, 2, 6)


@pytest.mark.parametrize(
    ("day", "lunar"),
    [
        (date(2025, 7, 25), (6, 1, True)),
        (date(2025, 6, 25), (6, 1, False)),
        (date(2026, 2, 16), (12, 29, False)),
    ],
)
def test_a_solar_date_converts_to_its_lunar_month_and_day(day: date, lunar: tuple[int, int, bool]) -> None:
    assert solar_to_lunar(day) == lunar


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 2, 13), True),
        (date(2026, 2, 14), True),
        (date(2026, 2, 15), False),
        (date(2026, 2, 16), False),
        (date(2026, 2, 17), False),
        (date(2026, 2, 23), False),
        (date(2026, 2, 24), True),
        (date(2026, 2, 28), True),
        (date(2026, 3, 1), False),
    ],
)
def test_chinese_working_days_follow_the_spring_festival_2026_holidays(day: date, workday: bool) -> None:
    assert is_workday(day, "cn") is workday


def test_mon_fri_ignores_holidays_and_make_up_days() -> None:
    assert is_workday(date(2026, 2, 14), "mon-fri") is False
    assert is_workday(date(2026, 2, 17), "mon-fri") is True


def test_every_day_is_a_working_day_in_mode_all() -> None:
    assert is_workday(date(2026, 2, 15), "all") is True


def test_an_unknown_working_day_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        is_workday(date(2026, 2, 16), "weekends")


def test_a_year_the_holiday_calendar_does_not_cover_falls_back_to_mon_fri_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="domain.calendar"):
        assert is_workday(date(2187, 1, 4), "cn") is True
        assert is_workday(date(2187, 1, 5), "cn") is True
        assert is_workday(date(2187, 1, 6), "cn") is False
    assert sum("2187" in record.getMessage() for record in caplog.records) == 1


@pytest.mark.parametrize(
    ("day", "mode", "expected"),
    [
        (date(2026, 2, 15), "cn", date(2026, 2, 24)),
        (date(2026, 2, 14), "cn", date(2026, 2, 14)),
        (date(2026, 2, 14), "mon-fri", date(2026, 2, 16)),
        (date(2026, 2, 14), "all", date(2026, 2, 14)),
    ],
)
def test_the_next_workday_is_the_day_itself_or_the_first_working_day_after(
    day: date, mode: str, expected: date
) -> None:
    assert next_workday(day, mode) == expected


@pytest.mark.parametrize(
    ("year", "month", "mode", "expected"),
    [
        (2026, 1, "cn", date(2026, 1, 4)),
        (2026, 1, "mon-fri", date(2026, 1, 1)),
        (2026, 10, "cn", date(2026, 10, 8)),
        (2026, 3, "cn", date(2026, 3, 2)),
    ],
)
def test_the_first_working_day_of_a_month_skips_holidays_and_counts_make_up_sundays(
    year: int, month: int, mode: str, expected: date
) -> None:
    assert first_workday_of_month(year, month, mode) == expected


def test_holidays_and_make_up_days_from_config_win_over_the_package():
    new_year_2027 = date(2027, 1, 1)  # a Friday the package does not know about yet
    assert is_workday(new_year_2027, "cn") is True
    assert is_workday(new_year_2027, "cn", holidays=[new_year_2027]) is False
    saturday = date(2027, 2, 6)
    assert is_workday(saturday, "cn", make_up_days=[saturday]) is True
    assert next_workday(new_year_2027, "cn", holidays=[new_year_2027]) == date(2027, 1, 4)
