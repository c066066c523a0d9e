"""The scheduler: runs due ScheduledJobs, each exactly once across every instance.

Each instance polls every `scheduler_tick_seconds` (0.25 s: a check-in fires within a
second of its time). It claims one due job with FOR UPDATE SKIP LOCKED (on SQLite,
the single writer lock does the same), does it and marks it done in that same
transaction, then announces the events. A job that fails is retried 5 s later.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from sqlmodel import col, select

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.models import ScheduledJob, utcnow
from api.realtime.hub import Hub
from api.services import events, sessions
from api.services.work import PairWork

log = structlog.get_logger(__name__)


class Scheduler:
    """The background loop of one instance."""

    def __init__(self, *, db: Database, hub: Hub, keyring: Keyring, settings: Settings) -> None:
        self.db, self.hub, self.keyring, self.settings = db, hub, keyring, settings
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Starts polling."""
        self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        """Stops polling; a job half done is rolled back and done by whoever polls next."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _loop(self) -> None:
        while True:
            try:
                while await self.run_one():
                    pass
            except Exception as exc:  # the loop must outlive a database hiccup
                log.warning("scheduler_failed", error=type(exc).__name__)
            await asyncio.sleep(self.settings.scheduler_tick_seconds)

    async def run_one(self) -> bool:
        """Runs the oldest due job, if any; True when one was run."""
        now = utcnow()
        due = (col(ScheduledJob.done_at).is_(None), col(ScheduledJob.due_at) <= now)
        async with self.db.read() as session:
            if await session.scalar(select(ScheduledJob.id).where(*due).limit(1)) is None:
                return False
        job_id = None
        try:
            async with self.db.write() as session:
                job = await session.scalar(
                    select(ScheduledJob).where(*due).order_by(col(ScheduledJob.due_at))
                    .limit(1).with_for_update(skip_locked=True))
                if job is None:
                    return False
                job_id = job.id
                await events.lock_pair(session, job.pair_id)
                work = PairWork(session, self.keyring, job.pair_id, None)
                await sessions.run_job(work, job, settings=self.settings)
                job.done_at = utcnow()
        except Exception as exc:
            log.error("job_failed", job_id=str(job_id), error=type(exc).__name__)
            if job_id is not None:
                async with self.db.write() as session:
                    failed = await session.get(ScheduledJob, job_id)
                    if failed is not None:
                        failed.due_at = utcnow() + timedelta(seconds=5)
            return False
        try:
            work.publish(self.hub)
        except Exception as exc:  # stored already: the sweep brings it to every socket
            log.error("publish_failed", job_id=str(job.id), error=type(exc).__name__)
        late = (utcnow() - job.due_at).total_seconds()
        log.info("job_done", kind=job.kind, job_id=str(job.id), late_ms=round(late * 1000))
        return True
