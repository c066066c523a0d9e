"""Paced sessions together."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from api.deps import Member, PairMember, PausingMember, Svc
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


def _common(member: Member, services: Any) -> dict[str, Any]:
    return {"db": services.db, "hub": services.hub, "keyring": services.keyring,
            "pair_id": member.pair_id, "account_id": member.account_id}


@router.post("", status_code=status.HTTP_201_CREATED)
async def propose(body: SessionIn, member: PairMember, services: Svc) -> SessionOut:
    """Propose a session; it starts when your partner accepts."""
    return await sessions.propose(**_common(member, services), settings=services.settings,
                                  body=body)


@router.get("")
async def list_sessions(member: PairMember, services: Svc) -> SessionList:
    """Your sessions, newest first."""
    return await sessions.list_sessions(db=services.db, keyring=services.keyring,
                                        pair_id=member.pair_id, account_id=member.account_id)


@router.get("/current")
async def current(member: PairMember, services: Svc) -> CurrentSession:
    """The session proposed or under way, if any: time, scope, both aftercare wishes."""
    return await sessions.current(db=services.db, keyring=services.keyring,
                                  pair_id=member.pair_id, account_id=member.account_id)


@router.get("/{session_id}")
async def view(session_id: uuid.UUID, member: PairMember, services: Svc) -> SessionOut:
    """One session."""
    return await sessions.view(db=services.db, keyring=services.keyring,
                               pair_id=member.pair_id, account_id=member.account_id,
                               session_id=session_id)


@router.post("/{session_id}/accept")
async def accept(session_id: uuid.UUID, member: PairMember, services: Svc) -> SessionOut:
    """Start the session your partner proposed."""
    return await sessions.accept(**_common(member, services), settings=services.settings,
                                 session_id=session_id)


@router.post("/{session_id}/decline")
async def decline(session_id: uuid.UUID, member: PairMember, services: Svc) -> SessionOut:
    """Say no to a proposed session; no reason needed."""
    return await sessions.decline(**_common(member, services), settings=services.settings,
                                  session_id=session_id)


@router.post("/{session_id}/cancel")
async def cancel(session_id: uuid.UUID, member: PairMember, services: Svc) -> SessionOut:
    """Take back a session you proposed."""
    return await sessions.cancel(**_common(member, services), settings=services.settings,
                                 session_id=session_id)


@router.post("/{session_id}/end")
async def end(session_id: uuid.UUID, member: PairMember, services: Svc) -> SessionOut:
    """End the session now; either of you can."""
    return await sessions.end(**_common(member, services), settings=services.settings,
                              session_id=session_id)


@router.post("/{session_id}/extend")
async def extend(session_id: uuid.UUID, body: ExtendIn, member: PairMember,
                 services: Svc) -> SessionOut:
    """Ask for more time; it counts only if your partner agrees."""
    return await sessions.extend(**_common(member, services), session_id=session_id,
                                 seconds=body.seconds)


@router.post("/{session_id}/extend/accept")
async def accept_extension(session_id: uuid.UUID, member: PairMember,
                           services: Svc) -> SessionOut:
    """Agree to the extra time your partner asked for."""
    return await sessions.answer_extension(**_common(member, services), session_id=session_id,
                                           agree=True)


@router.post("/{session_id}/extend/decline")
async def decline_extension(session_id: uuid.UUID, member: PairMember,
                            services: Svc) -> SessionOut:
    """Keep the planned end (either of you can)."""
    return await sessions.answer_extension(**_common(member, services), session_id=session_id,
                                           agree=False)


@router.post("/{session_id}/checkins/{checkin_id}")
async def answer_checkin(session_id: uuid.UUID, checkin_id: uuid.UUID, body: CheckinAnswerIn,
                         member: PausingMember, services: Svc) -> SessionOut:
    """Green, yellow (slow down) or red (pause)."""
    return await sessions.answer_checkin(**_common(member, services), session_id=session_id,
                                         checkin_id=checkin_id, answer=body.answer)


@router.get("/{session_id}/timeline")
async def timeline(session_id: uuid.UUID, member: PairMember, services: Svc) -> Timeline:
    """What happened, in order, for the debrief."""
    return await sessions.timeline(db=services.db, keyring=services.keyring,
                                   pair_id=member.pair_id, session_id=session_id)


@router.put("/{session_id}/next-day")
async def save_next_day(session_id: uuid.UUID, body: NextDayIn, member: PairMember,
                        services: Svc) -> NextDayOut:
    """How you feel about it the next day; only you see this."""
    return await sessions.save_next_day(db=services.db, keyring=services.keyring,
                                        pair_id=member.pair_id, account_id=member.account_id,
                                        session_id=session_id, body=body)


@router.get("/{session_id}/next-day")
async def read_next_day(session_id: uuid.UUID, member: PairMember,
                        services: Svc) -> NextDayOut:
    """Your own next-day note."""
    return await sessions.read_next_day(db=services.db, keyring=services.keyring,
                                        account_id=member.account_id, session_id=session_id)
