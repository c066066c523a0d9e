"""The shared boundary list."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import Config, Db, Hub, Keys, PairMember
from api.services import boundaries, setbacks
from schemas.boundaries import (
    AnswerIn,
    BaselineIn,
    BaselineOut,
    BoundaryEdit,
    BoundaryIn,
    BoundaryList,
    BoundaryOut,
    CatalogueOut,
    CatalogueTake,
    HistoryOut,
    PathOut,
    ReviewChange,
    ReviewOut,
    ReviewPlanIn,
    StepBackIn,
    StepBackOut,
)

router = APIRouter(prefix="/boundaries", tags=["boundaries"])


@router.get("")
async def list_boundaries(member: PairMember, db: Db, keys: Keys) -> BoundaryList:
    """The list, with the combined state of each activity and your own answer."""
    return await boundaries.list_boundaries(db=db, keyring=keys, member=member)


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_boundary(body: BoundaryIn, member: PairMember, db: Db, hub: Hub,
                       keys: Keys) -> BoundaryOut:
    """Add an activity; it starts open for both of you."""
    return await boundaries.add_boundary(db=db, hub=hub, keyring=keys, member=member, body=body)


@router.get("/catalogue")
async def catalogue(member: PairMember, db: Db) -> CatalogueOut:
    """The starter list, offered, never forced."""
    return await boundaries.catalogue(db=db, member=member)


@router.post("/catalogue", status_code=status.HTTP_201_CREATED)
async def take_catalogue(body: CatalogueTake, member: PairMember, db: Db, hub: Hub,
                         keys: Keys) -> BoundaryList:
    """Take some or all of the starter list."""
    return await boundaries.take_catalogue(db=db, hub=hub, keyring=keys, member=member,
                                           body=body)


@router.get("/path")
async def gradual_path(member: PairMember, db: Db) -> PathOut:
    """The gradual path, gentlest step first, and where your list puts you on it: every
    step is optional, and none is somewhere you should be."""
    return await boundaries.path(db=db, member=member)


@router.get("/review")
async def get_review(member: PairMember, db: Db, keys: Keys) -> ReviewOut:
    """Your review plan, and what changed since you last looked together."""
    return await boundaries.get_review(db=db, keyring=keys, member=member)


@router.put("/review/plan")
async def set_review_plan(body: ReviewPlanIn, member: PairMember, db: Db, hub: Hub,
                          keys: Keys) -> ReviewOut:
    """How often to look at the list together, or never."""
    return await boundaries.set_review_plan(db=db, hub=hub, keyring=keys, member=member,
                                            every_days=body.every_days)


@router.post("/review/start")
async def start_review(member: PairMember, db: Db, hub: Hub, keys: Keys) -> ReviewOut:
    """Start looking at the list together; your partner can join."""
    return await boundaries.start_review(db=db, hub=hub, keyring=keys, member=member)


@router.post("/review/join")
async def join_review(member: PairMember, db: Db, hub: Hub, keys: Keys) -> ReviewOut:
    """Join the review your partner started."""
    return await boundaries.join_review(db=db, hub=hub, keyring=keys, member=member)


@router.post("/review/finish")
async def finish_review(member: PairMember, db: Db, hub: Hub,
                        keys: Keys) -> list[ReviewChange]:
    """Close the review; both of you get what changed since the last one."""
    return await boundaries.finish_review(db=db, hub=hub, keyring=keys, member=member)


@router.get("/baseline")
async def baseline(member: PairMember, db: Db) -> BaselineOut:
    """Where you would step back to after a setback: your own choice, and ours (the
    gentler of your two choices)."""
    return await setbacks.baseline(db=db, member=member)


@router.put("/baseline")
async def set_baseline(body: BaselineIn, member: PairMember, db: Db, hub: Hub,
                       keys: Keys) -> BaselineOut:
    """Choose the step you would step back to. Gentler counts at once; higher needs you
    both, and waits until you are not in a session."""
    return await setbacks.set_baseline(db=db, hub=hub, keyring=keys, member=member,
                                       step=body.step)


@router.post("/step-back")
async def step_back(body: StepBackIn, member: PairMember, db: Db, hub: Hub, keys: Keys,
                    settings: Config) -> StepBackOut:
    """Step back, at once and alone: everything above our baseline becomes not now for both
    of you and leaves any session's menu, and a review opens. Nothing is paused by it."""
    return await setbacks.step_back(db=db, hub=hub, keyring=keys, settings=settings,
                                    member=member, body=body)


@router.patch("/{boundary_id}")
async def edit_boundary(boundary_id: uuid.UUID, body: BoundaryEdit, member: PairMember,
                        db: Db, hub: Hub, keys: Keys) -> BoundaryOut:
    """Rename or re-file an activity; a new name needs both answers again."""
    return await boundaries.edit_boundary(db=db, hub=hub, keyring=keys, member=member,
                                          boundary_id=boundary_id, body=body)


@router.delete("/{boundary_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_boundary(boundary_id: uuid.UUID, member: PairMember, db: Db, hub: Hub,
                          keys: Keys) -> Response:
    """Remove an activity, at once."""
    await boundaries.remove_boundary(db=db, hub=hub, keyring=keys, member=member,
                                     boundary_id=boundary_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{boundary_id}/answer")
async def answer_boundary(boundary_id: uuid.UUID, body: AnswerIn, member: PairMember,
                          db: Db, hub: Hub, keys: Keys, settings: Config) -> BoundaryOut:
    """Your answer: yes, maybe or no ("not now"). A no always lands at once."""
    return await boundaries.answer_boundary(db=db, hub=hub, keyring=keys, settings=settings,
                                            member=member, boundary_id=boundary_id, body=body)


@router.get("/{boundary_id}/history")
async def history(boundary_id: uuid.UUID, member: PairMember, db: Db) -> HistoryOut:
    """When it was added and each time its limits became stricter; never who, never
    when anyone agreed."""
    return await boundaries.history(db=db, member=member, boundary_id=boundary_id)
