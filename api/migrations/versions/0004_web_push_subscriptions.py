"""web push subscriptions

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 23:35:32.384966
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import api.models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('push_subscription',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('endpoint', sa.Text(), nullable=False),
    sa.Column('p256dh', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('auth', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', api.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['device_id'], ['device_session.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('endpoint')
    )
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscription_account_id'), ['account_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('push_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscription_account_id'))

    op.drop_table('push_subscription')
