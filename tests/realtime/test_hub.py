"""The hub's safety net, as rules."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.asyncio as redis

from api.realtime.hub import CLOSE_AUTH, CLOSE_PAIR, STREAM, Hub, RedisHub
from tests.support import RedisProcess


@dataclass(eq=False)
class FakeSub:
    pair_id: uuid.UUID
    device_id: uuid.UUID = field(default_factory=uuid.uuid4)
    user_id: uuid.UUID = field(default_factory=uuid.uuid4)
    conn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    closed: int | None = None
    caught_up_to: int = 0
    expired: bool = False

    def deliver_event(self, frame: dict[str, Any], text: str) -> None: ...
    def send_text(self, text: str, *, urgent: bool = False) -> None: ...

    def close(self, code: int, reason: str, *, flush: bool = False) -> None:
        self.closed = code

    def catch_up(self, last_seq: int) -> None:
        self.caught_up_to = last_seq

    def token_expired(self) -> None:
        self.expired = True


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
            await hub.attach(late)  # a reconnect lands while the database answers
            return Result(last_seq={pair: 7}, live_devices={old.device_id})

        hub = Hub(sweeper=sweeper, sweep_seconds=60)
        await hub.attach(old)
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
        for sub in (ended, revoked, fine):
            await hub.attach(sub)
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
def test_notes_cross_instances_typed_and_an_unreadable_one_is_passed_over() -> None:
    redis_server = RedisProcess().start()
    pair = uuid.uuid4()
    here, there = Listening(pair), Listening(pair)

    async def no_sweep(pairs: list[uuid.UUID], devices: list[uuid.UUID]) -> Result:
        return Result(last_seq={pair: 0}, live_devices={here.device_id, there.device_id})

    async def run() -> None:
        one = RedisHub(url=redis_server.url, sweeper=no_sweep, sweep_seconds=60)
        two = RedisHub(url=redis_server.url, sweeper=no_sweep, sweep_seconds=60)
        for hub, sub in ((one, here), (two, there)):
            await hub.start()
            await hub.attach(sub)
        writer = redis.Redis.from_url(redis_server.url)
        try:
            await until(lambda: not one.degraded and not two.degraded)
            await writer.xadd(STREAM, {"n": b'{"k": "event", "pair": "not a pair"}'})
            await one.publish_event(pair, {"type": "pause", "seq": 1})
            await one.send_to_pair(pair, {"type": "typing"})
            await one.revoke(user_id=there.user_id, device_id=there.device_id)
            await until(lambda: there.closed is not None)
            assert there.texts == ['{"type":"pause","seq":1}', '{"type":"typing"}']
            assert here.texts == there.texts and here.closed is None  # dispatched once here
            assert there.closed == CLOSE_AUTH
        finally:
            await writer.aclose()
            await one.stop()
            await two.stop()

    try:
        asyncio.run(run())
    finally:
        redis_server.stop()


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 - a condition on plain fields, polled
            await asyncio.sleep(0.02)
