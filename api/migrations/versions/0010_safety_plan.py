"""safety plan

Each person's own safety plan, sealed, and which of its parts their partner may see.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'safety_plan',
        sa.Column('account_id', sa.Uuid(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('shared', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', api.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id'),
    )


def downgrade() -> None:
    op.drop_table('safety_plan')
