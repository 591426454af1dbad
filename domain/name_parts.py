"""The name-part index (`client_name_part`, migrations 0002 and 0010) during bulk loads.

Its triggers add a client's name suffixes row by row, in random key order: right for the bot and
for imports, slow for the sample bank's million clients. `triggers_suspended` lifts them for a
bulk load and rebuilds the parts in one sorted, set-based statement afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from domain.models import NAME_PART_LENGTH

LONGEST_NAME = 128
_POSITIONS = "json_each('[" + ",".join(str(n) for n in range(1, LONGEST_NAME + 1)) + "]')"


def rebuild(connection: Connection) -> None:
    """Every client's name parts, from scratch."""
    connection.execute(text("DELETE FROM client_name_part"))
    if connection.dialect.name == "sqlite":
        connection.execute(text(
            f"INSERT OR IGNORE INTO client_name_part (part, client_id, tier) "
            f"SELECT lower(substr(c.name, s.value, {NAME_PART_LENGTH})) AS part, c.id, c.tier FROM client c "
            f"JOIN {_POSITIONS} s ON s.value <= length(c.name) ORDER BY part, c.id"
        ))
    else:
        connection.execute(text(
            f"INSERT INTO client_name_part (part, client_id, tier) "
            f"SELECT DISTINCT lower(substr(c.name, n, {NAME_PART_LENGTH})), c.id, c.tier "
            f"FROM client c, generate_series(1, char_length(c.name)) AS n"
        ))


@contextmanager
def triggers_suspended(connection: Connection) -> Iterator[None]:
    """Run a bulk load of clients without the name-part triggers; rebuild the parts after, even on failure."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE client DISABLE TRIGGER client_name_part_sync"))
        saved: list[str] = []
    else:
        saved = list(connection.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'client_name_part_%'"
        )))
        for name, _ in saved:
            connection.execute(text(f"DROP TRIGGER {name}"))
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        rebuild(connection)
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE client ENABLE TRIGGER client_name_part_sync"))
        else:
            for _, sql in saved:
                connection.execute(text(sql))
        connection.commit()
