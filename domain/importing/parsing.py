"""Pure rules for reading one cell of a bank's export: money, dates, times, flags, choices.

Every parser takes the cell's text already stripped and non-empty, and returns the value or
raises `Invalid` whose message is the reason shown to the admin. They run once per cell of
files with millions of rows, so the common spelling of each value takes a short path.
"""

from __future__ import annotations

import re
from calendar import month_name, monthrange
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation

from domain.types import to_fen

MAX_FEN = 10**17
"""One quadrillion yuan: far above any real balance, safely below a BIGINT of fen."""


class Invalid(ValueError):
    """A cell the import cannot use; the message says why, in words an admin can act on."""


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


_MONEY_NOISE = str.maketrans("", "", ",，¥￥元 \u00a0")


def parse_fen(text: str, *, negative: bool = False) -> int:
    """A CNY amount as integer fen (分); `1,234.5` → 123450. Negative only when `negative`."""
    if 3 < len(text) < 19 and text[-3] == ".":
        digits = text[:-3] + text[-2:]
        if digits.isdigit() and digits.isascii():
            return int(digits)
    whole, dot, fraction = text.partition(".")
    if _digits(whole) and (not dot or (_digits(fraction) and len(fraction) <= 2)):
        fen = int(whole) * 100 + (int(fraction.ljust(2, "0")) if fraction else 0)
    else:
        fen = _parse_fen_slowly(text)
    if fen < 0 and not negative:
        raise Invalid(f"negative amount {text!r} is not allowed here")
    if abs(fen) >= MAX_FEN:
        raise Invalid(f"amount {text!r} is implausibly large")
    return fen


_AMOUNTS = re.compile(r"(?:[0-9]{1,15}\.[0-9]{2}\n)*[0-9]{1,15}\.[0-9]{2}")
_SIGNED_AMOUNTS = re.compile(r"(?:-?[0-9]{1,15}\.[0-9]{2}\n)*-?[0-9]{1,15}\.[0-9]{2}")


class money:
    """`parse_fen` as a column parser: a column written `1234.50` throughout is checked by one match."""

    def __init__(self, *, negative: bool = False) -> None:
        self.negative = negative
        self.plain = _SIGNED_AMOUNTS if negative else _AMOUNTS

    def __call__(self, text: str) -> int:
        return parse_fen(text, negative=self.negative)

    def column(self, cells: list[str]) -> list[int]:
        joined = "\n".join(cells)
        if self.plain.fullmatch(joined):
            fen = list(map(int, joined.replace(".", "").split("\n")))
            if len(fen) == len(cells):  # else some cell held a line break
                return fen
        return list(map(self, cells))


def _parse_fen_slowly(text: str) -> int:
    cleaned = text.translate(_MONEY_NOISE)
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid(f"not an amount: {text!r}") from None
    if not amount.is_finite():
        raise Invalid(f"not an amount: {text!r}")
    if abs(amount) >= MAX_FEN // 100:
        raise Invalid(f"amount {text!r} is implausibly large")
    return to_fen(amount)


def parse_int(text: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise Invalid(f"not a whole number: {text!r}") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise Invalid(f"not a whole number: {text!r}") from None
        value = int(number)
    if minimum is not None and value < minimum:
        raise Invalid(f"{value} is below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise Invalid(f"{value} is above the maximum {maximum}")
    return value


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*(?:[:分]\s*(?:(\d{1,2})(?:\.(\d{1,6}))?\s*秒?)?)?")


def _real_date(text: str, year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise Invalid(f"{text!r} is not a real date: there is no month {month}")
    days = monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if not 1 <= day <= days:
        raise Invalid(f"{text!r} is not a real date: {month_name[month]} {year} has {days} days")
    try:
        return date(year, month, day)
    except ValueError:
        raise Invalid(f"{text!r} is not a real date") from None


def parse_date(text: str) -> date:
    """A calendar day: `2026-02-03`, `2026/2/3`, `20260203`, `2026年2月3日`; `2026-02-30` is refused."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        day = _date_part_of_midnight(text)
        if day is not None:
            return day
        raise Invalid(f"not a date: {text!r} (write it as YYYY-MM-DD)")
    year, month, day = (int(part) for part in match.groups())
    return _real_date(text, year, month, day)


def _date_part_of_midnight(text: str) -> date | None:
    """Spreadsheets write dates as `2026-02-03 00:00:00`; accept that, nothing later in the day."""
    head, _, tail = text.partition(" ")
    if tail.strip() in {"00:00:00", "00:00", "0:00:00", "0:00"}:
        try:
            return parse_date(head)
        except Invalid:
            return None
    return None


def parse_instant(text: str, zone: tzinfo) -> datetime:
    """A moment as naive UTC; text without an offset is local time in `zone`.

    `2026-02-03 09:30`, `2026-02-03T09:30:00+08:00`, `2026/2/3 9:30`, `2026年2月3日 9时30分`; a
    date alone means its midnight.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _parse_instant_slowly(text)
    try:
        if moment.tzinfo is None:
            return moment - zone.utcoffset(moment)
        return moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise Invalid(f"{text!r} is out of the range of dates") from None


class instant_in:
    """`parse_instant` in `zone` as a column parser: ISO 8601 cells are read without a call each."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def __call__(self, text: str) -> datetime:
        return parse_instant(text, self.zone)

    def column(self, cells: list[str]) -> list[datetime]:
        try:
            moments = list(map(datetime.fromisoformat, cells))
            offset = self.zone.utcoffset
            return [m - offset(m) if m.tzinfo is None else m.astimezone(UTC).replace(tzinfo=None) for m in moments]
        except (ValueError, OverflowError):
            return list(map(self, cells))


def _parse_instant_slowly(text: str) -> datetime:
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        raise Invalid(f"not a date and time: {text!r} (write it as YYYY-MM-DD HH:MM[:SS])")
    day = _real_date(text, *(int(part) for part in match.groups()))
    rest = text[match.end():].strip().lstrip("T").strip()
    if not rest:
        return datetime(day.year, day.month, day.day)
    clock = _TIME.fullmatch(rest)
    if clock is None:
        raise Invalid(f"not a date and time: {text!r} (write it as YYYY-MM-DD HH:MM[:SS])")
    hour, minute, second, fraction = clock.groups()
    hour, minute, second = int(hour), int(minute), int(second or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise Invalid(f"{text!r} is not a real time of day")
    micro = int((fraction or "0").ljust(6, "0"))
    return datetime(day.year, day.month, day.day, hour, minute, second, micro)


def normalise_word(text: str) -> str:
    """How choices and headers are compared: case, spaces, `_`, `-` and `.` do not matter."""
    return re.sub(r"[\s_\-.·]+", "", text.replace("\ufeff", "")).casefold()


class choice:
    """A parser accepting each value's code or any of its spellings (English or Chinese)."""

    def __init__(self, values: Mapping[str, Iterable[str]], what: str) -> None:
        self.spellings: dict[str, str] = {}
        for value, aliases in values.items():
            for spelling in (value, *aliases):
                self.spellings[normalise_word(spelling)] = value
        self.what = what
        self.accepted = ", ".join(values)

    def __call__(self, text: str) -> str:
        found = self.spellings.get(text) or self.spellings.get(normalise_word(text))
        if found is None:
            raise Invalid(f"unknown {self.what} {text!r}: use one of {self.accepted}")
        return found

    def column(self, cells: list[str]) -> list[str]:
        """A whole column at once: one dictionary lookup per cell when spelled as listed."""
        found = list(map(self.spellings.get, cells))
        return list(map(self, cells)) if None in found else found


_TRUE = ("true", "yes", "y", "t", "1", "是", "有", "√", "✓")
_FALSE = ("false", "no", "n", "f", "0", "否", "无", "×", "✗")


class flag(choice):
    """A yes/no parser: `true`/`false`, `1`/`0`, `是`/`否` and any extra spellings given."""

    def __init__(self, truths: Iterable[str] = (), falsehoods: Iterable[str] = ()) -> None:
        super().__init__({"true": (*_TRUE, *truths), "false": (*_FALSE, *falsehoods)}, "yes/no value")
        self.spellings = {spelling: value == "true" for spelling, value in self.spellings.items()}
        self.accepted = "true/false, 1/0 or 是/否"

    def __call__(self, text: str) -> bool:  # type: ignore[override]
        found = self.spellings.get(text)
        if found is None:
            found = self.spellings.get(normalise_word(text))
        if found is None:
            raise Invalid(f"not a yes/no value: {text!r} (use {self.accepted})")
        return found


parse_bool = flag()


class text_of:
    """A text cell that fits its database column (a whole column is checked at once by `max_length`)."""

    def __init__(self, max_length: int) -> None:
        self.max_length = max_length

    def __call__(self, text: str) -> str:
        if len(text) > self.max_length:
            raise Invalid(f"too long: {len(text)} characters, at most {self.max_length} fit")
        return text

    def column(self, cells: list[str]) -> list[str]:
        if max(map(len, cells), default=0) > self.max_length:
            raise Invalid("too long")
        return cells


_LUNAR = re.compile(r"(闰|閏|leap\s*|l)?\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", re.IGNORECASE)


def parse_lunar_birthday(text: str) -> tuple[int, int, bool]:
    """A lunar (农历) birthday `MM-DD`, a leap month written `闰04-15`: (month, day, is_leap)."""
    match = _LUNAR.fullmatch(text)
    if match is None:
        raise Invalid(f"not a lunar birthday: {text!r} (write it as MM-DD, a leap month as 闰MM-DD)")
    leap, month, day = match.group(1), int(match.group(2)), int(match.group(3))
    if not 1 <= month <= 12:
        raise Invalid(f"{text!r} is not a lunar birthday: lunar months are 1 to 12")
    if not 1 <= day <= 30:
        raise Invalid(f"{text!r} is not a lunar birthday: lunar months have at most 30 days")
    return month, day, leap is not None


_NOT_DIGITS = re.compile(r"\D")


def parse_phone(text: str) -> tuple[str, str]:
    """(phone as written, its last four digits): the bot finds clients by the last four."""
    digits = _NOT_DIGITS.sub("", text)
    if len(digits) < 4:
        raise Invalid(f"not a phone number: {text!r}")
    if len(text) > 32:
        raise Invalid(f"too long for a phone number: {len(text)} characters, at most 32 fit")
    return text, digits[-4:]
