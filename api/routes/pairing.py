"""Pairing: invite codes, joining, the current pair, leaving; the pause's discreet name."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import ClientAddress, Config, CurrentUser, Db, Hub, Keys, PairMember, RateLimits
from api.services import discreet, pairing
from schemas.pairing import DiscreetIn, DiscreetOut, InviteOut, JoinIn, JoinOut, PairOut

router = APIRouter(prefix="/pair", tags=["pairing"])


@router.post("/invites", status_code=status.HTTP_201_CREATED)
async def create_invite(principal: CurrentUser, db: Db, settings: Config) -> InviteOut:
    """A fresh code to read aloud; replaces your previous one."""
    return await pairing.create_invite(db=db, settings=settings,
                                       account_id=principal.account_id)


@router.post("/join", status_code=status.HTTP_201_CREATED)
async def join(body: JoinIn, principal: CurrentUser, db: Db, keys: Keys, limits: RateLimits,
               address: ClientAddress) -> JoinOut:
    """Join your partner with their code."""
    await limits.join.check(address)
    return await pairing.join(db=db, keyring=keys, guesses=limits.guesses,
                              account_id=principal.account_id, code=body.code)


@router.get("")
async def get_pair(principal: CurrentUser, db: Db, keys: Keys) -> PairOut:
    """Your pair and partner."""
    return await pairing.get_pair(db=db, keyring=keys, account_id=principal.account_id)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def leave_pair(principal: CurrentUser, db: Db, hub: Hub, keys: Keys) -> Response:
    """Leave the pair, at once; your partner loses access to everything shared, and each
    of you keeps your own words."""
    await pairing.leave_pair(db=db, hub=hub, keyring=keys, account_id=principal.account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/discreet")
async def discreet_name(member: PairMember, db: Db, keys: Keys) -> DiscreetOut:
    """The pause's neutral name in discreet mode."""
    return await discreet.read(db=db, keyring=keys, member=member)


@router.put("/discreet")
async def propose_discreet_name(body: DiscreetIn, member: PairMember, db: Db, hub: Hub,
                                keys: Keys) -> DiscreetOut:
    """Suggest a neutral name for the pause; it is used once your partner agrees."""
    return await discreet.propose(db=db, hub=hub, keyring=keys, member=member,
                                  label=body.label)


@router.post("/discreet/agree")
async def agree_discreet_name(member: PairMember, db: Db, hub: Hub, keys: Keys) -> DiscreetOut:
    """Agree to the name your partner suggested."""
    return await discreet.agree(db=db, hub=hub, keyring=keys, member=member)


@router.delete("/discreet")
async def clear_discreet_name(member: PairMember, db: Db, hub: Hub, keys: Keys) -> DiscreetOut:
    """Go back to the default name; either of you can, at once."""
    return await discreet.clear(db=db, hub=hub, keyring=keys, member=member)
