"""Paced sessions (PracticeSession): proposal, acceptance, check-ins, end, next day.

Everything timed is a ScheduledJob in the database, claimed and done in the same
transaction as its effect (see api/services/scheduler.py), so a check-in fires once
whatever the number of instances, and survives the restart of the one that set it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, func, select

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models import (
    Boundary,
    Checkin,
    CheckinAnswer,
    Event,
    Membership,
    NextDayNote,
    PracticeSession,
    ScheduledJob,
    SignalState,
    utcnow,
)
from api.realtime.hub import Hub
from api.services import aftercare, cooling, events, pacing, signals
from api.services.boundaries import NOT_FOUND as NO_SUCH_ACTIVITY
from api.services.boundaries import OPEN, label_of, open_session
from api.services.work import Member, PairWork, member_work
from schemas.sessions import (
    CheckinOut,
    CurrentSession,
    NextDayIn,
    NextDayOut,
    SessionIn,
    SessionList,
    SessionOut,
    Timeline,
)
from schemas.signals import SignalCause

NOT_FOUND = "There is no such session."


async def _get(session: AsyncSession, pair_id: uuid.UUID,
               session_id: uuid.UUID) -> PracticeSession:
    found = await session.get(PracticeSession, session_id)
    if found is None or found.pair_id != pair_id:
        raise NotFound(NOT_FOUND)
    return found


async def _members(session: AsyncSession, pair_id: uuid.UUID) -> list[uuid.UUID]:
    return list(await session.scalars(
        select(Membership.account_id).where(Membership.pair_id == pair_id)))


def _summary(practice: PracticeSession) -> dict[str, Any]:
    """What session events carry: enough for a screen to update without a reload."""
    return {
        "session_id": str(practice.id), "status": practice.status,
        "started_at": practice.started_at.isoformat() if practice.started_at else None,
        "ends_at": practice.ends_at.isoformat() if practice.ends_at else None,
        "end_reason": practice.end_reason,
        "extension": ({"by": str(practice.extension_by), "seconds": practice.extension_seconds}
                      if practice.extension_by else None),
    }


async def _view(session: AsyncSession, practice: PracticeSession, keyring: Keyring,
                account_id: uuid.UUID) -> SessionOut:
    scope = []
    for raw_id in practice.scope:
        boundary = await session.get(Boundary, uuid.UUID(raw_id))
        if boundary is None:
            scope.append({"id": raw_id, "label": "(removed)", "state": "removed"})
        else:
            scope.append({"id": raw_id, "label": label_of(boundary, keyring),
                          "state": boundary.state})
    now = utcnow()
    elapsed = remaining = None
    if practice.started_at is not None:
        elapsed = ((practice.ended_at or now) - practice.started_at).total_seconds()
    if practice.status == "active" and practice.ends_at is not None:
        remaining = max(0.0, (practice.ends_at - now).total_seconds())
    checkin = await session.scalar(
        select(Checkin).where(Checkin.session_id == practice.id)
        .order_by(col(Checkin.round).desc()).limit(1))
    checkin_out = None
    if checkin is not None:
        mine = await session.get(CheckinAnswer, (checkin.id, account_id))
        checkin_out = CheckinOut(id=checkin.id, round=checkin.round,
                                 prompted_at=checkin.prompted_at, grace_until=checkin.grace_until,
                                 my_answer=mine.answer if mine else None)
    wishes = []
    if practice.status in OPEN:
        wishes = await aftercare.both(session, keyring, practice.pair_id, account_id)
    return SessionOut.model_validate({
        "id": practice.id, "status": practice.status, "proposed_by": practice.proposed_by,
        "length_seconds": practice.length_seconds,
        "checkin_every_seconds": practice.checkin_every_seconds,
        "grace_seconds": practice.grace_seconds, "scope": scope,
        "created_at": practice.created_at, "started_at": practice.started_at,
        "ends_at": practice.ends_at, "ended_at": practice.ended_at,
        "end_reason": practice.end_reason, "elapsed_seconds": elapsed,
        "remaining_seconds": remaining,
        "extension": _summary(practice)["extension"], "checkin": checkin_out,
        "aftercare": wishes,
    })


async def view(*, db: Database, keyring: Keyring, member: Member,
               session_id: uuid.UUID) -> SessionOut:
    """One session of the pair."""
    async with db.read() as session:
        practice = await _get(session, member.pair_id, session_id)
        return await _view(session, practice, keyring, member.account_id)


async def current(*, db: Database, keyring: Keyring, member: Member) -> CurrentSession:
    """The pair's proposed or running session, if any."""
    async with db.read() as session:
        practice = await open_session(session, member.pair_id)
        if practice is None:
            return CurrentSession(session=None)
        return CurrentSession(session=await _view(session, practice, keyring,
                                                  member.account_id))


async def list_sessions(*, db: Database, keyring: Keyring, member: Member) -> SessionList:
    """Every session of the pair, newest first."""
    async with db.read() as session:
        rows = await session.scalars(
            select(PracticeSession).where(PracticeSession.pair_id == member.pair_id)
            .order_by(col(PracticeSession.created_at).desc()).limit(100))
        return SessionList(items=[await _view(session, p, keyring, member.account_id)
                                  for p in rows])


def _check_lengths(settings: Settings, body: SessionIn) -> None:
    if body.length_seconds < settings.min_session_seconds:
        raise Invalid("length_seconds", f"must be at least {settings.min_session_seconds}")
    if (body.checkin_every_seconds is not None
            and body.checkin_every_seconds < settings.min_checkin_seconds):
        raise Invalid("checkin_every_seconds",
                      f"must be at least {settings.min_checkin_seconds}")
    if body.grace_seconds is not None and body.grace_seconds < settings.min_grace_seconds:
        raise Invalid("grace_seconds", f"must be at least {settings.min_grace_seconds}")


async def _scope_still_agreed(session: AsyncSession, pair_id: uuid.UUID,
                              scope: list[str]) -> bool:
    if not scope:
        return True
    agreed = await session.scalar(
        select(func.count()).select_from(Boundary).where(
            Boundary.pair_id == pair_id, Boundary.state == "agreed",
            col(Boundary.id).in_([uuid.UUID(s) for s in scope])))
    return agreed == len(scope)


async def propose(*, db: Database, hub: Hub, keyring: Keyring, settings: Settings,
                  member: Member, body: SessionIn) -> SessionOut:
    """Proposes a session; nothing starts until the partner accepts."""
    _check_lengths(settings, body)
    scope = [str(b) for b in dict.fromkeys(body.scope)]
    async with member_work(db, hub, keyring, member) as work:
        session = work.session
        if await open_session(session, member.pair_id) is not None:
            raise Conflict("There is already a session proposed or under way.")
        await _not_while_partner_stopped(session, member, "time together")
        await cooling.check(session, pair_id=member.pair_id, asker=member.account_id,
                            topic=cooling.SESSION, what="time together today")
        if not await _scope_still_agreed(session, member.pair_id, scope):
            raise Conflict("Only activities you have both agreed to can be in scope, and one "
                           "of these is not (or is no longer).")
        practice = PracticeSession(
            pair_id=member.pair_id, proposed_by=member.account_id,
            length_seconds=body.length_seconds,
            checkin_every_seconds=body.checkin_every_seconds, grace_seconds=body.grace_seconds,
            scope=scope, timezone=body.timezone)
        session.add(practice)
        await session.flush()
        await work.record("session.proposed", {
            **_summary(practice), "length_seconds": practice.length_seconds,
            "checkin_every_seconds": practice.checkin_every_seconds,
            "grace_seconds": practice.grace_seconds, "scope": scope})
        return await _view(session, practice, keyring, member.account_id)


async def _not_while_partner_stopped(session: AsyncSession, member: Member, what: str) -> None:
    """Nothing is asked of a partner whose own pause stands."""
    theirs = await session.scalar(select(SignalState).where(
        SignalState.pair_id == member.pair_id, col(SignalState.account_id) != member.account_id,
        SignalState.state == "paused"))
    if theirs is not None:
        raise Conflict(f"Your partner has paused. Asking for {what} waits until they lift "
                       "their pause themselves.")


def _cooling_until(settings: Settings, practice: PracticeSession) -> datetime:
    return cooling.rest_of_day(utcnow(), practice.timezone,
                               at_least=timedelta(hours=settings.cooling_session_min_hours))


async def _proposed(work: PairWork, session_id: uuid.UUID) -> PracticeSession:
    practice = await _get(work.session, work.pair_id, session_id)
    if practice.status != "proposed":
        raise Conflict("This session is no longer waiting for an answer.")
    return practice


async def accept(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                 session_id: uuid.UUID) -> SessionOut:
    """The partner who did not propose it starts the session."""
    async with member_work(db, hub, keyring, member) as work:
        practice = await _proposed(work, session_id)
        if practice.proposed_by == member.account_id:
            raise Forbidden("Your partner answers the sessions you propose.")
        if not await _scope_still_agreed(work.session, member.pair_id, practice.scope):
            raise Conflict("Something in scope is no longer agreed; propose again.")
        now = utcnow()
        practice.status, practice.started_at = "active", now
        practice.ends_at = now + timedelta(seconds=practice.length_seconds)
        started = await work.record("session.started", _summary(practice))
        practice.start_seq = started["seq"]
        pacing.schedule(work.session, practice, "end", practice.ends_at)
        if not await pacing.pair_paused(work.session, member.pair_id):
            pacing.start_checkins(work.session, practice, now)
        return await _view(work.session, practice, keyring, member.account_id)


async def decline(*, db: Database, hub: Hub, keyring: Keyring, settings: Settings,
                  member: Member, session_id: uuid.UUID) -> SessionOut:
    """The partner says no to a proposed session, without giving a reason; the proposer
    cannot propose again until tomorrow."""
    async with member_work(db, hub, keyring, member) as work:
        practice = await _proposed(work, session_id)
        if practice.proposed_by == member.account_id:
            raise Forbidden("Your partner answers the sessions you propose.")
        practice.status, practice.ended_at = "declined", utcnow()
        await cooling.hold(work.session, pair_id=member.pair_id, topic=cooling.SESSION,
                           held_by=member.account_id, until=_cooling_until(settings, practice))
        await work.record("session.declined", _summary(practice))
        return await _view(work.session, practice, keyring, member.account_id)


async def cancel(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                 session_id: uuid.UUID) -> SessionOut:
    """The proposer takes a proposal back."""
    async with member_work(db, hub, keyring, member) as work:
        practice = await _proposed(work, session_id)
        if practice.proposed_by != member.account_id:
            raise Forbidden("Only the one who proposed it can take it back.")
        practice.status, practice.ended_at = "cancelled", utcnow()
        await work.record("session.cancelled", _summary(practice))
        return await _view(work.session, practice, keyring, member.account_id)


async def take_off_menu(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                        session_id: uuid.UUID, boundary_id: uuid.UUID) -> SessionOut:
    """Either partner takes an activity off the menu of a proposed or running session:
    alone and at once, like every "no" (what is not on the menu means stop). Nothing
    comes back onto it but through a new proposal that both agree to. Taking off what
    is already off changes nothing and is not an error (a second tap)."""
    async with member_work(db, hub, keyring, member) as work:
        practice = await _get(work.session, member.pair_id, session_id)
        if practice.status not in OPEN:
            raise Conflict("This session has finished, so its menu can't change.")
        if str(boundary_id) not in practice.scope:
            known = await work.session.scalar(select(Boundary.id).where(
                Boundary.id == boundary_id, Boundary.pair_id == member.pair_id))
            if known is None:
                raise NotFound(NO_SUCH_ACTIVITY)
            return await _view(work.session, practice, keyring, member.account_id)
        # A new list, not an edit in place: the column is JSON, and only a new value is
        # seen as a change.
        practice.scope = [s for s in practice.scope if s != str(boundary_id)]
        await work.record("session.menu_changed", {
            "session_id": str(practice.id), "boundary_id": str(boundary_id),
            "scope": practice.scope})
        return await _view(work.session, practice, keyring, member.account_id)


async def end(*, db: Database, hub: Hub, keyring: Keyring, settings: Settings,
              member: Member, session_id: uuid.UUID) -> SessionOut:
    """Either partner ends a running session, at once."""
    async with member_work(db, hub, keyring, member) as work:
        practice = await _get(work.session, member.pair_id, session_id)
        if practice.status != "active":
            raise Conflict("This session is not under way.")
        await _finish(work, practice, reason="ended", by=member.account_id, settings=settings)
        return await _view(work.session, practice, keyring, member.account_id)


async def _finish(work: PairWork, practice: PracticeSession, *, reason: str,
                  by: uuid.UUID | None, settings: Settings) -> None:
    session = work.session
    practice.status, practice.ended_at = "ended", utcnow()
    practice.end_reason, practice.ended_by = reason, by
    practice.extension_by = practice.extension_seconds = None
    # A green answer was needed only while it could be followed by silence; kept, it
    # would say that someone said yes at a moment (rule 7).
    rounds = select(Checkin.id).where(Checkin.session_id == practice.id)
    await session.execute(sa.delete(CheckinAnswer).where(
        col(CheckinAnswer.checkin_id).in_(rounds), col(CheckinAnswer.answer) == "green"))
    ended = await work.record("session.ended", _summary(practice), actor_id=by)
    practice.end_seq = ended["seq"]
    # Whoever paused during it: the other cannot propose time together again today.
    paused = await session.scalars(select(Event.actor_id).distinct().where(
        Event.pair_id == practice.pair_id, Event.type == "pause",
        col(Event.seq) >= (practice.start_seq or 0), col(Event.actor_id).is_not(None)))
    for member in paused:
        assert member is not None
        await cooling.hold(session, pair_id=practice.pair_id, topic=cooling.SESSION,
                           held_by=member, until=_cooling_until(settings, practice))
    # Pending check-ins of this session will find it ended and do nothing. Touching
    # their rows here (under the pair lock) could deadlock with the scheduler, which
    # holds a job row and then takes the pair lock.
    pacing.schedule(session, practice, "next_day",
                    practice.ended_at + timedelta(hours=settings.next_day_hours))


async def _active(work: PairWork, session_id: uuid.UUID) -> PracticeSession:
    practice = await _get(work.session, work.pair_id, session_id)
    if practice.status != "active":
        raise Conflict("This session is not under way.")
    return practice


async def extend(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                 session_id: uuid.UUID, seconds: int) -> SessionOut:
    """Asks for more time; it only counts when the partner agrees. Not while the
    partner's pause stands, and not again in a session where they said no to it."""
    async with member_work(db, hub, keyring, member) as work:
        practice = await _active(work, session_id)
        await _not_while_partner_stopped(work.session, member, "more time")
        await cooling.check(work.session, pair_id=member.pair_id, asker=member.account_id,
                            topic=cooling.extension(practice.id), what="more time this time")
        practice.extension_by, practice.extension_seconds = member.account_id, seconds
        await work.record("session.extension_asked", _summary(practice))
        return await _view(work.session, practice, keyring, member.account_id)


async def answer_extension(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                           session_id: uuid.UUID, agree: bool) -> SessionOut:
    """The other partner agrees to more time, or not; either way nobody is pushed."""
    async with member_work(db, hub, keyring, member) as work:
        practice = await _active(work, session_id)
        if practice.extension_by is None:
            raise Conflict("No extension is waiting for an answer.")
        if agree and practice.extension_by == member.account_id:
            raise Forbidden("Your partner agrees to the extension you asked for.")
        if not agree and practice.extension_by != member.account_id and practice.ends_at:
            await cooling.hold(work.session, pair_id=member.pair_id,
                               topic=cooling.extension(practice.id),
                               held_by=member.account_id, until=practice.ends_at)
        if agree and practice.ends_at is not None and practice.extension_seconds:
            practice.ends_at += timedelta(seconds=practice.extension_seconds)
            pacing.schedule(work.session, practice, "end", practice.ends_at)
            await _keep_checkins_going(work.session, practice)
        practice.extension_by = practice.extension_seconds = None
        await work.record("session.extended" if agree else "session.extension_declined",
                          _summary(practice))
        return await _view(work.session, practice, keyring, member.account_id)


async def _keep_checkins_going(session: AsyncSession, practice: PracticeSession) -> None:
    """After an extension, check-ins go on until the new end (unless a pause holds them)."""
    if not practice.checkin_every_seconds or await pacing.pair_paused(session, practice.pair_id):
        return
    pending = await session.scalar(select(ScheduledJob.id).where(
        ScheduledJob.session_id == practice.id, ScheduledJob.kind == "checkin",
        ScheduledJob.ref == practice.checkin_token, col(ScheduledJob.done_at).is_(None)))
    if pending is None:
        pacing.start_checkins(session, practice, utcnow())


_SIGNAL_OF: dict[str, signals.SignalCommand] = {"red": "pause", "yellow": "slow",
                                                 "unsure": "slow"}


async def answer_checkin(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                         session_id: uuid.UUID, checkin_id: uuid.UUID,
                         answer: str) -> SessionOut:
    """Red (a pause), yellow or not sure (a slow-down), or green, by the one who answers.

    Each person answers a check-in once, and only the live one: an answer to an older
    round, or a second answer, is refused and changes nothing, so a card left on screen
    can never change a newer answer.
    """
    async with member_work(db, hub, keyring, member) as work:
        session = work.session
        practice = await _get(session, member.pair_id, session_id)
        checkin = await session.get(Checkin, checkin_id)
        if checkin is None or checkin.session_id != practice.id:
            raise NotFound("There is no such check-in.")
        if practice.status != "active":
            raise Conflict("This session is not under way.")
        latest = await session.scalar(select(func.max(Checkin.round)).where(
            Checkin.session_id == practice.id))
        if checkin.round != latest:
            raise Conflict(f"{_STOP_ANYWAY} That check-in has passed; a newer one is open.")
        earlier = await session.get(CheckinAnswer, (checkin_id, member.account_id))
        if earlier is not None:
            raise Conflict(f"{_STOP_ANYWAY} You've already answered this check-in."
                           if earlier.answer != "silent" else
                           f"{_STOP_ANYWAY} This check-in's time ran out.")
        session.add(CheckinAnswer(checkin_id=checkin_id, account_id=member.account_id,
                                  answer=answer))
        if answer in _SIGNAL_OF:
            _, frame = await signals.store_signal(
                session, keyring=keyring, pair_id=member.pair_id, actor_id=member.account_id,
                command_id=uuid.uuid5(checkin_id, f"{member.account_id}:{answer}"),
                command=_SIGNAL_OF[answer],
                cause=SignalCause(kind="checkin", checkin_id=checkin_id, answer=answer))
            if frame is not None:
                work.announce(frame)
        # To the answerer's own devices only (their other screens retire the card): the
        # partner is never told that they answered, and no answer is kept in the log.
        work.tell({"type": "checkin.answered", "session_id": str(practice.id),
                   "checkin_id": str(checkin_id), "answer": answer}, only=member.account_id)
        return await _view(session, practice, keyring, member.account_id)


_STOP_ANYWAY = "Pause and Slow down always work, whatever the check-in."


async def timeline(*, db: Database, keyring: Keyring, member: Member,
                   session_id: uuid.UUID) -> Timeline:
    """The session's events in order: start, check-ins, signals, phrases, end."""
    async with db.read() as session:
        practice = await _get(session, member.pair_id, session_id)
        if practice.start_seq is None:
            return Timeline(items=[])
        query = select(Event).where(Event.pair_id == member.pair_id,
                                    col(Event.seq) >= practice.start_seq)
        if practice.end_seq is not None:
            query = query.where(col(Event.seq) <= practice.end_seq)
        rows = await session.scalars(query.order_by(col(Event.seq)).limit(5000))
        return Timeline(items=[events.envelope(e, keyring) for e in rows])


def _note_aad(account_id: uuid.UUID, session_id: uuid.UUID) -> str:
    return f"next-day:{account_id}:{session_id}"


async def save_next_day(*, db: Database, keyring: Keyring, member: Member,
                        session_id: uuid.UUID, body: NextDayIn) -> NextDayOut:
    """Keeps the caller's private next-day note about an ended session."""
    account_id = member.account_id
    sealed = keyring.encrypt(body.model_dump_json(), aad=_note_aad(account_id, session_id))
    async with db.write() as session:
        practice = await _get(session, member.pair_id, session_id)
        if practice.status != "ended":
            raise Conflict("A next-day note is for a session that has ended.")
        row = await session.get(NextDayNote, (account_id, session_id))
        if row is None:
            row = NextDayNote(account_id=account_id, session_id=session_id, body=sealed)
            session.add(row)
        else:
            row.body, row.at = sealed, utcnow()
    return NextDayOut(session_id=session_id, feeling=body.feeling, words=body.words, at=row.at)


async def read_next_day(*, db: Database, keyring: Keyring, account_id: uuid.UUID,
                        session_id: uuid.UUID) -> NextDayOut:
    """The caller's own next-day note; nobody else's."""
    async with db.read() as session:
        row = await session.get(NextDayNote, (account_id, session_id))
    if row is None:
        raise NotFound("You have not written a note for that day.")
    data = json.loads(keyring.decrypt(row.body, aad=_note_aad(account_id, session_id)))
    return NextDayOut(session_id=session_id, at=row.at, **data)


async def export_own(*, db: Database, keyring: Keyring,
                     account_id: uuid.UUID) -> dict[str, Any]:
    """The person's own next-day notes and check-in answers, for their export."""
    async with db.read() as session:
        notes = await session.scalars(select(NextDayNote).where(
            NextDayNote.account_id == account_id).order_by(col(NextDayNote.at)))
        next_day = [{"session_id": str(n.session_id), "at": n.at.isoformat(),
                     **json.loads(keyring.decrypt(n.body, aad=_note_aad(account_id,
                                                                      n.session_id)))}
                    for n in notes]
        answers = await session.execute(
            select(Checkin.session_id, Checkin.round, CheckinAnswer.answer)
            .join(CheckinAnswer, col(CheckinAnswer.checkin_id) == col(Checkin.id))
            .where(CheckinAnswer.account_id == account_id)
            .order_by(col(Checkin.prompted_at)))
        checkins = [{"session_id": str(sid), "round": round_, "answer": answer}
                    for sid, round_, answer in answers]
    return {"next_day_notes": next_day, "checkin_answers": checkins}


# -- timed work, run by the scheduler ------------------------------------------------------


async def run_job(work: PairWork, job: ScheduledJob, *, settings: Settings) -> None:
    """Does one due job inside the scheduler's unit of work (the pair locked)."""
    session = work.session
    practice = await session.get(PracticeSession, job.session_id)
    if practice is None:
        return
    now = utcnow()
    if job.kind == "next_day":
        await work.record("session.next_day", {"session_id": str(practice.id)})
        return
    if practice.status != "active" or practice.ends_at is None:
        return
    if job.kind == "end":
        if practice.ends_at <= now + timedelta(milliseconds=50):
            await _finish(work, practice, reason="time", by=None, settings=settings)
    elif job.kind == "checkin":
        if job.ref == practice.checkin_token and not await pacing.pair_paused(
                session, practice.pair_id):
            await _prompt_checkin(work, practice, job)
        # Otherwise: superseded by a lifted pause, or held while a pause stands; the
        # lift starts the check-ins again from its own moment.
    elif job.kind == "grace" and job.ref is not None:
        await _grace_over(work, practice, job.ref)


async def _prompt_checkin(work: PairWork, practice: PracticeSession,
                          job: ScheduledJob) -> None:
    session = work.session
    assert practice.ends_at is not None and practice.checkin_every_seconds
    rounds = await session.scalar(select(func.count()).select_from(Checkin).where(
        Checkin.session_id == practice.id)) or 0
    now = utcnow()
    grace_until = now + timedelta(seconds=practice.grace_seconds) \
        if practice.grace_seconds else None
    checkin = Checkin(session_id=practice.id, round=rounds + 1, prompted_at=now,
                      grace_until=grace_until)
    session.add(checkin)
    await session.flush()
    await work.record("checkin.prompt", {
        "session_id": str(practice.id), "checkin_id": str(checkin.id), "round": checkin.round,
        "grace_until": grace_until.isoformat() if grace_until else None})
    if grace_until is not None:
        pacing.schedule(session, practice, "grace", grace_until, ref=checkin.id)
    # After downtime, skip the rounds that were missed rather than prompt in a burst.
    every = timedelta(seconds=practice.checkin_every_seconds)
    following = job.due_at + every
    while following <= now:
        following += every
    if following < practice.ends_at:
        pacing.schedule(session, practice, "checkin", following, ref=practice.checkin_token)


async def _grace_over(work: PairWork, practice: PracticeSession,
                      checkin_id: uuid.UUID) -> None:
    """Silence is never consent: an unanswered check-in becomes the silent one's pause."""
    session = work.session
    answered = set(await session.scalars(
        select(CheckinAnswer.account_id).where(CheckinAnswer.checkin_id == checkin_id)))
    for member in await _members(session, practice.pair_id):
        if member in answered:
            continue
        session.add(CheckinAnswer(checkin_id=checkin_id, account_id=member, answer="silent"))
        _, frame = await signals.store_signal(
            session, keyring=work.keyring, pair_id=practice.pair_id, actor_id=member,
            command_id=uuid.uuid5(checkin_id, f"{member}:silent"), command="pause",
            cause=SignalCause(kind="silence", checkin_id=checkin_id))
        if frame is not None:
            work.announce(frame)
        await work.record("checkin.missed", {
            "session_id": str(practice.id), "checkin_id": str(checkin_id),
            "user_id": str(member)}, actor_id=member)
