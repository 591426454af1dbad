"""Jinja2 templates, one folder per locale: code passes data, templates decide the words.

Autoescaping is on for every template, so any user-supplied string is safe in Telegram's HTML
parse mode. Money and dates are formatted for the locale with Babel; zh-CN amounts use 万/亿.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"
LOCALES = ("zh_CN", "en")
TELEGRAM_LIMIT = 4096


def pick_locale(*candidates: str | None) -> str:
    """The first usable locale among: the user's setting, Telegram's language_code, the config default."""
    for candidate in candidates:
        if not candidate:
            continue
        code = candidate.replace("-", "_").lower()
        if code.startswith("zh"):
            return "zh_CN"
        if code.startswith("en"):
            return "en"
    return "en"


@lru_cache(maxsize=16)
def babel_locale(locale: str) -> Locale:
    """Babel parses a locale name on every call given a string; given a Locale it does not."""
    return Locale.parse(locale)


@lru_cache(maxsize=8192)
def _skeleton(skeleton: str, day: date, locale: str) -> str:
    return format_skeleton(skeleton, day, locale=babel_locale(locale))


def money(value: Decimal | int | None, locale: str) -> str:
    if value is None:
        return "—"
    return _money(Decimal(value), locale)


@lru_cache(maxsize=8192)
def _money(amount: Decimal, locale: str) -> str:
    """Formatting is pure and a card shows the same few amounts again and again: cached."""
    if locale == "zh_CN":
        size = abs(amount)
        if size >= 100_000_000:
            return f"{format_decimal(amount / 100_000_000, format='#,##0.##', locale=babel_locale(locale))}亿"
        if size >= 10_000:
            return f"{format_decimal(amount / 10_000, format='#,##0.##', locale=babel_locale(locale))}万"
        return format_currency(amount, "CNY", format="¤#,##0.##", locale=babel_locale(locale), currency_digits=False)
    return format_currency(amount, "CNY", format="¤#,##0", locale=babel_locale(locale), currency_digits=False)


def signed_money(value: Decimal | None, locale: str) -> str:
    if value is None:
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return sign + money(abs(value), locale)


def aum_band(value: Decimal, locale: str, bands: Sequence[Decimal]) -> str:
    """`50万–100万`: the band the amount falls in, for a card that must not show exact balances."""
    lower = None
    for edge in bands:
        if value < edge:
            return f"{money(lower, locale)}–{money(edge, locale)}" if lower is not None else f"< {money(edge, locale)}"
        lower = edge
    return f"≥ {money(lower, locale)}"


_LUNAR_MONTHS = "正二三四五六七八九十冬腊"
_DIGITS = "一二三四五六七八九十"


def lunar_date(month: int, day: int, leap: bool, locale: str) -> str:
    """农历 `闰六月初一` / `十月二十`; in English `leap month 6, day 1`."""
    if locale != "zh_CN":
        return f"{'leap ' if leap else ''}month {month}, day {day}"
    if day <= 10:
        day_text = "初" + _DIGITS[day - 1]
    elif day < 20:
        day_text = "十" + _DIGITS[day - 11]
    elif day == 20:
        day_text = "二十"
    elif day < 30:
        day_text = "廿" + _DIGITS[day - 21]
    else:
        day_text = "三十"
    return f"{'闰' if leap else ''}{_LUNAR_MONTHS[month - 1]}月{day_text}"


class Renderer:
    """Renders `<locale>/<name>.j2`; each locale has its own environment with its own filters."""

    def __init__(self, *, time_zone: str, aum_mode: str, aum_bands: Sequence[Decimal]) -> None:
        self._zone = ZoneInfo(time_zone)
        self._environments = {locale: self._environment(locale, aum_mode, aum_bands) for locale in LOCALES}

    def _environment(self, locale: str, aum_mode: str, aum_bands: Sequence[Decimal]) -> Environment:
        env = Environment(
            loader=FileSystemLoader([TEMPLATES / locale, TEMPLATES / "shared"]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        env.filters.update(
            money=lambda v: money(v, locale),
            signed_money=lambda v: signed_money(v, locale),
            aum=lambda v: money(v, locale) if aum_mode == "exact" else aum_band(Decimal(v), locale, aum_bands),
            day=lambda d: _skeleton("MMMd", d, locale) if d else "—",
            weekday=lambda d: _skeleton("MMMdE", d, locale) if d else "—",
            fulldate=lambda d: format_date(d, "medium", locale=babel_locale(locale)) if d else "—",
            when=self._when_filter(locale),
            lunar=lambda b: lunar_date(b.lunar_month, b.lunar_day, b.lunar_leap, locale),
            clip=lambda text, n=120: text if len(text) <= n else text[: n - 1] + "…",
        )
        env.globals["locale"] = locale
        return env

    def _when_filter(self, locale: str):  # noqa: ANN202
        def when(value: datetime | date | None) -> str:
            if value is None:
                return "—"
            if isinstance(value, datetime):
                local = value.astimezone(self._zone)
                return f"{_skeleton('MMMd', local.date(), locale)} {local:%H:%M}"
            return _skeleton("MMMd", value, locale)

        return when

    def label(self, locale: str, name: str, /, *args: object, **kwargs: object) -> str:
        """Plain text (a button label) from a macro in `<locale>/labels.j2`."""
        module = self._environments[locale].get_template("labels.j2").module
        return html.unescape(str(getattr(module, name)(*args, **kwargs))).strip()

    def render(self, locale: str, template: str, /, **data: object) -> str:
        text = self._environments[locale].get_template(f"{template}.j2").render(**data).strip()
        if len(text) > TELEGRAM_LIMIT:
            raise ValueError(f"template {template} rendered {len(text)} characters, over Telegram's limit")
        return text
