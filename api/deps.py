"""Dependencies as Annotated aliases, in one place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.config import Settings
from api.crypto import Keyring
from api.db import Database
from api.errors import NotAuthenticated
from api.ratelimit import LoginThrottle, TokenBuckets
from api.realtime.hub import Hub
from api.security import Hasher
from api.services import accounts, pairing
from api.services.accounts import Principal
from api.services.push import Pusher


@dataclass
class Limits:
    """The app's in-memory rate limits."""

    register: TokenBuckets
    login: TokenBuckets
    join: TokenBuckets
    guesses: TokenBuckets
    throttle: LoginThrottle
    writes: TokenBuckets


@dataclass
class Services:
    """What the lifespan builds once and every request shares."""

    settings: Settings
    db: Database
    hub: Hub
    hasher: Hasher
    keyring: Keyring
    pusher: Pusher
    limits: Limits


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


Svc = Annotated[Services, Depends(_services)]


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


async def _signed_in(request: Request, services: Svc) -> Principal:
    return await accounts.authenticate(db=services.db, settings=services.settings,
                                       token=_bearer(request))


async def _current_user(request: Request, services: Svc,
                        principal: Annotated[Principal, Depends(_signed_in)]) -> Principal:
    if request.method not in ("GET", "HEAD"):
        services.limits.writes.check(principal.account_id)
    return principal


CurrentUser = Annotated[Principal, Depends(_current_user)]


@dataclass(frozen=True, slots=True)
class Member:
    """A signed-in person who is in a pair."""

    principal: Principal
    pair_id: uuid.UUID

    @property
    def account_id(self) -> uuid.UUID:
        """The member's account id."""
        return self.principal.account_id


async def _pair_member(principal: CurrentUser, services: Svc) -> Member:
    pair_id = await pairing.require_pair(db=services.db, account_id=principal.account_id)
    return Member(principal=principal, pair_id=pair_id)


async def _pausing_member(principal: Annotated[Principal, Depends(_signed_in)],
                          services: Svc) -> Member:
    pair_id = await pairing.require_pair(db=services.db, account_id=principal.account_id)
    return Member(principal=principal, pair_id=pair_id)


PairMember = Annotated[Member, Depends(_pair_member)]
# For the writes that can stop things (a red phrase, a check-in answer): never limited.
PausingMember = Annotated[Member, Depends(_pausing_member)]
