"""Aftercare wishes: your own, and your partner's."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, PairMember, Svc
from api.services import aftercare
from schemas.aftercare import AftercareIn, AftercareOut

router = APIRouter(tags=["aftercare"])


@router.get("/me/aftercare")
async def read_mine(principal: CurrentUser, services: Svc) -> AftercareOut:
    """What helps you afterwards, and if you freeze."""
    return await aftercare.read(db=services.db, keyring=services.keyring,
                                account_id=principal.account_id)


@router.put("/me/aftercare")
async def save_mine(body: AftercareIn, principal: CurrentUser, services: Svc) -> AftercareOut:
    """Write your wishes; your partner sees them in a session and after a pause."""
    return await aftercare.save(db=services.db, hub=services.hub, keyring=services.keyring,
                                account_id=principal.account_id, body=body)


@router.get("/pair/aftercare")
async def read_partner(member: PairMember, services: Svc) -> AftercareOut:
    """Your partner's wishes, while you are paired."""
    return await aftercare.read_partner(db=services.db, keyring=services.keyring,
                                        pair_id=member.pair_id, account_id=member.account_id)
