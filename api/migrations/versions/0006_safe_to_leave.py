"""safe to leave: whose command an id was

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 22:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pair', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discreet_label', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('discreet_proposed', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('discreet_proposed_by', sa.Uuid(), nullable=True))
    op.create_table('cooling_off',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('held_by', sa.Uuid(), nullable=False),
    sa.Column('until', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cooling_off', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cooling_off_pair_id'), ['pair_id'], unique=False)
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
    op.create_table('reflection',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('about', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('written_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reflection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reflection_account_id'), ['account_id'], unique=False)
    with op.batch_alter_table('command_alias', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_id', sa.Uuid(), nullable=True))
    with op.batch_alter_table('debrief_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', api.models.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pair', schema=None) as batch_op:
        batch_op.drop_column('discreet_proposed_by')
        batch_op.drop_column('discreet_proposed')
        batch_op.drop_column('discreet_label')
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.drop_column('timezone')
    with op.batch_alter_table('cooling_off', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cooling_off_pair_id'))
    op.drop_table('cooling_off')
    with op.batch_alter_table('reflection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reflection_account_id'))
    op.drop_table('reflection')
    with op.batch_alter_table('debrief_round', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('command_alias', schema=None) as batch_op:
        batch_op.drop_column('actor_id')
