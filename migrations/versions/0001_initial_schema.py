"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa




revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=512), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_path'), ['path'], unique=False)

    op.create_table('team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_unit_id'), ['unit_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('digest_time', sa.String(length=5), nullable=True),
    sa.Column('quiet_start', sa.String(length=5), nullable=True),
    sa.Column('quiet_end', sa.String(length=5), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('blocked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('employee_no'),
    sa.UniqueConstraint('telegram_user_id')
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_role'), ['role'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_unit_id'), ['unit_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_staff_id'), ['staff_id'], unique=False)

    op.create_table('client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_no', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('name_pinyin', sa.String(length=256), nullable=False),
    sa.Column('name_initials', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('phone_last4', sa.String(length=4), nullable=True),
    sa.Column('id_number', sa.String(length=32), nullable=True),
    sa.Column('gender', sa.String(length=1), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('birth_md', sa.Integer(), nullable=True),
    sa.Column('lunar_birth_month', sa.Integer(), nullable=True),
    sa.Column('lunar_birth_day', sa.Integer(), nullable=True),
    sa.Column('lunar_birth_leap', sa.Boolean(), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('value_class', sa.String(length=16), nullable=True),
    sa.Column('corp_size', sa.String(length=16), nullable=True),
    sa.Column('corp_contribution', sa.String(length=16), nullable=True),
    sa.Column('industry', sa.String(length=64), nullable=True),
    sa.Column('card_level', sa.String(length=16), nullable=True),
    sa.Column('aum', sa.BigInteger(), nullable=False),
    sa.Column('deposits', sa.BigInteger(), nullable=False),
    sa.Column('loans', sa.BigInteger(), nullable=False),
    sa.Column('aum_as_of', sa.Date(), nullable=True),
    sa.Column('card_spend_year', sa.BigInteger(), nullable=False),
    sa.Column('custody_margin', sa.BigInteger(), nullable=False),
    sa.Column('credit_target', sa.BigInteger(), nullable=False),
    sa.Column('total_assets', sa.BigInteger(), nullable=True),
    sa.Column('registered_capital', sa.BigInteger(), nullable=True),
    sa.Column('bad_credit_records', sa.Integer(), nullable=False),
    sa.Column('products', sa.Text(), nullable=False),
    sa.Column('rm_id', sa.Integer(), nullable=True),
    sa.Column('original_rm_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('last_contact_at', sa.DateTime(), nullable=True),
    sa.Column('last_contact_kind', sa.String(length=16), nullable=True),
    sa.Column('next_follow_up', sa.Date(), nullable=True),
    sa.Column('last_transaction_at', sa.DateTime(), nullable=True),
    sa.Column('lost_contact', sa.Boolean(), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['original_rm_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['rm_id'], ['staff.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_no')
    )
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.create_index('ix_client_birth_md', ['birth_md'], unique=False)
        batch_op.create_index('ix_client_lunar_md', ['lunar_birth_month', 'lunar_birth_day'], unique=False)
        batch_op.create_index('ix_client_name', ['name'], unique=False, postgresql_ops={'name': 'text_pattern_ops'})
        batch_op.create_index('ix_client_name_initials', ['name_initials'], unique=False, postgresql_ops={'name_initials': 'text_pattern_ops'})
        batch_op.create_index('ix_client_name_pinyin', ['name_pinyin'], unique=False, postgresql_ops={'name_pinyin': 'text_pattern_ops'})
        batch_op.create_index('ix_client_next_follow_up', ['next_follow_up'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_original_rm_id'), ['original_rm_id'], unique=False)
        batch_op.create_index('ix_client_phone_last4', ['phone_last4'], unique=False, postgresql_ops={'phone_last4': 'text_pattern_ops'})
        batch_op.create_index('ix_client_rm_tier', ['rm_id', 'tier'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_tier'), ['tier'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_unit_id'), ['unit_id'], unique=False)

    op.create_table('invite',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invite_staff_id'), ['staff_id'], unique=False)

    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('occasion', sa.Date(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('cleared_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dedup_key')
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_status'), ['status'], unique=False)

    op.create_table('balance_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('aum', sa.BigInteger(), nullable=False),
    sa.Column('deposits', sa.BigInteger(), nullable=False),
    sa.Column('loans', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id', 'as_of', name='uq_balance_client_day')
    )
    with op.batch_alter_table('balance_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_balance_snapshot_as_of'), ['as_of'], unique=False)

    op.create_table('interaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('products_pitched', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('expenses', sa.BigInteger(), nullable=True),
    sa.Column('next_step', sa.Text(), nullable=False),
    sa.Column('next_date', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.create_index('ix_interaction_client_time', ['client_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_interaction_staff_time', ['staff_id', 'occurred_at'], unique=False)

    op.create_table('transactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('counterparty_bank', sa.String(length=64), nullable=False),
    sa.Column('other_bank', sa.Boolean(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('external_id')
    )
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.create_index('ix_transactions_client_time', ['client_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_transactions_occurred_at'), ['occurred_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('transactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transactions_occurred_at'))
        batch_op.drop_index('ix_transactions_client_time')

    op.drop_table('transactions')
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_index('ix_interaction_staff_time')
        batch_op.drop_index('ix_interaction_client_time')

    op.drop_table('interaction')
    with op.batch_alter_table('balance_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_balance_snapshot_as_of'))

    op.drop_table('balance_snapshot')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_status'))
        batch_op.drop_index(batch_op.f('ix_alert_staff_id'))
        batch_op.drop_index(batch_op.f('ix_alert_due_at'))
        batch_op.drop_index(batch_op.f('ix_alert_client_id'))

    op.drop_table('alert')
    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invite_staff_id'))

    op.drop_table('invite')
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_unit_id'))
        batch_op.drop_index(batch_op.f('ix_client_tier'))
        batch_op.drop_index('ix_client_rm_tier')
        batch_op.drop_index('ix_client_phone_last4', postgresql_ops={'phone_last4': 'text_pattern_ops'})
        batch_op.drop_index(batch_op.f('ix_client_original_rm_id'))
        batch_op.drop_index('ix_client_next_follow_up')
        batch_op.drop_index('ix_client_name_pinyin', postgresql_ops={'name_pinyin': 'text_pattern_ops'})
        batch_op.drop_index('ix_client_name_initials', postgresql_ops={'name_initials': 'text_pattern_ops'})
        batch_op.drop_index('ix_client_name', postgresql_ops={'name': 'text_pattern_ops'})
        batch_op.drop_index('ix_client_lunar_md')
        batch_op.drop_index('ix_client_birth_md')

    op.drop_table('client')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_staff_id'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_unit_id'))
        batch_op.drop_index(batch_op.f('ix_staff_team_id'))
        batch_op.drop_index(batch_op.f('ix_staff_role'))

    op.drop_table('staff')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_unit_id'))

    op.drop_table('team')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_path'))
        batch_op.drop_index(batch_op.f('ix_unit_parent_id'))

    op.drop_table('unit')
