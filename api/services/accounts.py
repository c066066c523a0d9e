"""Accounts and device sessions: register, sign in and out, export, delete."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.errors import Conflict, Invalid, NotAuthenticated, NotFound, WrongPassword
from api.models import Account, DeviceSession, Membership, SignalState, utcnow
from api.ratelimit import LoginThrottle
from api.realtime.hub import Hub
from api.security import Hasher, common_passwords, digest, new_token
from api.services import (
    aftercare,
    boundaries,
    debriefs,
    names,
    pairing,
    safety,
    sessions,
    solo,
    summaries,
)
from schemas.accounts import AccountOut, DeviceOut, ExportOut, MeOut, RegisterIn, TokenOut

log = structlog.get_logger(__name__)

# The shortest time between two refreshes of a device's `last_used_at` (else every
# request would write): see `refresh_after`.
_TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in person behind a request or socket."""

    account_id: uuid.UUID
    device_id: uuid.UUID  # the device session this sign-in is
    expires_at: datetime


def _account_out(account: Account, keyring: Keyring) -> AccountOut:
    return AccountOut(id=account.id, username=account.username,
                      display_name=names.display_name_of(account, keyring))


def check_password_strength(password: str, username: str, field: str = "password") -> None:
    """Refuses passwords that are on the common list or are the username itself."""
    folded = password.casefold()
    if folded in common_passwords() or username in folded:
        raise Invalid(field, "is too easy to guess; try a few unrelated words")


async def register(*, db: Database, hasher: Hasher, keyring: Keyring,
                   body: RegisterIn) -> AccountOut:
    """Creates an account; 409 when the username is taken."""
    check_password_strength(body.password, body.username)
    async with db.read() as session:
        taken = await session.scalar(select(Account.id).where(Account.username == body.username))
    if taken:
        raise Conflict("That username is taken.")
    account = Account(username=body.username, display_name="",
                      password_hash=await hasher.hash(body.password))
    account.display_name = names.seal(account.id, body.display_name or body.username, keyring)
    try:
        async with db.write() as session:
            session.add(account)
    except IntegrityError:
        raise Conflict("That username is taken.") from None
    log.info("account_registered", account_id=str(account.id))
    return _account_out(account, keyring)


def refresh_after(settings: Settings, device_id: uuid.UUID) -> timedelta:
    """How long a device's sign-in goes between refreshes of its `last_used_at` (and with
    it its expiry): between one and two `_TOUCH_EVERY`, set by the device's own id, so
    that devices signed in together (every open app after a deploy) do not all come due
    in the same minute and queue for the writer; and never more than a tenth of the
    idle limit, so a sign-in in use never runs out for want of a refresh."""
    every = min(_TOUCH_EVERY, timedelta(minutes=settings.token_idle_minutes) / 10)
    return every * (1 + (device_id.int % 1024) / 1024)


def _expiry(settings: Settings, created_at: datetime, last_used_at: datetime) -> datetime:
    return min(created_at + timedelta(days=settings.token_absolute_days),
               last_used_at + timedelta(minutes=settings.token_idle_minutes))


async def login(*, db: Database, hasher: Hasher, settings: Settings, throttle: LoginThrottle,
                username: str, password: str, address: str) -> TokenOut:
    """Opens a device session; a wrong name and a wrong password answer alike."""
    await throttle.check(username, address)
    async with db.read() as session:
        account = await session.scalar(select(Account).where(Account.username == username))
    if not await hasher.verify(password, account.password_hash if account else None):
        await throttle.failed(username, address)
        raise NotAuthenticated("That username and password don't match.")
    assert account is not None
    await throttle.succeeded(username, address)
    token = new_token()
    now = utcnow()
    device = DeviceSession(account_id=account.id, token_hash=digest(token), created_at=now,
                           last_used_at=now, expires_at=_expiry(settings, now, now))
    async with db.write() as session:
        session.add(device)
    log.info("signed_in", account_id=str(account.id), device_id=str(device.id))
    return TokenOut(token=token, expires_at=device.expires_at)


async def authenticate(*, db: Database, settings: Settings, token: str) -> Principal:
    """The principal behind a bearer token; 401 when unknown, revoked or expired."""
    if not token or len(token) > 128:
        raise NotAuthenticated()
    now = utcnow()
    async with db.read() as session:
        device = await session.scalar(
            select(DeviceSession).where(DeviceSession.token_hash == digest(token))
        )
    if device is None or device.expires_at <= now:
        raise NotAuthenticated()
    if now - device.last_used_at > refresh_after(settings, device.id):
        expires_at = _expiry(settings, device.created_at, now)
        async with db.write() as session:
            await session.execute(
                sa.update(DeviceSession).where(sa.column("id") == device.id)
                .values(last_used_at=now, expires_at=expires_at)
            )
        device.expires_at = expires_at
    return Principal(account_id=device.account_id, device_id=device.id,
                     expires_at=device.expires_at)


async def devices_state(*, db: Database, device_ids: list[uuid.UUID],
                         ) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Of these device sessions: which still exist, and which of those have expired."""
    if not device_ids:
        return set(), set()
    async with db.read() as session:
        rows = (await session.execute(
            select(DeviceSession.id, DeviceSession.expires_at).where(
                col(DeviceSession.id).in_(device_ids)))).all()
    now = utcnow()
    return {r[0] for r in rows}, {r[0] for r in rows if r[1] <= now}


async def logout(*, db: Database, hub: Hub, principal: Principal) -> None:
    """Revokes this device's token at once, sockets included."""
    async with db.write() as session:
        await session.execute(
            sa.delete(DeviceSession).where(sa.column("id") == principal.device_id)
        )
    hub.revoke(user_id=principal.account_id, device_id=principal.device_id)
    log.info("signed_out", account_id=str(principal.account_id))


async def _revoke(db: Database, hub: Hub, account_id: uuid.UUID, *,
                  keep: uuid.UUID | None = None, only: uuid.UUID | None = None) -> int:
    query = sa.delete(DeviceSession).where(col(DeviceSession.account_id) == account_id)
    if keep is not None:
        query = query.where(col(DeviceSession.id) != keep)
    if only is not None:
        query = query.where(col(DeviceSession.id) == only)
    async with db.write() as session:
        gone = (await session.execute(query.returning(col(DeviceSession.id)))).scalars().all()
    for device_id in gone:
        hub.revoke(user_id=account_id, device_id=device_id)
    return len(gone)


async def revoke_device(*, db: Database, hub: Hub, principal: Principal,
                        device_id: uuid.UUID) -> None:
    """Signs one of the caller's devices out, sockets included."""
    if not await _revoke(db, hub, principal.account_id, only=device_id):
        raise NotFound("There is no such device.")


async def logout_everywhere(*, db: Database, hub: Hub, principal: Principal) -> None:
    """Signs every device of the caller out, this one included."""
    await _revoke(db, hub, principal.account_id)
    log.info("signed_out_everywhere", account_id=str(principal.account_id))


async def _check_password(*, db: Database, hasher: Hasher, throttle: LoginThrottle,
                          principal: Principal, password: str, field: str,
                          address: str) -> Account:
    """The caller's account, once its password is given right; wrong ones are counted
    with sign-in failures, so a held device is no way to guess it."""
    async with db.read() as session:
        account = await session.get(Account, principal.account_id)
    if account is None:
        raise NotAuthenticated()
    await throttle.check(account.username, address)
    if not await hasher.verify(password, account.password_hash):
        await throttle.failed(account.username, address)
        raise WrongPassword(field)
    await throttle.succeeded(account.username, address)
    return account


async def change_password(*, db: Database, hub: Hub, hasher: Hasher, throttle: LoginThrottle,
                          principal: Principal, current: str, new: str,
                          address: str) -> None:
    """Changes the password; every other device is signed out and its sockets closed."""
    account = await _check_password(db=db, hasher=hasher, throttle=throttle,
                                    principal=principal, password=current,
                                    field="current_password", address=address)
    check_password_strength(new, account.username, "new_password")
    new_hash = await hasher.hash(new)
    async with db.write() as session:
        await session.execute(sa.update(Account).where(col(Account.id) == account.id)
                              .values(password_hash=new_hash))
    await _revoke(db, hub, account.id, keep=principal.device_id)
    log.info("password_changed", account_id=str(account.id))


async def get_me(*, db: Database, keyring: Keyring, principal: Principal) -> MeOut:
    """The signed-in person and their pair, if any."""
    async with db.read() as session:
        account = await session.get(Account, principal.account_id)
        if account is None:
            raise NotAuthenticated()
        pair_id = await session.scalar(
            select(Membership.pair_id).where(Membership.account_id == account.id)
        )
    return MeOut(id=account.id, username=account.username,
                 display_name=names.display_name_of(account, keyring),
                 pair_id=pair_id)


async def list_devices(*, db: Database, principal: Principal) -> list[DeviceOut]:
    """This person's signed-in devices, newest first."""
    async with db.read() as session:
        devices = await session.scalars(
            select(DeviceSession)
            .where(DeviceSession.account_id == principal.account_id)
            .order_by(sa.desc(sa.column("created_at")))
        )
        return [
            DeviceOut(id=d.id, created_at=d.created_at, last_used_at=d.last_used_at,
                      expires_at=d.expires_at, current=d.id == principal.device_id)
            for d in devices
        ]


async def export(*, db: Database, keyring: Keyring, principal: Principal) -> ExportOut:
    """Everything this person owns; nothing the partner owns."""
    me = await get_me(db=db, keyring=keyring, principal=principal)
    async with db.read() as session:
        account = await session.get(Account, principal.account_id)
        assert account is not None
        signals = await session.scalars(
            select(SignalState).where(SignalState.account_id == principal.account_id)
        )
        signal_rows = [{"state": s.state, "set_at": s.set_at.isoformat()} for s in signals]
    pair = None
    if me.pair_id is not None:
        current = await pairing.get_pair(db=db, keyring=keyring, account_id=principal.account_id)
        pair = {"pair_id": str(current.pair_id), "created_at": current.created_at.isoformat(),
                "partner_display_name": current.partner.display_name}
    return ExportOut(
        exported_at=utcnow(),
        account=_account_out(account, keyring),
        created_at=account.created_at,
        devices=await list_devices(db=db, principal=principal),
        pair=pair,
        signals=signal_rows,
        boundary_answers=await boundaries.export_answers(db=db, keyring=keyring,
                                                         account_id=principal.account_id),
        aftercare=(await aftercare.read(db=db, keyring=keyring,
                                        account_id=principal.account_id)).model_dump(mode="json"),
        safety_plan=(await safety.read(db=db, keyring=keyring,
                                       account_id=principal.account_id)).model_dump(mode="json"),
        **await debriefs.export_own(db=db, keyring=keyring, account_id=principal.account_id),
        **await sessions.export_own(db=db, keyring=keyring, account_id=principal.account_id),
        solo_answers=await solo.export_own(db=db, keyring=keyring,
                                           account_id=principal.account_id),
        summaries=await summaries.export_own(db=db, account_id=principal.account_id),
    )


async def delete_account(*, db: Database, hub: Hub, hasher: Hasher, keyring: Keyring,
                         throttle: LoginThrottle, principal: Principal, password: str,
                         address: str) -> None:
    """Deletes the account after checking its password; leaves the pair first."""
    account = await _check_password(db=db, hasher=hasher, throttle=throttle,
                                    principal=principal, password=password, field="password",
                                    address=address)
    await pairing.leave_pair(db=db, hub=hub, keyring=keyring, account_id=account.id,
                             missing_ok=True)
    async with db.write() as session:
        await session.execute(sa.delete(Account).where(sa.column("id") == account.id))
    hub.revoke(user_id=account.id, device_id=None)
    log.info("account_deleted", account_id=str(account.id))
