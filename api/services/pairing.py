"""Pairing: invite codes, joining, and leaving a pair."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, Forbidden, NotFound
from api.models import Account, Invite, Membership, Pair, utcnow
from api.ratelimit import Budget
from api.realtime.hub import Hub
from api.security import digest, new_invite_code, normalize_invite_code
from api.services import debriefs, names, safety
from schemas.pairing import InviteOut, JoinOut, PairOut, PartnerOut

log = structlog.get_logger(__name__)

NOT_PAIRED = "You are not paired with anyone right now."


async def pair_of(session: AsyncSession, account_id: uuid.UUID) -> uuid.UUID | None:
    """The id of the pair this person is in, if any."""
    pair_id: uuid.UUID | None = await session.scalar(
        select(Membership.pair_id).where(Membership.account_id == account_id)
    )
    return pair_id


async def require_pair(*, db: Database, account_id: uuid.UUID) -> uuid.UUID:
    """The caller's pair id; 404 when they are not paired."""
    async with db.read() as session:
        pair_id = await pair_of(session, account_id)
    if pair_id is None:
        raise NotFound(NOT_PAIRED)
    return pair_id


async def partner_of(session: AsyncSession, pair_id: uuid.UUID,
                     account_id: uuid.UUID) -> Account | None:
    """The other member of the pair."""
    partner: Account | None = await session.scalar(
        select(Account)
        .join(Membership, col(Membership.account_id) == col(Account.id))
        .where(Membership.pair_id == pair_id, col(Account.id) != account_id)
    )
    return partner


async def current_partner(session: AsyncSession, account_id: uuid.UUID) -> Account | None:
    """This person's partner now, if they are paired."""
    pair_id = await pair_of(session, account_id)
    return await partner_of(session, pair_id, account_id) if pair_id else None


async def require_partner(session: AsyncSession, pair_id: uuid.UUID,
                          account_id: uuid.UUID) -> Account:
    """The other member of the pair; 404 when there is none (the pair has ended)."""
    partner = await partner_of(session, pair_id, account_id)
    if partner is None:
        raise NotFound(NOT_PAIRED)
    return partner


async def create_invite(*, db: Database, settings: Settings, account_id: uuid.UUID) -> InviteOut:
    """A new code for this person, replacing their previous one; 409 when paired."""
    code = new_invite_code()
    expires_at = utcnow() + timedelta(minutes=settings.invite_minutes)
    async with db.write() as session:
        if await pair_of(session, account_id) is not None:
            raise Conflict("You are already paired. Leave the current pair first.")
        await session.execute(sa.delete(Invite).where(col(Invite.account_id) == account_id))
        session.add(Invite(account_id=account_id, code_hash=digest(code), expires_at=expires_at))
    return InviteOut(code=code, expires_at=expires_at)


async def join(*, db: Database, keyring: Keyring, guesses: Budget,
               account_id: uuid.UUID, code: str) -> JoinOut:
    """Pairs the caller with the code's owner."""
    async with db.read() as session:
        if await pair_of(session, account_id) is not None:
            raise Conflict("You are already paired. Leave the current pair first.")
    # While the caller's wrong guesses are used up, every code is refused, right or
    # wrong: refusing only wrong ones would tell a guesser when they hit.
    await guesses.check_free(account_id)
    normal = normalize_invite_code(code)
    invite = None
    if normal is not None:
        async with db.read() as session:
            invite = await session.scalar(select(Invite).where(Invite.code_hash == digest(normal)))
    if invite is None or invite.expires_at <= utcnow():
        await guesses.spend(account_id)
        raise NotFound("That code is unknown or has expired. Ask for a fresh one.")
    if invite.account_id == account_id:
        raise Forbidden("That is your own code; your partner joins with it.")
    pair = Pair()
    try:
        async with db.write() as session:
            deleted = await session.execute(
                sa.delete(Invite).where(col(Invite.account_id) == invite.account_id,
                                        col(Invite.code_hash) == invite.code_hash)
            )
            if deleted.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound("That code is unknown or has expired. Ask for a fresh one.")
            await session.execute(sa.delete(Invite).where(col(Invite.account_id) == account_id))
            session.add(pair)
            await session.flush()
            session.add_all([Membership(account_id=invite.account_id, pair_id=pair.id),
                             Membership(account_id=account_id, pair_id=pair.id)])
    except IntegrityError:
        raise Conflict("One of you is already paired.") from None
    log.info("paired", pair_id=str(pair.id))
    async with db.read() as session:
        partner = await session.get(Account, invite.account_id)
    assert partner is not None
    return JoinOut(pair_id=pair.id,
                   partner=PartnerOut(id=partner.id,
                                      display_name=names.display_name_of(partner, keyring)))


async def get_pair(*, db: Database, keyring: Keyring, account_id: uuid.UUID) -> PairOut:
    """The caller's pair; 404 when unpaired."""
    async with db.read() as session:
        pair_id = await pair_of(session, account_id)
        pair = await session.get(Pair, pair_id) if pair_id else None
        partner = await partner_of(session, pair.id, account_id) if pair else None
    if pair is None or partner is None:
        raise NotFound(NOT_PAIRED)
    return PairOut(pair_id=pair.id, created_at=pair.created_at,
                   partner=PartnerOut(id=partner.id,
                                      display_name=names.display_name_of(partner, keyring)))


async def leave_pair(*, db: Database, hub: Hub, keyring: Keyring, account_id: uuid.UUID,
                     missing_ok: bool = False) -> None:
    """Ends the pair at once, for both; everything the pair shared is deleted with it,
    except that each keeps their own reflections (their own words, never the other's)."""
    async with db.write() as session:
        pair_id = await pair_of(session, account_id)
        if pair_id is None:
            if missing_ok:
                return
            raise NotFound(NOT_PAIRED)
        await debriefs.keep_own_words(session, keyring, pair_id)
        await safety.unshare_all(session, pair_id)  # never shown to a next partner
        last_seq = await session.scalar(
            sa.update(Pair).where(col(Pair.id) == pair_id)
            .values(last_seq=col(Pair.last_seq) + 1).returning(col(Pair.last_seq))
        )
        # The cascade removes members, the event log, signals and every shared record.
        await session.execute(sa.delete(Pair).where(col(Pair.id) == pair_id))
    assert last_seq is not None
    hub.end_pair(pair_id=pair_id, seq=last_seq, actor_id=account_id)
    log.info("unpaired", pair_id=str(pair_id))
