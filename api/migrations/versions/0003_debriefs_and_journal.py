"""debriefs and journal

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 23:22:37.106036
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('debrief_round',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('pause_seq', sa.Integer(), nullable=True),
    sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revealed_at', api.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pair_id', 'pause_seq', name='uq_debrief_pause'),
    sa.UniqueConstraint('pair_id', 'session_id', name='uq_debrief_session')
    )
    with op.batch_alter_table('debrief_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debrief_round_pair_id'), ['pair_id'], unique=False)

    op.create_table('journal_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_entry_account_id'), ['account_id'], unique=False)

    op.create_table('debrief_entry',
    sa.Column('round_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('updated_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['debrief_round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('round_id', 'account_id')
    )


def downgrade() -> None:
    op.drop_table('debrief_entry')
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_entry_account_id'))

    op.drop_table('journal_entry')
    with op.batch_alter_table('debrief_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debrief_round_pair_id'))

    op.drop_table('debrief_round')
