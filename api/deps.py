"""Dependencies as Annotated aliases, in one place: a route's signature says what it uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api import config, crypto, db, security
from api.errors import NotAuthenticated
from api.ratelimit import Limits
from api.realtime import hub as live
from api.services import accounts, pairing
from api.services import push as push_service
from api.services.accounts import Principal
from api.services.work import Member


@dataclass
class Services:
    """What the lifespan builds once and every request shares (reached only through the
    aliases below)."""

    settings: config.Settings
    db: db.Database
    hub: live.Hub
    hasher: security.Hasher
    keyring: crypto.Keyring
    pusher: push_service.Pusher
    limits: Limits


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _db(request: Request) -> db.Database:
    return _services(request).db


def _hub(request: Request) -> live.Hub:
    return _services(request).hub


def _keys(request: Request) -> crypto.Keyring:
    return _services(request).keyring


def _config(request: Request) -> config.Settings:
    return _services(request).settings


def _hasher(request: Request) -> security.Hasher:
    return _services(request).hasher


def _limits(request: Request) -> Limits:
    return _services(request).limits


def _pusher(request: Request) -> push_service.Pusher:
    return _services(request).pusher


Db = Annotated[db.Database, Depends(_db)]
Hub = Annotated[live.Hub, Depends(_hub)]
Keys = Annotated[crypto.Keyring, Depends(_keys)]
Config = Annotated[config.Settings, Depends(_config)]
Passwords = Annotated[security.Hasher, Depends(_hasher)]
RateLimits = Annotated[Limits, Depends(_limits)]
Pusher = Annotated[push_service.Pusher, Depends(_pusher)]


def client_address(request: Request) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For for trusted proxies)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated()
    return token.strip()


async def _signed_in(request: Request, database: Db, settings: Config) -> Principal:
    return await accounts.authenticate(db=database, settings=settings, token=_bearer(request))


async def _current_user(request: Request, limits: RateLimits,
                        principal: Annotated[Principal, Depends(_signed_in)]) -> Principal:
    if request.method not in ("GET", "HEAD"):
        await limits.writes.check(principal.account_id)
    return principal


CurrentUser = Annotated[Principal, Depends(_current_user)]


async def _pair_member(principal: CurrentUser, database: Db) -> Member:
    pair_id = await pairing.require_pair(db=database, account_id=principal.account_id)
    return Member(account_id=principal.account_id, pair_id=pair_id)


async def _pausing_member(principal: Annotated[Principal, Depends(_signed_in)],
                          database: Db) -> Member:
    pair_id = await pairing.require_pair(db=database, account_id=principal.account_id)
    return Member(account_id=principal.account_id, pair_id=pair_id)


PairMember = Annotated[Member, Depends(_pair_member)]
# For the writes that can stop things (a red phrase, a check-in answer): never limited.
PausingMember = Annotated[Member, Depends(_pausing_member)]
