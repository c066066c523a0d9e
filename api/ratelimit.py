"""In-memory rate limits: token buckets and the progressive login slow-down."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from api.errors import RateLimited

_MAX_KEYS = 100_000


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """One bucket per key, refilled continuously; the oldest keys are forgotten first."""

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


@dataclass
class _Failures:
    count: int
    last: float


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

    def __init__(self, *, free: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.free = free
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()

    def _current(self, key: tuple[str, str]) -> _Failures | None:
        entry = self._failures.get(key)
        if entry and self._clock() - entry.last > self.FORGET_SECONDS:
            del self._failures[key]
            return None
        return entry

    def _remaining(self, key: tuple[str, str], free: int) -> float:
        entry = self._current(key)
        if entry is None or entry.count < free:
            return 0.0
        wait = min(self.CAP_SECONDS, 2.0 ** (entry.count - free))
        return entry.last + wait - self._clock()

    def check(self, username: str, address: str) -> None:
        """Raises RateLimited while the wait after the last failure is running."""
        remaining = max(self._remaining((username, address), self.free),
                        self._remaining((username, self._ANYWHERE),
                                        self.free * self.ACCOUNT_FACTOR))
        if remaining > 0:
            raise RateLimited(remaining, "Too many tries for this name. Please wait a moment.")

    def failed(self, username: str, address: str) -> None:
        """Counts a wrong password."""
        for key in ((username, address), (username, self._ANYWHERE)):
            entry = self._current(key) or _Failures(0, 0.0)
            entry.count += 1
            entry.last = self._clock()
            self._failures[key] = entry
            self._failures.move_to_end(key)
        while len(self._failures) > _MAX_KEYS:
            self._failures.popitem(last=False)

    def succeeded(self, username: str, address: str) -> None:
        """Forgets the failures after a right password."""
        self._failures.pop((username, address), None)
        self._failures.pop((username, self._ANYWHERE), None)
