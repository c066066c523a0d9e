"""Rate limits and the sign-in slow-down, kept in Redis so that every instance spends
from the same budget; the socket command limiter stays per connection, in memory.

Why shared: each instance used to keep its budgets in its own memory, so two instances
behind the balancer gave twice every budget: twice the accounts per address, twice the
wrong pairing codes per account, and a sign-in back-off that a guesser could dodge by
landing on the other instance. With `REDIS_URL` set, every instance reads and writes
the same budgets in Redis; on the embedded default they stay in this process's memory.

Budgets ("N tries per window per key") are the `limits` library's moving windows: each
try is forgotten one window after it was made, and a refused try costs nothing. The
sign-in slow-down is no budget: it counts failures, makes each try after the free ones
wait twice as long as the last, and forgets everything 15 minutes after the *last*
failure. limits' counters expire a fixed time after their first hit and cannot say when
the last failure was, so the slow-down keeps its own small record per name and address
(a count and the time of the last failure), a Redis hash written in one transaction.

Why memory stands in for Redis: a Redis outage or brownout must never take sign-in down.
Every question to Redis is bounded by REDIS_TIMEOUT; when it fails, this instance answers
from its own memory (the per-instance budgets of before: looser, never unlimited) and
leaves Redis alone for LOCAL_ONLY_SECONDS, so an outage costs one warning, not a wait
on every request.

Redis holds no name or address in clear: the keys are keyed digests (the keyring's
index key, the same on every instance).

In memory the windows are this module's own (`MemoryWindows`), not limits' memory storage:
that one sweeps every key for expired tries on a worker thread, one thread hop per key,
again and again while anything is being hit; under the soak benchmark (2,000 people
writing) the sweep alone took 5% of the event loop, and the futures it made for every
hop fed the garbage collector pauses a pause waited behind.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import structlog
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.util import WindowStats
from redis.asyncio import Redis
from redis.exceptions import RedisError

from api.config import Settings
from api.errors import RateLimited

log = structlog.get_logger(__name__)

_MAX_KEYS = 100_000
# The longest a request waits on Redis for one limit before its instance answers alone
# (once per outage: then LOCAL_ONLY_SECONDS without asking). Not shorter: a busy but
# healthy Redis, or a first connection, must not split the budgets (and limits never
# sit on the pause's path).
REDIS_TIMEOUT = 2.0
LOCAL_ONLY_SECONDS = 5.0

T = TypeVar("T")


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """One bucket per key, refilled continuously; the oldest keys are forgotten first.

    In memory only: for limits that belong to one connection (socket commands)."""

    def __init__(self, *, rate_per_second: float, burst: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[Hashable, _Bucket] = OrderedDict()

    def _refilled(self, key: Hashable) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.pop(key, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        self._buckets[key] = bucket
        if len(self._buckets) > _MAX_KEYS:
            self._buckets.popitem(last=False)
        return bucket

    def check_free(self, key: Hashable) -> None:
        """Raises RateLimited when no token is free, without spending one."""
        bucket = self._refilled(key)
        if bucket.tokens < 1:
            raise RateLimited((1 - bucket.tokens) / self.rate)

    def take(self, key: Hashable) -> float:
        """Spends one token; returns 0 when allowed, else seconds until one is free."""
        bucket = self._refilled(key)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    def check(self, key: Hashable) -> None:
        """Spends one token or raises RateLimited."""
        wait = self.take(key)
        if wait:
            raise RateLimited(wait)


class _Windows(Protocol):
    """What a budget asks of its store: limits' moving-window strategy."""

    async def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool: ...
    async def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool: ...
    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


class MemoryWindows:
    """limits' moving windows, in this process: each try is remembered by its time and
    given back one window later; a refused try costs nothing; the keys used longest ago
    are forgotten first. Expired tries go when their key is next asked about, so there
    is nothing to sweep."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._tries: OrderedDict[str, deque[float]] = OrderedDict()

    def _window(self, item: RateLimitItem, identifiers: tuple[str, ...],
                ) -> tuple[deque[float], float]:
        key, now = item.key_for(*identifiers), self._clock()
        tries = self._tries.pop(key, None) or deque()
        horizon = now - item.get_expiry()
        while tries and tries[0] <= horizon:
            tries.popleft()
        if tries:
            self._tries[key] = tries  # the most recently asked about, last
        return tries, now

    async def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """Spends `cost` tries if that many are left."""
        tries, now = self._window(item, identifiers)
        if len(tries) + cost > item.amount:
            return False
        tries.extend([now] * cost)
        self._tries[item.key_for(*identifiers)] = tries
        while len(self._tries) > _MAX_KEYS:
            self._tries.popitem(last=False)
        return True

    async def test(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """True when `cost` tries are left, spending none."""
        tries, _ = self._window(item, identifiers)
        return len(tries) + cost <= item.amount

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        """When the oldest try in the window is given back, and how many are left."""
        tries, now = self._window(item, identifiers)
        return WindowStats((tries[0] if tries else now) + item.get_expiry(),
                           max(0, item.amount - len(tries)))


# A failure record: how many failures, and when the last one was (seconds since the epoch).
Record = tuple[int, float]


class _Failures(Protocol):
    async def read(self, keys: list[str]) -> list[Record]: ...
    async def add(self, keys: list[str], now: float, forget_after: float) -> None: ...
    async def clear(self, keys: list[str]) -> None: ...


class _MemoryFailures:
    """Failure records in this process, the oldest forgotten first."""

    def __init__(self) -> None:
        self._records: OrderedDict[str, Record] = OrderedDict()

    async def read(self, keys: list[str]) -> list[Record]:
        return [self._records.get(key, (0, 0.0)) for key in keys]

    async def add(self, keys: list[str], now: float, forget_after: float) -> None:
        for key in keys:
            count, last = self._records.pop(key, (0, 0.0))
            self._records[key] = (1 if now - last > forget_after else count + 1, now)
        while len(self._records) > _MAX_KEYS:
            self._records.popitem(last=False)

    async def clear(self, keys: list[str]) -> None:
        for key in keys:
            self._records.pop(key, None)


class _RedisFailures:
    """Failure records as Redis hashes, each expiring `forget_after` its last failure."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def read(self, keys: list[str]) -> list[Record]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.hmget(key, ["count", "last"])
            rows = await pipe.execute()
        return [(int(count or 0), float(last or 0)) for count, last in rows]

    async def add(self, keys: list[str], now: float, forget_after: float) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in keys:
                pipe.hincrby(key, "count", 1)
                pipe.hset(key, "last", repr(now))
                pipe.pexpire(key, int(forget_after * 1000))
            await pipe.execute()

    async def clear(self, keys: list[str]) -> None:
        await self._redis.delete(*keys)


@dataclass
class _Backend:
    limiter: _Windows
    failures: _Failures


class Store:
    """Where the limits live: Redis when configured, else (and while Redis is failing)
    this process's memory."""

    def __init__(self, *, redis_url: str | None, digest: Callable[[str], str]) -> None:
        self.digest = digest
        self._local = _Backend(MemoryWindows(), _MemoryFailures())
        self._redis: Redis | None = None
        self._shared: _Backend | None = None
        self._local_until = 0.0
        if redis_url:
            self._redis = Redis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT,
                                         socket_connect_timeout=REDIS_TIMEOUT)
            # limits talks through our client's pool (one pool, our timeouts); its URI
            # is then only a scheme, and the real address stays in redis-py's hands.
            pool: Any = self._redis.connection_pool
            storage = RedisStorage("async+redis://", implementation="redispy",
                                   key_prefix="attune:limits", connection_pool=pool)
            self._shared = _Backend(MovingWindowRateLimiter(storage),
                                    _RedisFailures(self._redis))

    async def run(self, limit: str, ask: Callable[[_Backend], Awaitable[T]]) -> T:
        """`ask` answered by Redis, or by this instance's memory while Redis fails."""
        if self._shared is not None and time.monotonic() >= self._local_until:
            try:
                answer = await asyncio.wait_for(ask(self._shared), REDIS_TIMEOUT)
            except (RedisError, OSError, TimeoutError) as exc:
                self._local_until = time.monotonic() + LOCAL_ONLY_SECONDS
                log.warning("rate_limits_local_only", limit=limit, error=type(exc).__name__)
            else:
                if self._local_until:
                    self._local_until = 0.0
                    log.info("rate_limits_shared_again")
                return answer
        return await ask(self._local)

    async def close(self) -> None:
        """Closes the Redis connections."""
        if self._redis is not None:
            await self._redis.aclose()


class Budget:
    """`amount` tries per `minutes` for each key (an address, an account), as a moving
    window: a try is given back one window after it was spent."""

    def __init__(self, *, store: Store, name: str, amount: int, minutes: int = 1) -> None:
        self.name = name
        self._store = store
        self._item = RateLimitItemPerMinute(amount, minutes, namespace="attune")

    def _ids(self, key: str | uuid.UUID) -> tuple[str, str]:
        return self.name, self._store.digest(f"{self.name}:{key}")

    async def _settle(self, key: str | uuid.UUID, *, spend: bool) -> None:
        ids = self._ids(key)

        async def wait(backend: _Backend) -> float | None:
            limiter = backend.limiter
            allowed = limiter.hit if spend else limiter.test
            if await allowed(self._item, *ids):
                return None
            stats = await limiter.get_window_stats(self._item, *ids)
            return stats.reset_time - time.time()  # when the oldest try is given back

        seconds = await self._store.run(self.name, wait)
        if seconds is not None:
            raise RateLimited(seconds)

    async def check(self, key: str | uuid.UUID) -> None:
        """Spends one try, or raises RateLimited when none is left."""
        await self._settle(key, spend=True)

    async def check_free(self, key: str | uuid.UUID) -> None:
        """Raises RateLimited when no try is left, without spending one."""
        await self._settle(key, spend=False)

    async def spend(self, key: str | uuid.UUID) -> None:
        """Spends one try (if any is left)."""
        ids = self._ids(key)
        await self._store.run(self.name, lambda backend: backend.limiter.hit(self._item, *ids))


class LoginThrottle:
    """Wrong passwords for an account make the next try wait longer.

    Every check of a password counts: signing in, and the password a signed-in device
    must give to change the password or delete the account (a held phone must not be a
    way to guess it). There is deliberately no lockout: a partner who knows the username
    must not be able to shut the other out. Failures count per account and address
    (`free` before waiting) and per account from anywhere (`free` x ACCOUNT_FACTOR); a
    wait doubles from 1 s, is capped at 60 s, and is forgotten 15 minutes after the
    last failure or at the first success.
    """

    CAP_SECONDS = 60.0
    FORGET_SECONDS = 15 * 60.0
    ACCOUNT_FACTOR = 4
    _ANYWHERE = "*"

    def __init__(self, *, free: int, store: Store,
                 clock: Callable[[], float] = time.time) -> None:
        self.free = free
        self._store = store
        # Wall-clock time: the time of a failure is read by every instance.
        self._clock = clock

    def _keys(self, username: str, address: str) -> list[str]:
        return [f"attune:sign-in:{self._store.digest(f'sign-in:{username}:{where}')}"
                for where in (address, self._ANYWHERE)]

    def _remaining(self, record: Record, free: int, now: float) -> float:
        count, last = record
        if count < free or now - last > self.FORGET_SECONDS:
            return 0.0
        return last + min(self.CAP_SECONDS, 2.0 ** (count - free)) - now

    async def check(self, username: str, address: str) -> None:
        """Raises RateLimited while the wait after the last failure is running."""
        keys = self._keys(username, address)
        here, anywhere = await self._store.run(
            "sign-in", lambda backend: backend.failures.read(keys))
        now = self._clock()
        remaining = max(self._remaining(here, self.free, now),
                        self._remaining(anywhere, self.free * self.ACCOUNT_FACTOR, now))
        if remaining > 0:
            raise RateLimited(remaining, "Too many tries for this name. Please wait a moment.")

    async def failed(self, username: str, address: str) -> None:
        """Counts a wrong password."""
        keys, now = self._keys(username, address), self._clock()
        await self._store.run("sign-in", lambda backend: backend.failures.add(
            keys, now, self.FORGET_SECONDS))

    async def succeeded(self, username: str, address: str) -> None:
        """Forgets the failures after a right password."""
        keys = self._keys(username, address)
        await self._store.run("sign-in", lambda backend: backend.failures.clear(keys))


@dataclass
class Limits:
    """The app's rate limits, and the store they share."""

    store: Store
    register: Budget
    login: Budget
    join: Budget
    guesses: Budget
    throttle: LoginThrottle
    writes: Budget

    @classmethod
    def from_settings(cls, settings: Settings, *, digest: Callable[[str], str]) -> Limits:
        """The limits as configured, in Redis when `REDIS_URL` is set."""
        store = Store(redis_url=settings.resolved_redis_url, digest=digest)
        return cls(
            store=store,
            register=Budget(store=store, name="register", amount=settings.register_per_minute),
            login=Budget(store=store, name="login", amount=settings.login_per_minute),
            join=Budget(store=store, name="join", amount=settings.login_per_minute),
            guesses=Budget(store=store, name="guesses", amount=settings.join_wrong_guesses,
                           minutes=15),
            throttle=LoginThrottle(free=settings.login_free_failures, store=store),
            writes=Budget(store=store, name="writes",
                          amount=settings.person_writes_per_minute),
        )

    async def close(self) -> None:
        """Closes the connections to Redis."""
        await self.store.close()
