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
