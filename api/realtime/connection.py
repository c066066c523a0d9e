"""One live socket: an ordered outbound stream with an urgent lane.

Its writer task only writes: the heartbeat (the hub's own task) queues pings and
closes silent sockets, so nothing but the socket itself can hold a frame back.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect

from api.services.events import URGENT_TYPES

log = structlog.get_logger(__name__)

CLOSE_LAGGING = 4409
CLOSE_DEAD = 4410
_SEND_TIMEOUT = 10.0
_STRENGTH = {"clear": 0, "slow": 1, "paused": 2}

Filler = Callable[["Connection", int], Awaitable[None]]


def dumps(frame: dict[str, Any]) -> str:
    """Compact JSON for the wire."""
    return json.dumps(frame, separators=(",", ":"))


class Connection:
    """Delivers pair events in seq order (signals may overtake), at most once each.

    `sent_upto` is the highest seq up to which every event has been queued. An event
    beyond a gap is held, and the gap is filled from the database log; a signal event
    beyond a gap is sent at once and remembered in `early`, so it is not sent twice.
    """

    def __init__(self, ws: WebSocket, *, user_id: uuid.UUID, partner_id: uuid.UUID,
                 pair_id: uuid.UUID, device_id: uuid.UUID, last_seq: int, queue_limit: int,
                 filler: Filler, heartbeat: float = 10.0, dead_after: float = 25.0) -> None:
        self.ws = ws
        self.user_id = user_id
        self.partner_id = partner_id
        self.pair_id = pair_id
        self.device_id = device_id
        self.conn_id = uuid.uuid4().hex
        self._me = str(user_id)
        self.sent_upto = last_seq
        self.last_heard = time.monotonic()
        self._heartbeat = heartbeat
        self._dead_after = dead_after
        # The first ping comes at a random point of the second half of a beat, so sockets
        # that opened together (every one of them after a deploy) are not pinged together
        # for ever after: a few at a time, never thousands in one slice of the loop.
        self._next_beat = self.last_heard + heartbeat * random.uniform(0.5, 1.0)  # noqa: S311 (spread, not secret)
        self._queue_limit = queue_limit
        self._filler = filler
        self._urgent: deque[str] = deque()
        self._normal: deque[str] = deque()
        self._early: set[int] = set()
        self._held: dict[int, tuple[dict[str, Any], str]] = {}
        self._wake = asyncio.Event()
        self._fill: asyncio.Task[None] | None = None
        self._fill_target = 0
        self.closing: tuple[int, str] | None = None
        self._told_expired = False
        self._flush_before_close = False
        # This person's own signal as the log last said (welcome, then their events).
        self.own_state = "clear"
        self.own_seq = 0

    # -- queueing -----------------------------------------------------------------------

    def send_text(self, text: str, *, urgent: bool = False) -> None:
        """Queues a frame; a socket too far behind is closed to resync."""
        if self.closing is not None:
            return
        if urgent:
            self._urgent.append(text)
        else:
            self._normal.append(text)
            if len(self._normal) > self._queue_limit:
                self.close(CLOSE_LAGGING, "too far behind; reconnect with last_seq")
                return
        self._wake.set()

    def send(self, frame: dict[str, Any], *, urgent: bool = False) -> None:
        """Queues a frame given as a dict."""
        self.send_text(dumps(frame), urgent=urgent)

    def deliver_event(self, frame: dict[str, Any], text: str) -> None:
        """Queues a pair event, keeping seq order and sending each seq once."""
        seq = frame["seq"]
        if seq <= self.sent_upto or seq in self._held:
            return
        urgent = frame["type"] in URGENT_TYPES
        if urgent and frame.get("actor") == self._me and seq > self.own_seq:
            # Newest first wins: events may arrive out of seq order (signals overtake).
            self.own_state, self.own_seq = frame["data"].get("state", self.own_state), seq
        if seq == self.sent_upto + 1:
            self._advance(seq, text, urgent)
            while self.sent_upto + 1 in self._held:
                _frame, held_text = self._held.pop(self.sent_upto + 1)
                self._advance(self.sent_upto + 1, held_text, _frame["type"] in URGENT_TYPES)
            return
        if urgent and seq not in self._early:
            self._early.add(seq)
            self.send_text(text, urgent=True)
        self._held[seq] = (frame, text)
        if len(self._held) > self._queue_limit:
            self.close(CLOSE_LAGGING, "too far behind; reconnect with last_seq")
            return
        self.catch_up(seq - 1)

    def _advance(self, seq: int, text: str, urgent: bool) -> None:
        if seq in self._early:
            self._early.discard(seq)
        else:
            self.send_text(text, urgent=urgent)
        self.sent_upto = seq

    def catch_up(self, last_seq: int) -> None:
        """Makes sure every event up to `last_seq` is (being) read from the log."""
        if last_seq <= self.sent_upto or self.closing is not None:
            return
        self._fill_target = max(self._fill_target, last_seq)
        if self._fill is None or self._fill.done():
            self._fill = asyncio.create_task(self._run_fill())

    async def _run_fill(self) -> None:
        try:
            while self.sent_upto < self._fill_target and self.closing is None:
                before = self.sent_upto
                await self._filler(self, self._fill_target)
                if self.sent_upto == before:
                    break  # the log has nothing more (the pair is going away)
        except Exception as exc:
            log.warning("catch_up_failed", conn=self.conn_id, error=type(exc).__name__)

    def strengthens(self, command: str) -> bool:
        """True when a signal command makes this person's own signal stronger."""
        after = {"pause": "paused", "slow": "slow"}.get(command, "clear")
        return _STRENGTH[after] > _STRENGTH.get(self.own_state, 0)

    def token_expired(self) -> None:
        """Tells the client once that its sign-in ran out; signals keep working here."""
        if not self._told_expired:
            self._told_expired = True
            self.send({"type": "session.expired"}, urgent=True)

    # -- closing ------------------------------------------------------------------------

    def close(self, code: int, reason: str, *, flush: bool = False) -> None:
        """Closes the socket, at once or after what is queued has been sent."""
        if self.closing is not None:
            return
        self.closing = (code, reason)
        self._flush_before_close = flush
        if not flush:
            self._urgent.clear()
            self._normal.clear()
        self._wake.set()

    # -- the heartbeat ------------------------------------------------------------------

    def beat(self, now: float) -> None:
        """Called by the hub's heartbeat: a socket heard from lately gets its ping when
        due; one silent too long is closed."""
        if self.closing is not None or now < self._next_beat:
            return
        self._next_beat = now + self._heartbeat
        if now - self.last_heard > self._dead_after:
            self.close(CLOSE_DEAD, "nothing heard within the heartbeat window")
        else:
            self.send({"type": "ping"})

    # -- the writer task ----------------------------------------------------------------

    async def run_writer(self) -> None:
        """Sends queued frames, urgent first; closes when asked."""
        try:
            while True:
                if self._urgent or self._normal:
                    if self.closing is not None and not self._flush_before_close:
                        break
                    text = self._urgent.popleft() if self._urgent else self._normal.popleft()
                    # A timeout scope, not wait_for: on Python 3.11 wait_for wraps every
                    # send in a task of its own, one more turn of the loop per frame.
                    async with asyncio.timeout(_SEND_TIMEOUT):
                        await self.ws.send_text(text)
                    continue
                if self.closing is not None:
                    break
                self._wake.clear()
                await self._wake.wait()
        except (TimeoutError, OSError, RuntimeError, WebSocketDisconnect) as exc:
            log.info("socket_write_failed", conn=self.conn_id, error=type(exc).__name__)
            self.closing = self.closing or (CLOSE_DEAD, "write failed")
        code, reason = self.closing or (1000, "")
        try:
            async with asyncio.timeout(_SEND_TIMEOUT):
                await self.ws.close(code, reason)
        except Exception as exc:  # the peer may already be gone
            log.debug("socket_close_failed", conn=self.conn_id, error=type(exc).__name__)
