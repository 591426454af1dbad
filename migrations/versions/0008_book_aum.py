"""book_aum: each RM's AUM on each snapshot day (for /team's AUM at a period's start and its trend),
and book_moved, the RMs whose clients changed since, filled by a trigger on client.rm_id

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04

The trigger marks the old and the new RM of every client whose RM changes, whichever path changed
it (a handover, a clients import, an admin's SQL); `domain.derived.refresh_moved_books` works
their rows out again. Snapshot writes are not triggered (a balances import writes a million rows
a day): the balances import and the sample bank rebuild the days they wrote.
"""

from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_SQLITE = [
    """CREATE TRIGGER client_rm_moved AFTER UPDATE OF rm_id ON client WHEN OLD.rm_id IS NOT NEW.rm_id BEGIN
        INSERT OR IGNORE INTO book_moved (staff_id)
        SELECT OLD.rm_id WHERE OLD.rm_id IS NOT NULL UNION ALL SELECT NEW.rm_id WHERE NEW.rm_id IS NOT NULL;
    END""",
]
_POSTGRESQL = [
    """CREATE FUNCTION client_rm_moved() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO book_moved (staff_id)
        SELECT id FROM (VALUES (OLD.rm_id), (NEW.rm_id)) AS moved (id) WHERE id IS NOT NULL
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER client_rm_moved AFTER UPDATE OF rm_id ON client
        FOR EACH ROW WHEN (OLD.rm_id IS DISTINCT FROM NEW.rm_id) EXECUTE FUNCTION client_rm_moved()""",
]


def upgrade() -> None:
    op.create_table(
        "book_aum",
        sa.Column("staff_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("aum", sa.BigInteger(), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", "as_of"),
    )
    op.create_table(
        "book_moved",
        sa.Column("staff_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.execute(
        "INSERT INTO book_aum (staff_id, as_of, aum, clients) "
        "SELECT c.rm_id, s.as_of, sum(s.aum), count(*) FROM balance_snapshot s JOIN client c ON c.id = s.client_id "
        "WHERE c.rm_id IS NOT NULL GROUP BY c.rm_id, s.as_of"
    )
    for statement in _SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS client_rm_moved")
    else:
        op.execute("DROP TRIGGER IF EXISTS client_rm_moved ON client")
        op.execute("DROP FUNCTION IF EXISTS client_rm_moved()")
    op.drop_table("book_moved")
    op.drop_table("book_aum")
