"""One unit of work on a pair: lock, check, change, record, commit, then tell.

Every change to what two partners share goes through `pair_work`: the pair's row is
locked so its writers take turns, the events are appended to the log in the same
transaction, and only once it has committed are they announced. A service then reads
as the rules it enforces, and nothing is ever announced that was not stored.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from api.crypto import Keyring
from api.db import Database
from api.errors import NotFound
from api.models import Pair
from api.realtime.hub import Hub
from api.services import events

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Member:
    """A signed-in person who is in a pair: who acts, and on which pair."""

    account_id: uuid.UUID
    pair_id: uuid.UUID


class PairWork:
    """What a unit of work on a pair can do: read and change its rows, record its events,
    and queue frames for open screens that are never kept in the log."""

    def __init__(self, session: AsyncSession, keyring: Keyring, pair_id: uuid.UUID,
                 actor_id: uuid.UUID | None) -> None:
        self.session, self.keyring, self.pair_id, self.actor_id = (
            session, keyring, pair_id, actor_id)
        self.frames: list[dict[str, Any]] = []
        self.notes: list[tuple[uuid.UUID | None, dict[str, Any]]] = []

    async def pair(self) -> Pair:
        """The pair's own row (already locked by this unit of work)."""
        pair = await self.session.get(Pair, self.pair_id)
        if pair is None:
            raise NotFound("You are not paired with anyone right now.")
        return pair

    async def record(self, type_: str, data: dict[str, Any], *,
                     actor_id: uuid.UUID | None = None) -> dict[str, Any]:
        """Appends an event to the pair's log; returns its wire form."""
        frame = (await events.append(self.session, keyring=self.keyring, pair_id=self.pair_id,
                                     type=type_, actor_id=actor_id or self.actor_id,
                                     data=data)).frame
        self.frames.append(frame)
        return frame

    def announce(self, frame: dict[str, Any]) -> None:
        """Adds an event appended elsewhere in this unit of work (a signal)."""
        self.frames.append(frame)

    def tell(self, frame: dict[str, Any], *, only: uuid.UUID | None = None) -> None:
        """Queues a frame for both partners' open screens (or `only` one person's own
        devices); it is never written to the log."""
        self.notes.append((only, frame))

    def publish(self, hub: Hub) -> None:
        """Announces every recorded event, then every note; only after the commit.
        Nothing here waits: the hub hands each on at once."""
        for frame in self.frames:
            hub.publish_event(self.pair_id, frame)
        for only, note in self.notes:
            if only is None:
                hub.send_to_pair(self.pair_id, note)
            else:
                hub.send_to_user(only, note)


@asynccontextmanager
async def pair_work(db: Database, hub: Hub, keyring: Keyring, pair_id: uuid.UUID,
                    actor_id: uuid.UUID | None, *, lock: bool = True) -> AsyncIterator[PairWork]:
    """A unit of work on the pair: locked, committed when the block ends without an
    error (rolled back otherwise, and then nothing is announced), then published.

    `lock=False` skips locking the pair's row where the unit holds the whole database's
    write lock anyway (SQLite): for the pause, which proves the pair exists by its own
    first write.
    """
    async with db.write() as session:
        if lock or not db.one_writer:
            await events.lock_pair(session, pair_id)
        work = PairWork(session, keyring, pair_id, actor_id)
        yield work
    try:
        work.publish(hub)
    except Exception as exc:  # stored already: the sweep brings it to every socket
        log.error("publish_failed", pair_id=str(pair_id), error=type(exc).__name__)


def member_work(db: Database, hub: Hub, keyring: Keyring, member: Member, *,
                lock: bool = True) -> AbstractAsyncContextManager[PairWork]:
    """`pair_work` on the member's pair, acted by the member."""
    return pair_work(db, hub, keyring, member.pair_id, member.account_id, lock=lock)
