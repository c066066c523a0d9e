"""The ordering rules of one socket's outbound stream, with a recording fake socket."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from api.realtime.connection import CLOSE_LAGGING, Connection, dumps


class FakeSocket:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self.log_read = asyncio.Event()  # set once the connection has read the log

    async def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))

    async def close(self, code: int, reason: str = "") -> None:
        self.closed = (code, reason)


def event(seq: int, type_: str = "boundary.changed") -> tuple[dict[str, Any], str]:
    frame = {"type": type_, "seq": seq, "id": str(uuid.uuid4()), "actor": None,
             "at": "2026-01-01T00:00:00+00:00", "data": {}}
    return frame, dumps(frame)


def make(log: dict[int, tuple[dict[str, Any], str]] | None = None, last_seq: int = 0,
         queue_limit: int = 50) -> tuple[Connection, FakeSocket]:
    ws = FakeSocket()

    async def filler(conn: Connection, target: int) -> None:
        for seq in sorted(log or {}):
            if conn.sent_upto < seq <= target:
                conn.deliver_event(*(log or {})[seq])
        ws.log_read.set()

    conn = Connection(ws, user_id=uuid.uuid4(), partner_id=uuid.uuid4(),  # type: ignore[arg-type]
                      pair_id=uuid.uuid4(), device_id=uuid.uuid4(), last_seq=last_seq,
                      queue_limit=queue_limit, filler=filler)
    return conn, ws


async def filled(ws: FakeSocket) -> None:
    """Waits until the connection has read the log (a gap is filled by a task of its
    own); the timeout is a deadline for a hang, not a speed."""
    await asyncio.wait_for(ws.log_read.wait(), 30)


async def drain(conn: Connection) -> None:
    await asyncio.sleep(0)
    conn.close(1000, "done", flush=True)
    await conn.run_writer()


def test_events_go_out_in_order_once_each() -> None:
    async def run() -> list[int]:
        conn, ws = make()
        for seq in (1, 2, 2, 1, 3):
            conn.deliver_event(*event(seq))
        await drain(conn)
        return [f["seq"] for f in ws.sent]

    assert asyncio.run(run()) == [1, 2, 3]


def test_a_gap_is_filled_from_the_log_before_later_events() -> None:
    log = {seq: event(seq) for seq in range(1, 6)}

    async def run() -> list[int]:
        conn, ws = make(log)
        conn.deliver_event(*log[5])  # 1..4 were missed
        await filled(ws)
        await drain(conn)
        return [f["seq"] for f in ws.sent]

    assert asyncio.run(run()) == [1, 2, 3, 4, 5]


def test_a_pause_overtakes_a_backlog_and_is_not_sent_twice() -> None:
    log = {seq: event(seq) for seq in range(1, 4)}
    log[4] = event(4, "pause")

    async def run() -> list[tuple[int, str]]:
        conn, ws = make(log)
        conn.send({"type": "aftercare.updated", "user_id": str(uuid.uuid4())})
        conn.deliver_event(*log[4])  # arrives before 1..3 were read from the log
        await filled(ws)
        await drain(conn)
        return [(f.get("seq", 0), f["type"]) for f in ws.sent]

    sent = asyncio.run(run())
    assert sent[0] == (4, "pause")
    assert [s for s, _ in sent if s] == [4, 1, 2, 3]


def test_urgent_frames_jump_the_queue() -> None:
    async def run() -> list[str]:
        conn, ws = make()
        for seq in range(1, 4):
            conn.deliver_event(*event(seq))
        conn.deliver_event(*event(4, "pause"))
        conn.send({"type": "ack", "id": str(uuid.uuid4()), "seq": 4}, urgent=True)
        await drain(conn)
        return [f["type"] for f in ws.sent]

    assert asyncio.run(run()) == ["pause", "ack", "boundary.changed", "boundary.changed",
                                  "boundary.changed"]


def test_a_socket_too_far_behind_is_closed_to_resync() -> None:
    async def run() -> tuple[int, str] | None:
        conn, ws = make(queue_limit=10)
        for seq in range(1, 30):
            conn.deliver_event(*event(seq))
        await drain(conn)
        return ws.closed

    closed = asyncio.run(run())
    assert closed is not None and closed[0] == CLOSE_LAGGING


def test_close_without_flush_drops_what_is_queued() -> None:
    async def run() -> list[dict[str, Any]]:
        conn, ws = make()
        conn.deliver_event(*event(1))
        conn.close(4401, "signed out")

        await conn.run_writer()
        assert ws.closed == (4401, "signed out")
        return ws.sent

    assert asyncio.run(run()) == []
