"""Accounts: register, sign in and out, who am I, export, delete."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from api.deps import ClientAddress, CurrentUser, Svc
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


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
async def register(body: RegisterIn, services: Svc, address: ClientAddress) -> AccountOut:
    """Create an account."""
    services.limits.register.check(address)
    return await accounts.register(db=services.db, hasher=services.hasher,
                                   keyring=services.keyring, body=body)


@router.post("/auth/login")
async def login(body: LoginIn, services: Svc, address: ClientAddress) -> TokenOut:
    """Sign in on this device; the token is shown once."""
    services.limits.login.check(address)
    return await accounts.login(db=services.db, hasher=services.hasher,
                                settings=services.settings, throttle=services.limits.throttle,
                                username=body.username, password=body.password, address=address)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(principal: CurrentUser, services: Svc) -> Response:
    """Sign out this device; its token and sockets stop working at once."""
    await accounts.logout(db=services.db, hub=services.hub, principal=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT,
                    headers={"Clear-Site-Data": '"cache", "storage"'})


@router.post("/auth/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_everywhere(principal: CurrentUser, services: Svc) -> Response:
    """Sign out every device, this one included."""
    await accounts.logout_everywhere(db=services.db, hub=services.hub, principal=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT,
                    headers={"Clear-Site-Data": '"cache", "storage"'})


@router.delete("/me/devices/{device_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_device(device_id: uuid.UUID, principal: CurrentUser, services: Svc) -> Response:
    """Sign one of your devices out, at once."""
    await accounts.revoke_device(db=services.db, hub=services.hub, principal=principal,
                                 device_id=device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChangeIn, principal: CurrentUser, services: Svc,
                          address: ClientAddress) -> Response:
    """Change your password; every other device is signed out."""
    await accounts.change_password(db=services.db, hub=services.hub, hasher=services.hasher,
                                   throttle=services.limits.throttle, principal=principal,
                                   current=body.current_password, new=body.new_password,
                                   address=address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(principal: CurrentUser, services: Svc) -> MeOut:
    """Who is signed in, and their pair."""
    return await accounts.get_me(db=services.db, keyring=services.keyring, principal=principal)


@router.get("/me/devices")
async def devices(principal: CurrentUser, services: Svc) -> list[DeviceOut]:
    """The devices signed in to this account."""
    return await accounts.list_devices(db=services.db, principal=principal)


@router.get("/me/export")
async def export(principal: CurrentUser, services: Svc) -> ExportOut:
    """All of this person's own data, as JSON."""
    return await accounts.export(db=services.db, keyring=services.keyring, principal=principal)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
async def delete_me(body: DeleteMeIn, principal: CurrentUser, services: Svc,
                    address: ClientAddress) -> Response:
    """Delete the account and everything only it owned; leaves the pair first."""
    await accounts.delete_account(db=services.db, hub=services.hub, hasher=services.hasher,
                                  keyring=services.keyring,
                                  throttle=services.limits.throttle, principal=principal,
                                  password=body.password, address=address)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
