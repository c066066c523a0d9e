"""Pairing: invite codes, joining, the current pair, leaving."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import ClientAddress, CurrentUser, PairMember, Svc
from api.services import discreet, pairing
from schemas.pairing import DiscreetIn, DiscreetOut, InviteOut, JoinIn, JoinOut, PairOut

router = APIRouter(prefix="/pair", tags=["pairing"])


@router.post("/invites", status_code=status.HTTP_201_CREATED)
async def create_invite(principal: CurrentUser, services: Svc) -> InviteOut:
    """A fresh code to read aloud; replaces your previous one."""
    return await pairing.create_invite(db=services.db, settings=services.settings,
                                       account_id=principal.account_id)


@router.post("/join", status_code=status.HTTP_201_CREATED)
async def join(body: JoinIn, principal: CurrentUser, services: Svc,
               address: ClientAddress) -> JoinOut:
    """Join your partner with their code."""
    services.limits.join.check(address)
    return await pairing.join(db=services.db, keyring=services.keyring,
                              guesses=services.limits.guesses,
                              account_id=principal.account_id, code=body.code)


@router.get("")
async def get_pair(principal: CurrentUser, services: Svc) -> PairOut:
    """Your pair and partner."""
    return await pairing.get_pair(db=services.db, keyring=services.keyring,
                                  account_id=principal.account_id)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def leave_pair(principal: CurrentUser, services: Svc) -> Response:
    """Leave the pair, at once; your partner loses access to everything shared."""
    await pairing.leave_pair(db=services.db, hub=services.hub, keyring=services.keyring,
                             account_id=principal.account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/discreet")
async def discreet_name(member: PairMember, services: Svc) -> DiscreetOut:
    """The pause's neutral name in discreet mode."""
    return await discreet.read(db=services.db, keyring=services.keyring,
                               pair_id=member.pair_id, account_id=member.account_id)


@router.put("/discreet")
async def propose_discreet_name(body: DiscreetIn, member: PairMember,
                                services: Svc) -> DiscreetOut:
    """Suggest a neutral name for the pause; it is used once your partner agrees."""
    return await discreet.propose(db=services.db, hub=services.hub, keyring=services.keyring,
                                  pair_id=member.pair_id, account_id=member.account_id,
                                  label=body.label)


@router.post("/discreet/agree")
async def agree_discreet_name(member: PairMember, services: Svc) -> DiscreetOut:
    """Agree to the name your partner suggested."""
    return await discreet.agree(db=services.db, hub=services.hub, keyring=services.keyring,
                                pair_id=member.pair_id, account_id=member.account_id)


@router.delete("/discreet")
async def clear_discreet_name(member: PairMember, services: Svc) -> DiscreetOut:
    """Go back to the default name; either of you can, at once."""
    return await discreet.clear(db=services.db, hub=services.hub, keyring=services.keyring,
                                pair_id=member.pair_id, account_id=member.account_id)
