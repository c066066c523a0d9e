"""My own answers to the boundary list, for myself alone; brought into our list only by
my choice, one item at a time."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.deps import Config, CurrentUser, Db, Hub, Keys, PairMember
from api.services import solo
from schemas.boundaries import BoundaryOut
from schemas.solo import SoloAnswerIn, SoloItem, SoloItemIn, SoloList

router = APIRouter(prefix="/me/solo-answers", tags=["solo answers"])
CatalogueKey = Annotated[str, Path(max_length=40)]


@router.get("")
async def list_answers(principal: CurrentUser, db: Db, keys: Keys) -> SoloList:
    """Every suggestion, with your own answer or none yet, then your own items. Only you
    see these, paired or not."""
    return await solo.list_answers(db=db, keyring=keys, account_id=principal.account_id)


@router.post("", status_code=status.HTTP_201_CREATED)
async def add_own(body: SoloItemIn, principal: CurrentUser, db: Db, keys: Keys) -> SoloItem:
    """Add something in your own words, with your answer; only you see it."""
    return await solo.add_own(db=db, keyring=keys, account_id=principal.account_id, body=body)


@router.put("/catalogue/{key}")
async def answer_suggestion(key: CatalogueKey, body: SoloAnswerIn, principal: CurrentUser,
                            db: Db, keys: Keys) -> SoloItem:
    """Your own answer to one of the suggestions."""
    return await solo.answer_suggestion(db=db, keyring=keys, account_id=principal.account_id,
                                        key=key, answer=body.answer)


@router.put("/{answer_id}")
async def change_answer(answer_id: uuid.UUID, body: SoloAnswerIn, principal: CurrentUser,
                        db: Db, keys: Keys) -> SoloItem:
    """Change one of your own answers; nothing on your shared list moves with it."""
    return await solo.change_answer(db=db, keyring=keys, account_id=principal.account_id,
                                    answer_id=answer_id, answer=body.answer)


@router.delete("/{answer_id}", status_code=status.HTTP_204_NO_CONTENT)
async def forget(answer_id: uuid.UUID, principal: CurrentUser, db: Db) -> Response:
    """Delete one of your own answers."""
    await solo.forget(db=db, account_id=principal.account_id, answer_id=answer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{answer_id}/bring-in")
async def bring_in(answer_id: uuid.UUID, member: PairMember, db: Db, hub: Hub, keys: Keys,
                   settings: Config) -> BoundaryOut:
    """Bring this one answer into your shared list as your own answer there (the item is
    added if it is not on the list). Your partner sees only where you both stand, as with
    any answer, and is never told it came from here. Doing it again changes nothing."""
    return await solo.bring_in(db=db, hub=hub, keyring=keys, settings=settings,
                               member=member, answer_id=answer_id)
