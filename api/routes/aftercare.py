"""Aftercare wishes: your own, and your partner's."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, Db, Hub, Keys, PairMember
from api.services import aftercare
from schemas.aftercare import AftercareIn, AftercareOut

router = APIRouter(tags=["aftercare"])


@router.get("/me/aftercare")
async def read_mine(principal: CurrentUser, db: Db, keys: Keys) -> AftercareOut:
    """What helps you afterwards, and if you freeze."""
    return await aftercare.read(db=db, keyring=keys, account_id=principal.account_id)


@router.put("/me/aftercare")
async def save_mine(body: AftercareIn, principal: CurrentUser, db: Db, hub: Hub,
                    keys: Keys) -> AftercareOut:
    """Write your wishes; your partner sees them in a session and after a pause."""
    return await aftercare.save(db=db, hub=hub, keyring=keys, account_id=principal.account_id,
                                body=body)


@router.get("/pair/aftercare")
async def read_partner(member: PairMember, db: Db, keys: Keys) -> AftercareOut:
    """Your partner's wishes, while you are paired."""
    return await aftercare.read_partner(db=db, keyring=keys, member=member)
