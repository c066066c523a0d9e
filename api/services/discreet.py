"""The pause's discreet name: in discreet mode the PAUSE button and an incoming pause use
a neutral word the two partners chose together, so a seen phone says nothing of what
the app is. One proposes it, the other agrees; either can go back to the default.
"""

from __future__ import annotations

import uuid

from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, Forbidden
from api.models import Pair
from api.realtime.hub import Hub
from api.services.work import Member, member_work
from schemas.pairing import DiscreetOut

DEFAULT = "Hold on"


def _aad(pair_id: uuid.UUID, which: str) -> str:
    return f"pair:{pair_id}:discreet-{which}"


def _out(pair: Pair, keyring: Keyring, account_id: uuid.UUID) -> DiscreetOut:
    label = (keyring.decrypt(pair.discreet_label, aad=_aad(pair.id, "label"))
             if pair.discreet_label else None)
    proposed = (keyring.decrypt(pair.discreet_proposed, aad=_aad(pair.id, "proposed"))
                if pair.discreet_proposed else None)
    return DiscreetOut(label=label or DEFAULT, agreed=label is not None, proposed=proposed,
                       proposed_by_me=pair.discreet_proposed_by == account_id
                       if proposed else None)


async def read(*, db: Database, keyring: Keyring, member: Member) -> DiscreetOut:
    """The pause's discreet name, and a proposal waiting, if any."""
    async with db.read() as session:
        pair = await session.get(Pair, member.pair_id)
        assert pair is not None  # the caller is a member
        return _out(pair, keyring, member.account_id)


async def propose(*, db: Database, hub: Hub, keyring: Keyring, member: Member,
                  label: str) -> DiscreetOut:
    """Suggests a neutral name for the pause; it is used once the partner agrees."""
    async with member_work(db, hub, keyring, member) as work:
        pair = await work.pair()
        pair.discreet_proposed = keyring.encrypt(label, aad=_aad(pair.id, "proposed"))
        pair.discreet_proposed_by = member.account_id
        await work.record("discreet.proposed", {"label": label})
        return _out(pair, keyring, member.account_id)


async def agree(*, db: Database, hub: Hub, keyring: Keyring, member: Member) -> DiscreetOut:
    """The partner who did not suggest it agrees: it becomes the pause's discreet name."""
    async with member_work(db, hub, keyring, member) as work:
        pair = await work.pair()
        if pair.discreet_proposed is None:
            raise Conflict("No name is waiting for an answer.")
        if pair.discreet_proposed_by == member.account_id:
            raise Forbidden("Your partner agrees to the name you suggested.")
        label = keyring.decrypt(pair.discreet_proposed, aad=_aad(pair.id, "proposed"))
        pair.discreet_label = keyring.encrypt(label, aad=_aad(pair.id, "label"))
        pair.discreet_proposed = pair.discreet_proposed_by = None
        await work.record("discreet.agreed", {"label": label})
        return _out(pair, keyring, member.account_id)


async def clear(*, db: Database, hub: Hub, keyring: Keyring, member: Member) -> DiscreetOut:
    """Back to the default name, by either partner at once (the pause is unchanged)."""
    async with member_work(db, hub, keyring, member) as work:
        pair = await work.pair()
        pair.discreet_label = pair.discreet_proposed = pair.discreet_proposed_by = None
        await work.record("discreet.agreed", {"label": DEFAULT})
        return _out(pair, keyring, member.account_id)
