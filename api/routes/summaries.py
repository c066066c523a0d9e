"""A summary to share with someone who supports you, and your answer when your partner
asks to put your shared list in theirs."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import CurrentUser, Db, Hub, Keys, PairMember
from api.services import summaries
from schemas.summaries import (
    SummaryAsk,
    SummaryAskList,
    SummaryIn,
    SummaryList,
    SummaryOut,
    SummaryView,
)

router = APIRouter(tags=["summaries"])


@router.post("/me/summaries", status_code=status.HTTP_201_CREATED)
async def make(body: SummaryIn, principal: CurrentUser, db: Db, hub: Hub,
               keys: Keys) -> SummaryOut:
    """Make a summary of the parts you choose. Your shared list, or your steps and step
    backs, go in only if your partner says yes to this summary; they are asked."""
    return await summaries.make(db=db, hub=hub, keyring=keys, account_id=principal.account_id,
                                body=body)


@router.get("/me/summaries")
async def list_mine(principal: CurrentUser, db: Db) -> SummaryList:
    """Your summaries, newest first."""
    return await summaries.list_mine(db=db, account_id=principal.account_id)


@router.get("/me/summaries/{summary_id}")
async def view(summary_id: uuid.UUID, principal: CurrentUser, db: Db,
               keys: Keys) -> SummaryView:
    """What the summary shows now, to print or save: your own parts, and the shared ones
    only while your partner's yes to it stands."""
    return await summaries.view(db=db, keyring=keys, account_id=principal.account_id,
                                summary_id=summary_id)


@router.delete("/me/summaries/{summary_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(summary_id: uuid.UUID, principal: CurrentUser, db: Db, hub: Hub,
                 keys: Keys) -> Response:
    """Delete one of your summaries, at once."""
    await summaries.delete(db=db, hub=hub, keyring=keys, account_id=principal.account_id,
                           summary_id=summary_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/pair/summaries")
async def asks(member: PairMember, db: Db) -> SummaryAskList:
    """What your partner asked to put in a summary of theirs: only your shared parts."""
    return await summaries.asks(db=db, member=member)


@router.post("/pair/summaries/{summary_id}/agree")
async def agree(summary_id: uuid.UUID, member: PairMember, db: Db, hub: Hub,
                keys: Keys) -> SummaryAsk:
    """Yes: your shared parts may go in this one summary. You can take it back at any time."""
    return await summaries.answer(db=db, hub=hub, keyring=keys, member=member,
                                  summary_id=summary_id, agree=True)


@router.post("/pair/summaries/{summary_id}/decline")
async def decline(summary_id: uuid.UUID, member: PairMember, db: Db, hub: Hub,
                  keys: Keys) -> SummaryAsk:
    """No, or not any more: your shared parts leave this summary at once."""
    return await summaries.answer(db=db, hub=hub, keyring=keys, member=member,
                                  summary_id=summary_id, agree=False)
