"""Faults against real servers: storage gone mid-write, a killed process, a reconnect storm."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from websockets.sync.client import connect

from tests.api.test_accounts import assert_problem
from tests.support import (
    POSTGRES_URL,
    LiveServer,
    ProcessServer,
    drop_postgres_database,
    fresh_postgres_database,
    new_pair,
    server_settings,
    wait_until,
)

pytestmark = [pytest.mark.slow]


def _admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(POSTGRES_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
def pg_server(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    url = fresh_postgres_database()
    live = LiveServer(server_settings(data_dir=tmp_path, database_url=url)).start()
    yield live, url.rsplit("/", 1)[1]
    live.stop()
    _admin(f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" ALLOW_CONNECTIONS true')
    drop_postgres_database(url)


@pytest.mark.postgres
def test_storage_gone_mid_write_is_503_changes_nothing_and_the_retry_lands(
    pg_server: tuple[LiveServer, str],
) -> None:
    live, name = pg_server
    a, b = new_pair(live)
    item = a.post("/boundaries", json={"label": "Before the outage"}).json()["id"]
    with a.live() as la, b.live() as lb:
        # Both sockets past their start (the server reads the pair once more after the
        # welcome): a pong comes only from the read loop. The outage is for what follows.
        for socket_ in (la, lb):
            socket_.send({"type": "ping"})
            socket_.expect("pong", timeout=30)
        _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        failed = a.put(f"/boundaries/{item}/answer", json={"answer": "yes"})
        assert_problem(failed, 503)
        assert failed.headers["retry-after"]
        assert "Before the outage" not in failed.text
        command_id = str(uuid.uuid4())
        refused = la.command("pause", command_id)
        assert (refused["type"], refused["code"]) == ("error", "unavailable")
        _admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        # The same id again, once storage is back: stored once, delivered once.
        ack = la.command("pause", command_id)
        assert ack["type"] == "ack"
        assert lb.expect("pause")["id"] == command_id
        assert la.command("pause", command_id) == ack
    assert a.get(f"/boundaries/{item}/history").json()["items"][-1]["state"] == "open"
    with b.live() as replay:
        pauses = [f for f in replay.drain() if f["type"] == "pause"]
    assert [p["id"] for p in pauses] == [command_id]


def test_an_acknowledged_pause_survives_sigkill(tmp_path: Path) -> None:
    env = {"ATTUNE_DATA_DIR": str(tmp_path)}
    server = ProcessServer(env).start()
    a, b = new_pair(server)
    with connect(server.ws_url) as ws:
        ws.send(json.dumps({"type": "hello", "token": a.token, "last_seq": 0}))
        ws.recv(timeout=5)
        command_id = str(uuid.uuid4())
        ws.send(json.dumps({"type": "pause", "id": command_id}))
        while (frame := json.loads(ws.recv(timeout=5)))["type"] != "ack":
            pass
        server.stop(signal.SIGKILL)  # the instant the ack is in hand
    server = ProcessServer(env, port=server.port).start()
    try:
        assert b.get("/signal").json()["state"] == "paused"
        with b.live() as lb:
            assert lb.welcome["signal"]["by"] == [a.id]
            assert lb.expect("pause")["id"] == command_id == frame["id"]
    finally:
        server.stop()


def test_a_real_server_hashes_at_the_owasp_minimum(tmp_path: Path) -> None:
    """The tests' own servers hash cheaply (tests/conftest.py); the real one does not."""
    import sqlite3

    from tests.support import ProcessServer, register

    server = ProcessServer({"ATTUNE_DATA_DIR": str(tmp_path)}).start()
    try:
        person = register(server)
        assert person.get("/me").status_code == 200  # the login verified it
    finally:
        server.stop()
    with sqlite3.connect(tmp_path / "attune.db") as db:
        (stored,) = db.execute("SELECT password_hash FROM account WHERE username = ?",
                               (person.username,)).fetchone()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def _rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def test_five_hundred_reconnects_leak_nothing(tmp_path: Path) -> None:
    from tests.support import ProcessServer

    server = ProcessServer({"ATTUNE_DATA_DIR": str(tmp_path)}).start()
    try:
        a, _ = new_pair(server)
        hello = json.dumps({"type": "hello", "token": a.token, "last_seq": 0})

        def reconnect(times: int) -> None:
            for _ in range(times):
                with connect(server.ws_url) as ws:
                    ws.send(hello)
                    assert json.loads(ws.recv(timeout=5))["type"] == "welcome"

        assert server.proc is not None
        reconnect(100)  # warm pools, caches and the allocator first
        before = _rss_mib(server.proc.pid)
        reconnect(500)
        # Every close finished on the server's side (however long that takes here).
        wait_until(lambda: "attune_open_sockets 0.0" in httpx.get(server.url + "/metrics").text,
                   "the server to count no open sockets")
        after = _rss_mib(server.proc.pid)
        print(f"500 reconnects: server RSS {before:.1f} -> {after:.1f} MiB")
        # A leak of one socket's state (~60 KiB) per reconnect would be ~30 MiB here.
        assert after - before < 8
    finally:
        server.stop()
