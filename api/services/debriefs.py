"""The joint debrief: private drafts, one sealed reveal to both; and the journal."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, NotFound
from api.models import (
    Boundary,
    BoundaryAnswer,
    DebriefEntry,
    DebriefRound,
    Event,
    JournalEntry,
    Membership,
    PracticeSession,
    Reflection,
    utcnow,
)
from api.realtime.hub import Hub
from api.services import boundaries
from api.services.work import Member, PairWork, member_work
from schemas.debriefs import (
    DebriefContent,
    DebriefDraft,
    DebriefList,
    DebriefOut,
    DebriefStart,
    FeelingPoint,
    FeelingSeries,
    JournalIn,
    JournalList,
    JournalOut,
    ReflectionList,
    ReflectionOut,
)

log = structlog.get_logger(__name__)

NOT_FOUND = "There is no such debrief."
_RANK = {"no": 0, "maybe": 1, "yes": 2}
_PARTNER_STATUS = {"draft": "not_finished", "submitted": "finished", "skipped": "skipped"}


def _aad(round_id: uuid.UUID, account_id: uuid.UUID) -> str:
    return f"debrief:{round_id}:{account_id}"


def _content(entry: DebriefEntry | None, keyring: Keyring) -> DebriefContent | None:
    if entry is None or entry.body is None:
        return None
    data = json.loads(keyring.decrypt(entry.body, aad=_aad(entry.round_id, entry.account_id)))
    return DebriefContent.model_validate(data)


async def _round(session: AsyncSession, pair_id: uuid.UUID, round_id: uuid.UUID) -> DebriefRound:
    found = await session.get(DebriefRound, round_id)
    if found is None or found.pair_id != pair_id:
        raise NotFound(NOT_FOUND)
    return found


async def _entries(session: AsyncSession, round_id: uuid.UUID) -> dict[uuid.UUID, DebriefEntry]:
    rows = await session.scalars(select(DebriefEntry).where(DebriefEntry.round_id == round_id))
    return {row.account_id: row for row in rows}


async def _view(session: AsyncSession, debrief: DebriefRound, keyring: Keyring,
                account_id: uuid.UUID) -> DebriefOut:
    entries = await _entries(session, debrief.id)
    mine = entries.get(account_id)
    partner = next((e for uid, e in entries.items() if uid != account_id), None)
    revealed = debrief.revealed_at is not None
    return DebriefOut(
        id=debrief.id, session_id=debrief.session_id, pause_seq=debrief.pause_seq,
        created_at=debrief.created_at, revealed_at=debrief.revealed_at,
        closed_at=debrief.closed_at,
        my_status=mine.status if mine else "draft",
        mine=_content(mine, keyring),
        partner_status=_PARTNER_STATUS[partner.status if partner else "draft"],
        # The partner's words exist for the caller only once both have decided.
        partner=_content(partner, keyring) if revealed and partner and partner.status ==
        "submitted" else None,
    )


async def start(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                body: DebriefStart) -> DebriefOut:
    """Opens (or finds) the debrief of an ended session or of a pause."""
    async with member_work(db, hub, keyring, member) as work:
        session, pair_id = work.session, member.pair_id
        if body.session_id is not None:
            practice = await session.get(PracticeSession, body.session_id)
            if practice is None or practice.pair_id != pair_id:
                raise NotFound("There is no such session.")
            if practice.status != "ended":
                raise Conflict("A session is debriefed once it has ended.")
            query = select(DebriefRound).where(DebriefRound.session_id == body.session_id)
        else:
            pause = await session.get(Event, (pair_id, body.pause_seq))
            if pause is None or pause.type != "pause":
                raise NotFound("There is no such pause.")
            query = select(DebriefRound).where(DebriefRound.pair_id == pair_id,
                                               DebriefRound.pause_seq == body.pause_seq)
        debrief = await session.scalar(query)
        if debrief is None:
            debrief = DebriefRound(pair_id=pair_id, session_id=body.session_id,
                                   pause_seq=body.pause_seq)
            session.add(debrief)
            await session.flush()
            await work.record("debrief.opened", {"debrief_id": str(debrief.id),
                                                 "session_id": _str(body.session_id),
                                                 "pause_seq": body.pause_seq})
        return await _view(session, debrief, keyring, member.account_id)


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


async def view(*, db: Database, keyring: Keyring, member: Member,
               debrief_id: uuid.UUID) -> DebriefOut:
    """A debrief as the caller may see it."""
    async with db.read() as session:
        return await _view(session, await _round(session, member.pair_id, debrief_id), keyring,
                           member.account_id)


async def list_debriefs(*, db: Database, keyring: Keyring, member: Member) -> DebriefList:
    """Every debrief of the pair, newest first."""
    async with db.read() as session:
        rows = await session.scalars(select(DebriefRound)
                                     .where(DebriefRound.pair_id == member.pair_id)
                                     .order_by(col(DebriefRound.created_at).desc()))
        return DebriefList(items=[await _view(session, r, keyring, member.account_id)
                                  for r in rows])


async def _my_entry(session: AsyncSession, debrief: DebriefRound,
                    account_id: uuid.UUID) -> DebriefEntry:
    entry = await session.get(DebriefEntry, (debrief.id, account_id))
    if entry is None:
        entry = DebriefEntry(round_id=debrief.id, account_id=account_id)
        session.add(entry)
    return entry


async def _open_round(work: PairWork, debrief_id: uuid.UUID) -> DebriefRound:
    debrief = await _round(work.session, work.pair_id, debrief_id)
    if debrief.revealed_at is not None or debrief.closed_at is not None:
        raise Conflict("This debrief is finished for both of you.")
    return debrief


async def save_draft(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                     debrief_id: uuid.UUID, body: DebriefDraft) -> DebriefOut:
    """Writes the caller's draft; nobody else can read it."""
    async with member_work(db, hub, keyring, member) as work:
        debrief = await _open_round(work, debrief_id)
        entry = await _my_entry(work.session, debrief, member.account_id)
        if entry.status != "draft":
            raise Conflict("Withdraw it first to change it.")
        await _check_proposals(work.session, member.pair_id, body)
        entry.body = keyring.encrypt(body.model_dump_json(),
                                     aad=_aad(debrief.id, member.account_id))
        entry.updated_at = utcnow()
        await work.session.flush()
        return await _view(work.session, debrief, keyring, member.account_id)


async def _check_proposals(session: AsyncSession, pair_id: uuid.UUID,
                           body: DebriefDraft) -> None:
    for proposal in body.proposals:
        boundary = await session.get(Boundary, proposal.boundary_id)
        if boundary is None or boundary.pair_id != pair_id:
            raise NotFound("A proposal names an activity that is not on your list.")


async def _decide(work: PairWork, debrief_id: uuid.UUID, status: str, *,
                  settings: Settings) -> DebriefRound:
    """Submits or skips; the second decision reveals both (when both submitted) or
    closes the round (when one skipped), in the same transaction."""
    session, account_id = work.session, work.actor_id
    assert account_id is not None
    debrief = await _open_round(work, debrief_id)
    entry = await _my_entry(session, debrief, account_id)
    if entry.status != "draft":
        raise Conflict("You have already finished this one; withdraw it to change it.")
    if status == "submitted":
        content = _content(entry, work.keyring)
        if content is None:
            raise Conflict("Write something first, or skip it.")
        # A change toward no applies now, in this same unit of work.
        for boundary, answer in await _restrictive(session, work.pair_id, account_id, content):
            await boundaries.set_answer(work, boundary, account_id, answer, settings=settings)
    entry.status, entry.updated_at = status, utcnow()
    await session.flush()
    entries = await _entries(session, debrief.id)
    members = list(await session.scalars(
        select(Membership.account_id).where(Membership.pair_id == work.pair_id)))
    decisions = [entries[m].status if m in entries else "draft" for m in members]
    await work.record("debrief.status", {
        "debrief_id": str(debrief.id), "user_id": str(account_id),
        "status": _PARTNER_STATUS[status]})
    if decisions == ["submitted", "submitted"]:
        debrief.revealed_at = utcnow()
        await work.record("debrief.revealed", {"debrief_id": str(debrief.id)})
    elif "draft" not in decisions:
        # One of them skipped: the round closes and nobody's words cross.
        debrief.closed_at = utcnow()
        await work.record("debrief.closed", {"debrief_id": str(debrief.id)})
    return debrief


async def _restrictive(session: AsyncSession, pair_id: uuid.UUID, account_id: uuid.UUID,
                       content: DebriefContent) -> list[tuple[Boundary, str]]:
    """The proposals that move the writer's own answer down (no < maybe < yes); for an
    unanswered activity, any no or maybe restricts, since it can only hold it back."""
    moves = []
    for proposal in content.proposals:
        boundary = await session.get(Boundary, uuid.UUID(proposal["boundary_id"]))
        if boundary is None or boundary.pair_id != pair_id:
            continue  # removed since the draft: nothing left to restrict
        current = await session.get(BoundaryAnswer, (boundary.id, account_id))
        if _RANK[proposal["answer"]] < _RANK[current.answer if current else "yes"]:
            moves.append((boundary, proposal["answer"]))
    return moves


async def submit(*, db: Database, hub: Hub, keyring: Keyring, settings: Settings,
                 member: Member, debrief_id: uuid.UUID) -> DebriefOut:
    """Finishes the caller's debrief; when both have, both are revealed at once."""
    async with member_work(db, hub, keyring, member) as work:
        debrief = await _decide(work, debrief_id, "submitted", settings=settings)
        return await _view(work.session, debrief, keyring, member.account_id)


async def skip(*, db: Database, hub: Hub, keyring: Keyring, settings: Settings,
               member: Member, debrief_id: uuid.UUID) -> DebriefOut:
    """Chooses not to write one; the round closes and nothing is shared."""
    async with member_work(db, hub, keyring, member) as work:
        debrief = await _decide(work, debrief_id, "skipped", settings=settings)
        return await _view(work.session, debrief, keyring, member.account_id)


async def withdraw(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                   debrief_id: uuid.UUID) -> DebriefOut:
    """Takes the caller's decision back to a draft, only before the reveal."""
    async with member_work(db, hub, keyring, member) as work:
        debrief = await _round(work.session, member.pair_id, debrief_id)
        if debrief.revealed_at is not None:
            raise Conflict("It has been shared already and cannot be taken back.")
        if debrief.closed_at is not None:
            raise Conflict("This debrief is finished for both of you; nothing was shared.")
        entry = await work.session.get(DebriefEntry, (debrief.id, member.account_id))
        if entry is None or entry.status == "draft":
            raise Conflict("There is nothing finished to take back.")
        entry.status, entry.updated_at = "draft", utcnow()
        await work.record("debrief.status", {
            "debrief_id": str(debrief.id), "user_id": str(member.account_id),
            "status": "not_finished"})
        return await _view(work.session, debrief, keyring, member.account_id)


async def feelings(*, db: Database, keyring: Keyring, member: Member) -> FeelingSeries:
    """Felt safety over time: mine from every debrief, my partner's from revealed ones."""
    points = []
    async with db.read() as session:
        rows = await session.scalars(select(DebriefRound)
                                     .where(DebriefRound.pair_id == member.pair_id)
                                     .order_by(col(DebriefRound.created_at)))
        for debrief in rows:
            view_ = await _view(session, debrief, keyring, member.account_id)
            mine = view_.mine.feeling if view_.mine else None
            partner = view_.partner.feeling if view_.partner else None
            if mine is not None or partner is not None:
                points.append(FeelingPoint(debrief_id=debrief.id, at=debrief.created_at,
                                           mine=mine, partner=partner))
    return FeelingSeries(points=points)


# -- what each person keeps when the pair ends ------------------------------------------


def _reflection_aad(reflection_id: uuid.UUID) -> str:
    return f"reflection:{reflection_id}"


async def keep_own_words(session: AsyncSession, keyring: Keyring, pair_id: uuid.UUID) -> int:
    """Inside the unit of work that ends a pair: each member keeps a copy of every
    reflection they wrote (drafts too), and nothing of the partner's. Proposals about
    the pair's list go with the list."""
    rows = await session.execute(
        select(DebriefEntry, DebriefRound)
        .join(DebriefRound, col(DebriefRound.id) == col(DebriefEntry.round_id))
        .where(DebriefRound.pair_id == pair_id, col(DebriefEntry.body).is_not(None)))
    kept = 0
    for entry, debrief in rows:
        content = _content(entry, keyring)
        if content is None:
            continue
        reflection = Reflection(account_id=entry.account_id, status=entry.status,
                                about="session" if debrief.session_id else "pause",
                                written_at=entry.updated_at, body="")
        reflection.body = keyring.encrypt(content.model_copy(update={"proposals": []})
                                          .model_dump_json(), aad=_reflection_aad(reflection.id))
        session.add(reflection)
        kept += 1
    return kept


async def own_words(*, db: Database, keyring: Keyring, account_id: uuid.UUID
                    ) -> list[ReflectionOut]:
    """Everything a person wrote looking back, oldest first: in their current pair's
    debriefs (drafts too) and kept from pairs that ended; never a word of the partner's,
    and no proposals (they name the pair's list)."""
    async with db.read() as session:
        rows = (await session.execute(
            select(DebriefEntry, DebriefRound)
            .join(DebriefRound, col(DebriefRound.id) == col(DebriefEntry.round_id))
            .where(DebriefEntry.account_id == account_id,
                   col(DebriefEntry.body).is_not(None)))).all()
    words = []
    for entry, debrief in rows:
        content = _content(entry, keyring)
        if content is not None:
            words.append(ReflectionOut.model_validate({
                "id": debrief.id, "about": "session" if debrief.session_id else "pause",
                "status": entry.status, "written_at": entry.updated_at,
                "content": content.model_copy(update={"proposals": []})}))
    kept = await reflections(db=db, keyring=keyring, account_id=account_id)
    return sorted([*words, *kept.items], key=lambda r: r.written_at)


async def reflections(*, db: Database, keyring: Keyring, account_id: uuid.UUID
                      ) -> ReflectionList:
    """The caller's own kept reflections, newest first."""
    async with db.read() as session:
        rows = await session.scalars(select(Reflection).where(
            Reflection.account_id == account_id).order_by(col(Reflection.written_at).desc()))
        return ReflectionList(items=[ReflectionOut(
            id=r.id, about=r.about, status=r.status, written_at=r.written_at,
            content=DebriefContent.model_validate_json(
                keyring.decrypt(r.body, aad=_reflection_aad(r.id)))) for r in rows])


# -- the private journal -------------------------------------------------------------------


def _journal_aad(entry_id: uuid.UUID) -> str:
    return f"journal:{entry_id}"


def _journal_out(entry: JournalEntry, keyring: Keyring) -> JournalOut:
    return JournalOut(id=entry.id, created_at=entry.created_at, updated_at=entry.updated_at,
                      text=keyring.decrypt(entry.body, aad=_journal_aad(entry.id)))


async def _journal_entry(session: AsyncSession, account_id: uuid.UUID,
                         entry_id: uuid.UUID) -> JournalEntry:
    entry = await session.get(JournalEntry, entry_id)
    if entry is None or entry.account_id != account_id:
        raise NotFound("There is no such note.")
    return entry


async def journal(*, db: Database, keyring: Keyring, account_id: uuid.UUID) -> JournalList:
    """The caller's own notes, newest first."""
    async with db.read() as session:
        rows = await session.scalars(select(JournalEntry)
                                     .where(JournalEntry.account_id == account_id)
                                     .order_by(col(JournalEntry.created_at).desc()))
        return JournalList(items=[_journal_out(e, keyring) for e in rows])


async def write_note(*, db: Database, keyring: Keyring, account_id: uuid.UUID,
                     body: JournalIn, entry_id: uuid.UUID | None = None) -> JournalOut:
    """Adds a note, or rewrites one of the caller's own."""
    async with db.write() as session:
        if entry_id is None:
            entry = new_note(keyring, account_id, body.text)
            session.add(entry)
        else:
            entry = await _journal_entry(session, account_id, entry_id)
            entry.updated_at = utcnow()
            entry.body = keyring.encrypt(body.text, aad=_journal_aad(entry.id))
    return _journal_out(entry, keyring)


def new_note(keyring: Keyring, account_id: uuid.UUID, text: str) -> JournalEntry:
    """A new journal entry of the person's, sealed; the caller adds it to its unit of work."""
    entry = JournalEntry(account_id=account_id, body="")
    entry.body = keyring.encrypt(text, aad=_journal_aad(entry.id))
    return entry


async def delete_note(*, db: Database, account_id: uuid.UUID, entry_id: uuid.UUID) -> None:
    """Deletes one of the caller's notes for good."""
    async with db.write() as session:
        entry = await _journal_entry(session, account_id, entry_id)
        await session.execute(sa.delete(JournalEntry).where(col(JournalEntry.id) == entry.id))


async def export_own(*, db: Database, keyring: Keyring,
                     account_id: uuid.UUID) -> dict[str, Any]:
    """The person's own journal and own debrief entries, for their export."""
    async with db.read() as session:
        notes = [_journal_out(e, keyring).model_dump(mode="json") for e in await session.scalars(
            select(JournalEntry).where(JournalEntry.account_id == account_id))]
        entries = []
        for entry in await session.scalars(
                select(DebriefEntry).where(DebriefEntry.account_id == account_id)):
            content = _content(entry, keyring)
            entries.append({"debrief_id": str(entry.round_id), "status": entry.status,
                            "content": content.model_dump(mode="json") if content else None})
    kept = await reflections(db=db, keyring=keyring, account_id=account_id)
    return {"journal": notes, "debriefs": entries,
            "reflections": [r.model_dump(mode="json") for r in kept.items]}
