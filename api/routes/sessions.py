"""Paced sessions together."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from api.deps import Config, Db, Hub, Keys, PairMember, PausingMember
from api.services import sessions
from schemas.sessions import (
    CheckinAnswerIn,
    CurrentSession,
    ExtendIn,
    NextDayIn,
    NextDayOut,
    SessionIn,
    SessionList,
    SessionOut,
    Timeline,
)

router = APIRouter(prefix="/sessions", tags=["sessions"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def propose(body: SessionIn, member: PairMember, db: Db, hub: Hub, keys: Keys,
                  settings: Config) -> SessionOut:
    """Propose a session; it starts when your partner accepts."""
    return await sessions.propose(db=db, hub=hub, keyring=keys, settings=settings,
                                  member=member, body=body)


@router.get("")
async def list_sessions(member: PairMember, db: Db, keys: Keys) -> SessionList:
    """Your sessions, newest first."""
    return await sessions.list_sessions(db=db, keyring=keys, member=member)


@router.get("/current")
async def current(member: PairMember, db: Db, keys: Keys) -> CurrentSession:
    """The session proposed or under way, if any: time, scope, both aftercare wishes."""
    return await sessions.current(db=db, keyring=keys, member=member)


@router.get("/{session_id}")
async def view(session_id: uuid.UUID, member: PairMember, db: Db, keys: Keys) -> SessionOut:
    """One session."""
    return await sessions.view(db=db, keyring=keys, member=member, session_id=session_id)


@router.post("/{session_id}/accept")
async def accept(session_id: uuid.UUID, member: PairMember, db: Db, hub: Hub,
                 keys: Keys) -> SessionOut:
    """Start the session your partner proposed."""
    return await sessions.accept(db=db, hub=hub, keyring=keys, member=member,
                                 session_id=session_id)


@router.post("/{session_id}/decline")
async def decline(session_id: uuid.UUID, member: PairMember, db: Db, hub: Hub, keys: Keys,
                  settings: Config) -> SessionOut:
    """Say no to a proposed session; no reason needed."""
    return await sessions.decline(db=db, hub=hub, keyring=keys, settings=settings,
                                  member=member, session_id=session_id)


@router.post("/{session_id}/cancel")
async def cancel(session_id: uuid.UUID, member: PairMember, db: Db, hub: Hub,
                 keys: Keys) -> SessionOut:
    """Take back a session you proposed."""
    return await sessions.cancel(db=db, hub=hub, keyring=keys, member=member,
                                 session_id=session_id)


@router.post("/{session_id}/end")
async def end(session_id: uuid.UUID, member: PairMember, db: Db, hub: Hub, keys: Keys,
              settings: Config) -> SessionOut:
    """End the session now; either of you can."""
    return await sessions.end(db=db, hub=hub, keyring=keys, settings=settings, member=member,
                              session_id=session_id)


@router.post("/{session_id}/extend")
async def extend(session_id: uuid.UUID, body: ExtendIn, member: PairMember, db: Db, hub: Hub,
                 keys: Keys) -> SessionOut:
    """Ask for more time; it counts only if your partner agrees."""
    return await sessions.extend(db=db, hub=hub, keyring=keys, member=member,
                                 session_id=session_id, seconds=body.seconds)


@router.post("/{session_id}/extend/accept")
async def accept_extension(session_id: uuid.UUID, member: PairMember, db: Db, hub: Hub,
                           keys: Keys) -> SessionOut:
    """Agree to the extra time your partner asked for."""
    return await sessions.answer_extension(db=db, hub=hub, keyring=keys, member=member,
                                           session_id=session_id, agree=True)


@router.post("/{session_id}/extend/decline")
async def decline_extension(session_id: uuid.UUID, member: PairMember, db: Db, hub: Hub,
                            keys: Keys) -> SessionOut:
    """Keep the planned end (either of you can)."""
    return await sessions.answer_extension(db=db, hub=hub, keyring=keys, member=member,
                                           session_id=session_id, agree=False)


@router.delete("/{session_id}/menu/{boundary_id}")
async def take_off_menu(session_id: uuid.UUID, boundary_id: uuid.UUID, member: PausingMember,
                        db: Db, hub: Hub, keys: Keys) -> SessionOut:
    """Take an activity off this session's menu, at once (either of you, alone; never
    limited). Only a new proposal can put it back."""
    return await sessions.take_off_menu(db=db, hub=hub, keyring=keys, member=member,
                                        session_id=session_id, boundary_id=boundary_id)


@router.post("/{session_id}/checkins/{checkin_id}")
async def answer_checkin(session_id: uuid.UUID, checkin_id: uuid.UUID, body: CheckinAnswerIn,
                         member: PausingMember, db: Db, hub: Hub, keys: Keys) -> SessionOut:
    """Stop, slower, not sure, or keep going; only the live check-in, once."""
    return await sessions.answer_checkin(db=db, hub=hub, keyring=keys, member=member,
                                         session_id=session_id, checkin_id=checkin_id,
                                         answer=body.answer)


@router.get("/{session_id}/timeline")
async def timeline(session_id: uuid.UUID, member: PairMember, db: Db, keys: Keys) -> Timeline:
    """What happened, in order, for the debrief."""
    return await sessions.timeline(db=db, keyring=keys, member=member, session_id=session_id)


@router.put("/{session_id}/next-day")
async def save_next_day(session_id: uuid.UUID, body: NextDayIn, member: PairMember, db: Db,
                        keys: Keys) -> NextDayOut:
    """How you feel about it the next day; only you see this."""
    return await sessions.save_next_day(db=db, keyring=keys, member=member,
                                        session_id=session_id, body=body)


@router.get("/{session_id}/next-day")
async def read_next_day(session_id: uuid.UUID, member: PairMember, db: Db,
                        keys: Keys) -> NextDayOut:
    """Your own next-day note."""
    return await sessions.read_next_day(db=db, keyring=keys, account_id=member.account_id,
                                        session_id=session_id)
