"""The keyring and the database: the check at start-up that they belong together, and
key rotation (a new current key, and every sealed value re-sealed with it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select

from api.crypto import Keyring, KeyringError, KeyringMismatch, save_keyring
from api.db import Database
from api.models import (
    Account,
    Aftercare,
    Boundary,
    DebriefEntry,
    Event,
    JournalEntry,
    KeyringCheck,
    NextDayNote,
    Pair,
    Phrase,
    Reflection,
    SafetyPlan,
    SoloAnswer,
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
    (SafetyPlan, "body", lambda r: f"safety-plan:{r.account_id}"),
    (Event, "body", lambda r: f"event:{r.pair_id}:{r.seq}"),
    (NextDayNote, "body", lambda r: f"next-day:{r.account_id}:{r.session_id}"),
    (DebriefEntry, "body", lambda r: f"debrief:{r.round_id}:{r.account_id}"),
    (JournalEntry, "body", lambda r: f"journal:{r.id}"),
    (Reflection, "body", lambda r: f"reflection:{r.id}"),
    (SoloAnswer, "label", lambda r: f"solo:{r.id}:label"),
]


# The check's plaintext is the index key's digest of a label: a keyring opens it only
# with the data key that sealed it *and* the same index key (which look-ups depend on).
_CHECK = "keyring-check"


def _sealed_check(keyring: Keyring) -> str:
    return keyring.encrypt(keyring.digest(_CHECK), aad=_CHECK)


def _opens(keyring: Keyring, sealed: str, aad: str, plain: str | None = None) -> bool:
    try:
        opened = keyring.decrypt(sealed, aad=aad)
    except KeyringError:
        return False
    return plain is None or opened == plain


async def _any_sealed_value(db: Database) -> tuple[str, str] | None:
    """One sealed value already stored, with its associated data, if there is any."""
    async with db.read() as session:
        for model, column, aad in SEALED:
            row = await session.scalar(
                select(model).where(getattr(model, column).is_not(None)).limit(1))
            if row is not None:
                return getattr(row, column), aad(row)
    return None


async def check_keyring(*, db: Database, keyring: Keyring) -> None:
    """Raises KeyringMismatch unless this keyring is the one the database was sealed with.

    The first start writes the check; on a database that already holds sealed values
    (one from before the check), only once the keyring has opened one of them, so a
    wrong keys file can never become the one that is checked against.
    """
    async with db.read() as session:
        check = await session.get(KeyringCheck, 1)
    if check is not None:
        if not _opens(keyring, check.sealed, _CHECK, keyring.digest(_CHECK)):
            raise KeyringMismatch()
        return
    stored = await _any_sealed_value(db)
    if stored is not None and not _opens(keyring, *stored):
        raise KeyringMismatch()
    try:
        async with db.write() as session:
            session.add(KeyringCheck(sealed=_sealed_check(keyring)))
    except IntegrityError:  # another instance starting at the same time wrote it first
        await check_keyring(db=db, keyring=keyring)
        return
    log.info("keyring_check_written", key_id=keyring.current)


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
    # Last: until here the check is still sealed with an older key, which the new
    # keyring holds too, so an interrupted rotation still starts.
    async with db.write() as session:
        check = await session.get(KeyringCheck, 1)
        if check is not None:
            check.sealed = _sealed_check(ring)
    log.info("keys_rotated", key_id=ring.current, values=count)
    return ring, count
