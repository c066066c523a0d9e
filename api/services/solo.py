"""Solo answers: a person's own answers to the boundary list, for themselves alone.

They belong to the person, never to a pair: they stay when a pair ends, are in the
person's export and go with their account. An answer reaches a pair's list only when its
owner brings it in, one item at a time, and then it is exactly their own answer there,
given the way every answer is given (`answer_in` in the pair's unit of work): a yes is
agreed only if the partner says yes themselves, and nothing the partner can see says
where it came from.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, NotFound
from api.models import Boundary, BoundaryAnswer, SoloAnswer
from api.realtime.hub import Hub
from api.services import boundaries, pairing
from api.services.boundaries import fold
from api.services.work import Member, member_work
from schemas.boundaries import BoundaryOut
from schemas.solo import OnOurList, SoloItem, SoloItemIn, SoloList

log = structlog.get_logger(__name__)

NOT_FOUND = "There is no such answer of yours."
NOT_IN_CATALOGUE = "That is not one of the suggestions."
TAKEN = "You have answered this one already; here it is."


def _aad(answer_id: uuid.UUID) -> str:
    return f"solo:{answer_id}:label"


def _label(row: SoloAnswer, keyring: Keyring) -> str:
    return keyring.decrypt(row.label, aad=_aad(row.id))


def _suggestions() -> dict[str, dict[str, Any]]:
    return {item["key"]: item for item in boundaries.catalogue_data()["items"]}


def _new_row(keyring: Keyring, account_id: uuid.UUID, *, label: str, category: str,
             answer: str, catalogue_key: str | None) -> SoloAnswer:
    row = SoloAnswer(account_id=account_id, catalogue_key=catalogue_key, label="",
                     label_digest=keyring.digest(fold(label)), category=category,
                     answer=answer)
    row.label = keyring.encrypt(label, aad=_aad(row.id))
    return row


async def _ours(session: AsyncSession, keyring: Keyring, account_id: uuid.UUID,
                labels: list[str]) -> dict[str, OnOurList]:
    """For each of these labels (folded) that is on the person's pair's list: the item and
    their own answer there. Empty when they are not paired."""
    pair_id = await pairing.pair_of(session, account_id)
    if pair_id is None or not labels:
        return {}
    digests = {keyring.digest(fold(label)): fold(label) for label in labels}
    rows = (await session.execute(
        select(Boundary.id, Boundary.label_digest, BoundaryAnswer.answer)
        .outerjoin(BoundaryAnswer, sa.and_(col(BoundaryAnswer.boundary_id) == col(Boundary.id),
                                           col(BoundaryAnswer.account_id) == account_id))
        .where(Boundary.pair_id == pair_id, col(Boundary.label_digest).in_(list(digests))))
            ).all()
    return {digests[digest]: OnOurList(boundary_id=boundary_id, my_answer=answer)
            for boundary_id, digest, answer in rows}


def _item(row: SoloAnswer | None, *, label: str, category: str, catalogue_key: str | None,
          ours: dict[str, OnOurList]) -> SoloItem:
    return SoloItem.model_validate({
        "id": row.id if row else None, "catalogue_key": catalogue_key, "label": label,
        "category": category, "answer": row.answer if row else None,
        "on_our_list": ours.get(fold(label))})


async def _one(session: AsyncSession, keyring: Keyring, row: SoloAnswer) -> SoloItem:
    label = _label(row, keyring)
    ours = await _ours(session, keyring, row.account_id, [label])
    return _item(row, label=label, category=row.category, catalogue_key=row.catalogue_key,
                 ours=ours)


async def list_answers(*, db: Database, keyring: Keyring, account_id: uuid.UUID) -> SoloList:
    """Every suggestion with my answer (or none yet), then my own items by label."""
    data = boundaries.catalogue_data()
    async with db.read() as session:
        rows = list(await session.scalars(
            select(SoloAnswer).where(SoloAnswer.account_id == account_id)))
        by_key = {row.catalogue_key: row for row in rows if row.catalogue_key}
        own = sorted(((row, _label(row, keyring)) for row in rows
                      if row.catalogue_key not in _suggestions()),
                     key=lambda pair: fold(pair[1]))
        labels = [item["label"] for item in data["items"]] + [label for _, label in own]
        ours = await _ours(session, keyring, account_id, labels)
        paired = await pairing.pair_of(session, account_id) is not None
    items = [_item(by_key.get(item["key"]), label=item["label"], category=item["category"],
                   catalogue_key=item["key"], ours=ours) for item in data["items"]]
    items += [_item(row, label=label, category=row.category, catalogue_key=row.catalogue_key,
                    ours=ours) for row, label in own]
    return SoloList.model_validate({"categories": data["categories"], "items": items,
                                    "paired": paired})


async def answer_suggestion(*, db: Database, keyring: Keyring, account_id: uuid.UUID,
                            key: str, answer: str) -> SoloItem:
    """My own answer to one of the suggestions (again: the newest answer counts)."""
    item = _suggestions().get(key)
    if item is None:
        raise NotFound(NOT_IN_CATALOGUE)
    try:
        return await _answer_suggestion(db, keyring, account_id, item, answer)
    except IntegrityError:  # the same first answer raced in from another device: now it is
        return await _answer_suggestion(db, keyring, account_id, item, answer)  # an update


async def _answer_suggestion(db: Database, keyring: Keyring, account_id: uuid.UUID,
                             item: dict[str, Any], answer: str) -> SoloItem:
    async with db.write() as session:
        row = await session.scalar(select(SoloAnswer).where(
            SoloAnswer.account_id == account_id,
            SoloAnswer.label_digest == keyring.digest(fold(item["label"]))))
        if row is None:
            row = _new_row(keyring, account_id, label=item["label"], category=item["category"],
                           answer=answer, catalogue_key=item["key"])
            session.add(row)
        else:
            row.answer = answer
        await session.flush()
        return await _one(session, keyring, row)


async def add_own(*, db: Database, keyring: Keyring, account_id: uuid.UUID,
                  body: SoloItemIn) -> SoloItem:
    """An activity in my own words, with my answer. The words of a suggestion are that
    suggestion; words I have answered already are refused (409) with the item as it is."""
    suggestion = next((item for item in _suggestions().values()
                       if fold(item["label"]) == fold(body.label)), None)
    try:
        async with db.write() as session:
            existing = await session.scalar(select(SoloAnswer).where(
                SoloAnswer.account_id == account_id,
                SoloAnswer.label_digest == keyring.digest(fold(body.label))))
            if existing is not None:
                current = await _one(session, keyring, existing)
                raise Conflict(TAKEN, current=current.model_dump(mode="json"))
            row = _new_row(keyring, account_id,
                           label=suggestion["label"] if suggestion else body.label,
                           category=suggestion["category"] if suggestion else body.category,
                           answer=body.answer,
                           catalogue_key=suggestion["key"] if suggestion else None)
            session.add(row)
            await session.flush()
            return await _one(session, keyring, row)
    except IntegrityError:
        raise Conflict(TAKEN) from None


async def _mine(session: AsyncSession, account_id: uuid.UUID, answer_id: uuid.UUID,
                *, lock: bool = False) -> SoloAnswer:
    row = await session.get(SoloAnswer, answer_id, with_for_update=lock)
    if row is None or row.account_id != account_id:
        raise NotFound(NOT_FOUND)
    return row


async def change_answer(*, db: Database, keyring: Keyring, account_id: uuid.UUID,
                        answer_id: uuid.UUID, answer: str) -> SoloItem:
    """Changes one of my own answers; nothing on any pair's list moves with it."""
    async with db.write() as session:
        row = await _mine(session, account_id, answer_id, lock=True)
        row.answer = answer
        await session.flush()
        return await _one(session, keyring, row)


async def forget(*, db: Database, account_id: uuid.UUID, answer_id: uuid.UUID) -> None:
    """Deletes one of my own answers (and my own item with it)."""
    async with db.write() as session:
        row = await _mine(session, account_id, answer_id)
        await session.execute(sa.delete(SoloAnswer).where(col(SoloAnswer.id) == row.id))


async def bring_in(*, db: Database, hub: Hub, keyring: Keyring, settings: Settings,
                   member: Member, answer_id: uuid.UUID) -> BoundaryOut:
    """Brings one of my own answers into our list as my answer there, by my choice for this
    item alone: the item is added first if it is not on the list (as adding any item is),
    then answered as any answer is. Doing it again changes nothing."""
    async with member_work(db, hub, keyring, member) as work:
        row = await _mine(work.session, member.account_id, answer_id)
        label = _label(row, keyring)
        boundary = await boundaries.find_by_label(work.session, keyring, member.pair_id, label)
        if boundary is None:
            boundary = await boundaries.add_in(work, member, label=label, category=row.category,
                                               catalogue_key=row.catalogue_key)
        mine = await work.session.get(BoundaryAnswer, (boundary.id, member.account_id))
        if mine is None or mine.answer != row.answer:
            await boundaries.answer_in(work, boundary, member.account_id, row.answer,
                                       settings=settings)
    return boundaries.item_out(boundary, keyring, row.answer)


async def export_own(*, db: Database, keyring: Keyring,
                     account_id: uuid.UUID) -> list[dict[str, Any]]:
    """My own answers, for my export."""
    async with db.read() as session:
        rows = await session.scalars(select(SoloAnswer).where(
            SoloAnswer.account_id == account_id))
        return [{"label": _label(row, keyring), "category": row.category,
                 "catalogue_key": row.catalogue_key, "answer": row.answer} for row in rows]
