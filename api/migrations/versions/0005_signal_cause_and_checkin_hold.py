"""signal cause and check-ins that hold while paused

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 22:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('signal_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cause', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      nullable=False, server_default='button'))
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkin_token', sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('practice_session', schema=None) as batch_op:
        batch_op.drop_column('checkin_token')
    with op.batch_alter_table('signal_state', schema=None) as batch_op:
        batch_op.drop_column('cause')
