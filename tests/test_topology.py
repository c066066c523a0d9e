"""The scale-out shape without Docker: two instances behind a load balancer."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from scripts.topology import Topology
from tests.support import RedisProcess, drop_postgres_database, fresh_postgres_database, new_pair

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def topology() -> Iterator[Topology]:
    redis = RedisProcess().start()
    url = fresh_postgres_database()
    running = Topology(database_url=url, redis_url=redis.url).start()
    yield running
    running.stop()
    redis.stop()
    drop_postgres_database(url)


class Partner:
    """A client as the app is one: keeps last_seq, reconnects through the balancer, and
    resends an unacknowledged command with the same id (idempotent)."""

    def __init__(self, topology: Topology, token: str) -> None:
        self.topology, self.token = topology, token
        self.seqs: list[int] = []
        self.ws: ClientConnection | None = None
        self.instance = ""
        self.closes: list[int] = []
        self.sockets = contextlib.ExitStack()
        self.done = threading.Event()

    def connect(self) -> None:
        deadline = time.monotonic() + 120  # a deadline for a hang, not a speed
        while time.monotonic() < deadline:  # an instance may be mid-restart: try again
            try:
                ws = self.sockets.enter_context(connect(self.topology.ws_url))
                last = max(self.seqs, default=0)
                ws.send(json.dumps({"type": "hello", "token": self.token, "last_seq": last}))
                welcome = json.loads(ws.recv(timeout=10))
                if welcome["type"] == "welcome":
                    self.ws, self.instance = ws, welcome["instance"]
                    return
            except (OSError, ConnectionClosed, TimeoutError):
                pass
            time.sleep(0.1)
        raise AssertionError("could not reconnect")

    def _note(self, frame: dict[str, Any]) -> None:
        if "seq" in frame and frame["type"] != "welcome" and frame["seq"] not in self.seqs:
            self.seqs.append(frame["seq"])

    def _recv(self, timeout: float) -> dict[str, Any]:
        assert self.ws is not None
        try:
            frame: dict[str, Any] = json.loads(self.ws.recv(timeout=timeout))
            if frame["type"] == "ping":
                self.ws.send(json.dumps({"type": "pong"}))
        except ConnectionClosed as closed:  # also between a ping and its pong
            self.closes.append(closed.rcvd.code if closed.rcvd else 0)
            self.connect()
            return {"type": "reconnected"}
        self._note(frame)
        return frame

    def read(self) -> None:
        """Collects event seqs until told it is done (however long the restarts take)."""
        while not self.done.is_set():
            with contextlib.suppress(TimeoutError):
                self._recv(0.2)

    def command(self, kind: str) -> int:
        """Sends a command until it is acked; returns its seq."""
        command_id = str(uuid.uuid4())
        while True:
            assert self.ws is not None
            try:
                self.ws.send(json.dumps({"type": kind, "id": command_id}))
            except ConnectionClosed:
                self.connect()
                continue
            while True:
                frame = self._recv(10)
                if frame["type"] == "reconnected":
                    break  # resend the same id on the new socket
                if frame.get("id") == command_id and frame["type"] in ("ack", "error"):
                    assert frame["type"] == "ack", frame
                    return int(frame["seq"])


def test_a_pause_crosses_instances_and_a_rolling_restart_loses_nothing(
    topology: Topology,
) -> None:
    a, b = new_pair(topology)  # type: ignore[arg-type]
    sender, receiver = Partner(topology, a.token), Partner(topology, b.token)
    sender.connect()
    receiver.connect()  # the next connection: round robin puts it on the other instance
    assert sender.instance != receiver.instance
    reader = threading.Thread(target=receiver.read)
    reader.start()
    try:
        acked = [sender.command("pause")]
        for index in (0, 1):  # a rolling restart: one instance, then the other
            for kind in ("resume", "slow", "resume", "pause"):
                acked.append(sender.command(kind))
            topology.restart(index)
            for kind in ("resume", "pause"):
                acked.append(sender.command(kind))
        deadline = time.monotonic() + 60  # a deadline for a hang, not a speed
        while set(acked) - set(receiver.seqs) and time.monotonic() < deadline:
            time.sleep(0.1)
        lost = set(acked) - set(receiver.seqs)
        assert not lost, f"lost: {lost}"
        assert len(receiver.seqs) == len(set(receiver.seqs))
        assert 1012 in receiver.closes + sender.closes  # told to reconnect, and did
        assert b.get("/signal").json()["state"] == "paused"
    finally:
        receiver.done.set()
        reader.join(timeout=30)
        sender.sockets.close()
        receiver.sockets.close()
