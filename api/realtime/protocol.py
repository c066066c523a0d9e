"""The live channel `/api/v1/ws`: hello, welcome, replay, commands, heartbeat."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from api.config import Settings
from api.crypto import Keyring
from api.db import SQLITE_TIME, SQLITE_UUID, Database
from api.errors import DomainError, NotAuthenticated
from api.metrics import Metrics
from api.models import Membership, Pair, utcnow
from api.ratelimit import TokenBuckets
from api.realtime.connection import Connection, dumps
from api.realtime.hub import CLOSE_AUTH, CLOSE_PAIR, Hub
from api.services import accounts, events, pairing, signals
from api.services.work import Member
from schemas.realtime import (
    CLIENT_TYPES,
    Hello,
    Ping,
    Pong,
    ReceiptIn,
    SignalCommand,
    client_frame,
)

log = structlog.get_logger(__name__)

CLOSE_NOT_HELLO = 4400
CLOSE_HELLO_TIMEOUT = 4408


@dataclass
class LiveContext:
    """What every socket handler needs; built once per app."""

    db: Database
    hub: Hub
    keyring: Keyring
    settings: Settings
    metrics: Metrics | None = None
    easing: TokenBuckets = field(init=False)

    def __post_init__(self) -> None:
        self.easing = TokenBuckets(rate_per_second=self.settings.signal_easing_per_minute / 60,
                                   burst=self.settings.signal_easing_burst)


@dataclass
class SweepResult:
    """The log's newest seq per pair; which device sessions exist, which have expired."""

    last_seq: dict[uuid.UUID, int]
    live_devices: set[uuid.UUID]
    expired_devices: set[uuid.UUID]


async def sweep_database(db: Database, pair_ids: list[uuid.UUID],
                         device_ids: list[uuid.UUID]) -> SweepResult:
    """One read for the hub's safety net."""
    if db.one_writer:
        return await _sweep_sqlite(db, pair_ids, device_ids)
    async with db.read() as session:
        rows = await session.execute(
            select(Pair.id, Pair.last_seq).where(Pair.id.in_(pair_ids))  # type: ignore[attr-defined]
        )
        last_seq = {row[0]: row[1] for row in rows}
    live, expired = await accounts.devices_state(db=db, device_ids=device_ids)
    return SweepResult(last_seq=last_seq, live_devices=live, expired_devices=expired)


async def _sweep_sqlite(db: Database, pair_ids: list[uuid.UUID],
                        device_ids: list[uuid.UUID]) -> SweepResult:
    """`sweep_database` on the driver's connection: the sweep runs on the loop every few
    seconds over every pair with a socket here, and through SQLAlchemy's statement
    machinery these two lookups took four times as long (1.29 ms a slice of 64 pairs
    against 0.33 ms), time a pause arriving meanwhile waited for."""
    pairs = {SQLITE_UUID(p): p for p in pair_ids}  # stored form -> id, so no row makes a UUID
    devices = {SQLITE_UUID(d): d for d in device_ids}
    pair_sql = f"SELECT id, last_seq FROM pair WHERE id IN ({_marks(pairs)})"  # noqa: S608
    device_sql = ("SELECT id, expires_at <= ? FROM device_session "  # noqa: S608 (only ?s)
                  f"WHERE id IN ({_marks(devices)})")
    async with db.raw_read() as conn:
        last_seq = {pairs[i]: seq for i, seq in conn.execute(pair_sql, list(pairs))}
        rows = conn.execute(device_sql, [SQLITE_TIME(utcnow()), *devices]).fetchall()
    return SweepResult(last_seq=last_seq, live_devices={devices[i] for i, _ in rows},
                       expired_devices={devices[i] for i, expired in rows if expired})


def _marks(values: dict[str, uuid.UUID]) -> str:
    return ",".join("?" * len(values))


async def _fill_from_log(ctx: LiveContext, conn: Connection, target: int) -> None:
    """Delivers logged events after the socket's `sent_upto`, one page at a time."""
    async with ctx.db.read() as session:
        rows = await events.read_after(session, pair_id=conn.pair_id, after=conn.sent_upto)
    for event in rows:
        frame = events.envelope(event, ctx.keyring)
        conn.deliver_event(frame, dumps(frame))


def _error(code: str, detail: str, command_id: Any = None) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "detail": detail}
    if command_id is not None:
        frame["id"] = str(command_id)
    return frame


async def _close(ws: WebSocket, code: int, reason: str) -> None:
    if ws.client_state != WebSocketState.DISCONNECTED:
        await ws.close(code, reason)


async def _await_hello(ws: WebSocket, seconds: float) -> Hello | None:
    try:
        message = await asyncio.wait_for(ws.receive(), seconds)
    except TimeoutError:
        await _close(ws, CLOSE_HELLO_TIMEOUT, "no hello in time")
        return None
    if message["type"] == "websocket.disconnect":
        return None
    try:
        hello = client_frame.validate_json(message.get("text") or b"")
    except ValidationError:
        hello = None
    if not isinstance(hello, Hello):
        await _close(ws, CLOSE_NOT_HELLO, "the first frame must be a hello")
        return None
    return hello


def origin_allowed(ws: WebSocket, allowed: list[str]) -> bool:
    """A browser may connect only from the app's own origin or an allowed one.

    Starlette's CORS middleware does not cover websockets, and a page on any site
    could otherwise open a socket to us. Clients that are not browsers send no Origin.
    """
    origin = ws.headers.get("origin")
    if origin is None or origin in allowed:
        return True
    host = ws.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


async def serve_socket(ws: WebSocket, ctx: LiveContext) -> None:
    """Runs one socket from handshake to close."""
    if not origin_allowed(ws, ctx.settings.allowed_origins):
        await ws.close(CLOSE_PAIR)  # before accept: the handshake gets a 403
        return
    await ws.accept()
    hello = await _await_hello(ws, ctx.settings.hello_timeout_seconds)
    if hello is None:
        return
    try:
        principal = await accounts.authenticate(db=ctx.db, settings=ctx.settings,
                                                token=hello.token or "")
    except NotAuthenticated:
        await _close(ws, CLOSE_AUTH, "not signed in")
        return
    async with ctx.db.read() as session:
        pair_id = await pairing.pair_of(session, principal.account_id)
        partner = await pairing.partner_of(session, pair_id, principal.account_id) \
            if pair_id else None
        pair = await session.get(Pair, pair_id) if pair_id else None
    if pair is None or partner is None:
        await _close(ws, CLOSE_PAIR, "not paired")
        return
    last_seq = hello.last_seq if hello.last_seq <= pair.last_seq else 0
    async with ctx.db.read() as session:
        oldest = await events.first_seq(session, pair_id=pair.id)
    # Events before `oldest` were compacted away: the client must reload over REST.
    resync = oldest is not None and last_seq < oldest - 1
    conn = Connection(
        ws, user_id=principal.account_id, partner_id=partner.id, pair_id=pair.id,
        device_id=principal.device_id, last_seq=oldest - 1 if resync and oldest else last_seq,
        queue_limit=ctx.settings.socket_queue_limit,
        filler=lambda c, target: _fill_from_log(ctx, c, target),
        heartbeat=ctx.settings.heartbeat_seconds, dead_after=ctx.settings.dead_after_seconds,
    )
    signal = await signals.get_signal(db=ctx.db,
                                      member=Member(principal.account_id, pair.id))
    # Where one's own signal stands now; a replayed older event of one's own must not
    # move it back (with none standing, the last was a lift at or before last_seq).
    conn.own_state, conn.own_seq = ((signal.mine.state, signal.mine.seq) if signal.mine
                                    else ("clear", pair.last_seq))
    conn.send({
        "type": "welcome", "pair_id": str(pair.id), "seq": pair.last_seq,
        "signal": signal.model_dump(mode="json"), "me": str(principal.account_id),
        "partner_id": str(partner.id),
        "heartbeat_seconds": ctx.settings.heartbeat_seconds, "resync": resync,
        "token_expires_at": principal.expires_at.isoformat(), "instance": ctx.hub.instance,
    }, urgent=True)
    writer = asyncio.create_task(conn.run_writer())
    try:
        async with ctx.hub.attached(conn):
            log.info("socket_open", conn=conn.conn_id, pair_id=str(pair.id))
            # Attached first, then read: whatever is stored after this read arrives live.
            async with ctx.db.read() as session:
                still = await session.scalar(select(Membership.pair_id).where(
                    Membership.account_id == principal.account_id))
                newest = await session.scalar(select(Pair.last_seq).where(Pair.id == pair.id))
            if still != pair.id or newest is None:
                conn.close(CLOSE_PAIR, "pair ended")
            else:
                conn.catch_up(newest)
            await _read_loop(ws, conn, ctx)
    finally:
        if not writer.done():
            conn.close(1000, "bye")
            try:
                await asyncio.wait_for(writer, 5)
            except (TimeoutError, asyncio.CancelledError):
                writer.cancel()
        log.info("socket_closed", conn=conn.conn_id, code=(conn.closing or (1000, ""))[0])


async def _read_loop(ws: WebSocket, conn: Connection, ctx: LiveContext) -> None:
    limiter = TokenBuckets(rate_per_second=ctx.settings.socket_commands_per_second,
                           burst=ctx.settings.socket_command_burst)
    while conn.closing is None:
        try:
            message = await ws.receive()
        except (WebSocketDisconnect, RuntimeError):
            return
        if message["type"] == "websocket.disconnect":
            return
        conn.last_heard = time.monotonic()
        if message.get("text") is None:
            conn.send(_error("invalid", "Frames must be JSON text, not binary."))
            continue
        await _handle_frame(message["text"], conn, ctx, limiter)


async def _handle_frame(text: str, conn: Connection, ctx: LiveContext,
                        limiter: TokenBuckets) -> None:
    try:
        raw = json.loads(text)
    except ValueError:
        conn.send(_error("invalid", "The frame is not valid JSON."))
        return
    if not isinstance(raw, dict):
        conn.send(_error("invalid", "A frame must be a JSON object."))
        return
    command_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    kind = raw.get("type")
    if kind not in CLIENT_TYPES:
        conn.send(_error("unknown_type", "That frame type is not known.",
                         _uuid_or_none(command_id)))
        return
    if kind in signals.SIGNAL_COMMANDS:
        # A stop always gets through, at once. Lifting, easing or repeating one is
        # limited after a generous burst (a client flipping it floods the database,
        # every other pair on this instance, and the partner's phone).
        if not conn.strengthens(kind) and ctx.easing.take(conn.user_id):
            conn.send(_error("rate_limited", "That has changed many times in a short "
                             "while, so it stays as it is for a moment. Try again soon.",
                             _uuid_or_none(command_id)), urgent=True)
            return
    elif limiter.take(conn.conn_id):
        conn.send(_error("rate_limited", "Too many frames; slow down a little."))
        return
    try:
        frame = client_frame.validate_python(raw)
    except ValidationError as exc:
        fields = ", ".join(sorted({".".join(map(str, e["loc"][1:])) or "frame"
                                   for e in exc.errors()}))
        conn.send(_error("invalid", f"Check these fields: {fields}.", _uuid_or_none(command_id)))
        return
    try:
        await _dispatch_frame(frame, conn, ctx)
    except DomainError as exc:
        command = getattr(frame, "id", None)
        conn.send(_error(exc.code, exc.detail, command), urgent=command is not None)
    except SQLAlchemyError as exc:
        log.warning("command_failed", conn=conn.conn_id, error=type(exc).__name__)
        command = getattr(frame, "id", None)
        conn.send(_error("unavailable", "Could not store that just now; nothing was changed. "
                         "Send it again with the same id.", command), urgent=True)


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


async def _dispatch_frame(frame: Any, conn: Connection, ctx: LiveContext) -> None:
    if isinstance(frame, SignalCommand):
        started = time.perf_counter()
        accepted = await signals.send_signal(
            db=ctx.db, hub=ctx.hub, keyring=ctx.keyring,
            member=Member(conn.user_id, conn.pair_id), command_id=frame.id, command=frame.type)
        conn.send({"type": "ack", "id": str(frame.id), "seq": accepted.seq}, urgent=True)
        if ctx.metrics is not None:
            ctx.metrics.signal_seconds.labels(frame.type).observe(time.perf_counter() - started)
    elif isinstance(frame, ReceiptIn):
        await signals.record_receipt(db=ctx.db, hub=ctx.hub, pair_id=conn.pair_id,
                                     account_id=conn.user_id, seq=frame.seq, status=frame.status)
        if ctx.metrics is not None:
            ctx.metrics.receipts.labels(frame.status).inc()
    elif isinstance(frame, Ping):
        conn.send({"type": "pong"})
    elif isinstance(frame, Pong):
        pass
    elif isinstance(frame, Hello):
        conn.send(_error("invalid", "Already said hello on this connection."))
