"""One leader among several bot processes on one PostgreSQL: a transaction-scoped advisory lock.

The reminder scan takes it first; a process that cannot take it skips the run (another process
is doing the same work). Held until the transaction ends, so a process that dies mid-run releases
it. Delivery needs no lock: every digest and urgent alert is claimed before it is sent, so
processes can share sending. SQLite runs one process: always granted.
"""

from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlmodel import Session

SCAN = "rmbot:scan"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (PostgreSQL's advisory locks take a bigint)."""
    return zlib.crc32(name.encode()) - 2**31


def try_lead(session: Session, name: str) -> bool:
    """Take the lock `name` for the rest of this transaction; False when another session holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)}).scalar())
