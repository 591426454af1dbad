"""Days and instants as numpy integers (days and seconds since 1970-01-01), and their database values.

The sample bank handles millions of dates; it keeps them as integers and converts whole columns at
once into exactly what `domain.bulk.Natives` makes of a `date` or naive-UTC `datetime` (the tests
compare the two).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
from lunar_python import LunarYear, Solar

from domain.bulk import Natives

EPOCH = date(1970, 1, 1)
DAY = 86_400


def epoch_day(day: date) -> int:
    return (day - EPOCH).days


def from_epoch_day(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


def calendar_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day of month) of each epoch day."""
    as_days = days.astype("datetime64[D]")
    months = as_days.astype("datetime64[M]")
    years = as_days.astype("datetime64[Y]")
    return (
        years.astype(np.int64) + 1970,
        (months - years.astype("datetime64[M]")).astype(np.int64) + 1,
        (as_days - months.astype("datetime64[D]")).astype(np.int64) + 1,
    )


def first_of_year(years: np.ndarray) -> np.ndarray:
    """Epoch day of 1 January of each year."""
    return (years - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


@dataclass(frozen=True)
class LunarTable:
    """Lunar (month, day, leap) of every day from `first` (an epoch day) on, built from whole lunar months.

    `domain.calendar.solar_to_lunar` takes ~0.5 ms a day; this reads each lunar month once.
    """

    first: int
    month: np.ndarray
    day: np.ndarray
    leap: np.ndarray

    @classmethod
    def build(cls, first_year: int, last_year: int) -> LunarTable:
        first = epoch_day(date(first_year, 1, 1))
        size = epoch_day(date(last_year + 1, 1, 1)) - first
        month = np.zeros(size, dtype=np.int64)
        day = np.zeros(size, dtype=np.int64)
        leap = np.zeros(size, dtype=bool)
        for lunar_year in range(first_year - 1, last_year + 1):
            for lunar_month in LunarYear.fromYear(lunar_year).getMonthsInYear():
                solar = Solar.fromJulianDay(lunar_month.getFirstJulianDay())
                start = epoch_day(date(solar.getYear(), solar.getMonth(), solar.getDay())) - first
                count = lunar_month.getDayCount()
                lo, hi = max(start, 0), min(start + count, size)
                if lo >= hi:
                    continue
                month[lo:hi] = abs(lunar_month.getMonth())
                day[lo:hi] = np.arange(lo - start + 1, hi - start + 1)
                leap[lo:hi] = lunar_month.isLeap()
        return cls(first=first, month=month, day=day, leap=leap)

    def lookup(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        index = days - self.first
        return self.month[index], self.day[index], self.leap[index]


@cache
def lunar_table(first_year: int, last_year: int) -> LunarTable:
    return LunarTable.build(first_year, last_year)


def utc_offsets(zone: ZoneInfo, first: int, count: int) -> np.ndarray:
    """Seconds east of UTC at local noon of each of `count` days from epoch day `first`."""
    offsets = np.empty(count, dtype=np.int64)
    for i in range(count):
        local_noon = datetime.combine(from_epoch_day(first + i), time(12), tzinfo=zone)
        offsets[i] = int(local_noon.utcoffset().total_seconds())
    return offsets


def utc_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as a naive UTC datetime."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


class Columns:
    """Whole numpy columns → lists of database values, equal to what `Natives` makes of each one.

    SQLite stores text: instants are assembled from per-day and per-second-of-day tables of code
    points (five times faster than `numpy.datetime_as_string`); PostgreSQL takes date and datetime
    objects, which numpy makes directly.
    """

    def __init__(self, dialect: str) -> None:
        self.natives = Natives.for_dialect(dialect)
        self.textual = isinstance(self.natives.instant(datetime(2000, 1, 1)), str)
        self.true, self.false = self.natives.boolean(True), self.natives.boolean(False)
        self._first_day = 0
        self._day_text = np.empty((0, 11), dtype=np.uint32)

    def dates(self, days: np.ndarray, present: np.ndarray | None = None) -> list:
        if self.textual:
            text = np.ascontiguousarray(self._days_as_text(days, present)[:, :10])
            return _with_missing(text.view("<U10").ravel().astype(object), present)
        return _with_missing(days.astype("datetime64[D]").astype(object), present)

    def instants(self, seconds: np.ndarray, present: np.ndarray | None = None) -> list:
        if not self.textual:
            return _with_missing(seconds.astype("datetime64[s]").astype("datetime64[us]").astype(object), present)
        days, second_of_day = np.divmod(seconds, DAY)
        text = np.empty((len(seconds), 26), dtype=np.uint32)
        text[:, :11] = self._days_as_text(days, present)
        text[:, 11:] = _times_of_day()[second_of_day]
        return _with_missing(text.view("<U26").ravel().astype(object), present)

    def booleans(self, flags: np.ndarray) -> list:
        return np.where(flags, self.true, self.false).tolist()

    @staticmethod
    def optional(values: np.ndarray, present: np.ndarray | None = None) -> list:
        """Numbers or strings as they are, None where not `present`."""
        return _with_missing(values.astype(object), present)

    def _days_as_text(self, days: np.ndarray, present: np.ndarray | None) -> np.ndarray:
        """`YYYY-MM-DD ` as code points, one row per day; missing days read as the first known one."""
        if present is not None:
            days = np.where(present, days, days[present][0] if present.any() else 0)
        if len(days) == 0:
            return np.empty((0, 11), dtype=np.uint32)
        lo, hi = int(days.min()), int(days.max())
        last = self._first_day + len(self._day_text) - 1
        if lo < self._first_day or hi > last or not len(self._day_text):
            if len(self._day_text):
                lo, hi = min(lo, self._first_day), max(hi, last)
            span = np.arange(lo, hi + 1).astype("datetime64[D]")
            text = np.char.add(np.datetime_as_string(span), " ")
            self._first_day = lo
            self._day_text = text.astype("<U11").view(np.uint32).reshape(len(span), 11)
        return self._day_text[days - self._first_day]


@cache
def _times_of_day() -> np.ndarray:
    """`HH:MM:SS.000000` as code points for each second of a day."""
    seconds = np.arange(DAY)
    text = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in seconds.tolist()]
    return np.array(text, dtype="<U15").view(np.uint32).reshape(DAY, 15)


def _with_missing(values: np.ndarray, present: np.ndarray | None) -> list:
    if present is not None:
        values[~present] = None
    return values.tolist()
