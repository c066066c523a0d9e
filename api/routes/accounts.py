"""Accounts: register, sign in and out, who am I, export, delete."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import ClientAddress, Config, CurrentUser, Db, Hub, Keys, Passwords, RateLimits
from api.services import accounts
from schemas.accounts import (
    AccountOut,
    DeleteMeIn,
    DeviceOut,
    ExportOut,
    LoginIn,
    MeOut,
    PasswordChangeIn,
    RegisterIn,
    TokenOut,
)

router = APIRouter(tags=["accounts"])
# Signing out also clears what this browser kept of the app.
_CLEARED = {"Clear-Site-Data": '"cache", "storage"'}


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(body: RegisterIn, db: Db, hasher: Passwords, keys: Keys, limits: RateLimits,
                   address: ClientAddress) -> AccountOut:
    """Create an account."""
    await limits.register.check(address)
    return await accounts.register(db=db, hasher=hasher, keyring=keys, body=body)


@router.post("/auth/login")
async def login(body: LoginIn, db: Db, hasher: Passwords, settings: Config, limits: RateLimits,
                address: ClientAddress) -> TokenOut:
    """Sign in on this device; the token is shown once."""
    await limits.login.check(address)
    return await accounts.login(db=db, hasher=hasher, settings=settings,
                                throttle=limits.throttle, username=body.username,
                                password=body.password, address=address)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentUser, db: Db, hub: Hub) -> Response:
    """Sign out this device; its token and sockets stop working at once."""
    await accounts.logout(db=db, hub=hub, principal=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=_CLEARED)


@router.post("/auth/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_everywhere(principal: CurrentUser, db: Db, hub: Hub) -> Response:
    """Sign out every device, this one included."""
    await accounts.logout_everywhere(db=db, hub=hub, principal=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=_CLEARED)


@router.delete("/me/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_device(device_id: uuid.UUID, principal: CurrentUser, db: Db,
                        hub: Hub) -> Response:
    """Sign one of your devices out, at once."""
    await accounts.revoke_device(db=db, hub=hub, principal=principal, device_id=device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChangeIn, principal: CurrentUser, db: Db, hub: Hub,
                          hasher: Passwords, limits: RateLimits,
                          address: ClientAddress) -> Response:
    """Change your password; every other device is signed out."""
    await accounts.change_password(db=db, hub=hub, hasher=hasher, throttle=limits.throttle,
                                   principal=principal, current=body.current_password,
                                   new=body.new_password, address=address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(principal: CurrentUser, db: Db, keys: Keys) -> MeOut:
    """Who is signed in, and their pair."""
    return await accounts.get_me(db=db, keyring=keys, principal=principal)


@router.get("/me/devices")
async def devices(principal: CurrentUser, db: Db) -> list[DeviceOut]:
    """The devices signed in to this account."""
    return await accounts.list_devices(db=db, principal=principal)


@router.get("/me/export")
async def export(principal: CurrentUser, db: Db, keys: Keys) -> ExportOut:
    """All of this person's own data, as JSON."""
    return await accounts.export(db=db, keyring=keys, principal=principal)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(body: DeleteMeIn, principal: CurrentUser, db: Db, hub: Hub,
                    hasher: Passwords, keys: Keys, limits: RateLimits,
                    address: ClientAddress) -> Response:
    """Delete the account and everything only it owned; leaves the pair first."""
    await accounts.delete_account(db=db, hub=hub, hasher=hasher, keyring=keys,
                                  throttle=limits.throttle, principal=principal,
                                  password=body.password, address=address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
