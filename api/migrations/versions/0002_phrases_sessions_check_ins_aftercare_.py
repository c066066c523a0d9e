"""phrases, sessions, check-ins, aftercare, scheduler

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:14:57.085159
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aftercare',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('wishes', sa.Text(), nullable=False),
    sa.Column('updated_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id')
    )
    op.create_table('next_day_note',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'session_id')
    )
    op.create_table('phrase',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('moment', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('tone', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('proposed_by', sa.Uuid(), nullable=True),
    sa.Column('catalogue_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('phrase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phrase_pair_id'), ['pair_id'], unique=False)

    op.create_table('practice_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('proposed_by', sa.Uuid(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('length_seconds', sa.Integer(), nullable=False),
    sa.Column('checkin_every_seconds', sa.Integer(), nullable=True),
    sa.Column('grace_seconds', sa.Integer(), nullable=True),
    sa.Column('scope', sa.JSON(), nullable=False),
    sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', api.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', api.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', api.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.Uuid(), nullable=True),
    sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('start_seq', sa.Integer(), nullable=True),
    sa.Column('end_seq', sa.Integer(), nullable=True),
    sa.Column('extension_by', sa.Uuid(), nullable=True),
    sa.Column('extension_seconds', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_session_pair_id'), ['pair_id'], unique=False)

    op.create_table('scheduled_job',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('pair_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('ref', sa.Uuid(), nullable=True),
    sa.Column('due_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', api.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('scheduled_job', schema=None) as batch_op:
        batch_op.create_index('ix_scheduled_job_due', ['done_at', 'due_at'], unique=False)

    op.create_table('checkin',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('prompted_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('grace_until', api.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['practice_session.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkin_session_id'), ['session_id'], unique=False)

    op.create_table('checkin_answer',
    sa.Column('checkin_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkin.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('checkin_id', 'account_id')
    )


def downgrade() -> None:
    op.drop_table('checkin_answer')
    with op.batch_alter_table('checkin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkin_session_id'))

    op.drop_table('checkin')
    with op.batch_alter_table('scheduled_job', schema=None) as batch_op:
        batch_op.drop_index('ix_scheduled_job_due')

    op.drop_table('scheduled_job')
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_session_pair_id'))

    op.drop_table('practice_session')
    with op.batch_alter_table('phrase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phrase_pair_id'))

    op.drop_table('phrase')
    op.drop_table('next_day_note')
    op.drop_table('aftercare')
