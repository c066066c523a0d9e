"""Key rotation: a new current key, and every sealed value re-sealed with it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from sqlmodel import SQLModel, select

from api.crypto import Keyring, save_keyring
from api.db import Database
from api.models import (
    Account,
    Aftercare,
    Boundary,
    DebriefEntry,
    Event,
    JournalEntry,
    NextDayNote,
    Pair,
    Phrase,
    Reflection,
)

log = structlog.get_logger(__name__)

# Every sealed column, with the associated data its values are bound to.
SEALED: list[tuple[type[SQLModel], str, Callable[[Any], str]]] = [
    (Account, "display_name", lambda r: f"account:{r.id}:display_name"),
    (Boundary, "label", lambda r: f"boundary:{r.id}:label"),
    (Pair, "discreet_label", lambda r: f"pair:{r.id}:discreet-label"),
    (Pair, "discreet_proposed", lambda r: f"pair:{r.id}:discreet-proposed"),
    (Phrase, "text", lambda r: f"phrase:{r.id}:text"),
    (Aftercare, "wishes", lambda r: f"aftercare:{r.account_id}"),
    (Event, "body", lambda r: f"event:{r.pair_id}:{r.seq}"),
    (NextDayNote, "body", lambda r: f"next-day:{r.account_id}:{r.session_id}"),
    (DebriefEntry, "body", lambda r: f"debrief:{r.round_id}:{r.account_id}"),
    (JournalEntry, "body", lambda r: f"journal:{r.id}"),
    (Reflection, "body", lambda r: f"reflection:{r.id}"),
]


async def rotate(*, db: Database, keyring: Keyring, save_to: Any) -> tuple[Keyring, int]:
    """Adds a key, re-seals every value with it, then saves the keyring.

    The new keyring is written first (old keys kept), so an interruption leaves every
    value readable; a second run finishes the job.
    """
    ring = keyring.rotated()
    save_keyring(ring, save_to)
    count = 0
    for model, column, aad in SEALED:
        async with db.write() as session:
            for row in await session.scalars(select(model)):
                sealed = getattr(row, column)
                if sealed is None or ring.key_id_of(sealed) == ring.current:
                    continue
                plain = ring.decrypt(sealed, aad=aad(row))
                setattr(row, column, ring.encrypt(plain, aad=aad(row)))
                count += 1
    log.info("keys_rotated", key_id=ring.current, values=count)
    return ring, count
