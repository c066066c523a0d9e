"""Slow failures, not only dead ones: what is slow holds no pause back but its own.

Redis paused, SQLite's write lock held by another process, a client that stops
reading, a client flipping its pause as fast as it can. Each test shows another pair's
pause delivered and acknowledged meanwhile (or, where it must wait for the one commit,
the loop still answering), and nothing lost. Where a test says "before", it is an
order of things, never a speed.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis
from websockets.sync.client import connect

from tests.support import (
    LiveServer,
    RedisProcess,
    drop_postgres_database,
    fresh_postgres_database,
    new_pair,
    wait_until,
)

pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A fresh database on the real PostgreSQL, dropped after the test. Tests name it
    before `make_server`, so their servers stop before it is dropped."""
    url = fresh_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Where a test's servers keep their data: the embedded default, or PostgreSQL."""
    if request.param == "sqlite":
        return {}
    return {"database_url": request.getfixturevalue("fresh_postgres")}


def test_a_stop_always_goes_through_and_easing_is_limited_after_a_burst(
        storage: dict[str, Any], make_server: Callable[..., LiveServer]) -> None:
    server = make_server(signal_easing_burst=3, signal_easing_per_minute=1, **storage)
    (a, b), (c, _) = new_pair(server), new_pair(server)
    with a.live() as la, b.live() as lb, c.live() as lc:
        for _ in range(3):  # three lifts: the burst
            assert la.command("pause")["type"] == "ack"
            assert la.command("resume")["type"] == "ack"
        paused = la.command("pause")
        assert paused["type"] == "ack"  # a stop is never limited
        refused = la.command("resume")
        assert (refused["type"], refused["code"]) == ("error", "rate_limited")
        again = la.command("pause")  # a repeat counts as easing too: nothing is stored
        assert (again["type"], again["code"]) == ("error", "rate_limited")
        assert a.get("/signal").json()["state"] == "paused"  # it stays as it was: stopped
        # The partner, and another pair, are not limited by it.
        assert lb.command("slow")["type"] == "ack"
        assert lb.command("pause")["type"] == "ack"
        assert lc.command("pause")["type"] == "ack"
        lb.expect("pause", seq=paused["seq"])


def test_an_external_write_lock_never_stops_the_loop(
        make_server: Callable[..., LiveServer]) -> None:
    server = make_server()
    (a, b), (c, _) = new_pair(server), new_pair(server)
    with a.live() as la, b.live() as lb, c.live() as lc:
        lock = sqlite3.connect(server.settings.sqlite_path, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")  # what a maintenance command does, held
        try:
            la.send({"type": "pause", "id": "6d1c1d4e-0000-4000-8000-000000000001"})
            # While the lock is held, the loop answers: a ping on another pair's socket,
            # a read over REST, the health check.
            lc.send({"type": "ping"})
            assert lc.expect("pong", timeout=30) == {"type": "pong"}
            assert c.get("/signal").status_code == 200
            assert httpx.get(server.url + "/healthz", timeout=30).status_code == 200
            assert a.get("/signal").json()["state"] == "clear"  # not stored yet, not acked
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        # The one commit it waited for: then acked, delivered, nothing lost.
        ack = la.expect("ack", timeout=30, id="6d1c1d4e-0000-4000-8000-000000000001")
        assert lb.expect("pause", timeout=30)["seq"] == ack["seq"]
        assert b.get("/signal").json()["state"] == "paused"


@contextmanager
def pair_row_locked(database_url: str, pair_id: str) -> Iterator[None]:
    """Another PostgreSQL client holds the pair's row (FOR UPDATE) until the block ends."""
    held, release = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    async def hold() -> None:
        conn = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        try:
            async with conn.transaction():
                await conn.execute("SELECT 1 FROM pair WHERE id = $1 FOR UPDATE",
                                   uuid.UUID(pair_id))
                held.set()
                await asyncio.to_thread(release.wait)
        finally:
            await conn.close()

    def run() -> None:
        try:
            asyncio.run(hold())
        except BaseException as exc:  # shown by the test below, not lost in the thread
            failed.append(exc)
            held.set()

    holder = threading.Thread(target=run)
    holder.start()
    try:
        assert held.wait(30) and not failed, failed
        yield
    finally:
        release.set()
        holder.join(timeout=30)


@pytest.mark.postgres
def test_a_pair_locked_elsewhere_on_postgres_holds_back_only_that_pair(
        fresh_postgres: str, make_server: Callable[..., LiveServer]) -> None:
    server = make_server(database_url=fresh_postgres)
    (a, b), (c, d) = new_pair(server), new_pair(server)
    pair_id = a.get("/me").json()["pair_id"]
    with a.live() as la, b.live() as lb, c.live() as lc, d.live() as ld:
        with pair_row_locked(fresh_postgres, pair_id):
            la.send({"type": "pause", "id": "6d1c1d4e-0000-4000-8000-000000000002"})
            # Another pair's pause goes through meanwhile: acked and delivered.
            other = lc.command("pause")
            assert ld.expect("pause", seq=other["seq"], timeout=30)["type"] == "pause"
            assert a.get("/signal").json()["state"] == "clear"  # waiting, not acked
        ack = la.expect("ack", timeout=30, id="6d1c1d4e-0000-4000-8000-000000000002")
        assert lb.expect("pause", timeout=30)["seq"] == ack["seq"]


@pytest.mark.redis
def test_a_paused_redis_holds_back_no_pause(
        storage: dict[str, Any], make_server: Callable[..., LiveServer], tmp_path: Path) -> None:
    store = redis.Redis.from_url((redis_server := RedisProcess().start()).url)
    try:
        shared = {"data_dir": tmp_path / "shared", "redis_url": redis_server.url,
                  "sweep_seconds": 1.0, **storage}
        one, two = make_server(**shared), make_server(**shared)
        a, b = new_pair(one)  # both on one instance
        c, d = new_pair(one)  # c on one instance, d on the other
        with a.live() as la, b.live() as lb, c.live() as lc, d.live(via=two) as ld:
            wait_until(lambda: not one.services.hub.degraded
                       and not two.services.hub.degraded, "both instances on Redis")
            back = threading.Event()

            def pause_redis() -> None:
                store.execute_command("CLIENT", "PAUSE", 5000, "ALL")  # type: ignore[no-untyped-call]
                waiter = redis.Redis.from_url(redis_server.url, socket_timeout=30)
                waiter.ping()  # answered only once Redis is back
                back.set()
                waiter.close()

            pauser = threading.Thread(target=pause_redis)
            pauser.start()
            wait_until(lambda: _paused(redis_server.url), "Redis to be paused")
            ack = la.command("pause")
            delivered = lb.expect("pause", seq=ack["seq"], timeout=30)
            assert not back.is_set(), "the same-instance pause waited for Redis"
            assert delivered["type"] == "pause"
            across = lc.command("pause")
            assert not back.is_set(), "the ack waited for Redis"
            # Across instances: by Redis once it is back, or from the log, whichever is
            # first; never lost.
            assert ld.expect("pause", seq=across["seq"], timeout=30)["type"] == "pause"
            pauser.join(timeout=60)
            assert d.get("/signal").json()["state"] == "paused"
    finally:
        store.close()
        redis_server.stop()


def _paused(url: str) -> bool:
    """True while Redis holds clients back (a PING on a fresh connection times out)."""
    probe = redis.Redis.from_url(url, socket_timeout=0.2)
    try:
        probe.ping()
        return False
    except redis.TimeoutError:
        return True
    finally:
        probe.close()


def test_a_client_that_stops_reading_holds_nobody_back(
        storage: dict[str, Any], make_server: Callable[..., LiveServer]) -> None:
    # The longest heartbeat window: a socket that never reads never answers a ping, and
    # on a slow run the silence check would close it first (rightly, but not this test).
    server = make_server(socket_queue_limit=16, person_writes_per_minute=100_000,
                         heartbeat_seconds=60, **storage)
    (a, b), (c, d) = new_pair(server), new_pair(server)
    # B's phone stops reading: a raw socket with a tiny receive window that never reads
    # past its welcome.
    raw = socket.create_connection(("127.0.0.1", server.port))
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    with connect(server.ws_url, sock=raw, max_queue=1) as stuck, \
            c.live() as lc, d.live() as ld:
        stuck.send(json.dumps({"type": "hello", "token": b.token, "last_seq": 0}))
        stuck.recv(timeout=30)  # its welcome; nothing more is ever read
        opened = _open_sockets(server)
        label = "x" * 110
        for n in range(200):  # far more than fits in its window and its queue
            got = a.post("/boundaries", json={"label": f"{label} {n}"})
            assert got.status_code == 201, got.text
            if n % 50 == 0:  # meanwhile, another pair's pause goes through
                ack = lc.command("pause")
                assert ld.expect("pause", seq=ack["seq"], timeout=30)["seq"] == ack["seq"]
                assert lc.command("resume")["type"] == "ack"
        # Nobody was held back, and nobody was let go for it: the stuck socket is still
        # open (its frames wait in its own buffers; a socket whose queue overflows is
        # closed with 4409, see tests/realtime/test_connection.py).
        assert _open_sockets(server) == opened
        ack = lc.command("pause")
        assert ld.expect("pause", seq=ack["seq"], timeout=30)["seq"] == ack["seq"]


def _open_sockets(server: LiveServer) -> float:
    text = httpx.get(server.url + "/metrics", timeout=30).text
    line = next(x for x in text.splitlines() if x.startswith("attune_open_sockets "))
    return float(line.split()[1])
