"""How the pair's signal paces a running session: check-ins hold while a pause stands
and start again, from the moment it is lifted, once nobody's pause stands.

Kept apart from `sessions` and `signals` because both need it: `sessions` schedules and
prompts, `signals` lifts pauses.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

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


async def resume_after_lift(session: AsyncSession, pair_id: uuid.UUID, now: datetime) -> None:
    """A pause was lifted: if no other pause stands, check-ins start again from now."""
    if await pair_paused(session, pair_id):
        return
    practice = await session.scalar(select(PracticeSession).where(
        PracticeSession.pair_id == pair_id, col(PracticeSession.status) == "active"))
    if practice is not None:
        start_checkins(session, practice, now)
