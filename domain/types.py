"""Column types shared by the models."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator
from datetime import UTC, datetime

CENT = Decimal("0.01")


def to_fen(value: Decimal | int | float | str) -> int:
    """CNY amount → integer fen (分), rounded half up: money is stored exactly on every database."""
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_fen(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(CENT)


class Money(TypeDecorator[Decimal]):
    """A CNY amount: `Decimal` yuan in Python, BIGINT fen in the database (exact on SQLite too)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        return None if value is None else to_fen(value)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else from_fen(value)

    @property
    def python_type(self) -> type:
        return Decimal


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC; naive values on the way in are taken as UTC, aware ones on the way out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)

    @property
    def python_type(self) -> type:
        return datetime
