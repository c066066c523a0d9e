"""Consent phrases: proposed by one, active once the other agrees, withdrawn by either."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, CoolingOff, Forbidden, NotFound
from api.models import Phrase, utcnow
from api.realtime.hub import Hub
from api.services import cooling, events, signals
from api.services.boundaries import fold
from api.services.work import Member, member_work
from schemas.phrases import (
    PhraseIn,
    PhraseList,
    PhraseOut,
    SaidOut,
    SayIn,
    StarterDeck,
    StarterTake,
)
from schemas.signals import SignalCause

NOT_FOUND = "There is no such phrase in your deck."


def _aad(phrase_id: uuid.UUID) -> str:
    return f"phrase:{phrase_id}:text"


def _public(phrase: Phrase, keyring: Keyring) -> dict[str, Any]:
    return {
        "id": str(phrase.id), "text": keyring.decrypt(phrase.text, aad=_aad(phrase.id)),
        "moment": phrase.moment, "kind": phrase.kind, "tone": phrase.tone,
        "status": phrase.status,
        "proposed_by": str(phrase.proposed_by) if phrase.proposed_by else None,
        "catalogue_key": phrase.catalogue_key, "created_at": phrase.created_at.isoformat(),
        "version": phrase.version,
    }


def _out(phrase: Phrase, keyring: Keyring, account_id: uuid.UUID) -> PhraseOut:
    awaiting = phrase.status == "proposed" and phrase.proposed_by != account_id
    return PhraseOut.model_validate({**_public(phrase, keyring), "awaiting_me": awaiting})


async def _get(session: AsyncSession, pair_id: uuid.UUID, phrase_id: uuid.UUID) -> Phrase:
    phrase = await session.get(Phrase, phrase_id)
    if phrase is None or phrase.pair_id != pair_id:
        raise NotFound(NOT_FOUND)
    return phrase


@lru_cache(maxsize=1)
def _starter() -> list[dict[str, Any]]:
    data = json.loads(files("api").joinpath("data/phrases.json").read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = data["items"]
    return items


async def list_phrases(*, db: Database, keyring: Keyring, member: Member) -> PhraseList:
    """The pair's deck, withdrawn phrases left out."""
    async with db.read() as session:
        rows = await session.scalars(
            select(Phrase).where(Phrase.pair_id == member.pair_id,
                                 col(Phrase.status) != "withdrawn")
            .order_by(col(Phrase.created_at), col(Phrase.id)))
        return PhraseList(items=[_out(p, keyring, member.account_id) for p in rows])


async def _taken(session: AsyncSession, keyring: Keyring, pair_id: uuid.UUID,
                 text: str) -> bool:
    found = await session.scalar(select(Phrase.id).where(
        Phrase.pair_id == pair_id, Phrase.text_digest == keyring.digest(fold(text)),
        col(Phrase.status) != "withdrawn"))
    return found is not None


def _new(keyring: Keyring, member: Member, *, text: str, moment: str, kind: str,
         tone: str | None, key: str | None = None) -> Phrase:
    phrase_id = uuid.uuid4()
    return Phrase(id=phrase_id, pair_id=member.pair_id,
                  text=keyring.encrypt(text, aad=_aad(phrase_id)),
                  text_digest=keyring.digest(fold(text)), moment=moment, kind=kind, tone=tone,
                  proposed_by=member.account_id, catalogue_key=key)


async def propose(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                  body: PhraseIn) -> PhraseOut:
    """Proposes a phrase; it is not active until the partner agrees. One the partner has
    just withdrawn waits for its cooling-off time."""
    async with member_work(db, hub, keyring, member) as work:
        if await _taken(work.session, keyring, member.pair_id, body.text):
            raise Conflict("That phrase is already in your deck.")
        await cooling.check(work.session, pair_id=member.pair_id, asker=member.account_id,
                            topic=cooling.phrase(keyring.digest(fold(body.text))),
                            what="this phrase")
        phrase = _new(keyring, member, text=body.text, moment=body.moment, kind=body.kind,
                      tone=body.tone)
        work.session.add(phrase)
        await work.session.flush()
        await work.record("phrase.proposed", {"phrase": _public(phrase, keyring)})
    return _out(phrase, keyring, member.account_id)


async def starter(*, db: Database, member: Member) -> StarterDeck:
    """The starter deck, marking what the pair already has."""
    async with db.read() as session:
        taken = set(await session.scalars(select(Phrase.catalogue_key).where(
            Phrase.pair_id == member.pair_id, col(Phrase.status) != "withdrawn")))
    return StarterDeck.model_validate(
        {"items": [{**item, "added": item["key"] in taken} for item in _starter()]})


async def take_starter(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                       body: StarterTake) -> PhraseList:
    """Proposes the chosen starter phrases; the partner agrees to each."""
    deck = {item["key"]: item for item in _starter()}
    if any(key not in deck for key in body.keys):
        raise NotFound("One of these is not a starter phrase; nothing was proposed.")
    wanted = list(deck) if body.all else list(dict.fromkeys(body.keys))
    added: list[Phrase] = []
    async with member_work(db, hub, keyring, member) as work:
        session = work.session
        for key in wanted:
            item = deck[key]
            if await _taken(session, keyring, member.pair_id, item["text"]):
                continue
            try:
                await cooling.check(session, pair_id=member.pair_id, asker=member.account_id,
                                    topic=cooling.phrase(keyring.digest(fold(item["text"]))),
                                    what="one of these phrases")
            except CoolingOff:
                if not body.all:
                    raise
                continue
            phrase = _new(keyring, member, text=item["text"], moment=item["moment"],
                          kind=item["kind"], tone=item["tone"], key=key)
            session.add(phrase)
            added.append(phrase)
        await session.flush()
        for phrase in added:
            await work.record("phrase.proposed", {"phrase": _public(phrase, keyring)})
    return PhraseList(items=[_out(p, keyring, member.account_id) for p in added])


async def agree(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                phrase_id: uuid.UUID) -> PhraseOut:
    """The partner who did not propose it makes a phrase active."""
    async with member_work(db, hub, keyring, member) as work:
        phrase = await _get(work.session, member.pair_id, phrase_id)
        if phrase.status != "proposed":
            raise Conflict("Only a proposed phrase can be agreed to.")
        if phrase.proposed_by == member.account_id:
            raise Forbidden("Your partner agrees to the phrases you propose.")
        phrase.status, phrase.version = "active", phrase.version + 1
        await work.record("phrase.activated", {"phrase": _public(phrase, keyring)})
    return _out(phrase, keyring, member.account_id)


async def withdraw(*, db: Database, hub: Hub, keyring: Keyring, settings: Settings,
                   member: Member, phrase_id: uuid.UUID) -> None:
    """Either partner takes a phrase out of use, at once; the other cannot propose it
    again for a while."""
    async with member_work(db, hub, keyring, member) as work:
        phrase = await _get(work.session, member.pair_id, phrase_id)
        if phrase.status == "withdrawn":
            return
        phrase.status, phrase.version = "withdrawn", phrase.version + 1
        await cooling.hold(work.session, pair_id=member.pair_id,
                           topic=cooling.phrase(phrase.text_digest), held_by=member.account_id,
                           until=utcnow() + timedelta(hours=settings.cooling_phrase_hours))
        await work.record("phrase.withdrawn", {"id": str(phrase.id)})


async def say(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
              phrase_id: uuid.UUID, body: SayIn) -> SaidOut:
    """Says an active phrase to the partner; a red answer is also a pause by the sayer."""
    said_id = uuid.uuid5(body.id, "said")
    async with member_work(db, hub, keyring, member) as work:
        session = work.session
        earlier = await events.find_by_id(session, pair_id=member.pair_id, event_id=said_id)
        if earlier is not None and earlier.actor_id != member.account_id:
            raise Conflict("That id was already used; say it with a new id.")
        if earlier is not None:
            pause = await events.find_by_id(session, pair_id=member.pair_id, event_id=body.id)
            return SaidOut(seq=earlier.seq, pause_seq=pause.seq if pause else None)
        phrase = await _get(session, member.pair_id, phrase_id)
        if phrase.status != "active":
            raise Conflict("Only an active phrase can be said; your partner agrees to it first.")
        pause_seq = None
        if phrase.kind == "answer" and phrase.tone == "red":
            # The pause first: it is the part that must never wait.
            accepted, frame = await signals.store_signal(
                session, keyring=keyring, pair_id=member.pair_id, actor_id=member.account_id,
                command_id=body.id, command="pause",
                cause=SignalCause(kind="phrase", phrase_id=phrase.id))
            pause_seq = accepted.seq
            if frame is not None:
                work.announce(frame)
        said = await events.append(
            session, keyring=keyring, pair_id=member.pair_id, type="phrase.said",
            actor_id=member.account_id, event_id=said_id,
            data={"phrase": _public(phrase, keyring), "reply_to": body.reply_to,
                  "pause_seq": pause_seq})
        work.announce(said.frame)
    return SaidOut(seq=said.event.seq, pause_seq=pause_seq)
