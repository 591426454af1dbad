"""client name parts and a (tier, AUM) index: searches across a branch through indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

`client_name_part` holds every suffix of each client's name (lower case, truncated to 16
characters); a name containing the text typed is a name with a suffix starting with it, which is
a range in the primary key. `ix_client_tier_aum` replaces `ix_client_tier`: a tier's clients in
AUM order, for the search that reads a large result tier by tier. Triggers keep it in step with `client` on both dialects, so every
write path (bot, import, bulk sample loader) maintains it without knowing it exists.
SQLite allows no CTE inside a trigger, so its triggers enumerate the positions 1…128 (the longest
name) with `json_each` over a literal array.
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LENGTH = 16
LONGEST_NAME = 128
_POSITIONS = "json_each('[" + ",".join(str(n) for n in range(1, LONGEST_NAME + 1)) + "]')"

_SQLITE = [
    f"""CREATE TRIGGER client_name_part_insert AFTER INSERT ON client BEGIN
        INSERT OR IGNORE INTO client_name_part (part, client_id)
        SELECT lower(substr(NEW.name, value, {LENGTH})), NEW.id FROM {_POSITIONS} WHERE value <= length(NEW.name);
    END""",
    f"""CREATE TRIGGER client_name_part_rename AFTER UPDATE OF name ON client WHEN OLD.name IS NOT NEW.name BEGIN
        DELETE FROM client_name_part WHERE client_id = OLD.id AND part IN (
            SELECT lower(substr(OLD.name, value, {LENGTH})) FROM {_POSITIONS} WHERE value <= length(OLD.name));
        INSERT OR IGNORE INTO client_name_part (part, client_id)
        SELECT lower(substr(NEW.name, value, {LENGTH})), NEW.id FROM {_POSITIONS} WHERE value <= length(NEW.name);
    END""",
    f"""CREATE TRIGGER client_name_part_delete AFTER DELETE ON client BEGIN
        DELETE FROM client_name_part WHERE client_id = OLD.id AND part IN (
            SELECT lower(substr(OLD.name, value, {LENGTH})) FROM {_POSITIONS} WHERE value <= length(OLD.name));
    END""",
]

_POSTGRESQL = [
    f"""CREATE FUNCTION client_name_part_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.name IS NOT DISTINCT FROM OLD.name THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM client_name_part WHERE client_id = OLD.id AND part IN (
                SELECT lower(substr(OLD.name, n, {LENGTH})) FROM generate_series(1, char_length(OLD.name)) AS n);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO client_name_part (part, client_id)
            SELECT lower(substr(NEW.name, n, {LENGTH})), NEW.id FROM generate_series(1, char_length(NEW.name)) AS n
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER client_name_part_sync AFTER INSERT OR UPDATE OF name OR DELETE ON client
        FOR EACH ROW EXECUTE FUNCTION client_name_part_sync()""",
]


def upgrade() -> None:
    with op.batch_alter_table("client") as batch_op:
        batch_op.drop_index("ix_client_tier")
        batch_op.create_index("ix_client_tier_aum", ["tier", sa.text("aum DESC")], unique=False)
    op.create_table(
        "client_name_part",
        sa.Column("part", sa.String(length=LENGTH), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("part", "client_id"),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            f"INSERT OR IGNORE INTO client_name_part (part, client_id) "
            f"SELECT lower(substr(c.name, s.value, {LENGTH})), c.id FROM client c JOIN {_POSITIONS} s ON s.value <= length(c.name)"
        )
        statements = _SQLITE
    else:
        op.execute(
            f"INSERT INTO client_name_part (part, client_id) "
            f"SELECT DISTINCT lower(substr(c.name, n, {LENGTH})), c.id FROM client c, generate_series(1, char_length(c.name)) AS n"
        )
        op.execute("ANALYZE client_name_part")
        statements = _POSTGRESQL
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("client_name_part_insert", "client_name_part_rename", "client_name_part_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        op.execute("DROP TRIGGER IF EXISTS client_name_part_sync ON client")
        op.execute("DROP FUNCTION IF EXISTS client_name_part_sync()")
    op.drop_table("client_name_part")
    with op.batch_alter_table("client") as batch_op:
        batch_op.drop_index("ix_client_tier_aum")
        batch_op.create_index("ix_client_tier", ["tier"], unique=False)
