"""Web Push: the server's key, and a device's subscription."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from schemas.base import Inbound, Outbound

Base64Url = Annotated[str, Field(min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_\-=]+$")]


class PushKey(Outbound):
    """The VAPID public key, as the browser's applicationServerKey (base64url)."""

    public_key: str


class PushKeys(Inbound):
    """The subscription's own keys."""

    p256dh: Base64Url
    auth: Base64Url


class PushSubscriptionIn(Inbound):
    """A browser's PushSubscription.toJSON()."""

    endpoint: Annotated[str, Field(min_length=10, max_length=2000, pattern=r"^https?://")]
    expirationTime: float | None = None
    keys: PushKeys


class PushUnsubscribe(Inbound):
    """Forget this device's subscription."""

    endpoint: Annotated[str, Field(min_length=10, max_length=2000)]
