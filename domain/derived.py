"""Client fields derived from their history, refreshed set-based after a bulk load.

The bot keeps these up to date one contact at a time; imports and the sample bank call these
functions instead, in the same transaction as the load. `since` limits the work to history at
or after that moment (the earliest row of the file); a client's field only moves forward.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Connection, text

from domain.bulk import Natives


def _window(connection: Connection, column: str, since: date | datetime | None) -> tuple[str, dict]:
    """A WHERE clause limiting history to `since` onwards, in the database's own value format."""
    if since is None:
        return "", {}
    natives = Natives.for_dialect(connection.dialect.name)
    if isinstance(since, datetime):
        value = natives.instant(since.astimezone(UTC).replace(tzinfo=None) if since.tzinfo else since)
    else:
        value = natives.date(since)
    return f"WHERE {column} >= :since", {"since": value}


def refresh_contacts(connection: Connection, since: datetime | None = None) -> int:
    """Last contact (when, how) and next follow-up of each client, from its newest interaction."""
    where, params = _window(connection, "occurred_at", since)
    result = connection.execute(
        text(
            f"""
            UPDATE client SET last_contact_at = latest.occurred_at,
                              last_contact_kind = latest.kind,
                              next_follow_up = latest.next_date
            FROM (
                SELECT client_id, occurred_at, kind, next_date,
                       row_number() OVER (PARTITION BY client_id ORDER BY occurred_at DESC, id DESC) AS rn
                FROM interaction
                {where}
            ) AS latest
            WHERE latest.rn = 1 AND client.id = latest.client_id
              AND (client.last_contact_at IS NULL OR client.last_contact_at <= latest.occurred_at)
            """
        ),
        params,
    )
    return result.rowcount


def refresh_balances(connection: Connection, since: date | None = None) -> int:
    """AUM, deposits and loans of each client, from its newest balance snapshot."""
    where, params = _window(connection, "as_of", since)
    result = connection.execute(
        text(
            f"""
            UPDATE client SET aum = snap.aum, deposits = snap.deposits, loans = snap.loans,
                              aum_as_of = snap.as_of
            FROM (
                SELECT client_id, as_of, aum, deposits, loans,
                       row_number() OVER (PARTITION BY client_id ORDER BY as_of DESC) AS rn
                FROM balance_snapshot
                {where}
            ) AS snap
            WHERE snap.rn = 1 AND client.id = snap.client_id
              AND (client.aum_as_of IS NULL OR client.aum_as_of <= snap.as_of)
            """
        ),
        params,
    )
    return result.rowcount


def refresh_last_transactions(connection: Connection, since: datetime | None = None) -> int:
    """When each client last moved money (dormancy is judged from it)."""
    where, params = _window(connection, "occurred_at", since)
    result = connection.execute(
        text(
            f"""
            UPDATE client SET last_transaction_at = latest.occurred_at
            FROM (
                SELECT client_id, max(occurred_at) AS occurred_at
                FROM transactions
                {where}
                GROUP BY client_id
            ) AS latest
            WHERE client.id = latest.client_id
              AND (client.last_transaction_at IS NULL OR client.last_transaction_at < latest.occurred_at)
            """
        ),
        params,
    )
    return result.rowcount


_BOOK = """
    INSERT INTO book_aum (staff_id, as_of, aum, clients)
    SELECT c.rm_id, s.as_of, sum(s.aum), count(*)
    FROM balance_snapshot s JOIN client c ON c.id = s.client_id
    WHERE c.rm_id IS NOT NULL {where}
    GROUP BY c.rm_id, s.as_of
"""

MOVED_AT_ONCE = 500
"""More RMs moved than this (a bank-wide reassignment), and the whole book is worked out again in
one pass rather than RM by RM."""


def refresh_book(connection: Connection, since: date | None = None) -> None:
    """`book_aum` again for the snapshot days from `since` (all of them without), from the
    snapshots and each client's current RM."""
    where, params = _window(connection, "as_of", since)
    connection.execute(text(f"DELETE FROM book_aum {where}"), params)
    connection.execute(text(_BOOK.format(where="AND s.as_of >= :since" if where else "")), params)


def refresh_moved_books(connection: Connection) -> int:
    """`book_aum` again for the RMs whose clients moved (`book_moved`, filled by a trigger). The
    marks are claimed by deleting them, so that two sessions never both rebuild an RM's rows.
    Returns how many RMs were refreshed."""
    moved = [row[0] for row in connection.execute(text("DELETE FROM book_moved RETURNING staff_id"))]
    if not moved:
        return 0
    if len(moved) > MOVED_AT_ONCE:
        refresh_book(connection)
        return len(moved)
    for start in range(0, len(moved), 250):
        ids = moved[start:start + 250]
        marks = ", ".join(f":s{i}" for i in range(len(ids)))
        params = {f"s{i}": staff_id for i, staff_id in enumerate(ids)}
        connection.execute(text(f"DELETE FROM book_aum WHERE staff_id IN ({marks})"), params)
        connection.execute(text(_BOOK.format(where=f"AND c.rm_id IN ({marks})")), params)
    return len(moved)


def books_moved(connection: Connection) -> bool:
    return connection.execute(text("SELECT 1 FROM book_moved LIMIT 1")).first() is not None
