"""The hub's safety net, as rules."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from api.realtime.hub import CLOSE_AUTH, CLOSE_PAIR, Hub


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
