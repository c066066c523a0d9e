"""A summary to share with someone who supports you, like a therapist.

A summary keeps only which parts its maker chose; what it shows is read each time it is
opened, so it is never older than what it shows, and nothing of it is stored or sent
anywhere (its maker prints it or saves it as a PDF). The maker's own parts are theirs to
include. The pair's parts need the partner's yes to this one summary: asking is the
maker's half, the yes the partner's, and either can take it back at once (the maker by
deleting it, the partner by saying no), after which it shows the maker's own parts only.
A no holds the maker from asking again for a while (rule 7). Nothing records when anyone
said yes, and the partner sees which pair parts are asked for, never the maker's own.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, NotFound
from api.models import Account, Boundary, Summary, utcnow
from api.realtime.hub import Hub
from api.services import boundaries, cooling, debriefs, names, pairing, safety, setbacks
from api.services.work import Member, member_work
from schemas.boundaries import PATH_STEPS
from schemas.safety import PlanParts
from schemas.summaries import (
    PAIR_PARTS,
    SUMMARY_PARTS,
    SummaryAsk,
    SummaryAskList,
    SummaryIn,
    SummaryList,
    SummaryOut,
    SummaryView,
)

log = structlog.get_logger(__name__)

NOT_FOUND = "There is no such summary."
NOBODY = ("You're not paired with anyone, so there is no shared list to put in it. Your own "
          "parts can go in.")
# After a partner's no, how long before the maker may ask about the pair's parts again.
ASK_AGAIN_AFTER = timedelta(hours=24)
# Enough for every reason to make one; a bound so the table cannot be filled.
MOST = 20
TOPIC = cooling.SUMMARY


def _parts(row: Summary) -> list[str]:
    names_ = set(row.parts.split())
    return [part for part in SUMMARY_PARTS if part in names_]


def _asks(row: Summary) -> bool:
    return any(part in PAIR_PARTS for part in _parts(row))


def _partner(row: Summary) -> str:
    """Where the partner stands on the pair's parts of this summary."""
    if not _asks(row):
        return "not_asked"
    if row.pair_id is None:
        return "pair_ended"
    return row.partner_answer or "asked"


def _out(row: Summary) -> SummaryOut:
    return SummaryOut.model_validate({"id": row.id, "parts": _parts(row),
                                      "partner": _partner(row), "created_at": row.created_at})


def _changed(summary_id: uuid.UUID) -> dict[str, Any]:
    return {"type": "summary.changed", "id": str(summary_id)}


async def _mine(session: AsyncSession, account_id: uuid.UUID, summary_id: uuid.UUID
                ) -> Summary:
    row = await session.get(Summary, summary_id)
    if row is None or row.account_id != account_id:
        raise NotFound(NOT_FOUND)
    return row


async def _count(session: AsyncSession, account_id: uuid.UUID) -> int:
    return int(await session.scalar(select(sa.func.count()).select_from(Summary).where(
        Summary.account_id == account_id)) or 0)


def _too_many() -> Conflict:
    return Conflict(f"You have {MOST} summaries already. Delete one you no longer need first.")


async def make(*, db: Database, hub: Hub, keyring: Keyring, account_id: uuid.UUID,
               body: SummaryIn) -> SummaryOut:
    """Makes a summary of the chosen parts. Choosing a pair part asks the partner, on
    their screen; one question at a time, and not again for a while after a no."""
    row = Summary(account_id=account_id, parts=" ".join(body.parts))
    if not _asks(row):
        async with db.write() as session:
            if await _count(session, account_id) >= MOST:
                raise _too_many()
            session.add(row)
        hub.send_to_user(account_id, _changed(row.id))
        return _out(row)
    member = Member(account_id=account_id,
                    pair_id=await pairing.require_pair(db=db, account_id=account_id))
    async with member_work(db, hub, keyring, member) as work:
        partner = await pairing.require_partner(work.session, member.pair_id, account_id)
        await cooling.check(work.session, pair_id=member.pair_id, topic=TOPIC,
                            asker=account_id, what="putting your shared list in a summary")
        waiting = await work.session.scalar(select(Summary.id).where(
            Summary.account_id == account_id, Summary.pair_id == member.pair_id,
            Summary.partner_answer == "asked"))
        if waiting is not None:
            raise Conflict("You've asked your partner about another summary already. They "
                           "can answer that one when they're ready; there's no hurry.")
        if await _count(work.session, account_id) >= MOST:
            raise _too_many()
        row.pair_id, row.partner_answer = member.pair_id, "asked"
        work.session.add(row)
        work.tell({"type": "summary.asked", "id": str(row.id),
                   "parts": [p for p in _parts(row) if p in PAIR_PARTS]}, only=partner.id)
        work.tell(_changed(row.id), only=account_id)
    log.info("summary_asked", pair_id=str(member.pair_id), summary_id=str(row.id))
    return _out(row)


async def list_mine(*, db: Database, account_id: uuid.UUID) -> SummaryList:
    """My summaries, newest first."""
    async with db.read() as session:
        rows = await session.scalars(select(Summary).where(Summary.account_id == account_id)
                                     .order_by(col(Summary.created_at).desc()))
        return SummaryList(items=[_out(row) for row in rows])


async def delete(*, db: Database, hub: Hub, keyring: Keyring, account_id: uuid.UUID,
                 summary_id: uuid.UUID) -> None:
    """Deletes one of my summaries at once; a partner who was asked about it is told."""
    async with db.read() as session:
        row = await _mine(session, account_id, summary_id)
    gone = sa.delete(Summary).where(col(Summary.id) == summary_id,
                                    col(Summary.account_id) == account_id)
    if row.pair_id is not None:
        try:
            async with member_work(db, hub, keyring, Member(account_id=account_id,
                                                            pair_id=row.pair_id)) as work:
                await work.session.execute(gone)
                work.tell(_changed(summary_id))
            return
        except NotFound:  # the pair ended meanwhile: the summary is its maker's alone now
            pass
    async with db.write() as session:
        await session.execute(gone)
    hub.send_to_user(account_id, _changed(summary_id))


async def asks(*, db: Database, member: Member) -> SummaryAskList:
    """What my partner asked to put in their summaries: only the pair's parts."""
    async with db.read() as session:
        rows = await session.scalars(select(Summary).where(
            Summary.pair_id == member.pair_id, col(Summary.account_id) != member.account_id,
            col(Summary.partner_answer).is_not(None)).order_by(col(Summary.created_at).desc()))
        return SummaryAskList(items=[_ask(row) for row in rows])


def _ask(row: Summary) -> SummaryAsk:
    return SummaryAsk.model_validate({"id": row.id, "answer": row.partner_answer,
                                      "parts": [p for p in _parts(row) if p in PAIR_PARTS]})


async def answer(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                 summary_id: uuid.UUID, agree: bool) -> SummaryAsk:
    """My answer about the pair's parts of my partner's summary. A no (or taking a yes
    back) counts at once; a yes counts because they asked for it."""
    async with member_work(db, hub, keyring, member) as work:
        row = await work.session.get(Summary, summary_id, with_for_update=True)
        if (row is None or row.pair_id != member.pair_id or row.account_id == member.account_id
                or row.partner_answer is None):
            raise NotFound(NOT_FOUND)
        if agree:
            await cooling.release(work.session, pair_id=member.pair_id, topic=TOPIC,
                                  held_by=member.account_id)
        else:
            await cooling.hold(work.session, pair_id=member.pair_id, topic=TOPIC,
                               held_by=member.account_id, until=utcnow() + ASK_AGAIN_AFTER)
        row.partner_answer = "agreed" if agree else "declined"
        work.tell(_changed(summary_id))
    return _ask(row)


# -- what a summary shows ---------------------------------------------------------------


async def view(*, db: Database, keyring: Keyring, account_id: uuid.UUID,
               summary_id: uuid.UUID) -> SummaryView:
    """The summary as it may be shown now: my own parts I chose, and the pair's parts only
    while my partner's yes to this summary stands (and we are still a pair)."""
    async with db.read() as session:
        row = await _mine(session, account_id, summary_id)
        account = await session.get(Account, account_id)
        assert account is not None
        pair_id = await pairing.pair_of(session, account_id)
    parts, partner = _parts(row), _partner(row)
    consented = partner == "agreed" and row.pair_id is not None and row.pair_id == pair_id
    shown = [p for p in parts if p not in PAIR_PARTS or consented]
    content: dict[str, Any] = dict.fromkeys(("plan", "feelings", "reflections", "agreed",
                                             "path"))
    if "plan" in shown:
        plan = await safety.read(db=db, keyring=keyring, account_id=account_id)
        content["plan"] = PlanParts.model_validate(
            plan.model_dump(include=set(PlanParts.model_fields)))
    if "feelings" in shown or "reflections" in shown:
        words = await debriefs.own_words(db=db, keyring=keyring, account_id=account_id)
        if "feelings" in shown:
            content["feelings"] = [{"at": w.written_at, "feeling": w.content.feeling}
                                   for w in words]
        if "reflections" in shown:
            content["reflections"] = [{"about": w.about, "written_at": w.written_at,
                                       "content": w.content} for w in words]
    if consented and pair_id is not None:
        member = Member(account_id=account_id, pair_id=pair_id)
        if "agreed" in shown:
            content["agreed"] = await _agreed(db, keyring, pair_id)
        if "path" in shown:
            path = await boundaries.path(db=db, member=member)
            content["path"] = {**path.model_dump(), "step_backs": await setbacks.step_backs(
                db=db, keyring=keyring, pair_id=pair_id)}
    return SummaryView.model_validate({
        "id": row.id, "parts": parts, "partner": partner, "shown": shown,
        "display_name": names.display_name_of(account, keyring), **content})


async def _agreed(db: Database, keyring: Keyring, pair_id: uuid.UUID) -> list[dict[str, str]]:
    """What both say yes to now, gentlest step first; no dates."""
    async with db.read() as session:
        rows = list(await session.scalars(select(Boundary).where(
            Boundary.pair_id == pair_id, Boundary.state == "agreed")))
    order = {key: i for i, key in enumerate(PATH_STEPS)}
    items = [{"label": boundaries.label_of(b, keyring), "category": b.category} for b in rows]
    return sorted(items, key=lambda i: (order.get(i["category"], len(order)),
                                        boundaries.fold(i["label"])))


async def export_own(*, db: Database, account_id: uuid.UUID) -> list[dict[str, Any]]:
    """My summaries as I made them (their parts, never their content), for my export."""
    return [item.model_dump(mode="json")
            for item in (await list_mine(db=db, account_id=account_id)).items]
