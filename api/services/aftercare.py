"""Aftercare wishes: each person's own, readable by their partner while paired."""

from __future__ import annotations

import json
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from api.crypto import Keyring
from api.db import Database
from api.models import Aftercare, utcnow
from api.realtime.hub import Hub
from api.services import pairing
from api.services.work import Member
from schemas.aftercare import AftercareIn, AftercareOut


def _aad(account_id: uuid.UUID) -> str:
    return f"aftercare:{account_id}"


def _out(account_id: uuid.UUID, row: Aftercare | None, keyring: Keyring) -> AftercareOut:
    if row is None:
        return AftercareOut(user_id=account_id, wishes=[], in_my_words=None, if_i_freeze=None,
                            updated_at=None)
    data = json.loads(keyring.decrypt(row.wishes, aad=_aad(account_id)))
    return AftercareOut.model_validate({**data, "user_id": account_id,
                                        "updated_at": row.updated_at})


async def read(*, db: Database, keyring: Keyring, account_id: uuid.UUID) -> AftercareOut:
    """A person's wishes (empty when they wrote none)."""
    async with db.read() as session:
        return _out(account_id, await session.get(Aftercare, account_id), keyring)


async def save(*, db: Database, hub: Hub, keyring: Keyring, account_id: uuid.UUID,
               body: AftercareIn) -> AftercareOut:
    """Replaces the caller's wishes; the partner's screen is told they changed."""
    sealed = keyring.encrypt(body.model_dump_json(), aad=_aad(account_id))
    async with db.write() as session:
        row = await session.get(Aftercare, account_id)
        if row is None:
            row = Aftercare(account_id=account_id, wishes=sealed)
            session.add(row)
        else:
            row.wishes, row.updated_at = sealed, utcnow()
        partner = await pairing.current_partner(session, account_id)
    if partner is not None:
        hub.send_to_user(partner.id, {"type": "aftercare.updated",
                                            "user_id": str(account_id)})
    return _out(account_id, row, keyring)


async def read_partner(*, db: Database, keyring: Keyring, member: Member) -> AftercareOut:
    """The partner's wishes; only a current partner can read them."""
    async with db.read() as session:
        partner = await pairing.require_partner(session, member.pair_id, member.account_id)
        return _out(partner.id, await session.get(Aftercare, partner.id), keyring)


async def both(session: AsyncSession, keyring: Keyring, pair_id: uuid.UUID,
               account_id: uuid.UUID) -> list[AftercareOut]:
    """Both partners' wishes, the caller's first, within the caller's session."""
    partner = await pairing.require_partner(session, pair_id, account_id)
    return [_out(account_id, await session.get(Aftercare, account_id), keyring),
            _out(partner.id, await session.get(Aftercare, partner.id), keyring)]
