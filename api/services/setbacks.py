"""Stepping back after a setback: one tap by either partner, and the pair is back at the
gentler step the two chose beforehand.

A step back only makes limits stricter, so it is one person's, at once, and never
limited (rule 1): everything above the step becomes not now for both, leaves any
session's menu, and a review opens for both. Nothing is paused by it. Moving back up is
the ordinary way to yes, both answers item by item, and waits while a session is
proposed or running. Who stepped back is not recorded: it is the pair's, not a blame.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict
from api.models import Boundary, BoundaryAnswer, Event, Membership, utcnow
from api.realtime.hub import Hub
from api.services import boundaries, debriefs, events
from api.services.work import Member, PairWork, member_work, pair_work
from schemas.boundaries import PATH_STEPS, BaselineOut, StepBackIn, StepBackOut

log = structlog.get_logger(__name__)


def _title(step: str) -> str:
    titles = {c["key"]: c["title"] for c in boundaries.catalogue_data()["categories"]}
    return str(titles[step])


def _gentler(*steps: str) -> str:
    return min(steps, key=PATH_STEPS.index)


async def _choices(session: AsyncSession, pair_id: uuid.UUID) -> dict[uuid.UUID, Membership]:
    rows = await session.scalars(select(Membership).where(Membership.pair_id == pair_id))
    return {m.account_id: m for m in rows}


def _view(choices: dict[uuid.UUID, Membership], account_id: uuid.UUID) -> BaselineOut:
    ours = _gentler(*(m.baseline for m in choices.values()))
    return BaselineOut(mine=choices[account_id].baseline, ours=ours,
                       title=_title(ours))


async def baseline(*, db: Database, member: Member) -> BaselineOut:
    """My choice of where to step back to, and ours (the gentler of the two)."""
    async with db.read() as session:
        return _view(await _choices(session, member.pair_id), member.account_id)


async def set_baseline(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                       step: str) -> BaselineOut:
    """Sets my choice. A gentler one counts at once; a higher one only once both choose
    higher, and not while a session is proposed or running (ours would rise under it)."""
    async with member_work(db, hub, keyring, member) as work:
        choices = await _choices(work.session, member.pair_id)
        mine = choices[member.account_id]
        before = _view(choices, member.account_id).ours
        if (PATH_STEPS.index(step) > PATH_STEPS.index(mine.baseline)
                and await boundaries.open_session(work.session, member.pair_id) is not None):
            raise Conflict("Choosing a higher step waits until you are not in a session.")
        mine.baseline = step
        view = _view(choices, member.account_id)
        # The partner hears only when ours moved: their own choice and mine stay ours each.
        if view.ours != before:
            work.tell({"type": "baseline.changed", "ours": view.ours})
    return view


async def _step_back_activities(work: PairWork, keep: set[str], members: list[uuid.UUID],
                                settings: Settings) -> list[Boundary]:
    """Makes every activity outside the kept steps not now for both, and marks it.

    Words and the pair's own items are not steps: where they sit on the path is not known,
    so a step back takes them too (the gentle reading is the safe one).
    """
    rows = list(await work.session.scalars(
        select(Boundary).where(Boundary.pair_id == work.pair_id,
                               col(Boundary.category).not_in(keep))
        .order_by(col(Boundary.created_at), col(Boundary.id))))
    answers: dict[tuple[uuid.UUID, uuid.UUID], str] = {
        (a.boundary_id, a.account_id): a.answer for a in await work.session.scalars(
            select(BoundaryAnswer).where(col(BoundaryAnswer.boundary_id).in_(
                [b.id for b in rows])))}
    for boundary in rows:
        version = boundary.version
        for account_id in members:
            if answers.get((boundary.id, account_id)) != "no":
                await boundaries.set_answer(work, boundary, account_id, "no",
                                            settings=settings)
        if not boundary.stepped_back:
            boundary.stepped_back = True
            if boundary.version == version:
                boundary.version += 1
    return rows


async def _take_off_menus(work: PairWork, gone: set[str]) -> None:
    practice = await boundaries.open_session(work.session, work.pair_id)
    if practice is None or not gone.intersection(practice.scope):
        return
    # A new list, not an edit in place: only a new value of the JSON column is a change.
    practice.scope = [s for s in practice.scope if s not in gone]
    await work.record("session.menu_changed", {"session_id": str(practice.id),
                                               "boundary_id": None, "scope": practice.scope})


async def _open_review(work: PairWork) -> None:
    pair = await work.pair()
    if pair.review_started_at is None:
        pair.review_started_at = utcnow()
        await work.record("review.started", {})


async def step_back(*, db: Database, hub: Hub, keyring: Keyring, settings: Settings,
                    member: Member, body: StepBackIn) -> StepBackOut:
    """Steps the pair back to our baseline, in one unit of work. The events name no one;
    the optional note goes, sealed, into the caller's own journal only."""
    async with pair_work(db, hub, keyring, member.pair_id, None) as work:
        choices = await _choices(work.session, member.pair_id)
        ours = _view(choices, member.account_id).ours
        keep = set(PATH_STEPS[:PATH_STEPS.index(ours) + 1])
        rows = await _step_back_activities(work, keep, list(choices), settings)
        ids = [str(b.id) for b in rows]
        await _take_off_menus(work, set(ids))
        await _open_review(work)
        event = await work.record("pair.stepped_back", {"baseline": ours, "title": _title(ours),
                                                        "boundary_ids": ids})
        note = None
        if body.note is not None:
            note = debriefs.new_note(keyring, member.account_id, body.note)
            work.session.add(note)
    log.info("stepped_back", pair_id=str(member.pair_id), activities=len(ids))
    return StepBackOut.model_validate({
        "seq": event["seq"], "baseline": ours, "title": _title(ours), "stepped_back": ids,
        "note_id": note.id if note else None})



async def step_backs(*, db: Database, keyring: Keyring, pair_id: uuid.UUID
                     ) -> list[dict[str, Any]]:
    """When the pair stepped back, and to which step, oldest first (from the log: a step
    back only ever made limits stricter, so it may be dated; who pressed it never is)."""
    async with db.read() as session:
        rows = await session.scalars(select(Event).where(
            Event.pair_id == pair_id, Event.type == "pair.stepped_back")
            .order_by(col(Event.seq)))
        found = [events.envelope(row, keyring) for row in rows]
    return [{"at": e["at"], "baseline": e["data"]["baseline"], "title": e["data"]["title"],
             "activities": len(e["data"]["boundary_ids"])} for e in found]
