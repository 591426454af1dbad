"""Calendar rules: solar and lunar (农历) birthdays, ages, and working days.

Pure functions of dates; `on` is always the caller's local "today".
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date, timedelta
from functools import cache, lru_cache

import chinese_calendar
from lunar_python import LunarYear, Solar

logger = logging.getLogger(__name__)

WORKDAY_MODES = ("cn", "mon-fri", "all")


def solar_birthday_in_year(birthday: date, year: int) -> date:
    """The birthday in `year`; 29 February falls on 28 February in common years."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def next_solar_birthday(birthday: date, on: date) -> date:
    this_year = solar_birthday_in_year(birthday, on.year)
    return this_year if this_year >= on else solar_birthday_in_year(birthday, on.year + 1)


def days_until(d: date, on: date) -> int:
    return (d - on).days


def age_on(birthday: date, on: date) -> int:
    """Completed years; a 29 February child turns a year older on 28 February in common years."""
    before_birthday = on < solar_birthday_in_year(birthday, on.year)
    return on.year - birthday.year - before_birthday


def milestone_age(birthday: date, on: date, milestones: Collection[int]) -> int | None:
    """The age reached on the next birthday when it is a milestone (e.g. 60), else None."""
    age = next_solar_birthday(birthday, on).year - birthday.year
    return age if age in milestones else None


def _to_date(solar: Solar) -> date:
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=256)
def _lunar_months(lunar_year: int) -> tuple[int, tuple[tuple[int, date, int], ...]]:
    """The leap month (0: none) and the months of a lunar year as (month, negative when leap; first
    solar day; days in it). One table per lunar year, computed once: lunar_python takes ~10 ms to
    build a year and keeps only the last one, so asking it date by date recomputes years."""
    year = LunarYear.fromYear(lunar_year)
    months = []
    for month in year.getMonthsInYear():
        months.append((month.getMonth(), _to_date(Solar.fromJulianDay(month.getFirstJulianDay())), month.getDayCount()))
    return year.getLeapMonth(), tuple(months)


def lunar_birthday_in_year(month: int, day: int, is_leap: bool, lunar_year: int) -> date:
    """The solar date of a lunar birthday in `lunar_year`.

    A leap-month birthday in a year without that leap month falls on the same day of the ordinary
    month; day 30 in a 29-day month falls on day 29.
    """
    if not 1 <= month <= 12 or not 1 <= day <= 30:
        raise ValueError(f"no lunar date has month {month} and day {day}")
    leap_month, months = _lunar_months(lunar_year)
    wanted = -month if is_leap and leap_month == month else month
    first, days = next((first, days) for m, first, days in months if m == wanted)
    return first + timedelta(days=min(day, days) - 1)


def next_lunar_birthday(month: int, day: int, is_leap: bool, on: date) -> date:
    """The next solar date on or after `on`; a lunar year runs from late January into the next solar year."""
    candidates = (
        lunar_birthday_in_year(month, day, is_leap, year) for year in range(on.year - 1, on.year + 2)
    )
    return min(candidate for candidate in candidates if candidate >= on)


def solar_to_lunar(d: date) -> tuple[int, int, bool]:
    """(lunar month, lunar day, whether the month is a leap month) of a solar date."""
    for lunar_year in (d.year, d.year - 1):
        for month, first, days in _lunar_months(lunar_year)[1]:
            if first <= d < first + timedelta(days=days):
                return abs(month), (d - first).days + 1, month < 0
    raise ValueError(f"no lunar date for {d}")


def lunar_year_of(d: date) -> int:
    """The lunar year a solar day falls in (it starts at the Spring Festival)."""
    new_year = next(first for month, first, _ in _lunar_months(d.year)[1] if month == 1)
    return d.year if d >= new_year else d.year - 1


@cache
def _warn_uncovered_year(year: int) -> None:
    """Cached so that each uncovered year is logged once per process."""
    logger.warning(
        "chinese_calendar has no holidays for %s: Monday to Friday are taken as working days", year
    )


def is_workday(
    d: date, mode: str, *, holidays: Collection[date] = (), make_up_days: Collection[date] = ()
) -> bool:
    """Working day by mode: "cn" holidays and make-up days, "mon-fri", or "all" days.

    `holidays` and `make_up_days` come from config and win over the package, so a bank can add
    next year's official schedule before a new `chinese_calendar` release carries it.
    """
    if d in holidays:
        return False
    if d in make_up_days:
        return True
    if mode == "all":
        return True
    if mode == "mon-fri":
        return d.weekday() < 5
    if mode != "cn":
        raise ValueError(f"unknown working-day mode {mode!r}; use one of {WORKDAY_MODES}")
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        _warn_uncovered_year(d.year)
        return d.weekday() < 5


def next_workday(
    d: date, mode: str, *, holidays: Collection[date] = (), make_up_days: Collection[date] = ()
) -> date:
    """`d` itself when it is a working day, else the first working day after it."""
    while not is_workday(d, mode, holidays=holidays, make_up_days=make_up_days):
        d += timedelta(days=1)
    return d


def first_workday_of_month(
    year: int, month: int, mode: str, *, holidays: Collection[date] = (), make_up_days: Collection[date] = ()
) -> date:
    return next_workday(date(year, month, 1), mode, holidays=holidays, make_up_days=make_up_days)
