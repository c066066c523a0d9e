"""Two real instances on the real PostgreSQL, sharing news through Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import (
    ProcessServer,
    RedisProcess,
    drop_postgres_database,
    fresh_postgres_database,
    new_pair,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
# How long a test waits for news from the other instance: a deadline for a hang, well
# short of the instances' minute-long sweep (so what arrives came through Redis).
CROSS = 20


@pytest.fixture
def redis() -> Iterator[RedisProcess]:
    process = RedisProcess().start()
    yield process
    process.stop()


@pytest.fixture
def instances(redis: RedisProcess, tmp_path: Path,
              ) -> Iterator[tuple[ProcessServer, ProcessServer]]:
    url = fresh_postgres_database()
    # The longest sweep (a minute): delivery before it can only have come through Redis.
    # Both instances share one keyring file, as they would share a compose secret.
    env = {"DATABASE_URL": url, "REDIS_URL": redis.url, "ATTUNE_SWEEP_SECONDS": "60",
           "ATTUNE_KEYS_FILE": str(tmp_path / "keys.json")}
    one = ProcessServer(env).start()
    two = ProcessServer(env).start()
    yield one, two
    one.stop()
    two.stop()
    drop_postgres_database(url)


def test_a_pause_sent_through_one_instance_reaches_the_other(
    instances: tuple[ProcessServer, ProcessServer],
) -> None:
    one, two = instances
    a, b = new_pair(one)
    with a.live(via=one) as la, b.live(via=two) as lb:
        seq = la.command("pause")["seq"]
        assert lb.expect("pause", timeout=CROSS)["seq"] == seq
        lb.send({"type": "receipt", "seq": seq, "status": "seen"})
        assert la.expect("receipt", timeout=CROSS)["status"] == "seen"
    # Revocation and the end of the pair cross instances too.
    with a.live(via=one) as la, b.live(via=two) as lb:
        assert a.post("/auth/logout").status_code == 204
        assert la.close_code(timeout=CROSS) == 4401
        assert b.delete("/pair").status_code == 204
        assert lb.expect("pair.ended", timeout=CROSS)["actor"] == b.id


def test_redis_going_away_and_coming_back_loses_nothing(
    redis: RedisProcess, instances: tuple[ProcessServer, ProcessServer],
) -> None:
    one, two = instances
    a, b = new_pair(one)
    kinds = ["pause", "resume", "slow", "resume"] * 3
    with a.live(via=one) as la, b.live(via=two) as lb, b.live(via=one) as lb_same:
        for kind in kinds[:4]:
            la.command(kind)
        redis.stop()
        for kind in kinds[4:8]:
            assert la.command(kind)["type"] == "ack"  # stored, though Redis is gone
            # On the same instance, delivery does not wait for Redis at all.
            assert lb_same.expect(kind, timeout=CROSS)["actor"] == a.id
        redis.start()
        for kind in kinds[8:]:
            la.command(kind)
        # Signals may overtake a gap being filled from the log: every seq exactly once.
        every = set(range(1, len(kinds) + 1))
        got = [f["seq"] for f in lb.read_until(
            lambda frames: every <= {f.get("seq") for f in frames}, "every seq on B's socket",
            timeout=CROSS) if f.get("seq")]
        # And nothing more: whatever instance two queued for B by now precedes the pong.
        got += [f["seq"] for f in lb.drain() if f.get("seq")]
        assert sorted(got) == sorted(every)
        assert b.get("/signal").json()["state"] == "clear"
