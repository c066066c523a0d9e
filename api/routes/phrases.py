"""Consent phrases."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import PairMember, PausingMember, Svc
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
async def list_phrases(member: PairMember, services: Svc) -> PhraseList:
    """Your deck of phrases."""
    return await phrases.list_phrases(db=services.db, keyring=services.keyring,
                                      pair_id=member.pair_id, account_id=member.account_id)


@router.post("", status_code=status.HTTP_201_CREATED)
async def propose(body: PhraseIn, member: PairMember, services: Svc) -> PhraseOut:
    """Propose a phrase; it becomes active when your partner agrees."""
    return await phrases.propose(db=services.db, hub=services.hub, keyring=services.keyring,
                                 pair_id=member.pair_id, account_id=member.account_id,
                                 body=body)


@router.get("/starter")
async def starter(member: PairMember, services: Svc) -> StarterDeck:
    """The starter deck, offered, never forced."""
    return await phrases.starter(db=services.db, pair_id=member.pair_id)


@router.post("/starter", status_code=status.HTTP_201_CREATED)
async def take_starter(body: StarterTake, member: PairMember, services: Svc) -> PhraseList:
    """Propose some or all of the starter deck."""
    return await phrases.take_starter(db=services.db, hub=services.hub,
                                      keyring=services.keyring, pair_id=member.pair_id,
                                      account_id=member.account_id, body=body)


@router.post("/{phrase_id}/agree")
async def agree(phrase_id: uuid.UUID, member: PairMember, services: Svc) -> PhraseOut:
    """Agree to a phrase your partner proposed; it becomes active."""
    return await phrases.agree(db=services.db, hub=services.hub, keyring=services.keyring,
                               pair_id=member.pair_id, account_id=member.account_id,
                               phrase_id=phrase_id)


@router.post("/{phrase_id}/withdraw", status_code=status.HTTP_204_NO_CONTENT)
async def withdraw(phrase_id: uuid.UUID, member: PairMember, services: Svc) -> Response:
    """Take a phrase out of use, at once."""
    await phrases.withdraw(db=services.db, hub=services.hub, keyring=services.keyring,
                           settings=services.settings,
                           pair_id=member.pair_id, account_id=member.account_id,
                           phrase_id=phrase_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{phrase_id}/say", status_code=status.HTTP_201_CREATED)
async def say(phrase_id: uuid.UUID, body: SayIn, member: PausingMember,
              services: Svc) -> SaidOut:
    """Say an active phrase to your partner now; a red answer pauses."""
    return await phrases.say(db=services.db, hub=services.hub, keyring=services.keyring,
                             pair_id=member.pair_id, account_id=member.account_id,
                             phrase_id=phrase_id, body=body)
