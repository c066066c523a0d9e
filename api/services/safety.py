"""My safety plan: each person's own, private until they share a part with their partner.

Sharing is one person's choice about one person: it is per part, shared with the
current partner only, and every part is unshared when the pair ends (a plan shared with
one partner is never shown to the next). Stopping sharing is restrictive, so it is
instant and never refused; sharing needs the version its owner last saw.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, NotFound
from api.models import Membership, SafetyPlan, utcnow
from api.realtime.hub import Hub
from api.services import pairing
from api.services.work import Member
from schemas.safety import (
    PLAN_PARTS,
    PlanPart,
    SafetyCardOut,
    SafetyPlanIn,
    SafetyPlanOut,
    SharingIn,
)

# What each part of the plan holds, as stored (sealed) and sent.
_FIELDS: dict[PlanPart, tuple[str, ...]] = {
    "triggers": ("triggers",), "helps": ("helps", "helps_words"), "avoid": ("avoid",),
    "grounding": ("grounding",), "topics": ("topics",)}
_EMPTY: dict[str, Any] = {"triggers": None, "helps": [], "helps_words": None, "avoid": None,
                          "grounding": None, "topics": None}
NOBODY = ("You're not paired with anyone, so there is nobody to share it with. Your plan "
          "stays yours.")
STALE = "Your plan changed since you opened it (perhaps on another device). Look at it again first."


def _aad(account_id: uuid.UUID) -> str:
    return f"safety-plan:{account_id}"


def _parts(row: SafetyPlan | None, keyring: Keyring) -> dict[str, Any]:
    if row is None:
        return dict(_EMPTY)
    return {**_EMPTY, **json.loads(keyring.decrypt(row.body, aad=_aad(row.account_id)))}


def _shared(row: SafetyPlan | None) -> list[PlanPart]:
    names = set(row.shared.split()) if row is not None else set()
    return [part for part in PLAN_PARTS if part in names]


def _card(account_id: uuid.UUID, parts: dict[str, Any],
          shared: list[PlanPart]) -> SafetyCardOut:
    """What the partner may see: the shared parts, every other part as if unwritten."""
    seen = {name for part in shared for name in _FIELDS[part]}
    return SafetyCardOut(user_id=account_id, shared=shared,
                         **{name: parts[name] if name in seen else empty
                            for name, empty in _EMPTY.items()})


def _own(account_id: uuid.UUID, row: SafetyPlan | None, parts: dict[str, Any]) -> SafetyPlanOut:
    return SafetyPlanOut(user_id=account_id, **parts, shared=_shared(row),
                         version=row.version if row is not None else 1,
                         updated_at=row.updated_at if row is not None else None)


async def read(*, db: Database, keyring: Keyring, account_id: uuid.UUID) -> SafetyPlanOut:
    """A person's own plan (empty, version 1, when they have written nothing)."""
    async with db.read() as session:
        row = await session.get(SafetyPlan, account_id)
    return _own(account_id, row, _parts(row, keyring))


async def read_partner(*, db: Database, keyring: Keyring, member: Member) -> SafetyCardOut:
    """The partner's card: only what they chose to share."""
    async with db.read() as session:
        partner = await pairing.require_partner(session, member.pair_id, member.account_id)
        row = await session.get(SafetyPlan, partner.id)
    return _card(partner.id, _parts(row, keyring), _shared(row))


# What a change does to the plan's parts and sharing; told whether there is a partner.
Edit = Callable[[dict[str, Any], set[PlanPart], bool], tuple[dict[str, Any], set[PlanPart]]]


async def _change(*, db: Database, hub: Hub, keyring: Keyring, account_id: uuid.UUID,
                  version: int | None, edit: Edit) -> SafetyPlanOut:
    """Applies `edit` to the plan's parts and sharing under the row's lock; tells the
    owner's devices, and the partner only when what their card shows has changed
    (nothing else tells them anything)."""
    try:
        async with db.write() as session:
            row: SafetyPlan | None = await session.get(SafetyPlan, account_id,
                                                       with_for_update=True)
            current = row.version if row is not None else 1
            if version is not None and version != current:
                raise Conflict(STALE)
            partner = await pairing.current_partner(session, account_id)
            before_parts, before_shared = _parts(row, keyring), _shared(row)
            parts, shared = edit(before_parts, set(before_shared), partner is not None)
            body = keyring.encrypt(json.dumps(parts, separators=(",", ":")),
                                   aad=_aad(account_id))
            names = " ".join(part for part in PLAN_PARTS if part in shared)
            # The version counts what was written, not what is shared: it is what
            # "shared only what its owner has seen" is checked against, and one person
            # ticking two parts in a row must not trip over their own first tick.
            version = current + 1 if parts != before_parts else current
            if row is None:
                row = SafetyPlan(account_id=account_id, body=body, shared=names,
                                 version=version)
                session.add(row)
            else:
                row.body, row.shared, row.version = body, names, version
                row.updated_at = utcnow()
            await session.flush()
    except IntegrityError as exc:  # the first save raced in from another device
        raise Conflict(STALE) from exc
    hub.send_to_user(account_id, {"type": "safety_plan.updated", "user_id": str(account_id)})
    if partner is not None and (_card(account_id, parts, _shared(row))
                                != _card(account_id, before_parts, before_shared)):
        hub.send_to_user(partner.id, {"type": "safety_plan.updated",
                                      "user_id": str(account_id)})
    return _own(account_id, row, parts)


async def save(*, db: Database, hub: Hub, keyring: Keyring, account_id: uuid.UUID,
               body: SafetyPlanIn) -> SafetyPlanOut:
    """Replaces the caller's plan (its sharing stays as it was)."""
    parts = body.model_dump(mode="json", exclude={"version"})
    return await _change(db=db, hub=hub, keyring=keyring, account_id=account_id,
                         version=body.version, edit=lambda _, shared, __: (parts, shared))


async def share(*, db: Database, hub: Hub, keyring: Keyring, account_id: uuid.UUID,
                body: SharingIn) -> SafetyPlanOut:
    """Shares one part with the partner, or stops sharing it (instant, never refused).
    Sharing is with someone: there is nothing to share while not paired."""
    def edit(parts: dict[str, Any], shared: set[PlanPart],
             paired: bool) -> tuple[dict[str, Any], set[PlanPart]]:
        if not body.shared:
            return parts, shared - {body.part}
        if not paired:
            raise NotFound(NOBODY)
        return parts, shared | {body.part}

    return await _change(db=db, hub=hub, keyring=keyring, account_id=account_id,
                         version=body.version if body.shared else None, edit=edit)


async def unshare_all(session: AsyncSession, pair_id: uuid.UUID) -> None:
    """Inside the unit of work that ends a pair: each member's plan goes back to private."""
    members = sa.select(col(Membership.account_id)).where(col(Membership.pair_id) == pair_id)
    await session.execute(
        sa.update(SafetyPlan).where(col(SafetyPlan.account_id).in_(members),
                                    col(SafetyPlan.shared) != "")
        .values(shared=""))
