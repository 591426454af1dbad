"""/team over a branch read from indexes: an RM's book in one covering index (it replaces
ix_client_rm_tier, its first two columns), and transactions by time with what a movement is
judged on (it replaces ix_transactions_occurred_at)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_client_book", "client", ["rm_id", "tier", "unit_id", "last_contact_at", "next_follow_up", "aum", "lost_contact"])
    op.drop_index("ix_client_rm_tier", table_name="client")
    op.create_index("ix_transactions_time", "transactions", ["occurred_at", "client_id", "amount", "direction", "other_bank"])
    op.drop_index("ix_transactions_occurred_at", table_name="transactions")


def downgrade() -> None:
    op.create_index("ix_transactions_occurred_at", "transactions", ["occurred_at"])
    op.drop_index("ix_transactions_time", table_name="transactions")
    op.create_index("ix_client_rm_tier", "client", ["rm_id", "tier"])
    op.drop_index("ix_client_book", table_name="client")
