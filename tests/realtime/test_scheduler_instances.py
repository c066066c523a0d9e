"""Check-ins fire once each with two instances, and survive a killed instance."""

from __future__ import annotations

import math
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.api.test_sessions import start
from tests.support import (
    Person,
    ProcessServer,
    RedisProcess,
    drop_postgres_database,
    fresh_postgres_database,
    new_pair,
    wait_until,
)

pytestmark = [pytest.mark.slow]
FAST_ENV = {"ATTUNE_MIN_SESSION_SECONDS": "1", "ATTUNE_MIN_CHECKIN_SECONDS": "1",
            "ATTUNE_MIN_GRACE_SECONDS": "1", "ATTUNE_SCHEDULER_TICK_SECONDS": "0.1"}


def prompts(timeline: list[dict]) -> list[tuple[int, datetime]]:  # type: ignore[type-arg]
    return [(e["data"]["round"], datetime.fromisoformat(e["at"]))
            for e in timeline if e["type"] == "checkin.prompt"]


def timeline_of(person: Person, session_id: str) -> list[dict]:  # type: ignore[type-arg]
    got = person.get(f"/sessions/{session_id}/timeline")
    assert got.status_code == 200, got.text
    return got.json()["items"]  # type: ignore[no-any-return]


def ended_timeline(person: Person, session_id: str) -> list[dict]:  # type: ignore[type-arg]
    """The session's timeline once it has ended on its own (however busy the machine)."""
    wait_until(lambda: any(e["type"] == "session.ended" for e in timeline_of(person, session_id)),
             "the session to end on time")
    return timeline_of(person, session_id)


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
        timeline = ended_timeline(a, session["id"])
        fired = prompts(timeline)
        # Each round once, in order, none skipped or doubled by the second instance (a
        # busy machine may make them late, and a late round is skipped, never doubled).
        assert [r for r, _ in fired] == list(range(1, len(fired) + 1)) and fired
        for round_, at in fired:
            assert (at - started).total_seconds() >= round_, round_  # never early
    finally:
        for server in servers:
            server.stop()
        redis.stop()
        drop_postgres_database(url)


def test_check_ins_survive_a_killed_instance(tmp_path: Path) -> None:
    env = {**FAST_ENV, "ATTUNE_DATA_DIR": str(tmp_path)}
    server = ProcessServer(env).start()
    a, b = new_pair(server)
    session = start(a, b, length_seconds=600, checkin_every_seconds=1, grace_seconds=None)
    wait_until(lambda: prompts(timeline_of(a, session["id"])), "the first check-in")
    server.stop(signal.SIGKILL)  # no goodbye: jobs are only in the database
    # Down while three rounds fall due at least: they are due on the session's grid (every
    # second from the start), so wait by the clock until three grid times have passed.
    killed = datetime.now(UTC)
    started = datetime.fromisoformat(session["started_at"])
    third_due = started + timedelta(seconds=math.floor(
        (killed - started).total_seconds()) + 3)
    wait_until(lambda: datetime.now(UTC) > third_due, "three rounds to fall due")
    server = ProcessServer(env, port=server.port).start()
    try:
        # The job was only in the database, and the new instance runs it.
        wait_until(lambda: any(at > killed for _, at in prompts(timeline_of(a, session["id"]))),
                 "a check-in from the restarted instance")
        assert a.post(f"/sessions/{session['id']}/end").status_code == 200
        timeline = timeline_of(a, session["id"])
        ended = datetime.fromisoformat(timeline[-1]["at"])
        rounds = [r for r, _ in prompts(timeline)]
        assert rounds == list(range(1, len(rounds) + 1))  # once each, no gap
        # What fell due while it was down is skipped, not fired in a burst on restart:
        # after the first late round, each later one is due on its own grid second, so
        # never more than one a second, however slow this machine is (a burst of the
        # missed rounds would be several at once).
        after = [at for _, at in prompts(timeline) if at > killed]
        assert len(after) <= 1 + math.ceil((ended - after[0]).total_seconds()), (after, ended)
        assert timeline[-1]["type"] == "session.ended"
    finally:
        server.stop()
