"""The event hub: carries the news of stored events to every instance's sockets.

The database log is the source of truth; the hub only says "look, something new".
Each instance dispatches its own publications locally at once. With Redis, it also
appends them to one Redis Stream that every instance reads with a single blocking
XREAD loop; a reader that loses Redis, or misses an entry, is caught up by the
sweep, which re-reads the log for every pair that has a socket here. The sweep also
closes sockets whose pair ended or whose token was revoked, so a lost message can
delay news by at most one sweep interval but never lose it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, Protocol

import structlog
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from api.models import utcnow

log = structlog.get_logger(__name__)

STREAM = "attune:hub"
STREAM_MAXLEN = 20_000

# Close codes of the live channel, documented in schemas/README.md.
CLOSE_AUTH = 4401
CLOSE_PAIR = 4403


def where(exc: BaseException) -> str:
    """file:line:function of the innermost frame of an error: enough to find it, and no
    message or locals (which may quote stored data)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "unknown"
    code = tb.tb_frame.f_code
    return f"{code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}:{code.co_name}"


class Subscriber(Protocol):
    """What the hub needs of a live connection."""

    user_id: uuid.UUID
    pair_id: uuid.UUID
    device_id: uuid.UUID
    conn_id: str

    def deliver_event(self, frame: dict[str, Any], text: str) -> None: ...
    def send_text(self, text: str, *, urgent: bool = False) -> None: ...
    def close(self, code: int, reason: str, *, flush: bool = False) -> None: ...
    def catch_up(self, last_seq: int) -> None: ...
    def token_expired(self) -> None: ...


class SweepResult(Protocol):
    """What one look at the database says about this instance's sockets."""

    last_seq: dict[uuid.UUID, int]
    live_devices: set[uuid.UUID]
    expired_devices: set[uuid.UUID]


Sweeper = Callable[[list[uuid.UUID], list[uuid.UUID]], Awaitable[SweepResult]]


# -- the notes instances pass each other ----------------------------------------------


class _Note(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    o: str = ""  # the instance that published it (it has dispatched it already)


class EventNote(_Note):
    """A stored pair event, for both partners' sockets."""

    k: Literal["event"] = "event"
    pair: uuid.UUID
    frame: dict[str, Any]


class UserNote(_Note):
    """A frame for one person's sockets (not a pair event: no seq)."""

    k: Literal["user"] = "user"
    user: uuid.UUID
    frame: dict[str, Any]


class PairNote(_Note):
    """A frame for both partners' sockets (not a pair event: no seq)."""

    k: Literal["pair"] = "pair"
    pair: uuid.UUID
    frame: dict[str, Any]


class RevokeNote(_Note):
    """Close a person's sockets of one device (or all of them) with 4401."""

    k: Literal["revoke"] = "revoke"
    user: uuid.UUID
    device: uuid.UUID | None


class EndNote(_Note):
    """The pair ended: say so, then close both partners' sockets with 4403."""

    k: Literal["end"] = "end"
    pair: uuid.UUID
    frame: dict[str, Any]


Note = Annotated[EventNote | UserNote | PairNote | RevokeNote | EndNote,
                 Field(discriminator="k")]
_NOTE: TypeAdapter[Note] = TypeAdapter(Note)


def _text(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"))


class Hub:
    """The in-process hub: the embedded default, and the base of the Redis hub."""

    def __init__(self, *, sweeper: Sweeper, sweep_seconds: float) -> None:
        self.instance = uuid.uuid4().hex
        self._sweeper = sweeper
        self._sweep_seconds = sweep_seconds
        self._by_pair: dict[uuid.UUID, set[Subscriber]] = defaultdict(set)
        self._by_user: dict[uuid.UUID, set[Subscriber]] = defaultdict(set)
        self._tasks: list[asyncio.Task[None]] = []
        self.degraded = False
        # Called once per stored event, on the instance that stored it (e.g. Web Push).
        self.listeners: list[Callable[[uuid.UUID, dict[str, Any]], None]] = []

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Starts the background loops."""
        self._tasks.append(asyncio.create_task(self._sweep_loop(), name="hub-sweep"))

    async def stop(self) -> None:
        """Stops the background loops."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    # -- local registry -------------------------------------------------------------

    async def attach(self, sub: Subscriber) -> None:
        """Starts delivering to a connection."""
        self._by_pair[sub.pair_id].add(sub)
        self._by_user[sub.user_id].add(sub)

    async def detach(self, sub: Subscriber) -> None:
        """Stops delivering to a connection."""
        for index, key in ((self._by_pair, sub.pair_id), (self._by_user, sub.user_id)):
            subs = index.get(key)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del index[key]

    @property
    def connection_count(self) -> int:
        """Open sockets on this instance."""
        return sum(len(s) for s in self._by_user.values())

    # -- publishing -----------------------------------------------------------------

    async def publish_event(self, pair_id: uuid.UUID, frame: dict[str, Any]) -> None:
        """Announces a stored pair event to both partners, wherever they are connected."""
        await self._publish(EventNote(pair=pair_id, frame=frame))
        for listener in self.listeners:
            try:
                listener(pair_id, frame)
            except Exception as exc:  # a listener (push, metrics) never undoes the event
                log.error("listener_failed", error=type(exc).__name__, where=where(exc))

    async def send_to_user(self, user_id: uuid.UUID, frame: dict[str, Any]) -> None:
        """Sends a frame that is not a pair event (a receipt) to one person's devices."""
        await self._publish(UserNote(user=user_id, frame=frame))

    async def send_to_pair(self, pair_id: uuid.UUID, frame: dict[str, Any]) -> None:
        """Sends a frame that is not a pair event (not logged, no seq) to both partners."""
        await self._publish(PairNote(pair=pair_id, frame=frame))

    async def revoke(self, *, user_id: uuid.UUID, device_id: uuid.UUID | None) -> None:
        """Closes the person's sockets of one device session (or all) with 4401."""
        await self._publish(RevokeNote(user=user_id, device=device_id))

    async def end_pair(self, *, pair_id: uuid.UUID, seq: int, actor_id: uuid.UUID) -> None:
        """Tells both partners the pair ended, then closes their sockets with 4403."""
        frame = {"type": "pair.ended", "seq": seq, "id": str(uuid.uuid4()),
                 "actor": str(actor_id), "at": utcnow().isoformat(), "data": {}}
        await self._publish(EndNote(pair=pair_id, frame=frame))

    async def _publish(self, note: Note) -> None:
        self._dispatch(note)
        await self._transport(note)

    async def _transport(self, note: Note) -> None:
        """Carries a note to the other instances; in-process there are none."""

    def _dispatch(self, note: Note) -> None:
        match note:
            case EventNote(pair=pair, frame=frame):
                text = _text(frame)
                for sub in list(self._by_pair.get(pair, ())):
                    sub.deliver_event(frame, text)
            case UserNote(user=user, frame=frame):
                text = _text(frame)
                for sub in list(self._by_user.get(user, ())):
                    sub.send_text(text)
            case PairNote(pair=pair, frame=frame):
                text = _text(frame)
                for sub in list(self._by_pair.get(pair, ())):
                    sub.send_text(text)
            case RevokeNote(user=user, device=device):
                for sub in list(self._by_user.get(user, ())):
                    if device is None or sub.device_id == device:
                        sub.close(CLOSE_AUTH, "signed out")
            case EndNote(pair=pair, frame=frame):
                text = _text(frame)
                for sub in list(self._by_pair.get(pair, ())):
                    sub.send_text(text, urgent=True)
                    sub.close(CLOSE_PAIR, "pair ended", flush=True)

    # -- the safety net -------------------------------------------------------------

    async def sweep(self) -> None:
        """Re-reads the log for every pair with a socket here; closes ended or revoked."""
        # Judge only the sockets that were here before the read: one that attached
        # meanwhile was not asked about, and must not be taken for signed out.
        seen = [sub for subs in self._by_pair.values() for sub in subs]
        if not seen:
            return
        result = await self._sweeper(list({s.pair_id for s in seen}),
                                     list({s.device_id for s in seen}))
        for sub in seen:
            if sub in self._by_pair.get(sub.pair_id, ()):
                last_seq = result.last_seq.get(sub.pair_id)
                if last_seq is None:
                    sub.close(CLOSE_PAIR, "pair ended")
                elif sub.device_id not in result.live_devices:
                    sub.close(CLOSE_AUTH, "signed out")
                else:
                    # Expired, not revoked: the socket stays, so a pause still goes through.
                    if sub.device_id in result.expired_devices:
                        sub.token_expired()
                    sub.catch_up(last_seq)

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(min(0.5, self._sweep_seconds) if self.degraded
                                else self._sweep_seconds)
            try:
                await self.sweep()
            except Exception as exc:  # the loop must outlive a database hiccup
                log.warning("sweep_failed", error=type(exc).__name__)


class RedisHub(Hub):
    """The scale-out hub: one Redis Stream carries the news between instances."""

    def __init__(self, *, url: str, sweeper: Sweeper, sweep_seconds: float) -> None:
        super().__init__(sweeper=sweeper, sweep_seconds=sweep_seconds)
        import redis.asyncio as redis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        # Two quick retries get past a pooled connection that died with a Redis restart.
        self._redis = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=1,
            retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 2),
            retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        )

    async def start(self) -> None:
        await super().start()
        self._tasks.append(asyncio.create_task(self._read_loop(), name="hub-redis-read"))

    async def stop(self) -> None:
        await super().stop()
        await self._redis.aclose()

    async def _transport(self, note: Note) -> None:
        payload = note.model_copy(update={"o": self.instance}).model_dump_json()
        try:
            await self._redis.xadd(STREAM, {"n": payload}, maxlen=STREAM_MAXLEN,
                                   approximate=True)
        except Exception as exc:
            # Stored already: other instances will find it on their next sweep.
            self._set_degraded(True, type(exc).__name__)

    def _set_degraded(self, degraded: bool, reason: str = "") -> None:
        if degraded != self.degraded:
            self.degraded = degraded
            if degraded:
                log.warning("hub_degraded", reason=reason)
            else:
                log.info("hub_recovered")

    async def _read_loop(self) -> None:
        last_id: str | None = None
        backoff = 0.1
        while True:
            try:
                if last_id is None:
                    newest: Any = await self._redis.xrevrange(STREAM, count=1)
                    last_id = newest[0][0].decode() if newest else "0-0"
                    if self.degraded:
                        # Whatever was published while we were away is in the log.
                        await self.sweep()
                    self._set_degraded(False)
                    backoff = 0.1
                answer: Any = await self._redis.xread({STREAM: last_id}, count=500, block=1000)
                for _stream, entries in answer or ():
                    for entry_id, fields in entries:
                        last_id = entry_id.decode()
                        try:
                            note = _NOTE.validate_json(fields[b"n"])
                        except ValidationError:
                            # Not one of ours (another version mid-deploy?): the sweep
                            # still brings whatever it was about from the log.
                            log.warning("hub_note_unreadable", entry=last_id)
                            continue
                        if note.o != self.instance:
                            self._dispatch(note)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._set_degraded(True, type(exc).__name__)
                last_id = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
