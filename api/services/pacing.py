"""How the pair's signal paces a running session: check-ins hold while a pause stands
and start again, from the moment it is lifted, once nobody's pause stands.

Kept apart from `sessions` and `signals` because both need it: `sessions` schedules and
prompts, `signals` lifts pauses.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.models import PracticeSession, ScheduledJob, SignalState


def schedule(session: AsyncSession, practice: PracticeSession, kind: str, due_at: datetime,
             ref: uuid.UUID | None = None) -> None:
    """Adds timed work for a session (done by the scheduler, once)."""
    session.add(ScheduledJob(pair_id=practice.pair_id, session_id=practice.id, kind=kind,
                             ref=ref, due_at=due_at))


async def pair_paused(session: AsyncSession, pair_id: uuid.UUID) -> bool:
    """Whether either partner's pause stands now."""
    found = await session.scalar(select(SignalState.account_id).where(
        SignalState.pair_id == pair_id, SignalState.state == "paused").limit(1))
    return found is not None


def start_checkins(session: AsyncSession, practice: PracticeSession, now: datetime) -> None:
    """Schedules the next check-in one interval from `now`, superseding any pending one."""
    if not practice.checkin_every_seconds or practice.ends_at is None:
        return
    practice.checkin_token = uuid.uuid4()
    due = now + timedelta(seconds=practice.checkin_every_seconds)
    if due < practice.ends_at:
        schedule(session, practice, "checkin", due, ref=practice.checkin_token)


# Built once: it runs on every lift of a pause, where most pairs have no session.
_ACTIVE = select(PracticeSession).where(
    col(PracticeSession.pair_id) == sa.bindparam("p_pair", type_=sa.Uuid()),
    col(PracticeSession.status) == "active")


async def checkins_after_lift(session: AsyncSession, pair_id: uuid.UUID,
                              now: datetime) -> None:
    """The last standing pause was lifted (the caller knows): a running session's
    check-ins start again from now."""
    practice = await session.scalar(_ACTIVE, {"p_pair": pair_id})
    if practice is not None:
        start_checkins(session, practice, now)
