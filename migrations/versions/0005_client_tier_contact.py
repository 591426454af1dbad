"""the reminder scan's overdue contacts read from one covering index (tier, last contact, RM)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_client_tier_contact", "client", ["tier", "last_contact_at", "rm_id"])


def downgrade() -> None:
    op.drop_index("ix_client_tier_contact", table_name="client")
