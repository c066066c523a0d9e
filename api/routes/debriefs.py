"""The joint debrief, the private journal, and the reflections a person keeps."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import Config, CurrentUser, Db, Hub, Keys, PairMember
from api.services import debriefs
from schemas.debriefs import (
    DebriefDraft,
    DebriefList,
    DebriefOut,
    DebriefStart,
    FeelingSeries,
    JournalIn,
    JournalList,
    JournalOut,
    ReflectionList,
)

router = APIRouter(tags=["debriefs"])


@router.post("/debriefs", status_code=status.HTTP_201_CREATED)
async def start(body: DebriefStart, member: PairMember, db: Db, hub: Hub,
                keys: Keys) -> DebriefOut:
    """Open the debrief of an ended session or of a pause (or find the open one)."""
    return await debriefs.start(db=db, hub=hub, keyring=keys, member=member, body=body)


@router.get("/debriefs")
async def list_debriefs(member: PairMember, db: Db, keys: Keys) -> DebriefList:
    """Your debriefs together, newest first."""
    return await debriefs.list_debriefs(db=db, keyring=keys, member=member)


@router.get("/debriefs/feelings")
async def feelings(member: PairMember, db: Db, keys: Keys) -> FeelingSeries:
    """How safe each of you felt, over time (your partner's once shared)."""
    return await debriefs.feelings(db=db, keyring=keys, member=member)


@router.get("/debriefs/{debrief_id}")
async def view(debrief_id: uuid.UUID, member: PairMember, db: Db, keys: Keys) -> DebriefOut:
    """Your draft, and your partner's words once you both have finished."""
    return await debriefs.view(db=db, keyring=keys, member=member, debrief_id=debrief_id)


@router.put("/debriefs/{debrief_id}/draft")
async def save_draft(debrief_id: uuid.UUID, body: DebriefDraft, member: PairMember, db: Db,
                     hub: Hub, keys: Keys) -> DebriefOut:
    """Write your reflection; only you can see it."""
    return await debriefs.save_draft(db=db, hub=hub, keyring=keys, member=member,
                                     debrief_id=debrief_id, body=body)


@router.post("/debriefs/{debrief_id}/submit")
async def submit(debrief_id: uuid.UUID, member: PairMember, db: Db, hub: Hub, keys: Keys,
                 settings: Config) -> DebriefOut:
    """Finish; when you both have, you both see both at the same moment."""
    return await debriefs.submit(db=db, hub=hub, keyring=keys, settings=settings,
                                 member=member, debrief_id=debrief_id)


@router.post("/debriefs/{debrief_id}/skip")
async def skip(debrief_id: uuid.UUID, member: PairMember, db: Db, hub: Hub, keys: Keys,
               settings: Config) -> DebriefOut:
    """Not this time: nothing is shared, and your partner is told you skipped."""
    return await debriefs.skip(db=db, hub=hub, keyring=keys, settings=settings,
                               member=member, debrief_id=debrief_id)


@router.post("/debriefs/{debrief_id}/withdraw")
async def withdraw(debrief_id: uuid.UUID, member: PairMember, db: Db, hub: Hub,
                   keys: Keys) -> DebriefOut:
    """Take your finished debrief back to a draft, before it is shared."""
    return await debriefs.withdraw(db=db, hub=hub, keyring=keys, member=member,
                                   debrief_id=debrief_id)


@router.get("/me/reflections")
async def reflections(principal: CurrentUser, db: Db, keys: Keys) -> ReflectionList:
    """Your own debrief reflections, kept when a pair ended; only you see them."""
    return await debriefs.reflections(db=db, keyring=keys, account_id=principal.account_id)


@router.get("/me/journal")
async def journal(principal: CurrentUser, db: Db, keys: Keys) -> JournalList:
    """Your private notes; never shared."""
    return await debriefs.journal(db=db, keyring=keys, account_id=principal.account_id)


@router.post("/me/journal", status_code=status.HTTP_201_CREATED)
async def write_note(body: JournalIn, principal: CurrentUser, db: Db, keys: Keys) -> JournalOut:
    """Add a private note."""
    return await debriefs.write_note(db=db, keyring=keys, account_id=principal.account_id,
                                     body=body)


@router.put("/me/journal/{entry_id}")
async def rewrite_note(entry_id: uuid.UUID, body: JournalIn, principal: CurrentUser, db: Db,
                       keys: Keys) -> JournalOut:
    """Rewrite one of your notes."""
    return await debriefs.write_note(db=db, keyring=keys, account_id=principal.account_id,
                                     body=body, entry_id=entry_id)


@router.delete("/me/journal/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_note(entry_id: uuid.UUID, principal: CurrentUser, db: Db) -> Response:
    """Delete one of your notes for good."""
    await debriefs.delete_note(db=db, account_id=principal.account_id, entry_id=entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
