"""Web Push: a pause reaches every device of the partner, even locked or closed.

The payload is encrypted for the device (RFC 8291, by pywebpush) and holds no words
of the pair; the service worker shows a neutral notification. A pause is sent with
a real TTL and `Urgency: high`; a subscription the push service calls gone (404/410)
is deleted.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import re
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import sqlalchemy as sa
import structlog
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlmodel import col, select

from api.config import Settings
from api.db import Database
from api.errors import Conflict, Invalid
from api.models import Membership, PushSubscription, SignalState
from schemas.push import PushSubscriptionIn

log = structlog.get_logger(__name__)


def load_vapid(path: Path, *, create: bool) -> Vapid02:
    """The VAPID key pair; on the embedded default, made on first run (owner-only)."""
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no VAPID key at {path}")
        vapid = Vapid02()
        vapid.generate_keys()
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = vapid.private_pem()
        path.touch(mode=0o600)
        path.write_bytes(pem)
    return Vapid02.from_file(str(path))


def public_key(vapid: Vapid02) -> str:
    """The applicationServerKey a browser subscribes with."""
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _listed_origin(parts: SplitResult, services: list[str]) -> bool:
    return f"{parts.scheme}://{(parts.hostname or '').lower()}" in services


_PORT = "(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"


def endpoint_pattern(services: list[str]) -> str:
    """Where a push may be sent, as one regular expression (stated as is in the OpenAPI
    document): https to a known push service's host or a subdomain of it, or an origin
    the operator listed exactly, with a port if any; then printable ASCII for the path."""
    hosts = "|".join(re.escape(suffix.lower()) for suffix in services if "://" not in suffix)
    origins = [re.escape(origin.lower()) for origin in services if "://" in origin]
    if hosts:
        origins.append(f"https://(?:[a-z0-9-]+\\.)*(?:{hosts})")
    if not origins:
        return "[^\\s\\S]"  # nowhere
    return f"(?:{'|'.join(origins)})(?::{_PORT})?(?:/[!-~]*)?"


def endpoint_allowed(endpoint: str, services: list[str]) -> bool:
    """Whether a push may be sent there (see `endpoint_pattern`), never to an address
    written as a number unless the operator listed it."""
    if re.fullmatch(endpoint_pattern(services), endpoint) is None:
        return False
    parts = urlsplit(endpoint)
    if _listed_origin(parts, services):
        return True
    try:
        ipaddress.ip_address(parts.hostname or "")
        return False
    except ValueError:
        return True


def resolves_publicly(endpoint: str, services: list[str],
                      resolve: Any = socket.getaddrinfo) -> bool:
    """Checked again just before each send: every address the host has now must be a
    public one (not loopback, private, link-local or a cloud metadata address), so a
    name that later points inward is not followed."""
    parts = urlsplit(endpoint)
    if _listed_origin(parts, services):
        return True
    try:
        infos = resolve(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        return False
    addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    return bool(addresses) and all(a.is_global for a in addresses)


async def subscribe(*, db: Database, settings: Settings, account_id: uuid.UUID,
                    device_id: uuid.UUID, body: PushSubscriptionIn) -> None:
    """Keeps (or moves to this device) one of the caller's subscriptions."""
    if not endpoint_allowed(body.endpoint, settings.push_services):
        raise Invalid("endpoint", "is not the address of a browser's push service")
    async with db.write() as session:
        owner = await session.scalar(select(PushSubscription.account_id).where(
            PushSubscription.endpoint == body.endpoint))
        if owner is not None and owner != account_id:
            # Never move another person's subscription: their pauses would stop
            # reaching them, silently.
            raise Conflict("This device's notifications belong to another account.")
        await session.execute(sa.delete(PushSubscription).where(
            col(PushSubscription.endpoint) == body.endpoint))
        session.add(PushSubscription(account_id=account_id, device_id=device_id,
                                     endpoint=body.endpoint,
                                     p256dh=body.keys.p256dh, auth=body.keys.auth))


async def unsubscribe(*, db: Database, account_id: uuid.UUID, endpoint: str) -> None:
    """Forgets one of the caller's subscriptions."""
    async with db.write() as session:
        await session.execute(sa.delete(PushSubscription).where(
            col(PushSubscription.endpoint) == endpoint,
            col(PushSubscription.account_id) == account_id))


class Pusher:
    """Sends the partner a push for every pause; runs beside the live channel."""

    def __init__(self, *, db: Database, settings: Settings, vapid: Vapid02,
                 coalesce_seconds: float = 5.0) -> None:
        self.db, self.settings, self.vapid = db, settings, vapid
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webpush")
        self._tasks: set[asyncio.Task[None]] = set()
        self._coalesce = coalesce_seconds
        # Per pair and pauser: None while a push is out or just went (more pauses in that
        # time wait here, the newest only), absent when the next may go at once.
        self._waiting: dict[tuple[uuid.UUID, str], dict[str, Any] | None] = {}

    def on_event(self, pair_id: uuid.UUID, frame: dict[str, Any]) -> None:
        """Hub listener: a stored pause sets off a push to the other partner's devices.

        The first goes at once; pauses by the same person within a few seconds of it are
        one push at the end of that time, and only if the pause still stands then. A
        partner's phone rings once for a pause, never for a script flipping it.
        """
        if frame.get("type") != "pause" or not frame.get("actor"):
            return
        key = (pair_id, frame["actor"])
        if key in self._waiting:
            self._waiting[key] = frame
            return
        self._waiting[key] = None
        task = asyncio.create_task(self._push_then_wait(key, frame))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _push_then_wait(self, key: tuple[uuid.UUID, str], frame: dict[str, Any]) -> None:
        pair_id, actor = key
        try:
            while True:
                try:
                    await self.notify_pause(pair_id, frame)
                except Exception as exc:  # a push going wrong must never touch the pause
                    log.warning("push_failed", error=type(exc).__name__)
                await asyncio.sleep(self._coalesce)
                while True:  # the newest pause that came meanwhile, if it still stands
                    latest = self._waiting.get(key)
                    if latest is None:
                        return
                    if await self._still_stands(pair_id, actor, latest):
                        break
                    if self._waiting.get(key) is latest:
                        return  # lifted, and nothing newer came while we looked
                frame = latest
                self._waiting[key] = None
        finally:
            self._waiting.pop(key, None)

    async def _still_stands(self, pair_id: uuid.UUID, actor: str, frame: dict[str, Any]) -> bool:
        async with self.db.read() as session:
            seq = await session.scalar(select(SignalState.seq).where(
                SignalState.pair_id == pair_id, SignalState.account_id == uuid.UUID(actor),
                SignalState.state == "paused"))
        return bool(seq == frame["seq"])

    async def notify_pause(self, pair_id: uuid.UUID, frame: dict[str, Any]) -> int:
        """Pushes to every device of the partner; returns how many accepted it."""
        actor = uuid.UUID(frame["actor"])
        async with self.db.read() as session:
            devices = list(await session.scalars(
                select(PushSubscription)
                .join(Membership, col(Membership.account_id) == col(PushSubscription.account_id))
                .where(Membership.pair_id == pair_id, col(Membership.account_id) != actor)))
        if not devices:
            return 0  # nobody to ring (the pause itself is logged where it is stored)
        payload = json.dumps({"type": "pause", "seq": frame["seq"], "at": frame["at"]})
        loop = asyncio.get_running_loop()
        results = await asyncio.gather(*(
            loop.run_in_executor(self._pool, self._send, device, payload) for device in devices))
        gone = [device.id for device, status in zip(devices, results, strict=True)
                if status in (404, 410)]
        if gone:
            async with self.db.write() as session:
                await session.execute(sa.delete(PushSubscription).where(
                    col(PushSubscription.id).in_(gone)))
        sent = sum(1 for status in results if status is not None and status < 300)
        log.info("pause_pushed", pair_id=str(pair_id), devices=len(devices), sent=sent,
                 gone=len(gone))
        return sent

    def _send(self, device: PushSubscription, payload: str) -> int | None:
        if not (endpoint_allowed(device.endpoint, self.settings.push_services)
                and resolves_publicly(device.endpoint, self.settings.push_services)):
            log.warning("push_refused", subscription=str(device.id))
            return None
        try:
            response = webpush(
                {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh,
                                                       "auth": device.auth}},
                data=payload, vapid_private_key=self.vapid,
                vapid_claims={"sub": self.settings.vapid_subject},
                ttl=self.settings.push_ttl_seconds, headers={"Urgency": "high"}, timeout=10)
            return int(getattr(response, "status_code", 201))
        except WebPushException as exc:
            return exc.response.status_code if exc.response is not None else None
        except Exception as exc:  # a push service being down must not touch the pause
            log.warning("push_failed", error=type(exc).__name__)
            return None

    async def stop(self) -> None:
        """Waits briefly for pushes in flight, then stops the pool."""
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)
