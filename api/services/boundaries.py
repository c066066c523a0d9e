"""The shared boundary list, where "no" always wins and only both yeses agree."""

from __future__ import annotations

import json
import unicodedata
import uuid
from datetime import datetime, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, CoolingOff, NotFound
from api.models import (
    Boundary,
    BoundaryAnswer,
    BoundaryHistory,
    Pair,
    PracticeSession,
    utcnow,
)
from api.realtime.hub import Hub
from api.services import cooling
from api.services.work import Member, PairWork, member_work
from schemas.boundaries import (
    PATH_STEPS,
    AnswerIn,
    BoundaryEdit,
    BoundaryIn,
    BoundaryList,
    BoundaryOut,
    CatalogueOut,
    CatalogueTake,
    HistoryEntry,
    HistoryOut,
    PathOut,
    ReviewChange,
    ReviewOut,
)

log = structlog.get_logger(__name__)

NOT_FOUND = "There is no such activity on your list."
# A session that is proposed or running: its menu is open, and nothing moves back up.
OPEN = ("proposed", "active")


def combine(first: str | None, second: str | None) -> str:
    """The combined state: no if either says no, open if either hasn't answered,
    maybe if either says maybe, agreed only when both say yes."""
    answers = (first, second)
    if "no" in answers:
        return "no"
    if None in answers:
        return "open"
    if "maybe" in answers:
        return "maybe"
    return "agreed"


# How much an activity's state allows: a move down this scale makes limits stricter.
_ALLOWS = {"no": 0, "open": 1, "maybe": 2, "agreed": 3}


def stricter(previous: str, state: str) -> bool:
    """Whether moving from `previous` to `state` makes the limits stricter."""
    return _ALLOWS[state] < _ALLOWS[previous]


def fold(label: str) -> str:
    """The form two labels are compared in: case- and space-insensitive."""
    return " ".join(unicodedata.normalize("NFKC", label).casefold().split())


def _label_aad(boundary_id: uuid.UUID) -> str:
    return f"boundary:{boundary_id}:label"


def _public(boundary: Boundary, keyring: Keyring) -> dict[str, Any]:
    """What both partners may see of an activity (no individual answers)."""
    return {
        "id": str(boundary.id),
        "label": label_of(boundary, keyring),
        "category": boundary.category,
        "state": boundary.state,
        "version": boundary.version,
        "created_by": str(boundary.created_by) if boundary.created_by else None,
        "created_at": boundary.created_at.isoformat(),
        "limited_at": boundary.limited_at.isoformat() if boundary.limited_at else None,
        "catalogue_key": boundary.catalogue_key,
        "stepped_back": boundary.stepped_back,
    }


def label_of(boundary: Boundary, keyring: Keyring) -> str:
    """The activity's label, unsealed."""
    return keyring.decrypt(boundary.label, aad=_label_aad(boundary.id))


async def _tell_session_if_scope_left(work: PairWork, boundary_id: uuid.UUID,
                                      previous: str, state: str) -> None:
    """A running session hears at once when an activity in its scope stops being agreed."""
    if previous != "agreed" or state == "agreed":
        return
    running = await work.session.scalar(
        select(PracticeSession).where(PracticeSession.pair_id == work.pair_id,
                                      PracticeSession.status == "active"))
    if running is not None and str(boundary_id) in running.scope:
        await work.record("session.scope_changed", {
            "session_id": str(running.id), "boundary_id": str(boundary_id), "state": state})


async def open_session(session: AsyncSession, pair_id: uuid.UUID) -> PracticeSession | None:
    """The pair's session that is proposed or running, if any."""
    found: PracticeSession | None = await session.scalar(
        select(PracticeSession).where(PracticeSession.pair_id == pair_id,
                                      col(PracticeSession.status).in_(OPEN)))
    return found


def item_out(boundary: Boundary, keyring: Keyring, my_answer: str | None) -> BoundaryOut:
    """An activity as one partner sees it: the combined state and only their own answer."""
    return BoundaryOut.model_validate({**_public(boundary, keyring), "my_answer": my_answer})


async def _get(session: AsyncSession, pair_id: uuid.UUID, boundary_id: uuid.UUID) -> Boundary:
    boundary = await session.get(Boundary, boundary_id)
    if boundary is None or boundary.pair_id != pair_id:
        raise NotFound(NOT_FOUND)
    return boundary


async def _answers(session: AsyncSession, boundary_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = await session.scalars(
        select(BoundaryAnswer).where(BoundaryAnswer.boundary_id == boundary_id)
    )
    return {row.account_id: row.answer for row in rows}


async def _mine(session: AsyncSession, boundary_id: uuid.UUID,
                account_id: uuid.UUID) -> str | None:
    row = await session.get(BoundaryAnswer, (boundary_id, account_id))
    return row.answer if row else None


def _set_state(session: AsyncSession, boundary: Boundary, state: str, now: datetime) -> str:
    """Sets a new combined state; returns the previous one.

    Only a move that makes limits stricter is dated and kept in the history: nothing
    stored says when the two of them agreed to anything (rule 7).
    """
    previous = boundary.state
    if state != previous:
        boundary.state = state
        if stricter(previous, state):
            boundary.limited_at = now
            session.add(BoundaryHistory(boundary_id=boundary.id, state=state, at=now))
    return previous


async def _announce(work: PairWork, boundary: Boundary, previous: str) -> None:
    """Tells both partners an activity changed.

    A change that leaves it agreed, or that allows more than before, is not written to
    the pair's log (whose events are dated and replayed): both screens get a frame to
    re-read it instead, and a partner who is offline reads the list when they return.
    """
    if boundary.state == "agreed" or stricter(boundary.state, previous):
        work.tell({"type": "boundary.refresh", "id": str(boundary.id),
                   "version": boundary.version})
        return
    await work.record("boundary.changed", {"item": _public(boundary, work.keyring),
                                           "previous_state": previous})


async def _recombine(session: AsyncSession, boundary: Boundary) -> str:
    answers = list((await _answers(session, boundary.id)).values())
    return combine(*[*answers, None, None][:2])


async def list_boundaries(*, db: Database, keyring: Keyring, member: Member) -> BoundaryList:
    """The pair's list, each item with the caller's own answer only."""
    async with db.read() as session:
        rows = list(await session.scalars(
            select(Boundary).where(Boundary.pair_id == member.pair_id)
            .order_by(col(Boundary.created_at), col(Boundary.id))
        ))
        mine = {
            a.boundary_id: a.answer
            for a in await session.scalars(select(BoundaryAnswer).where(
                BoundaryAnswer.account_id == member.account_id,
                col(BoundaryAnswer.boundary_id).in_([b.id for b in rows])))
        }
    return BoundaryList(items=[item_out(b, keyring, mine.get(b.id)) for b in rows])


def _new_boundary(keyring: Keyring, member: Member, *, label: str, category: str,
                  catalogue_key: str | None = None) -> Boundary:
    boundary_id = uuid.uuid4()
    return Boundary(
        id=boundary_id, pair_id=member.pair_id,
        label=keyring.encrypt(label, aad=_label_aad(boundary_id)),
        label_digest=keyring.digest(fold(label)), category=category,
        catalogue_key=catalogue_key, created_by=member.account_id, created_at=utcnow(),
    )


async def _label_taken(session: AsyncSession, keyring: Keyring, pair_id: uuid.UUID,
                       label: str, other_than: uuid.UUID | None = None) -> bool:
    query = select(Boundary.id).where(Boundary.pair_id == pair_id,
                                      Boundary.label_digest == keyring.digest(fold(label)))
    if other_than is not None:
        query = query.where(col(Boundary.id) != other_than)
    return await session.scalar(query) is not None


async def add_boundary(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                       body: BoundaryIn) -> BoundaryOut:
    """Adds an activity, open for both to answer (not one the partner just said not now
    to and that was taken off the list: that waits for its cooling-off time)."""
    try:
        async with member_work(db, hub, keyring, member) as work:
            if await _label_taken(work.session, keyring, member.pair_id, body.label):
                raise Conflict("That activity is already on your list.")
            boundary = await add_in(work, member, label=body.label, category=body.category)
    except IntegrityError:
        raise Conflict("That activity is already on your list.") from None
    return item_out(boundary, keyring, None)


async def add_in(work: PairWork, member: Member, *, label: str, category: str,
                 catalogue_key: str | None = None) -> Boundary:
    """Adds an activity not on the list yet, open for both, inside the caller's unit of
    work: unless the partner just said not now to it (it waits for its cooling-off)."""
    keyring = work.keyring
    await cooling.check(work.session, pair_id=member.pair_id, asker=member.account_id,
                        topic=cooling.item(keyring.digest(fold(label))), what="this activity")
    boundary = _new_boundary(keyring, member, label=label, category=category,
                             catalogue_key=catalogue_key)
    work.session.add(boundary)
    work.session.add(BoundaryHistory(boundary_id=boundary.id, state="open",
                                     at=boundary.created_at))
    await work.session.flush()
    await work.record("boundary.added", {"item": _public(boundary, keyring)})
    return boundary


async def find_by_label(session: AsyncSession, keyring: Keyring, pair_id: uuid.UUID,
                        label: str) -> Boundary | None:
    """The pair's activity with this label (compared folded), if there is one."""
    found: Boundary | None = await session.scalar(select(Boundary).where(
        Boundary.pair_id == pair_id, Boundary.label_digest == keyring.digest(fold(label))))
    return found


async def answer_boundary(*, db: Database, hub: Hub, keyring: Keyring, settings: Settings,
                          member: Member, boundary_id: uuid.UUID, body: AnswerIn) -> BoundaryOut:
    """Sets the caller's answer. A no always lands at once; a stale yes or maybe is 409."""
    async with member_work(db, hub, keyring, member) as work:
        boundary = await _get(work.session, member.pair_id, boundary_id)
        if (body.version is not None and body.version != boundary.version
                and body.answer != "no"):
            mine = await _mine(work.session, boundary_id, member.account_id)
            raise Conflict("This activity changed since you saw it; here it is now.",
                           current=item_out(boundary, keyring, mine).model_dump(mode="json"))
        await answer_in(work, boundary, member.account_id, body.answer, settings=settings)
    return item_out(boundary, keyring, body.answer)


async def answer_in(work: PairWork, boundary: Boundary, account_id: uuid.UUID, answer: str,
                    *, settings: Settings) -> None:
    """A member's own answer inside the caller's unit of work, as every answer is given:
    a stepped-back activity moves back up only outside a session, and the partner hears
    nothing but a change of the combined state."""
    if (boundary.stepped_back and answer != "no"
            and await open_session(work.session, work.pair_id) is not None):
        raise Conflict("You stepped back from this. Moving it back up waits until you "
                       "are not in a session, and then needs both of you again.")
    await set_answer(work, boundary, account_id, answer, settings=settings)
    # The caller's other devices learn their own answer; the partner learns nothing.
    work.tell({"type": "boundary.answered", "id": str(boundary.id), "my_answer": answer,
               "version": boundary.version}, only=account_id)


async def set_answer(work: PairWork, boundary: Boundary, account_id: uuid.UUID,
                     answer: str, *, settings: Settings) -> None:
    """Stores an answer inside the caller's unit of work (the pair locked) and tells both
    partners when the combined state moved. A no holds the activity from being raised
    again by the partner for a while; any other answer of the same person reopens it."""
    session, now = work.session, utcnow()
    topic = cooling.item(boundary.label_digest)
    if answer == "no":
        await cooling.hold(session, pair_id=boundary.pair_id, topic=topic, held_by=account_id,
                           until=now + timedelta(hours=settings.cooling_item_hours))
    else:
        await cooling.release(session, pair_id=boundary.pair_id, topic=topic,
                              held_by=account_id)
    row = await session.get(BoundaryAnswer, (boundary.id, account_id))
    if row is None:
        session.add(BoundaryAnswer(boundary_id=boundary.id, account_id=account_id,
                                   answer=answer))
    else:
        row.answer = answer
    await session.flush()
    answers = await _answers(session, boundary.id)
    previous = _set_state(session, boundary, combine(*[*answers.values(), None, None][:2]), now)
    # A step back's mark stays until neither says no (each has moved it back up).
    if "no" not in answers.values():
        boundary.stepped_back = False
    if boundary.state != previous:
        boundary.version += 1
        await _announce(work, boundary, previous)
        await _tell_session_if_scope_left(work, boundary.id, previous, boundary.state)


async def edit_boundary(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                        boundary_id: uuid.UUID, body: BoundaryEdit) -> BoundaryOut:
    """Renames or re-files an activity. A new label is a new activity: every yes and
    maybe is cleared so both answer again; a no stays, because no always wins."""
    async with member_work(db, hub, keyring, member) as work:
        session = work.session
        boundary = await _get(session, member.pair_id, boundary_id)
        mine = await _mine(session, boundary_id, member.account_id)
        if body.version != boundary.version:
            raise Conflict("This activity changed since you saw it; here it is now.",
                           current=item_out(boundary, keyring, mine).model_dump(mode="json"))
        now = utcnow()
        old_label = keyring.decrypt(boundary.label, aad=_label_aad(boundary.id))
        if body.label is not None and fold(body.label) != fold(old_label):
            if await _label_taken(session, keyring, member.pair_id, body.label,
                                  other_than=boundary.id):
                raise Conflict("That activity is already on your list.")
            await cooling.check(session, pair_id=member.pair_id, asker=member.account_id,
                                topic=cooling.item(keyring.digest(fold(body.label))),
                                what="this activity")
            boundary.label = keyring.encrypt(body.label, aad=_label_aad(boundary.id))
            boundary.label_digest = keyring.digest(fold(body.label))
            boundary.catalogue_key = None
            await session.execute(sa.delete(BoundaryAnswer).where(
                col(BoundaryAnswer.boundary_id) == boundary.id,
                col(BoundaryAnswer.answer) != "no"))
            mine = mine if mine == "no" else None
        elif body.label is not None:
            boundary.label = keyring.encrypt(body.label, aad=_label_aad(boundary.id))
        if body.category is not None:
            boundary.category = body.category
        previous = _set_state(session, boundary, await _recombine(session, boundary), now)
        boundary.version += 1
        await _announce(work, boundary, previous)
        await _tell_session_if_scope_left(work, boundary_id, previous, boundary.state)
    return item_out(boundary, keyring, mine)


async def remove_boundary(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                          boundary_id: uuid.UUID) -> None:
    """Deletes an activity at once; either partner may."""
    async with member_work(db, hub, keyring, member) as work:
        boundary = await _get(work.session, member.pair_id, boundary_id)
        previous = boundary.state
        await work.session.delete(boundary)
        await work.record("boundary.removed", {"id": str(boundary_id),
                                               "previous_state": previous})
        await _tell_session_if_scope_left(work, boundary_id, previous, "removed")


async def history(*, db: Database, member: Member, boundary_id: uuid.UUID) -> HistoryOut:
    """When the activity was added, and each time its limits became stricter, oldest
    first, without who moved it (and never when anyone agreed)."""
    async with db.read() as session:
        await _get(session, member.pair_id, boundary_id)
        rows = await session.scalars(
            select(BoundaryHistory).where(BoundaryHistory.boundary_id == boundary_id)
            .order_by(col(BoundaryHistory.at), col(BoundaryHistory.id)))
        return HistoryOut(items=[HistoryEntry(state=r.state, at=r.at)
                                 for r in rows])


# -- the starter catalogue ---------------------------------------------------------------


@lru_cache(maxsize=1)
def catalogue_data() -> dict[str, Any]:
    """The starter catalogue and the steps of the path, as shipped."""
    data: dict[str, Any] = json.loads(
        files("api").joinpath("data/catalogue.json").read_text(encoding="utf-8"))
    return data


async def catalogue(*, db: Database, member: Member) -> CatalogueOut:
    """The starter list, marking what the pair already took."""
    async with db.read() as session:
        taken = set(await session.scalars(select(Boundary.catalogue_key).where(
            Boundary.pair_id == member.pair_id, col(Boundary.catalogue_key).is_not(None))))
    data = catalogue_data()
    return CatalogueOut.model_validate({
        "categories": data["categories"],
        "items": [{**item, "added": item["key"] in taken} for item in data["items"]],
    })


async def path(*, db: Database, member: Member) -> PathOut:
    """Where the pair is on the gradual path, from their own list."""
    async with db.read() as session:
        rows = (await session.execute(select(Boundary.category, Boundary.state).where(
            Boundary.pair_id == member.pair_id))).all()
    titles = {c["key"]: c for c in catalogue_data()["categories"]}
    steps, current, below_agreed = [], None, True
    for key in PATH_STEPS:
        states = [state for category, state in rows if category == key]
        agreed = sum(state == "agreed" for state in states)
        below_agreed = below_agreed and agreed == len(states)
        reached = below_agreed and agreed > 0
        if reached:
            current = key
        steps.append({"key": key, "title": titles[key]["title"],
                      "description": titles[key]["description"], "on_list": len(states),
                      "agreed": agreed, "reached": reached})
    return PathOut.model_validate({"steps": steps, "current": current})


async def take_catalogue(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                         body: CatalogueTake) -> BoundaryList:
    """Adds the chosen starter items (all, some or none); skips any already there."""
    items = {item["key"]: item for item in catalogue_data()["items"]}
    unknown = [key for key in body.keys if key not in items]
    if unknown:
        raise NotFound(f"{len(unknown)} of these are not in the catalogue; nothing was added.")
    wanted = list(items) if body.all else list(dict.fromkeys(body.keys))
    added: list[Boundary] = []
    async with member_work(db, hub, keyring, member) as work:
        session = work.session
        for key in wanted:
            item = items[key]
            if await _label_taken(session, keyring, member.pair_id, item["label"]):
                continue
            try:
                await cooling.check(session, pair_id=member.pair_id, asker=member.account_id,
                                    topic=cooling.item(keyring.digest(fold(item["label"]))),
                                    what="one of these activities")
            except CoolingOff:
                if not body.all:
                    raise
                continue  # "all of them" leaves out what the partner just said no to
            boundary = _new_boundary(keyring, member, label=item["label"],
                                     category=item["category"], catalogue_key=key)
            session.add(boundary)
            session.add(BoundaryHistory(boundary_id=boundary.id, state="open",
                                        at=boundary.created_at))
            added.append(boundary)
        await session.flush()
        for boundary in added:
            await work.record("boundary.added", {"item": _public(boundary, keyring)})
    return BoundaryList(items=[item_out(b, keyring, None) for b in added])


# -- reviewing the list together -----------------------------------------------------------


async def _changes_since_review(session: AsyncSession, keyring: Keyring,
                                pair_id: uuid.UUID) -> list[ReviewChange]:
    """Activities whose state is not what it was when the two last looked together:
    compared with a kept state, not a date, so nothing says when anyone agreed."""
    changed = []
    rows = await session.scalars(select(Boundary).where(Boundary.pair_id == pair_id)
                                 .order_by(col(Boundary.created_at), col(Boundary.id)))
    for boundary in rows:
        if boundary.reviewed_state == boundary.state:
            continue
        changed.append(ReviewChange.model_validate({
            "id": boundary.id, "state": boundary.state,
            "previous_state": boundary.reviewed_state,
            "label": keyring.decrypt(boundary.label, aad=_label_aad(boundary.id))}))
    return changed


async def get_review(*, db: Database, keyring: Keyring, member: Member) -> ReviewOut:
    """The plan, whether a review is due (gently), and what changed since the last one."""
    async with db.read() as session:
        pair = await session.get(Pair, member.pair_id)
        if pair is None:
            raise NotFound("You are not paired with anyone right now.")
        changed = await _changes_since_review(session, keyring, member.pair_id)
    due = pair.review_every_days is not None and (
        (pair.last_review_at or pair.created_at) + timedelta(days=pair.review_every_days)
        <= utcnow())
    return ReviewOut(every_days=pair.review_every_days, last_review_at=pair.last_review_at,
                     due=due, in_progress=pair.review_started_at is not None, changed=changed)


async def set_review_plan(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                          every_days: int | None) -> ReviewOut:
    """Sets how often the pair wants to review (or never)."""
    async with member_work(db, hub, keyring, member) as work:
        (await work.pair()).review_every_days = every_days
        await work.record("review.planned", {"every_days": every_days})
    return await get_review(db=db, keyring=keyring, member=member)


async def start_review(*, db: Database, hub: Hub, keyring: Keyring,
                       member: Member) -> ReviewOut:
    """Opens a review the partner can join; starting one already open just joins it."""
    async with member_work(db, hub, keyring, member) as work:
        pair = await work.pair()
        if pair.review_started_at is None:
            pair.review_started_at = utcnow()
            await work.record("review.started", {})
        else:
            await work.record("review.joined", {})
    return await get_review(db=db, keyring=keyring, member=member)


async def join_review(*, db: Database, hub: Hub, keyring: Keyring, member: Member) -> ReviewOut:
    """Joins the review the partner started."""
    async with member_work(db, hub, keyring, member) as work:
        if (await work.pair()).review_started_at is None:
            raise Conflict("No review is open right now.")
        await work.record("review.joined", {})
    return await get_review(db=db, keyring=keyring, member=member)


async def finish_review(*, db: Database, hub: Hub, keyring: Keyring,
                        member: Member) -> list[ReviewChange]:
    """Closes the review; both get the summary of what changed since the last one."""
    async with member_work(db, hub, keyring, member) as work:
        pair = await work.pair()
        if pair.review_started_at is None:
            raise Conflict("No review is open right now.")
        summary = await _changes_since_review(work.session, keyring, member.pair_id)
        await work.session.execute(sa.update(Boundary)
                                   .where(col(Boundary.pair_id) == member.pair_id)
                                   .values(reviewed_state=Boundary.state))
        pair.last_review_at, pair.review_started_at = utcnow(), None
        # The log keeps that they looked; what they saw goes to their screens only.
        await work.record("review.finished", {})
        work.tell({"type": "review.summary",
                   "changed": [c.model_dump(mode="json") for c in summary]})
    log.info("review_finished", pair_id=str(member.pair_id), changed=len(summary))
    return summary


async def export_answers(*, db: Database, keyring: Keyring,
                         account_id: uuid.UUID) -> list[dict[str, Any]]:
    """A person's own answers, with the activity's label, for their export."""
    async with db.read() as session:
        rows = await session.execute(
            select(Boundary, BoundaryAnswer)
            .join(BoundaryAnswer, col(BoundaryAnswer.boundary_id) == col(Boundary.id))
            .where(BoundaryAnswer.account_id == account_id))
        return [{"label": keyring.decrypt(b.label, aad=_label_aad(b.id)),
                 "category": b.category, "my_answer": a.answer} for b, a in rows]
