"""each name part carries its client's tier; the pinyin and initials indexes the tier too

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

A search across a branch for a text that is rare among a tier's richest clients reads that
tier's matches in AUM order. Finding which matches are in the tier used to mean reading every
match's client row (a random page each: 7,792 rows and 15 ms for 苏 over a million clients);
with the tier in `client_name_part` and in the pinyin and initials indexes, the index alone
tells, and only the tier's own matches are read.

`client_name_part` is rebuilt with the column (a sorted insert is faster than rewriting 3
million rows in place), and its triggers now write the tier on insert and rename and follow a
change of tier.
"""

from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LENGTH = 16
LONGEST_NAME = 128
_POSITIONS = "json_each('[" + ",".join(str(n) for n in range(1, LONGEST_NAME + 1)) + "]')"
_SQLITE_TRIGGERS = ("client_name_part_insert", "client_name_part_rename", "client_name_part_delete", "client_name_part_tier")


def _sqlite_parts(name: str) -> str:
    return f"SELECT lower(substr({name}, value, {LENGTH})) FROM {_POSITIONS} WHERE value <= length({name})"


def _sqlite_triggers(with_tier: bool) -> list[str]:
    columns, tier = ("part, client_id, tier", ", NEW.tier") if with_tier else ("part, client_id", "")
    insert = (
        f"INSERT OR IGNORE INTO client_name_part ({columns}) "
        f"SELECT lower(substr(NEW.name, value, {LENGTH})), NEW.id{tier} FROM {_POSITIONS} WHERE value <= length(NEW.name);"
    )
    delete = f"DELETE FROM client_name_part WHERE client_id = OLD.id AND part IN ({_sqlite_parts('OLD.name')});"
    triggers = [
        f"CREATE TRIGGER client_name_part_insert AFTER INSERT ON client BEGIN {insert} END",
        f"CREATE TRIGGER client_name_part_rename AFTER UPDATE OF name ON client WHEN OLD.name IS NOT NEW.name BEGIN "
        f"{delete} {insert} END",
        f"CREATE TRIGGER client_name_part_delete AFTER DELETE ON client BEGIN {delete} END",
    ]
    if with_tier:
        triggers.append(
            "CREATE TRIGGER client_name_part_tier AFTER UPDATE OF tier ON client WHEN OLD.tier IS NOT NEW.tier BEGIN "
            f"UPDATE client_name_part SET tier = NEW.tier WHERE client_id = NEW.id AND part IN ({_sqlite_parts('NEW.name')}); END"
        )
    return triggers


def _postgresql_function(with_tier: bool) -> str:
    def parts(name: str, extra: str = "") -> str:
        return f"SELECT lower(substr({name}, n, {LENGTH})){extra} FROM generate_series(1, char_length({name})) AS n"

    columns, tier = ("part, client_id, tier", ", NEW.tier") if with_tier else ("part, client_id", "")
    unchanged_name = (
        f"UPDATE client_name_part SET tier = NEW.tier WHERE client_id = NEW.id AND part IN ({parts('NEW.name')});"
        if with_tier else ""
    )
    return f"""CREATE OR REPLACE FUNCTION client_name_part_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.name IS NOT DISTINCT FROM OLD.name THEN
            {unchanged_name}
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM client_name_part WHERE client_id = OLD.id AND part IN ({parts('OLD.name')});
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO client_name_part ({columns}) {parts('NEW.name', ', NEW.id' + tier)}
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$"""


def _postgresql_trigger(with_tier: bool) -> str:
    columns = "name, tier" if with_tier else "name"
    return f"""CREATE TRIGGER client_name_part_sync AFTER INSERT OR UPDATE OF {columns} OR DELETE ON client
        FOR EACH ROW EXECUTE FUNCTION client_name_part_sync()"""


def _drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for trigger in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        op.execute("DROP TRIGGER IF EXISTS client_name_part_sync ON client")


def _create_parts_table(with_tier: bool) -> None:
    columns = [
        sa.Column("part", sa.String(length=LENGTH), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
    ]
    if with_tier:
        columns.append(sa.Column("tier", sa.String(length=16), nullable=False, server_default=""))
    op.create_table("client_name_part", *columns, sa.PrimaryKeyConstraint("part", "client_id"), sqlite_with_rowid=False)


def _fill_parts(dialect: str, with_tier: bool) -> None:
    columns, tier = ("part, client_id, tier", ", c.tier") if with_tier else ("part, client_id", "")
    if dialect == "sqlite":
        op.execute(
            f"INSERT OR IGNORE INTO client_name_part ({columns}) "
            f"SELECT lower(substr(c.name, s.value, {LENGTH})) AS part, c.id{tier} FROM client c "
            f"JOIN {_POSITIONS} s ON s.value <= length(c.name) ORDER BY part, c.id"
        )
    else:
        op.execute(
            f"INSERT INTO client_name_part ({columns}) "
            f"SELECT DISTINCT lower(substr(c.name, n, {LENGTH})), c.id{tier} "
            f"FROM client c, generate_series(1, char_length(c.name)) AS n"
        )
        op.execute("ANALYZE client_name_part")


def _rebuild(with_tier: bool) -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    op.drop_table("client_name_part")
    _create_parts_table(with_tier)
    _fill_parts(dialect, with_tier)
    if dialect == "sqlite":
        for statement in _sqlite_triggers(with_tier):
            op.execute(statement)
    else:
        op.execute(_postgresql_function(with_tier))
        op.execute(_postgresql_trigger(with_tier))
    for column in ("name_pinyin", "name_initials"):
        op.drop_index(f"ix_client_{column}", table_name="client")
        op.create_index(
            f"ix_client_{column}", "client", [column, "tier"] if with_tier else [column], unique=False,
            postgresql_ops={column: "text_pattern_ops"},
        )


def upgrade() -> None:
    _rebuild(with_tier=True)


def downgrade() -> None:
    _rebuild(with_tier=False)
