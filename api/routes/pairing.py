"""Pairing: invite codes, joining, the current pair, leaving."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import ClientAddress, CurrentUser, Svc
from api.services import pairing
from schemas.pairing import InviteOut, JoinIn, JoinOut, PairOut

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
