"""Rate limits as rules: the sign-in slow-down on a fake clock, budgets in memory and
in a real Redis, and memory standing in while Redis is gone or stalled."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

import pytest
from limits import RateLimitItemPerMinute
from redis.asyncio import Redis

from api.crypto import Keyring
from api.errors import RateLimited
from api.ratelimit import Budget, LoginThrottle, MemoryWindows, Store, TokenBuckets
from tests.support import RedisProcess, free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

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


def test_memory_windows_give_each_try_back_one_window_after_it_was_made() -> None:
    async def body() -> None:
        clock = Clock()
        windows = MemoryWindows(clock=clock)
        item = RateLimitItemPerMinute(2, 1)
        assert await windows.hit(item, "k")
        clock.now += 30
        assert await windows.hit(item, "k")
        assert not await windows.hit(item, "k")  # refused: costs nothing
        assert await windows.hit(item, "other")
        stats = await windows.get_window_stats(item, "k")
        assert (stats.reset_time, stats.remaining) == (clock.now - 30 + 60, 0)
        clock.now += 30  # the first try is a minute old: given back, the second is not
        assert await windows.test(item, "k")
        assert await windows.hit(item, "k")
        assert not await windows.test(item, "k")
        clock.now += 60
        assert (await windows.get_window_stats(item, "k")).remaining == 2

    _run(body)


@pytest.fixture
def redis_server() -> Iterator[RedisProcess]:
    process = RedisProcess().start()
    yield process
    process.stop()


def _digest() -> Callable[[str], str]:
    return Keyring.generate().digest  # a fresh index key: keys no other test shares


def _run(body: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(body())


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def store_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The slow-down's rules hold the same in memory and in Redis."""
    if request.param == "memory":
        yield None
        return
    process = RedisProcess().start()
    yield process.url
    process.stop()


def _throttled(store_url: str | None, free: int,
               test: Callable[[LoginThrottle, Clock], Awaitable[None]]) -> None:
    async def body() -> None:
        store = Store(redis_url=store_url, digest=_digest())
        clock = Clock()
        try:
            await test(LoginThrottle(free=free, store=store, clock=clock), clock)
        finally:
            await store.close()

    _run(body)


def test_login_throttle_doubles_caps_and_forgets(store_url: str | None) -> None:
    async def test(throttle: LoginThrottle, clock: Clock) -> None:
        for _ in range(2):
            await throttle.check("ann", "addr")
            await throttle.failed("ann", "addr")
        with pytest.raises(RateLimited) as waited:
            await throttle.check("ann", "addr")
        assert waited.value.retry_after == 1
        clock.now += 1
        await throttle.check("ann", "addr")
        await throttle.failed("ann", "addr")
        with pytest.raises(RateLimited) as waited:
            await throttle.check("ann", "addr")
        assert waited.value.retry_after == 2
        await throttle.check("ann", "elsewhere")  # never a lockout for another address
        for _ in range(20):
            await throttle.failed("ann", "addr")
        with pytest.raises(RateLimited) as capped:
            await throttle.check("ann", "addr")
        assert capped.value.retry_after == 60
        clock.now += LoginThrottle.FORGET_SECONDS + 1
        await throttle.check("ann", "addr")

    _throttled(store_url, 2, test)


def test_success_clears_failures(store_url: str | None) -> None:
    async def test(throttle: LoginThrottle, clock: Clock) -> None:
        await throttle.failed("ann", "addr")
        await throttle.failed("ann", "addr")
        await throttle.succeeded("ann", "addr")
        await throttle.check("ann", "addr")

    _throttled(store_url, 1, test)


def test_guesses_spread_over_addresses_still_slow_the_account_down(
    store_url: str | None,
) -> None:
    async def test(throttle: LoginThrottle, clock: Clock) -> None:
        for n in range(2 * LoginThrottle.ACCOUNT_FACTOR):
            await throttle.check("ann", f"addr{n}")  # each address is fresh
            await throttle.failed("ann", f"addr{n}")
        with pytest.raises(RateLimited):
            await throttle.check("ann", "yet-another")
        await throttle.check("bob", "yet-another")  # another account is not touched
        await throttle.succeeded("ann", "addr0")
        await throttle.check("ann", "yet-another")

    _throttled(store_url, 2, test)


def test_a_budget_is_spent_per_key_and_says_when_a_try_comes_back(
    store_url: str | None,
) -> None:
    async def body() -> None:
        store = Store(redis_url=store_url, digest=_digest())
        budget = Budget(store=store, name="register", amount=3)
        try:
            for _ in range(3):
                await budget.check("addr")
            with pytest.raises(RateLimited) as refused:
                await budget.check("addr")
            assert 1 <= refused.value.retry_after <= 60
            await budget.check("other")
            with pytest.raises(RateLimited):
                await budget.check_free("addr")
        finally:
            await store.close()

    _run(body)


def test_check_free_spends_nothing_and_spend_does(store_url: str | None) -> None:
    async def body() -> None:
        store = Store(redis_url=store_url, digest=_digest())
        guesses = Budget(store=store, name="guesses", amount=2, minutes=15)
        try:
            for _ in range(5):
                await guesses.check_free("account")
            await guesses.spend("account")
            await guesses.check_free("account")
            await guesses.spend("account")
            with pytest.raises(RateLimited) as refused:
                await guesses.check_free("account")
            assert 15 * 60 - 60 < refused.value.retry_after <= 15 * 60
        finally:
            await store.close()

    _run(body)


@pytest.mark.redis
def test_two_stores_on_one_redis_spend_one_budget(redis_server: RedisProcess) -> None:
    async def body() -> None:
        digest = _digest()  # one keyring, as every instance shares one
        one = Store(redis_url=redis_server.url, digest=digest)
        two = Store(redis_url=redis_server.url, digest=digest)
        try:
            for store in (one, two):
                budget = Budget(store=store, name="register", amount=4)
                await budget.check("addr")
                await budget.check("addr")
            for store in (one, two):
                with pytest.raises(RateLimited):
                    await Budget(store=store, name="register", amount=4).check("addr")
            throttle_one = LoginThrottle(free=2, store=one)
            throttle_two = LoginThrottle(free=2, store=two)
            await throttle_one.failed("ann", "addr")
            await throttle_two.failed("ann", "addr")
            for throttle in (throttle_one, throttle_two):
                with pytest.raises(RateLimited):
                    await throttle.check("ann", "addr")
        finally:
            await one.close()
            await two.close()

    _run(body)


@pytest.mark.redis
def test_redis_holds_no_name_or_address_in_clear(redis_server: RedisProcess) -> None:
    async def body() -> None:
        store = Store(redis_url=redis_server.url, digest=_digest())
        try:
            await Budget(store=store, name="login", amount=5).check("2001:db8::77")
            await LoginThrottle(free=2, store=store).failed("annabel", "2001:db8::77")
        finally:
            await store.close()

    _run(body)
    keys = subprocess.run(["redis-cli", "-p", str(redis_server.port), "--scan"],
                          capture_output=True, text=True, check=True).stdout
    assert keys.strip()
    assert "2001:db8::77" not in keys and "annabel" not in keys


def test_without_redis_the_limits_still_hold_in_memory() -> None:
    """Redis refusing connections: every check answers at once from memory, with the
    same budget, never unlimited."""
    async def body() -> None:
        store = Store(redis_url=f"redis://127.0.0.1:{free_port()}/0", digest=_digest())
        budget = Budget(store=store, name="register", amount=2)
        throttle = LoginThrottle(free=1, store=store)
        try:
            await budget.check("addr")
            await budget.check("addr")
            with pytest.raises(RateLimited):
                await budget.check("addr")
            await throttle.failed("ann", "addr")
            with pytest.raises(RateLimited):
                await throttle.check("ann", "addr")
        finally:
            await store.close()

    _run(body)


@pytest.mark.redis
def test_a_stalled_redis_does_not_hold_a_sign_in_up(redis_server: RedisProcess) -> None:
    """A brownout, not an outage: Redis keeps the connection open and answers nothing
    for a while; the checks are answered from memory instead of waiting it out."""
    stall = 8.0

    async def body() -> None:
        store = Store(redis_url=redis_server.url, digest=_digest())
        throttle = LoginThrottle(free=1, store=store)
        try:
            await throttle.check("ann", "addr")  # connected while Redis answers
            async with Redis.from_url(redis_server.url) as other:
                await other.client_pause(int(stall * 1000), all=True)
            back = asyncio.create_task(_answered_again(redis_server.url))
            await throttle.failed("ann", "addr")  # Redis given up on: counted in memory
            await throttle.failed("ann", "addr")  # in memory at once (Redis left alone)
            with pytest.raises(RateLimited):
                await throttle.check("ann", "addr")
            # Had any of them waited for Redis, Redis would be answering again by now.
            assert not back.done()
            await back  # (CLIENT UNPAUSE would itself wait out a pause of ALL clients)
        finally:
            await store.close()

    _run(body)


async def _answered_again(url: str) -> None:
    """Returns once Redis answers a PING again."""
    async with Redis.from_url(url, socket_timeout=60) as probe:
        await probe.ping()
