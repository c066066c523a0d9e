"""display names sealed at rest

The display name was the only free text stored in plain text. Sealing it needs the
keyring, checked before anything changes (SQLite does not roll back a schema change).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 23:50:00
"""

import sqlalchemy as sa
from alembic import context, op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

account = sa.table("account", sa.column("id", sa.Uuid()), sa.column("display_name", sa.Text()))


def _aad(account_id: object) -> str:
    return f"account:{account_id}:display_name"


def _keyring_or_fail(bind: sa.Connection) -> object:
    keyring = context.config.attributes.get("keyring")
    if keyring is None and bind.execute(sa.select(account.c.id).limit(1)).first():
        raise RuntimeError("this migration seals display names: run it with the keyring "
                           "(the service and `python -m api migrate` do)")
    return keyring


def upgrade() -> None:
    bind = op.get_bind()
    keyring = _keyring_or_fail(bind)
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.alter_column('display_name', type_=sa.Text(), existing_nullable=False)
    for row in bind.execute(sa.select(account.c.id, account.c.display_name)).all():
        sealed = keyring.encrypt(row.display_name, aad=_aad(row.id))  # type: ignore[attr-defined]
        bind.execute(sa.update(account).where(account.c.id == row.id)
                     .values(display_name=sealed))


def downgrade() -> None:
    bind = op.get_bind()
    keyring = _keyring_or_fail(bind)
    for row in bind.execute(sa.select(account.c.id, account.c.display_name)).all():
        plain = keyring.decrypt(row.display_name, aad=_aad(row.id))  # type: ignore[attr-defined]
        bind.execute(sa.update(account).where(account.c.id == row.id)
                     .values(display_name=plain[:64]))
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.alter_column('display_name', type_=sa.String(length=64),
                              existing_nullable=False)
