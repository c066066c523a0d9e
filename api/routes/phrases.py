"""Consent phrases."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import Config, Db, Hub, Keys, PairMember, PausingMember
from api.services import phrases
from schemas.phrases import (
    PhraseIn,
    PhraseList,
    PhraseOut,
    SaidOut,
    SayIn,
    StarterDeck,
    StarterTake,
)

router = APIRouter(prefix="/phrases", tags=["phrases"])


@router.get("")
async def list_phrases(member: PairMember, db: Db, keys: Keys) -> PhraseList:
    """Your deck of phrases."""
    return await phrases.list_phrases(db=db, keyring=keys, member=member)


@router.post("", status_code=status.HTTP_201_CREATED)
async def propose(body: PhraseIn, member: PairMember, db: Db, hub: Hub,
                  keys: Keys) -> PhraseOut:
    """Propose a phrase; it becomes active when your partner agrees."""
    return await phrases.propose(db=db, hub=hub, keyring=keys, member=member, body=body)


@router.get("/starter")
async def starter(member: PairMember, db: Db) -> StarterDeck:
    """The starter deck, offered, never forced."""
    return await phrases.starter(db=db, member=member)


@router.post("/starter", status_code=status.HTTP_201_CREATED)
async def take_starter(body: StarterTake, member: PairMember, db: Db, hub: Hub,
                       keys: Keys) -> PhraseList:
    """Propose some or all of the starter deck."""
    return await phrases.take_starter(db=db, hub=hub, keyring=keys, member=member, body=body)


@router.post("/{phrase_id}/agree")
async def agree(phrase_id: uuid.UUID, member: PairMember, db: Db, hub: Hub,
                keys: Keys) -> PhraseOut:
    """Agree to a phrase your partner proposed; it becomes active."""
    return await phrases.agree(db=db, hub=hub, keyring=keys, member=member,
                               phrase_id=phrase_id)


@router.post("/{phrase_id}/withdraw", status_code=status.HTTP_204_NO_CONTENT)
async def withdraw(phrase_id: uuid.UUID, member: PairMember, db: Db, hub: Hub, keys: Keys,
                   settings: Config) -> Response:
    """Take a phrase out of use, at once."""
    await phrases.withdraw(db=db, hub=hub, keyring=keys, settings=settings, member=member,
                           phrase_id=phrase_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{phrase_id}/say", status_code=status.HTTP_201_CREATED)
async def say(phrase_id: uuid.UUID, body: SayIn, member: PausingMember, db: Db, hub: Hub,
              keys: Keys) -> SaidOut:
    """Say an active phrase to your partner now; a red answer pauses."""
    return await phrases.say(db=db, hub=hub, keyring=keys, member=member,
                             phrase_id=phrase_id, body=body)
