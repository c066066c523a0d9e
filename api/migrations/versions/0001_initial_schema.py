"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 23:07:20.016794
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('pair',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('review_every_days', sa.Integer(), nullable=True),
    sa.Column('last_review_at', api.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_started_at', api.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('boundary',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('label_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('catalogue_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_by', sa.Uuid(), nullable=True),
    sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('state_changed_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pair_id', 'label_digest', name='uq_boundary_pair_label')
    )
    with op.batch_alter_table('boundary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boundary_pair_id'), ['pair_id'], unique=False)

    op.create_table('command_alias',
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pair_id', 'id')
    )
    op.create_table('device_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_session_account_id'), ['account_id'], unique=False)

    op.create_table('event',
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pair_id', 'seq'),
    sa.UniqueConstraint('pair_id', 'id', name='uq_event_pair_id_id')
    )
    op.create_table('invite',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('expires_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id'),
    sa.UniqueConstraint('code_hash')
    )
    op.create_table('pair_member',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('joined_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id')
    )
    with op.batch_alter_table('pair_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pair_member_pair_id'), ['pair_id'], unique=False)

    op.create_table('signal_state',
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('set_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('receipt', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pair_id', 'account_id')
    )
    op.create_table('boundary_answer',
    sa.Column('boundary_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('answered_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['boundary_id'], ['boundary.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('boundary_id', 'account_id')
    )
    op.create_table('boundary_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('boundary_id', sa.Uuid(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['boundary_id'], ['boundary.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('boundary_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_boundary_history_boundary_id'), ['boundary_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('boundary_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boundary_history_boundary_id'))

    op.drop_table('boundary_history')
    op.drop_table('boundary_answer')
    op.drop_table('signal_state')
    with op.batch_alter_table('pair_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pair_member_pair_id'))

    op.drop_table('pair_member')
    op.drop_table('invite')
    op.drop_table('event')
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_session_account_id'))

    op.drop_table('device_session')
    op.drop_table('command_alias')
    with op.batch_alter_table('boundary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_boundary_pair_id'))

    op.drop_table('boundary')
    op.drop_table('pair')
    op.drop_table('account')
