"""keyring check

A one-row table holding a value sealed with the keyring the database was sealed with,
so that a start with another keyring is refused (api/services/keys.py). The value is
written by the first start that has the keyring, not here: an older database is first
checked against a value it already holds.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'keyring_check',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('sealed', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('keyring_check')
