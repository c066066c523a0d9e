"""Check-ins fire once each with two instances, and survive a killed instance."""

from __future__ import annotations

import signal
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.api.test_sessions import start
from tests.support import (
    ProcessServer,
    RedisProcess,
    drop_postgres_database,
    fresh_postgres_database,
    new_pair,
)

pytestmark = [pytest.mark.slow]
FAST_ENV = {"ATTUNE_MIN_SESSION_SECONDS": "1", "ATTUNE_MIN_CHECKIN_SECONDS": "1",
            "ATTUNE_MIN_GRACE_SECONDS": "1", "ATTUNE_SCHEDULER_TICK_SECONDS": "0.1"}


def prompts(timeline: list[dict]) -> list[tuple[int, datetime]]:  # type: ignore[type-arg]
    return [(e["data"]["round"], datetime.fromisoformat(e["at"]))
            for e in timeline if e["type"] == "checkin.prompt"]


@pytest.mark.postgres
@pytest.mark.redis
def test_two_instances_fire_each_check_in_exactly_once(tmp_path: Path) -> None:
    redis = RedisProcess().start()
    url = fresh_postgres_database()
    env = {**FAST_ENV, "DATABASE_URL": url, "REDIS_URL": redis.url,
           "ATTUNE_KEYS_FILE": str(tmp_path / "keys.json")}
    servers = [ProcessServer(env).start(), ProcessServer(env).start()]
    try:
        a, b = new_pair(servers[0])
        session = start(a, b, length_seconds=6, checkin_every_seconds=1, grace_seconds=None)
        started = datetime.fromisoformat(session["started_at"])
        time.sleep(7)
        timeline = a.get(f"/sessions/{session['id']}/timeline").json()["items"]
        assert timeline[-1]["type"] == "session.ended"
        fired = prompts(timeline)
        assert [r for r, _ in fired] == [1, 2, 3, 4, 5]
        for round_, at in fired:
            assert 0 <= (at - started).total_seconds() - round_ < 1, round_
    finally:
        for server in servers:
            server.stop()
        redis.stop()
        drop_postgres_database(url)


def test_check_ins_survive_a_killed_instance(tmp_path: Path) -> None:
    env = {**FAST_ENV, "ATTUNE_DATA_DIR": str(tmp_path)}
    server = ProcessServer(env).start()
    a, b = new_pair(server)
    session = start(a, b, length_seconds=8, checkin_every_seconds=1, grace_seconds=None)
    time.sleep(1.5)
    server.stop(signal.SIGKILL)  # no goodbye: jobs are only in the database
    time.sleep(2)
    server = ProcessServer(env, port=server.port).start()
    try:
        time.sleep(6)
        timeline = a.get(f"/sessions/{session['id']}/timeline").json()["items"]
        rounds = [r for r, _ in prompts(timeline)]
        assert rounds == list(range(1, len(rounds) + 1))  # once each, no burst, no gap
        assert 4 <= len(rounds) <= 6  # the rounds due while it was down are skipped
        assert timeline[-1]["type"] == "session.ended"
        assert timeline[-1]["data"]["end_reason"] == "time"
    finally:
        server.stop()
