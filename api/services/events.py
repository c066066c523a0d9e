"""The pair event log: gap-free per-pair sequence numbers, stored before announced."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.crypto import Keyring
from api.db import Database
from api.errors import NotFound
from api.models import CommandAlias, Event, Pair

# Signal events overtake anything else queued for a socket.
URGENT_TYPES = frozenset({"pause", "slow", "resume"})


def aad(pair_id: uuid.UUID, seq: int) -> str:
    """What an event's sealed body is bound to: its pair and seq."""
    return f"event:{pair_id}:{seq}"


def envelope(event: Event, keyring: Keyring) -> dict[str, Any]:
    """The wire form of a stored event, its data unsealed."""
    return {
        "type": event.type,
        "seq": event.seq,
        "id": str(event.id),
        "actor": str(event.actor_id) if event.actor_id else None,
        "at": event.at.isoformat(),
        "data": json.loads(keyring.decrypt(event.body, aad=aad(event.pair_id, event.seq))),
    }


async def lock_pair(session: AsyncSession, pair_id: uuid.UUID) -> None:
    """Locks the pair's row for this transaction, so its writers take turns."""
    found = await session.scalar(
        sa.select(col(Pair.id)).where(col(Pair.id) == pair_id).with_for_update())
    if found is None:
        raise NotFound("You are not paired with anyone right now.")


# Built once, with bound parameters: the log is written on every signal, and building
# a statement afresh cost more than running it.
_NEXT_SEQ = (sa.update(Pair).where(col(Pair.id) == sa.bindparam("p_pair", type_=sa.Uuid()))
             .values(last_seq=col(Pair.last_seq) + 1).returning(col(Pair.last_seq)))
_ADD_EVENT = sa.insert(Event.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Appended:
    """An event just added, and its wire form to publish once committed."""

    event: Event
    frame: dict[str, Any]


async def append(session: AsyncSession, *, keyring: Keyring, pair_id: uuid.UUID, type: str,
                 actor_id: uuid.UUID | None, data: dict[str, Any],
                 event_id: uuid.UUID | None = None) -> Appended:
    """Adds the pair's next event; the caller commits, then publishes its frame."""
    conn = await session.connection()  # plain statements: the ORM's execute is slower
    seq = await conn.scalar(_NEXT_SEQ, {"p_pair": pair_id})
    if seq is None:
        raise NotFound("You are not paired with anyone right now.")
    text = json.dumps(data, separators=(",", ":"))
    body = keyring.encrypt(text, aad=aad(pair_id, seq))
    event = Event(pair_id=pair_id, seq=seq, id=event_id or uuid.uuid4(), type=type,
                  actor_id=actor_id, body=body)
    # A plain INSERT: the ORM's flush is slow.
    await conn.execute(_ADD_EVENT, {
        "pair_id": event.pair_id, "seq": event.seq, "id": event.id, "type": event.type,
        "actor_id": event.actor_id, "at": event.at, "body": event.body})
    # The frame from the text in hand, as `envelope` would read it back: unsealing what
    # was just sealed cost more than the rest of the event.
    return Appended(event, {
        "type": event.type, "seq": event.seq, "id": str(event.id),
        "actor": str(event.actor_id) if event.actor_id else None,
        "at": event.at.isoformat(), "data": json.loads(text)})


async def read_after(session: AsyncSession, *, pair_id: uuid.UUID, after: int,
                     limit: int = 500) -> list[Event]:
    """Up to `limit` events with seq > after, in order."""
    rows = await session.scalars(
        select(Event).where(Event.pair_id == pair_id, col(Event.seq) > after)
        .order_by(col(Event.seq)).limit(limit)
    )
    return list(rows)


async def find_by_id(session: AsyncSession, *, pair_id: uuid.UUID,
                     event_id: uuid.UUID) -> Event | None:
    """The event a client command id created, if any."""
    return await session.scalar(
        select(Event).where(Event.pair_id == pair_id, Event.id == event_id)
    )


async def first_seq(session: AsyncSession, *, pair_id: uuid.UUID) -> int | None:
    """The oldest seq still in the pair's log, if any."""
    seq: int | None = await session.scalar(
        select(sa.func.min(Event.seq)).where(Event.pair_id == pair_id)
    )
    return seq


async def compact(db: Database, *, keep_last: int, batch: int = 100,
                  pairs: list[uuid.UUID] | None = None) -> int:
    """Drops each pair's events (or only `pairs`') older than its newest `keep_last`;
    returns how many.

    Compaction never breaks a client: the current state of everything lives in its own
    tables, not only in the log. A client whose `last_seq` is older than the oldest
    kept event gets `resync: true` in its welcome, reloads the state over REST, and
    goes on from the replay. Command ids older than the horizon are forgotten with
    their events.

    It runs beside a live server, so it works in small transactions (at most `batch`
    events of one pair each, with a breath between): the write lock is never held for
    long, and a pause waiting for it goes through within a few milliseconds.
    """
    async with db.read() as session:
        horizons = (await session.execute(
            select(Pair.id, Pair.last_seq - keep_last).where(
                Pair.last_seq > keep_last, *([col(Pair.id).in_(pairs)] if pairs else []))
        )).all()
    dropped = 0
    for pair_id, horizon in horizons:
        async with db.read() as session:
            oldest = await first_seq(session, pair_id=pair_id)
        while oldest is not None and oldest <= horizon:
            upto = min(horizon, oldest + batch - 1)
            async with db.write() as session:
                gone = await session.execute(sa.delete(Event).where(
                    col(Event.pair_id) == pair_id, col(Event.seq) <= upto))
                await session.execute(sa.delete(CommandAlias).where(
                    col(CommandAlias.pair_id) == pair_id, col(CommandAlias.seq) <= upto))
            dropped += int(gone.rowcount)  # type: ignore[attr-defined]
            oldest = upto + 1
            # A breath between transactions, longer than a live server's longest wait
            # between tries for the lock (db._LOCK_BACKOFF): its waiting pause gets in.
            await asyncio.sleep(0.01)
    return dropped
