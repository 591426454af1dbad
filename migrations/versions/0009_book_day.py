"""book_day: each RM's coverage as the daily scan found it, for /team's change since a period's start

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "book_day",
        sa.Column("staff_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("with_cadence", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("book_day")
