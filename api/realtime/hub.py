"""The event hub: carries the news of stored events to every instance's sockets.

The database log is the source of truth; the hub only says "look, something new".
Publishing never waits: each instance dispatches its own news to its sockets at once,
in the publishing call, so a pause is on its way to the partner's socket right after
its commit. With Redis, the news also goes into a bounded outbox that one publisher
task drains into one Redis Stream (sealed with the keyring, trimmed by time, a pair's
entries deleted when it ends); every instance reads that stream with a single blocking
XREAD loop. Nothing Redis does (slow, paused, gone) can hold a socket, a command or a
commit back: a note that cannot be sent, or is missed, is caught up by the sweep,
which re-reads the log for every pair that has a socket here, a slice at a time. The
sweep also closes sockets whose pair ended or whose token was revoked, so a lost note
can delay news by at most one sweep interval but never lose it.

The heartbeat runs here too, in its own task: a ping due, or a socket gone silent,
never waits on anything else.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal, Protocol

import structlog
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from api.crypto import Keyring, KeyringError
from api.models import utcnow

log = structlog.get_logger(__name__)

STREAM = "attune:hub"
# Notes are news for instances that are up right now; a reader that was away catches up
# from the log. So the stream keeps only the last minute (by entry time).
STREAM_KEEP_MS = 60_000
# A Redis call that takes longer than this is given up (the sweep brings its news).
REDIS_TIMEOUT = 0.5
OUTBOX_LIMIT = 10_000
_BATCH = 200
# Sockets are judged by the heartbeat and the sweep a slice at a time, so neither
# holds the loop for long however many sockets an instance has (one slice's read runs
# on the loop without a break: SQLite is called inline).
_SLICE = 64

# Close codes of the live channel, documented in schemas/README.md.
CLOSE_AUTH = 4401
CLOSE_PAIR = 4403
CLOSE_TOO_MANY = 4429


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
    closing: tuple[int, str] | None

    def deliver_event(self, frame: dict[str, Any], text: str) -> None: ...
    def send_text(self, text: str, *, urgent: bool = False) -> None: ...
    def close(self, code: int, reason: str, *, flush: bool = False) -> None: ...
    def catch_up(self, last_seq: int) -> None: ...
    def token_expired(self) -> None: ...
    def beat(self, now: float) -> None: ...


class SweepResult(Protocol):
    """What one look at the database says about this instance's sockets."""

    last_seq: dict[uuid.UUID, int]
    live_devices: set[uuid.UUID]
    expired_devices: set[uuid.UUID]


Sweeper = Callable[[list[uuid.UUID], list[uuid.UUID]], Awaitable[SweepResult]]
Listener = Callable[[uuid.UUID, dict[str, Any]], None]


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

    def __init__(self, *, sweeper: Sweeper, sweep_seconds: float,
                 heartbeat_seconds: float = 10.0, sockets_per_device: int = 8) -> None:
        self.instance = uuid.uuid4().hex
        self._sweeper = sweeper
        self._sweep_seconds = sweep_seconds
        self._heartbeat_seconds = heartbeat_seconds
        self._sockets_per_device = sockets_per_device
        self._by_pair: dict[uuid.UUID, set[Subscriber]] = defaultdict(set)
        self._by_user: dict[uuid.UUID, set[Subscriber]] = defaultdict(set)
        # Oldest first, so the newest of too many sockets of one device stays.
        self._by_device: dict[uuid.UUID, list[Subscriber]] = defaultdict(list)
        self._tasks: list[asyncio.Task[None]] = []
        self.degraded = False
        # Called once per stored event, on the instance that stored it (e.g. Web Push),
        # each in a callback of its own after the event is on its way: never on the path.
        self.listeners: list[Listener] = []

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Starts the background loops."""
        self._tasks.append(asyncio.create_task(self._sweep_loop(), name="hub-sweep"))
        self._tasks.append(asyncio.create_task(self._heartbeat_loop(), name="hub-heartbeat"))

    async def stop(self) -> None:
        """Stops the background loops."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    # -- local registry -------------------------------------------------------------

    @asynccontextmanager
    async def attached(self, sub: Subscriber) -> AsyncIterator[None]:
        """Delivers to a connection for as long as the block runs; however the block
        ends, the connection is let go."""
        self._attach(sub)
        try:
            yield
        finally:
            self._detach(sub)

    def _attach(self, sub: Subscriber) -> None:
        self._by_pair[sub.pair_id].add(sub)
        self._by_user[sub.user_id].add(sub)
        device = self._by_device[sub.device_id]
        device.append(sub)
        # One sign-in is one phone: a client reconnecting in a loop, or a leaked token,
        # must not pile up sockets. The oldest open one goes; the newest is the live one.
        # Sockets already closing (dead ones wait for their reader to notice) do not
        # count, so a flaky tab's leftovers never push out a healthy one.
        open_ = [s for s in device if s.closing is None]
        for old in open_[:max(0, len(open_) - self._sockets_per_device)]:
            old.close(CLOSE_TOO_MANY, "too many sockets for this sign-in")

    def _detach(self, sub: Subscriber) -> None:
        for index, key in ((self._by_pair, sub.pair_id), (self._by_user, sub.user_id)):
            subs = index.get(key)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del index[key]
        device = self._by_device.get(sub.device_id)
        if device is not None:
            if sub in device:
                device.remove(sub)
            if not device:
                del self._by_device[sub.device_id]

    @property
    def connection_count(self) -> int:
        """Open sockets on this instance."""
        return sum(len(s) for s in self._by_user.values())

    # -- publishing: never waits ------------------------------------------------------

    def publish_event(self, pair_id: uuid.UUID, frame: dict[str, Any]) -> None:
        """Announces a stored pair event to both partners, wherever they are connected;
        then lets the listeners know, each on its own, after this call."""
        self._publish(EventNote.model_construct(pair=pair_id, frame=frame, o=""))
        if self.listeners:
            loop = asyncio.get_running_loop()
            for listener in self.listeners:
                loop.call_soon(_run_listener, listener, pair_id, frame)

    def send_to_user(self, user_id: uuid.UUID, frame: dict[str, Any]) -> None:
        """Sends a frame that is not a pair event (a receipt) to one person's devices."""
        self._publish(UserNote.model_construct(user=user_id, frame=frame, o=""))

    def send_to_pair(self, pair_id: uuid.UUID, frame: dict[str, Any]) -> None:
        """Sends a frame that is not a pair event (not logged, no seq) to both partners."""
        self._publish(PairNote.model_construct(pair=pair_id, frame=frame, o=""))

    def revoke(self, *, user_id: uuid.UUID, device_id: uuid.UUID | None) -> None:
        """Closes the person's sockets of one device session (or all) with 4401."""
        self._publish(RevokeNote.model_construct(user=user_id, device=device_id, o=""))

    def end_pair(self, *, pair_id: uuid.UUID, seq: int, actor_id: uuid.UUID) -> None:
        """Tells both partners the pair ended, then closes their sockets with 4403."""
        frame = {"type": "pair.ended", "seq": seq, "id": str(uuid.uuid4()),
                 "actor": str(actor_id), "at": utcnow().isoformat(), "data": {}}
        self._publish(EndNote.model_construct(pair=pair_id, frame=frame, o=""))

    def _publish(self, note: Note) -> None:
        self._dispatch(note)
        self._transport(note)

    def _transport(self, note: Note) -> None:
        """Hands a note on to the other instances; in-process there are none."""

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

    # -- the heartbeat --------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        # Looked at 40 times per heartbeat: each socket keeps its own time
        # (Connection.beat), so each tick pings only the few due, within a fortieth of a
        # beat of their time. At four ticks a beat, a quarter of 2,000 sockets were
        # pinged in one go, and a pause that came meanwhile waited behind 500 sends
        # (every 2.5 s, the pause benchmark's p99).
        while True:
            await asyncio.sleep(self._heartbeat_seconds / 40)
            subs = [sub for subs in self._by_user.values() for sub in subs]
            for start in range(0, len(subs), _SLICE):
                now = time.monotonic()
                for sub in subs[start:start + _SLICE]:
                    try:
                        sub.beat(now)
                    except Exception as exc:  # one socket must not stop every heartbeat
                        log.error("heartbeat_failed", conn=sub.conn_id,
                                  error=type(exc).__name__, where=where(exc))
                await asyncio.sleep(0)

    # -- the safety net -------------------------------------------------------------

    async def sweep(self) -> None:
        """Re-reads the log for every pair with a socket here; closes ended or revoked.

        A slice of pairs per read, with the loop free between slices: one read over
        thousands of pairs would hold every socket back while it ran.
        """
        pairs = list(self._by_pair)
        for start in range(0, len(pairs), _SLICE):
            await self._sweep_slice(pairs[start:start + _SLICE])
            # SQLite is called inline, so a read need not give the loop back by itself:
            # without this the slices ran as one (~100 ms at 1,000 pairs every 2 s).
            await asyncio.sleep(0)

    async def _sweep_slice(self, pairs: list[uuid.UUID]) -> None:
        # Judge only the sockets that were here before the read: one that attached
        # meanwhile was not asked about, and must not be taken for signed out.
        seen = [sub for pair in pairs for sub in self._by_pair.get(pair, ())]
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


def _run_listener(listener: Listener, pair_id: uuid.UUID, frame: dict[str, Any]) -> None:
    try:
        listener(pair_id, frame)
    except Exception as exc:  # a listener (push, metrics) never undoes the event
        log.error("listener_failed", error=type(exc).__name__, where=where(exc))


class RedisHub(Hub):
    """The scale-out hub: one Redis Stream carries the news between instances.

    What crosses Redis is sealed with the keyring (every instance has the same one:
    start-up checks it), so no label or phrase sits in Redis in clear; entries live a
    minute, and the entries this instance wrote for a pair are deleted when it ends.
    """

    def __init__(self, *, url: str, keyring: Keyring, sweeper: Sweeper,
                 sweep_seconds: float, heartbeat_seconds: float = 10.0,
                 sockets_per_device: int = 8) -> None:
        super().__init__(sweeper=sweeper, sweep_seconds=sweep_seconds,
                         heartbeat_seconds=heartbeat_seconds,
                         sockets_per_device=sockets_per_device)
        import redis.asyncio as redis

        self._keyring = keyring
        # A blocking pool: when every connection is busy a caller waits its turn (within
        # the timeout) instead of failing. Short socket timeouts: a slow Redis is given up
        # on quickly and the sweep carries the news.
        pool = redis.BlockingConnectionPool.from_url(
            url, max_connections=8, timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT)
        self._redis = redis.Redis(connection_pool=pool)
        # The reader blocks in XREAD for up to a second, so it has its own connection.
        self._reader = redis.Redis.from_url(url, socket_timeout=1 + 2 * REDIS_TIMEOUT,
                                            socket_connect_timeout=REDIS_TIMEOUT)
        self._outbox: deque[Note] = deque()
        self._outbox_ready = asyncio.Event()
        self._dropped = 0
        self._read_failing = False
        self._write_failing = False
        # Entry ids this instance wrote, per pair, for deleting them when the pair ends.
        self._written: dict[uuid.UUID, list[tuple[int, bytes]]] = defaultdict(list)
        self._ended: set[uuid.UUID] = set()
        self._pruned_at = 0

    async def start(self) -> None:
        await super().start()
        self._tasks.append(asyncio.create_task(self._read_loop(), name="hub-redis-read"))
        self._tasks.append(asyncio.create_task(self._publish_loop(), name="hub-redis-write"))

    async def stop(self) -> None:
        await super().stop()
        await self._redis.aclose(close_connection_pool=True)
        await self._reader.aclose()

    # -- writing: one task, a bounded outbox ----------------------------------------------

    def _transport(self, note: Note) -> None:
        if len(self._outbox) >= OUTBOX_LIMIT:
            # Redis has been too slow for a while: the oldest news goes (it is stored;
            # the sweep, quicker while degraded, brings it), the newest stays.
            self._outbox.popleft()
            self._dropped += 1
            self._set_failing(write=True, reason="outbox_full")
        self._outbox.append(note)
        self._outbox_ready.set()

    def _seal(self, note: Note) -> bytes:
        plain = note.model_copy(update={"o": self.instance}).model_dump_json()
        return self._keyring.encrypt(plain, aad=STREAM).encode()

    async def _publish_loop(self) -> None:
        backoff = 0.05
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            while self._outbox or self._ended:
                batch = [self._outbox.popleft()
                         for _ in range(min(_BATCH, len(self._outbox)))]
                try:
                    await self._write(batch)
                    while self._ended:
                        await self._forget_pair(self._ended.pop())
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Stored already: other instances find it on their next sweep.
                    self._dropped += len(batch)
                    self._set_failing(write=True, reason=type(exc).__name__)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)
                else:
                    backoff = 0.05
                    self._set_failing(write=False)

    async def _write(self, batch: list[Note]) -> None:
        if not batch:
            return
        now_ms = int(time.time() * 1000)
        oldest = f"{now_ms - STREAM_KEEP_MS}-0"
        async with asyncio.timeout(2 * REDIS_TIMEOUT):
            pipe = self._redis.pipeline(transaction=False)
            for note in batch:
                pipe.xadd(STREAM, {"n": self._seal(note)}, minid=oldest, approximate=True)
            ids: list[bytes] = await pipe.execute()
        for note, entry_id in zip(batch, ids, strict=True):
            pair = getattr(note, "pair", None)
            if isinstance(note, EndNote):
                self._ended.add(note.pair)
            elif pair is not None:
                self._written[pair].append((now_ms, entry_id))
        if now_ms - self._pruned_at > STREAM_KEEP_MS:
            # What is older than the stream keeps has been trimmed from it by now.
            self._pruned_at = now_ms
            for pair in list(self._written):
                kept = [(at, entry) for at, entry in self._written[pair]
                        if at >= now_ms - STREAM_KEEP_MS]
                if kept:
                    self._written[pair] = kept
                else:
                    del self._written[pair]

    async def _forget_pair(self, pair: uuid.UUID) -> None:
        """Deletes the entries this instance wrote for a pair that ended."""
        written = self._written.pop(pair, [])
        if written:
            async with asyncio.timeout(2 * REDIS_TIMEOUT):
                await self._redis.xdel(STREAM, *(entry for _, entry in written))

    def _set_failing(self, *, read: bool | None = None, write: bool | None = None,
                     reason: str = "") -> None:
        if read is not None:
            self._read_failing = read
        if write is not None:
            self._write_failing = write
        degraded = self._read_failing or self._write_failing
        if degraded != self.degraded:
            self.degraded = degraded
            if degraded:
                log.warning("hub_degraded", reason=reason)
            else:
                log.info("hub_recovered", notes_dropped=self._dropped)

    # -- reading: one blocking XREAD loop ---------------------------------------------

    async def _read_loop(self) -> None:
        last_id: str | None = None
        backoff = 0.1
        while True:
            try:
                if last_id is None:
                    newest: Any = await self._reader.xrevrange(STREAM, count=1)
                    last_id = newest[0][0].decode() if newest else "0-0"
                    if self.degraded:
                        # Whatever was published while we were away is in the log.
                        await self.sweep()
                    self._set_failing(read=False)
                    backoff = 0.1
                answer: Any = await self._reader.xread({STREAM: last_id}, count=500,
                                                       block=1000)
                for _stream, entries in answer or ():
                    for entry_id, fields in entries:
                        last_id = entry_id.decode()
                        self._receive(last_id, fields)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._set_failing(read=True, reason=type(exc).__name__)
                last_id = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    def _receive(self, entry_id: str, fields: dict[bytes, bytes]) -> None:
        try:
            plain = self._keyring.decrypt(fields[b"n"].decode(), aad=STREAM)
            note = _NOTE.validate_json(plain)
        except (KeyError, UnicodeDecodeError, ValidationError, KeyringError):
            # Not one of ours (another version mid-deploy, another keyring?): the sweep
            # still brings whatever it was about from the log.
            log.warning("hub_note_unreadable", entry=entry_id)
            return
        if note.o == self.instance:
            return
        self._dispatch(note)
        if isinstance(note, EndNote) and note.pair in self._written:
            # The pair ended through another instance: what this one wrote goes too.
            self._ended.add(note.pair)
            self._outbox_ready.set()
