"""step back

Each partner's own choice of the step to go back to after a setback, and the mark on
activities a step back made not now for both.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pair_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('baseline', sa.String(length=24), nullable=False,
                                      server_default='closeness'))
    with op.batch_alter_table('boundary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stepped_back', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('boundary', schema=None) as batch_op:
        batch_op.drop_column('stepped_back')
    with op.batch_alter_table('pair_member', schema=None) as batch_op:
        batch_op.drop_column('baseline')
