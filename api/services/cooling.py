"""No asking again at once: after a "not now", a withdrawn phrase, a declined session or
extension, or a pause, the other partner cannot bring the same thing up again for a
while. The one who said no can reopen it themselves at any time.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.errors import CoolingOff
from api.models import CoolingOffHold, utcnow


def item(label_digest: str) -> str:
    """The topic of an activity, by its folded label (so re-adding it is the same thing)."""
    return f"item:{label_digest}"


def phrase(text_digest: str) -> str:
    """The topic of a phrase, by its folded text."""
    return f"phrase:{text_digest}"


SESSION = "session"
# Putting the pair's parts in a summary for someone outside the pair.
SUMMARY = "summary"


def extension(session_id: uuid.UUID) -> str:
    """The topic of more time in one session."""
    return f"extension:{session_id}"


async def hold(session: AsyncSession, *, pair_id: uuid.UUID, topic: str, held_by: uuid.UUID,
               until: datetime) -> None:
    """`held_by` said no to `topic`: the partner cannot raise it again until `until`."""
    await release(session, pair_id=pair_id, topic=topic, held_by=held_by)
    session.add(CoolingOffHold(pair_id=pair_id, topic=topic, held_by=held_by, until=until))


async def release(session: AsyncSession, *, pair_id: uuid.UUID, topic: str,
                  held_by: uuid.UUID) -> None:
    """The one who said no reopens it (by raising it themselves, or saying yes)."""
    await session.execute(sa.delete(CoolingOffHold).where(
        col(CoolingOffHold.pair_id) == pair_id, col(CoolingOffHold.topic) == topic,
        col(CoolingOffHold.held_by) == held_by))


async def check(session: AsyncSession, *, pair_id: uuid.UUID, topic: str, asker: uuid.UUID,
                what: str) -> None:
    """Raises CoolingOff when the partner's "not now" on `topic` still holds; when the
    asker is the one who said it, raising it again reopens it."""
    holds = list(await session.scalars(select(CoolingOffHold).where(
        CoolingOffHold.pair_id == pair_id, CoolingOffHold.topic == topic,
        col(CoolingOffHold.until) > utcnow())))
    theirs = [h for h in holds if h.held_by != asker]
    if theirs:
        opens_at = max(h.until for h in theirs)
        raise CoolingOff(what, opens_at=opens_at)
    if holds:
        await release(session, pair_id=pair_id, topic=topic, held_by=asker)


def rest_of_day(now: datetime, timezone: str | None, *, at_least: timedelta) -> datetime:
    """The next midnight where the person lives (UTC when unknown), and not sooner than
    `at_least` from now."""
    try:
        zone = ZoneInfo(timezone) if timezone else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return max(midnight.astimezone(now.tzinfo), now + at_least)
