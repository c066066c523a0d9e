"""The shared boundary list."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import PairMember, Svc
from api.services import boundaries
from schemas.boundaries import (
    AnswerIn,
    BoundaryEdit,
    BoundaryIn,
    BoundaryList,
    BoundaryOut,
    CatalogueOut,
    CatalogueTake,
    HistoryOut,
    ReviewChange,
    ReviewOut,
    ReviewPlanIn,
)

router = APIRouter(prefix="/boundaries", tags=["boundaries"])


@router.get("")
async def list_boundaries(member: PairMember, services: Svc) -> BoundaryList:
    """The list, with the combined state of each activity and your own answer."""
    return await boundaries.list_boundaries(db=services.db, keyring=services.keyring,
                                            pair_id=member.pair_id,
                                            account_id=member.account_id)


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_boundary(body: BoundaryIn, member: PairMember, services: Svc) -> BoundaryOut:
    """Add an activity; it starts open for both of you."""
    return await boundaries.add_boundary(db=services.db, hub=services.hub,
                                         keyring=services.keyring, pair_id=member.pair_id,
                                         account_id=member.account_id, body=body)


@router.get("/catalogue")
async def catalogue(member: PairMember, services: Svc) -> CatalogueOut:
    """The starter list, offered, never forced."""
    return await boundaries.catalogue(db=services.db, pair_id=member.pair_id)


@router.post("/catalogue", status_code=status.HTTP_201_CREATED)
async def take_catalogue(body: CatalogueTake, member: PairMember,
                         services: Svc) -> BoundaryList:
    """Take some or all of the starter list."""
    return await boundaries.take_catalogue(db=services.db, hub=services.hub,
                                           keyring=services.keyring, pair_id=member.pair_id,
                                           account_id=member.account_id, body=body)


@router.get("/review")
async def get_review(member: PairMember, services: Svc) -> ReviewOut:
    """Your review plan, and what changed since you last looked together."""
    return await boundaries.get_review(db=services.db, keyring=services.keyring,
                                       pair_id=member.pair_id)


@router.put("/review/plan")
async def set_review_plan(body: ReviewPlanIn, member: PairMember, services: Svc) -> ReviewOut:
    """How often to look at the list together, or never."""
    return await boundaries.set_review_plan(db=services.db, hub=services.hub,
                                            keyring=services.keyring, pair_id=member.pair_id,
                                            account_id=member.account_id,
                                            every_days=body.every_days)


@router.post("/review/start")
async def start_review(member: PairMember, services: Svc) -> ReviewOut:
    """Start looking at the list together; your partner can join."""
    return await boundaries.start_review(db=services.db, hub=services.hub,
                                         keyring=services.keyring, pair_id=member.pair_id,
                                         account_id=member.account_id)


@router.post("/review/join")
async def join_review(member: PairMember, services: Svc) -> ReviewOut:
    """Join the review your partner started."""
    return await boundaries.join_review(db=services.db, hub=services.hub,
                                        keyring=services.keyring, pair_id=member.pair_id,
                                        account_id=member.account_id)


@router.post("/review/finish")
async def finish_review(member: PairMember, services: Svc) -> list[ReviewChange]:
    """Close the review; both of you get what changed during it."""
    return await boundaries.finish_review(db=services.db, hub=services.hub,
                                          keyring=services.keyring, pair_id=member.pair_id,
                                          account_id=member.account_id)


@router.patch("/{boundary_id}")
async def edit_boundary(boundary_id: uuid.UUID, body: BoundaryEdit, member: PairMember,
                        services: Svc) -> BoundaryOut:
    """Rename or re-file an activity; a new name needs both answers again."""
    return await boundaries.edit_boundary(db=services.db, hub=services.hub,
                                          keyring=services.keyring, pair_id=member.pair_id,
                                          account_id=member.account_id,
                                          boundary_id=boundary_id, body=body)


@router.delete("/{boundary_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_boundary(boundary_id: uuid.UUID, member: PairMember,
                          services: Svc) -> Response:
    """Remove an activity, at once."""
    await boundaries.remove_boundary(db=services.db, hub=services.hub,
                                     keyring=services.keyring, pair_id=member.pair_id,
                                     account_id=member.account_id, boundary_id=boundary_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{boundary_id}/answer")
async def answer_boundary(boundary_id: uuid.UUID, body: AnswerIn, member: PairMember,
                          services: Svc) -> BoundaryOut:
    """Your answer: yes, maybe or no ("not now"). A no always lands at once."""
    return await boundaries.answer_boundary(db=services.db, hub=services.hub,
                                            keyring=services.keyring,
                                            settings=services.settings, pair_id=member.pair_id,
                                            account_id=member.account_id,
                                            boundary_id=boundary_id, body=body)


@router.get("/{boundary_id}/history")
async def history(boundary_id: uuid.UUID, member: PairMember, services: Svc) -> HistoryOut:
    """When it was added and each time its limits became stricter; never who, never
    when anyone agreed."""
    return await boundaries.history(db=services.db, pair_id=member.pair_id,
                                    boundary_id=boundary_id)
