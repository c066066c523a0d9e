"""solo answers and summaries

Each person's own answers to the boundary list, kept for themselves alone; and the
summaries a person makes to share with someone who supports them (which parts, and the
partner's answer about the pair's parts; never when anyone said yes).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 09:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'solo_answer',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('account_id', sa.Uuid(), nullable=False),
        sa.Column('catalogue_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('label_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id', 'label_digest', name='uq_solo_answer_label'),
    )
    op.create_index(op.f('ix_solo_answer_account_id'), 'solo_answer', ['account_id'],
                    unique=False)
    op.create_table(
        'summary',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('account_id', sa.Uuid(), nullable=False),
        sa.Column('parts', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('pair_id', sa.Uuid(), nullable=True),
        sa.Column('partner_answer', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['pair_id'], ['pair.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_summary_account_id'), 'summary', ['account_id'], unique=False)
    op.create_index(op.f('ix_summary_pair_id'), 'summary', ['pair_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_summary_pair_id'), table_name='summary')
    op.drop_index(op.f('ix_summary_account_id'), table_name='summary')
    op.drop_table('summary')
    op.drop_index(op.f('ix_solo_answer_account_id'), table_name='solo_answer')
    op.drop_table('solo_answer')
