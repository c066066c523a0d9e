"""no dated trail of yes

Nothing stored may say when anyone agreed to anything (rule 7): the boundary history
keeps an activity's creation and each move that made limits stricter; answers and
check-in answers lose their times; a green check-in answer is forgotten once its
session ended; logged events that recorded an agreement are redacted in place (the log
stays gap-free), which needs the keyring.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 23:10:00
"""

import itertools
import json
import uuid
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

import api.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_ALLOWS = {"no": 0, "open": 1, "maybe": 2, "agreed": 3}

pair = sa.table("pair", sa.column("id", sa.Uuid()),
                sa.column("last_review_at", api.models.UTCDateTime()))
boundary = sa.table("boundary", sa.column("id", sa.Uuid()), sa.column("pair_id", sa.Uuid()),
                    sa.column("limited_at", api.models.UTCDateTime()),
                    sa.column("reviewed_state", sa.String()))
history = sa.table("boundary_history", sa.column("id", sa.Integer()),
                   sa.column("boundary_id", sa.Uuid()), sa.column("state", sa.String()),
                   sa.column("at", api.models.UTCDateTime()))
event = sa.table("event", sa.column("pair_id", sa.Uuid()), sa.column("seq", sa.Integer()),
                 sa.column("type", sa.String()), sa.column("actor_id", sa.Uuid()),
                 sa.column("at", api.models.UTCDateTime()), sa.column("body", sa.Text()))


def _prune_history(bind: sa.Connection) -> None:
    reviewed = dict(bind.execute(sa.select(pair.c.id, pair.c.last_review_at)).all())
    rows = bind.execute(
        sa.select(history.c.id, history.c.boundary_id, history.c.state, history.c.at,
                  boundary.c.pair_id)
        .join(boundary, boundary.c.id == history.c.boundary_id)
        .order_by(history.c.boundary_id, history.c.at, history.c.id)).all()
    by_item: dict[uuid.UUID, list[Any]] = {}
    for row in rows:
        by_item.setdefault(row.boundary_id, []).append(row)
    for item, moves in by_item.items():
        last_review = reviewed.get(moves[0].pair_id)
        seen = [m.state for m in moves if last_review is not None and m.at <= last_review]
        drop, limited_at = [], None
        for before, move in itertools.pairwise(moves):
            if _ALLOWS[move.state] < _ALLOWS[before.state]:
                limited_at = move.at
            else:
                drop.append(move.id)
        if drop:
            bind.execute(sa.delete(history).where(history.c.id.in_(drop)))
        bind.execute(sa.update(boundary).where(boundary.c.id == item).values(
            limited_at=limited_at, reviewed_state=seen[-1] if seen else None))


_KINDS = ("boundary.added", "boundary.changed", "review.finished", "checkin.answered")


def _keyring_if_needed(bind: sa.Connection) -> Any:
    """The keyring, when there are sealed events to rewrite; checked before any change,
    because SQLite does not roll back a schema change."""
    keyring = context.config.attributes.get("keyring")
    found = bind.execute(sa.select(event.c.seq).where(event.c.type.in_(_KINDS)).limit(1))
    if keyring is None and found.first() is not None:
        raise RuntimeError("this migration rewrites sealed events: run it with the keyring "
                           "(the service and `python -m api migrate` do)")
    return keyring


def _redact_events(bind: sa.Connection, keyring: Any) -> None:
    rows = bind.execute(sa.select(event.c.pair_id, event.c.seq, event.c.type, event.c.at,
                                  event.c.body).where(event.c.type.in_(_KINDS))).all()
    for row in rows:
        aad = f"event:{row.pair_id}:{row.seq}"
        data = json.loads(keyring.decrypt(row.body, aad=aad))
        values: dict[str, Any] = {}
        if row.type == "review.finished":
            data = {}
        elif row.type == "checkin.answered" or (
                row.type == "boundary.changed" and (
                    data["item"]["state"] == "agreed"
                    or _ALLOWS[data["item"]["state"]] > _ALLOWS[data["previous_state"]])):
            data, values = {}, {"type": "redacted", "actor_id": None}
        else:
            item = data["item"]
            item.pop("state_changed_at", None)
            item["limited_at"] = row.at.isoformat() if row.type == "boundary.changed" else None
        values["body"] = keyring.encrypt(json.dumps(data, separators=(",", ":")), aad=aad)
        bind.execute(sa.update(event).where(event.c.pair_id == row.pair_id,
                                            event.c.seq == row.seq).values(**values))


def upgrade() -> None:
    bind = op.get_bind()
    keyring = _keyring_if_needed(bind)
    with op.batch_alter_table('boundary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('limited_at', api.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('reviewed_state',
                                      sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
    _prune_history(bind)
    _redact_events(bind, keyring)
    green = sa.text(
        "DELETE FROM checkin_answer WHERE answer = 'green' AND checkin_id IN ("
        " SELECT checkin.id FROM checkin JOIN practice_session"
        " ON practice_session.id = checkin.session_id WHERE practice_session.status = 'ended')")
    bind.execute(green)
    with op.batch_alter_table('boundary', schema=None) as batch_op:
        batch_op.drop_column('state_changed_at')
    with op.batch_alter_table('boundary_answer', schema=None) as batch_op:
        batch_op.drop_column('answered_at')
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.drop_column('at')


def downgrade() -> None:
    # What was removed is not brought back: the times of agreeing are gone for good.
    with op.batch_alter_table('checkin_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('at', api.models.UTCDateTime(timezone=True),
                                      nullable=False, server_default=sa.func.now()))
    with op.batch_alter_table('boundary_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', api.models.UTCDateTime(timezone=True),
                                      nullable=False, server_default=sa.func.now()))
    with op.batch_alter_table('boundary', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state_changed_at', api.models.UTCDateTime(timezone=True),
                                      nullable=False, server_default=sa.func.now()))
        batch_op.drop_column('reviewed_state')
        batch_op.drop_column('limited_at')
