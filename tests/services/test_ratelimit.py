"""Rate limits as rules, on a fake clock."""

from __future__ import annotations

import pytest

from api.errors import RateLimited
from api.ratelimit import LoginThrottle, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_a_burst_then_refills() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate_per_second=1.0, burst=3, clock=clock)
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") == pytest.approx(1.0)
    assert buckets.take("other") == 0.0
    clock.now += 1.0
    assert buckets.take("k") == 0.0


def test_check_free_spends_nothing() -> None:
    buckets = TokenBuckets(rate_per_second=0.1, burst=1, clock=Clock())
    buckets.check_free("k")
    buckets.check_free("k")
    buckets.check("k")
    with pytest.raises(RateLimited):
        buckets.check_free("k")


def test_login_throttle_doubles_caps_and_forgets() -> None:
    clock = Clock()
    throttle = LoginThrottle(free=2, clock=clock)
    for _ in range(2):
        throttle.check("ann", "addr")
        throttle.failed("ann", "addr")
    with pytest.raises(RateLimited) as waited:
        throttle.check("ann", "addr")
    assert waited.value.retry_after == 1
    clock.now += 1
    throttle.check("ann", "addr")
    throttle.failed("ann", "addr")
    with pytest.raises(RateLimited) as waited:
        throttle.check("ann", "addr")
    assert waited.value.retry_after == 2
    throttle.check("ann", "elsewhere")  # never a lockout for another address
    for _ in range(20):
        throttle.failed("ann", "addr")
    with pytest.raises(RateLimited) as capped:
        throttle.check("ann", "addr")
    assert capped.value.retry_after == 60
    clock.now += LoginThrottle.FORGET_SECONDS + 1
    throttle.check("ann", "addr")


def test_success_clears_failures() -> None:
    throttle = LoginThrottle(free=1, clock=Clock())
    throttle.failed("ann", "addr")
    throttle.failed("ann", "addr")
    throttle.succeeded("ann", "addr")
    throttle.check("ann", "addr")


def test_guesses_spread_over_addresses_still_slow_the_account_down() -> None:
    clock = Clock()
    throttle = LoginThrottle(free=2, clock=clock)
    for n in range(2 * LoginThrottle.ACCOUNT_FACTOR):
        throttle.check("ann", f"addr{n}")  # each address is fresh
        throttle.failed("ann", f"addr{n}")
    with pytest.raises(RateLimited):
        throttle.check("ann", "yet-another")
    throttle.check("bob", "yet-another")  # another account is not touched
    throttle.succeeded("ann", "addr0")
    throttle.check("ann", "yet-another")
