"""The hub's safety net, as rules."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.asyncio as redis

from api.crypto import Keyring
from api.realtime.hub import CLOSE_AUTH, CLOSE_PAIR, CLOSE_TOO_MANY, STREAM, Hub, RedisHub
from tests.support import RedisProcess


@dataclass(eq=False)
class FakeSub:
    pair_id: uuid.UUID
    device_id: uuid.UUID = field(default_factory=uuid.uuid4)
    user_id: uuid.UUID = field(default_factory=uuid.uuid4)
    conn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    closed: int | None = None
    closing: tuple[int, str] | None = None
    caught_up_to: int = 0
    expired: bool = False

    def deliver_event(self, frame: dict[str, Any], text: str) -> None: ...
    def send_text(self, text: str, *, urgent: bool = False) -> None: ...

    def close(self, code: int, reason: str, *, flush: bool = False) -> None:
        self.closed, self.closing = code, (code, reason)

    def catch_up(self, last_seq: int) -> None:
        self.caught_up_to = last_seq

    def token_expired(self) -> None:
        self.expired = True

    def beat(self, now: float) -> None: ...


@dataclass
class Result:
    last_seq: dict[uuid.UUID, int]
    live_devices: set[uuid.UUID]
    expired_devices: set[uuid.UUID] = field(default_factory=set)


def test_a_socket_that_attaches_during_a_sweep_is_not_taken_for_signed_out() -> None:
    pair = uuid.uuid4()
    old, late = FakeSub(pair), FakeSub(pair)

    async def run() -> None:
        hub: Hub

        async def sweeper(pairs: list[uuid.UUID], devices: list[uuid.UUID]) -> Result:
            assert devices == [old.device_id]
            await stack.enter_async_context(hub.attached(late))  # a reconnect lands meanwhile
            return Result(last_seq={pair: 7}, live_devices={old.device_id})

        hub = Hub(sweeper=sweeper, sweep_seconds=60)
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(hub.attached(old))
            await hub.sweep()

    asyncio.run(run())
    assert (old.closed, old.caught_up_to) == (None, 7)
    assert late.closed is None


def test_the_sweep_closes_ended_pairs_and_revoked_devices() -> None:
    ended, revoked, fine = FakeSub(uuid.uuid4()), FakeSub(uuid.uuid4()), FakeSub(uuid.uuid4())

    async def run() -> None:
        async def sweeper(pairs: list[uuid.UUID], devices: list[uuid.UUID]) -> Result:
            return Result(last_seq={revoked.pair_id: 1, fine.pair_id: 2},
                          live_devices={ended.device_id, fine.device_id})

        hub = Hub(sweeper=sweeper, sweep_seconds=60)
        async with contextlib.AsyncExitStack() as stack:
            for sub in (ended, revoked, fine):
                await stack.enter_async_context(hub.attached(sub))
            await hub.sweep()

    asyncio.run(run())
    assert (ended.closed, revoked.closed, fine.closed) == (CLOSE_PAIR, CLOSE_AUTH, None)
    assert fine.caught_up_to == 2


@dataclass(eq=False)
class Listening(FakeSub):
    texts: list[str] = field(default_factory=list)

    def deliver_event(self, frame: dict[str, Any], text: str) -> None:
        self.texts.append(text)

    def send_text(self, text: str, *, urgent: bool = False) -> None:
        self.texts.append(text)


@pytest.mark.redis
def test_notes_cross_instances_sealed_and_an_unreadable_one_is_passed_over() -> None:
    redis_server = RedisProcess().start()
    pair = uuid.uuid4()
    here, there = Listening(pair), Listening(pair)
    keyring = Keyring.generate()

    async def no_sweep(pairs: list[uuid.UUID], devices: list[uuid.UUID]) -> Result:
        return Result(last_seq={pair: 0}, live_devices={here.device_id, there.device_id})

    async def run() -> None:
        one = RedisHub(url=redis_server.url, keyring=keyring, sweeper=no_sweep,
                       sweep_seconds=60)
        two = RedisHub(url=redis_server.url, keyring=keyring, sweeper=no_sweep,
                       sweep_seconds=60)
        writer = redis.Redis.from_url(redis_server.url)
        async with contextlib.AsyncExitStack() as stack:
            for hub, sub in ((one, here), (two, there)):
                await hub.start()
                stack.push_async_callback(hub.stop)
                await stack.enter_async_context(hub.attached(sub))
            stack.push_async_callback(writer.aclose)
            await until(lambda: not one.degraded and not two.degraded)
            await writer.xadd(STREAM, {"n": b'{"k": "event", "pair": "not a pair"}'})
            one.publish_event(pair, {"type": "pause", "seq": 1})
            one.send_to_pair(pair, {"type": "phrase", "text": "a word of theirs"})
            one.revoke(user_id=there.user_id, device_id=there.device_id)
            await until(lambda: there.closed is not None)
            assert there.texts == ['{"type":"pause","seq":1}',
                                   '{"type":"phrase","text":"a word of theirs"}']
            assert here.texts == there.texts and here.closed is None  # dispatched once here
            assert there.closed == CLOSE_AUTH
            # Nothing crossed Redis in clear.
            entries: Any = await writer.xrange(STREAM)
            stored = b"".join(f[b"n"] for _, f in entries)
            assert b"a word of theirs" not in stored and b"pause" not in stored

            async def about_the_pair() -> int:
                entries: Any = await writer.xrange(STREAM)
                notes = [keyring.decrypt(f[b"n"].decode(), aad=STREAM) for _, f in entries
                         if not f[b"n"].startswith(b"{")]
                return sum(str(pair) in n and '"k":"end"' not in n for n in notes)

            assert await about_the_pair() == 2  # the pause and the phrase, sealed
            # The pair ends (through the other instance): every entry about it goes.
            two.end_pair(pair_id=pair, seq=2, actor_id=here.user_id)
            await until(lambda: here.closed is not None)

            async with asyncio.timeout(10):
                while await about_the_pair():  # noqa: ASYNC110 - Redis's state, polled
                    await asyncio.sleep(0.02)

    try:
        asyncio.run(run())
    finally:
        redis_server.stop()


def test_the_newest_sockets_of_one_sign_in_stay_and_the_oldest_go() -> None:
    device = uuid.uuid4()
    subs = [FakeSub(uuid.uuid4(), device_id=device) for _ in range(4)]
    other = FakeSub(uuid.uuid4())

    async def run() -> None:
        hub = Hub(sweeper=_never, sweep_seconds=60, sockets_per_device=2)
        async with contextlib.AsyncExitStack() as stack:
            for sub in (other, *subs):
                await stack.enter_async_context(hub.attached(sub))
            assert [s.closed for s in subs] == [CLOSE_TOO_MANY, CLOSE_TOO_MANY, None, None]
            assert other.closed is None
        assert hub.connection_count == 0  # every one let go when its block ended

    asyncio.run(run())


def test_a_failing_listener_never_stops_the_news_and_is_logged_by_place(
        caplog: pytest.LogCaptureFixture) -> None:
    pair = uuid.uuid4()
    sub, heard = Listening(pair), []

    def broken(_pair: uuid.UUID, frame: dict[str, Any]) -> None:
        raise RuntimeError(f"secret words {frame}")

    async def run() -> None:
        hub = Hub(sweeper=_never, sweep_seconds=60)
        hub.listeners += [broken, lambda _pair, frame: heard.append(frame["seq"])]
        async with hub.attached(sub):
            hub.publish_event(pair, {"type": "pause", "seq": 1})
            assert sub.texts == ['{"type":"pause","seq":1}']  # delivered before any listener
            assert heard == []
            await asyncio.sleep(0)  # the listeners' turn
            assert heard == [1]

    asyncio.run(run())
    failed = [r for r in caplog.records if "listener_failed" in r.getMessage()]
    assert failed and "test_hub.py" in failed[0].getMessage()
    assert "secret words" not in caplog.text


async def _never(pairs: list[uuid.UUID], devices: list[uuid.UUID]) -> Result:
    raise AssertionError("no sweep here")


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - a condition on plain fields, polled
            await asyncio.sleep(0.02)
