"""My safety plan, and my partner's "when I'm triggered" card."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, Db, Hub, Keys, PairMember
from api.services import safety
from schemas.safety import SafetyCardOut, SafetyPlanIn, SafetyPlanOut, SharingIn

router = APIRouter(tags=["safety plan"])


@router.get("/me/safety-plan")
async def read_mine(principal: CurrentUser, db: Db, keys: Keys) -> SafetyPlanOut:
    """Your own plan, every part, and which parts your partner can see."""
    return await safety.read(db=db, keyring=keys, account_id=principal.account_id)


@router.put("/me/safety-plan")
async def save_mine(body: SafetyPlanIn, principal: CurrentUser, db: Db, hub: Hub,
                    keys: Keys) -> SafetyPlanOut:
    """Write your plan. Nothing of it is shared until you share a part of it."""
    return await safety.save(db=db, hub=hub, keyring=keys, account_id=principal.account_id,
                             body=body)


@router.put("/me/safety-plan/sharing")
async def share_part(body: SharingIn, principal: CurrentUser, db: Db, hub: Hub,
                     keys: Keys) -> SafetyPlanOut:
    """Share one part with your partner, or stop sharing it (at once, always)."""
    return await safety.share(db=db, hub=hub, keyring=keys, account_id=principal.account_id,
                              body=body)


@router.get("/pair/safety-card")
async def read_partner(member: PairMember, db: Db, keys: Keys) -> SafetyCardOut:
    """Your partner's card: only the parts of their plan they chose to share with you."""
    return await safety.read_partner(db=db, keyring=keys, member=member)
