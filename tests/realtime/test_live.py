"""The live channel against a real uvicorn: pause delivery, acks, replay, closes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import func, select
from websockets.sync.client import connect

from api.models import Event
from tests.support import LiveServer, new_pair, register


def count_events(server: LiveServer, pair_id: str) -> int:
    async def count() -> int:
        async with server.services.db.read() as session:
            return int(await session.scalar(
                select(func.count()).select_from(Event)
                .where(Event.pair_id == uuid.UUID(pair_id))) or 0)
    return int(server.run(count()))


@pytest.mark.live
def test_welcome_describes_the_pair(server: LiveServer) -> None:
    a, b = new_pair(server)
    with a.live() as live:
        welcome = live.welcome
        assert welcome["pair_id"] == a.get("/pair").json()["pair_id"]
        assert welcome["seq"] == 0
        assert welcome["signal"] == {"state": "clear", "by": [], "mine": None, "theirs": None}
        assert welcome["me"] == a.id and welcome["partner_id"] == b.id


@pytest.mark.live
def test_pause_reaches_the_partner_and_is_acked_after_it_is_stored(server: LiveServer) -> None:
    a, b = new_pair(server)
    pair_id = a.get("/pair").json()["pair_id"]
    with a.live() as la, b.live() as lb:
        command_id = str(uuid.uuid4())
        ack = la.command("pause", command_id)
        assert ack == {"type": "ack", "id": command_id, "seq": 1}
        assert count_events(server, pair_id) == 1  # stored before the ack
        got = lb.expect("pause")
        assert got["id"] == command_id and got["seq"] == 1 and got["actor"] == a.id
        assert got["data"] == {"state": "paused", "signal": {"state": "paused", "by": [a.id]},
                               "cause": {"kind": "button"}}
        assert la.expect("pause")["seq"] == 1  # the sender sees its own event too
    for person in (a, b):
        signal = person.get("/signal").json()
        assert signal["state"] == "paused" and signal["by"] == [a.id]
    assert a.get("/signal").json()["mine"]["state"] == "paused"
    assert b.get("/signal").json()["mine"] is None


@pytest.mark.live
def test_same_id_twice_makes_one_event_and_the_same_ack(server: LiveServer) -> None:
    a, _ = new_pair(server)
    pair_id = a.get("/pair").json()["pair_id"]
    with a.live() as la:
        command_id = str(uuid.uuid4())
        first = la.command("pause", command_id)
        la.command("resume")
        again = la.command("pause", command_id)  # even after the state moved on
        assert again == first
        clash = la.command("slow", command_id)
        assert clash["type"] == "error" and clash["code"] == "conflict"
    assert count_events(server, pair_id) == 2
    assert a.get("/signal").json()["state"] == "clear"


@pytest.mark.live
def test_someone_elses_command_id_never_earns_their_ack(server: LiveServer) -> None:
    a, b = new_pair(server)
    pair_id = a.get("/pair").json()["pair_id"]
    with a.live() as la, b.live() as lb:
        command_id = str(uuid.uuid4())
        assert la.command("pause", command_id)["type"] == "ack"
        faked = lb.command("pause", command_id)  # B reuses A's id: B's pause is not stored
        assert faked["type"] == "error" and faked["code"] == "conflict"
        again = lb.command("pause")  # with its own id it goes through
        assert again["type"] == "ack"
        alias = str(uuid.uuid4())
        assert la.command("pause", alias)["type"] == "ack"  # already paused: an alias
        assert lb.command("slow", alias)["code"] == "conflict"
        assert lb.command("pause", alias)["code"] == "conflict"
    assert count_events(server, pair_id) == 2
    assert b.get("/signal").json()["mine"]["seq"] == again["seq"]


@pytest.mark.live
def test_repeated_pause_is_acked_without_growing_the_log(server: LiveServer) -> None:
    a, _ = new_pair(server)
    pair_id = a.get("/pair").json()["pair_id"]
    with a.live() as la:
        first = la.command("pause")
        seqs = {la.command("pause")["seq"] for _ in range(20)}
        assert seqs == {first["seq"]}
    assert count_events(server, pair_id) == 1


@pytest.mark.live
def test_only_the_pauser_can_lift_their_pause(server: LiveServer) -> None:
    a, b = new_pair(server)
    with a.live() as la, b.live() as lb:
        la.command("pause")
        refused = lb.command("resume")
        assert refused["type"] == "error" and refused["code"] == "not_allowed"
        seen_by_b = b.get("/signal").json()
        assert (seen_by_b["state"], seen_by_b["by"], seen_by_b["mine"]) == ("paused", [a.id], None)
        assert seen_by_b["theirs"]["state"] == "paused"
        # B stays free to set their own, and lifting it leaves A's pause standing.
        assert lb.command("slow")["type"] == "ack"
        assert lb.command("resume")["type"] == "ack"
        assert b.get("/signal").json()["state"] == "paused"
        assert la.command("resume")["type"] == "ack"
    assert a.get("/signal").json() == {"state": "clear", "by": [], "mine": None, "theirs": None}


@pytest.mark.live
def test_pair_state_is_the_strongest_of_the_two(server: LiveServer) -> None:
    a, b = new_pair(server)
    with a.live() as la, b.live() as lb:
        la.command("slow")
        assert a.get("/signal").json()["state"] == "slow"
        lb.command("pause")
        signal = a.get("/signal").json()
        assert (signal["state"], signal["by"]) == ("paused", [b.id])
        assert signal["mine"]["state"] == "slow"
        # B's view: the pair is paused by B, and A's own slow-down still shows.
        assert b.get("/signal").json()["theirs"]["state"] == "slow"
        lb.command("slow")
        assert sorted(a.get("/signal").json()["by"]) == sorted([a.id, b.id])


@pytest.mark.live
def test_replay_after_disconnect_has_every_missed_event_in_order(server: LiveServer) -> None:
    a, b = new_pair(server)
    with b.live() as lb:
        with a.live() as la:
            la.command("slow")
        first = lb.expect("slow")["seq"]
    with a.live() as la:
        for kind in ("pause", "resume", "slow", "pause", "resume"):
            la.command(kind)
    with b.live(last_seq=first) as lb:
        assert lb.welcome["seq"] == first + 5
        replayed = [lb.expect(kind)["seq"] for kind in ("pause", "resume", "slow", "pause",
                                                         "resume")]
        assert replayed == list(range(first + 1, first + 6))
        # No duplicates follow: whatever was queued for B by now comes before the pong.
        assert [f for f in lb.drain() if "seq" in f] == []
        assert [f["seq"] for f in lb.seen if "seq" in f and f["type"] != "welcome"] == replayed


@pytest.mark.live
def test_last_seq_beyond_the_latest_means_from_the_start(server: LiveServer) -> None:
    a, b = new_pair(server)
    with a.live() as la:
        la.command("pause")
    with b.live(last_seq=999) as lb:
        assert lb.expect("pause")["seq"] == 1


@pytest.mark.live
def test_receipts_reach_the_sender_and_are_kept_for_the_signal(server: LiveServer) -> None:
    a, b = new_pair(server)
    with a.live() as la, b.live() as lb:
        seq = la.command("pause")["seq"]
        lb.expect("pause")
        lb.send({"type": "receipt", "seq": seq, "status": "delivered"})
        assert la.expect("receipt") == {"type": "receipt", "seq": seq, "status": "delivered",
                                        "by": b.id}
        lb.send({"type": "receipt", "seq": seq, "status": "seen"})
        assert la.expect("receipt")["status"] == "seen"
        lb.send({"type": "receipt", "seq": seq, "status": "delivered"})  # never goes back
        la.send({"type": "receipt", "seq": seq, "status": "seen"})  # my own pause
        assert la.expect("error")["code"] == "invalid"
        lb.send({"type": "receipt", "seq": 9999, "status": "seen"})
        assert lb.expect("error")["code"] == "invalid"
    with a.live() as la:
        assert la.welcome["signal"]["mine"]["receipt"] == "seen"
    assert a.get("/signal").json()["mine"]["receipt"] == "seen"


@pytest.mark.live
def test_nothing_tells_a_partner_the_other_is_there_looking_or_has_read(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    added = a.post("/boundaries", json={"label": "Holding hands"}).json()
    with a.live() as la:
        la.drain()
        with b.live() as lb:
            lb.drain()
            lb.send({"type": "viewing", "screen": "boundaries"})
            assert lb.expect("error")["code"] == "unknown_type"
            seq = next(f["seq"] for f in lb.seen if f.get("type") == "boundary.added"
                       and f["data"]["item"]["id"] == added["id"])
            lb.send({"type": "receipt", "seq": seq, "status": "seen"})  # taken, told nobody
            b.put(f"/boundaries/{added['id']}/answer", json={"answer": "yes"})
        with b.live() as lb:  # gone and back: no presence either way
            assert "partner_online" not in lb.welcome
            paused = lb.command("pause")
            # The first thing A hears of B since B connected is B's pause.
            heard: list[dict[str, Any]] = []
            while not heard or heard[-1]["type"] != "pause":
                heard.append(la.recv())
            assert [f["type"] for f in heard] == ["pause"] and heard[0]["seq"] == paused["seq"]
            lb.send({"type": "receipt", "seq": seq, "status": "delivered"})
            la.send({"type": "receipt", "seq": paused["seq"], "status": "seen"})
            assert lb.expect("receipt")["seq"] == paused["seq"]  # stop signals keep receipts


@pytest.mark.live
def test_logout_closes_that_devices_sockets_with_4401(server: LiveServer) -> None:
    a, _ = new_pair(server)
    with a.live() as la:
        assert a.post("/auth/logout").status_code == 204
        assert la.close_code() == 4401


@pytest.mark.live
def test_unpair_sends_pair_ended_and_closes_both_with_4403(server: LiveServer) -> None:
    a, b = new_pair(server)
    with a.live() as la, b.live() as lb:
        la.command("pause")
        assert b.delete("/pair").status_code == 204
        for live in (la, lb):
            ended = live.expect("pair.ended")
            assert ended["actor"] == b.id
            assert live.close_code() == 4403
    with a.live(hello=False) as again:
        again.send({"type": "hello", "token": a.token, "last_seq": 0})
        assert again.close_code() == 4403


@pytest.mark.live
def test_hello_failures_close_with_documented_codes(server: LiveServer) -> None:
    a, _ = new_pair(server)
    loner = register(server)
    cases = [
        ({"type": "hello", "token": "not-a-token", "last_seq": 0}, 4401),
        ({"type": "hello", "last_seq": 0}, 4401),
        ({"type": "hello", "token": loner.token, "last_seq": 0}, 4403),
        ({"type": "pause", "id": str(uuid.uuid4())}, 4400),
        ("not json at all", 4400),
        ({"type": "hello", "token": a.token, "last_seq": -1}, 4400),
    ]
    for frame, code in cases:
        with a.live(hello=False) as live:
            live.send(frame if isinstance(frame, str) else json.dumps(frame))
            assert live.close_code() == code, frame


def test_no_hello_in_time_is_4408(make_server: Callable[..., LiveServer]) -> None:
    live_server = make_server(hello_timeout_seconds=0.3)
    a, _ = new_pair(live_server)
    with a.live(hello=False) as live:
        assert live.close_code() == 4408


@pytest.mark.live
@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "dance", "id": str(uuid.uuid4())}, "unknown_type"),
        ({"type": "pause"}, "invalid"),
        ({"type": "pause", "id": "not-a-uuid"}, "invalid"),
        ({"type": "pause", "id": str(uuid.uuid4()), "extra": 1}, "invalid"),
        ({"type": "receipt", "seq": "x", "status": "seen"}, "invalid"),
        ({"type": "receipt", "seq": 1, "status": "loved"}, "invalid"),
        ({"no": "type"}, "unknown_type"),
        ([1, 2, 3], "invalid"),
        ("{garbage", "invalid"),
        (b"\x00\x01binary", "invalid"),
        ({"type": "hello", "token": "x", "last_seq": 0}, "invalid"),
    ],
)
def test_bad_frames_get_an_error_and_change_nothing(
    server: LiveServer, frame: object, code: str
) -> None:
    a, _ = new_pair(server)
    pair_id = a.get("/pair").json()["pair_id"]
    with a.live() as live:
        live.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))
        error = live.expect("error")
        assert error["code"] == code
        assert live.command("slow")["type"] == "ack"  # the socket is still usable
    assert count_events(server, pair_id) == 1


@pytest.mark.live
def test_oversized_frame_closes_with_1009_and_stores_nothing(server: LiveServer) -> None:
    a, _ = new_pair(server)
    pair_id = a.get("/pair").json()["pair_id"]
    with a.live() as live:
        live.send(json.dumps({"type": "pause", "id": str(uuid.uuid4()), "pad": "x" * 70_000}))
        assert live.close_code() == 1009
    assert count_events(server, pair_id) == 0


def test_a_flood_is_rate_limited_but_a_pause_always_goes_through(
    make_server: Callable[..., LiveServer],
) -> None:
    live_server = make_server(socket_commands_per_second=1, socket_command_burst=3)
    a, b = new_pair(live_server)
    with a.live() as la, b.live() as lb:
        for _ in range(10):
            la.send({"type": "ping"})
        assert la.expect("error")["code"] == "rate_limited"
        for kind in ("pause", "resume", "slow", "resume", "pause"):
            assert la.command(kind)["type"] == "ack"
        assert lb.expect("pause", seq=5)["type"] == "pause"


def test_server_pings_and_closes_a_silent_socket(make_server: Callable[..., LiveServer]) -> None:
    live_server = make_server(heartbeat_seconds=0.2, dead_after_seconds=0.7)
    a, _ = new_pair(live_server)
    with connect(live_server.ws_url) as ws:
        ws.send(json.dumps({"type": "hello", "token": a.token, "last_seq": 0}))
        types = []
        from websockets.exceptions import ConnectionClosed
        try:
            while True:  # the timeout is a deadline for a hang only
                types.append(json.loads(ws.recv(timeout=30))["type"])
        except ConnectionClosed as closed:
            assert closed.rcvd is not None and closed.rcvd.code == 4410
        assert "ping" in types


def test_a_socket_that_answers_pings_stays_open(make_server: Callable[..., LiveServer]) -> None:
    live_server = make_server(heartbeat_seconds=0.2, dead_after_seconds=1.5)
    a, _ = new_pair(live_server)
    with a.live() as la:
        # Time passing is the point: twice the dead-after window, answering each ping with
        # a pong, and at least three pings answered (the server's heartbeat really beat).
        window = time.monotonic() + 3.0
        while time.monotonic() < window or la.pings < 3:
            la.quiet(max(0.05, window - time.monotonic()))
            assert time.monotonic() < window + 60, f"only {la.pings} pings in a minute"
        la.send({"type": "ping"})
        assert la.expect("pong") == {"type": "pong"}  # still open, still answering


@pytest.mark.live
def test_after_compaction_an_old_client_is_told_to_resync(server: LiveServer) -> None:
    from api.services import events

    a, b = new_pair(server)
    with a.live() as la:
        for kind in ("pause", "resume") * 4:
            la.command(kind)

    pair = uuid.UUID(a.get("/pair").json()["pair_id"])
    assert server.run(events.compact(server.services.db, keep_last=3, pairs=[pair])) >= 5
    with b.live(last_seq=2) as lb:
        assert lb.welcome["resync"] is True
        replay = [(f["type"], f["seq"]) for f in lb.drain() if f.get("seq")]
        assert replay == [("resume", 6), ("pause", 7), ("resume", 8)]
    with b.live(last_seq=5) as lb:  # nothing it needs is gone
        assert lb.welcome["resync"] is False
        assert [f["seq"] for f in lb.drain() if f.get("seq")] == [6, 7, 8]


@pytest.mark.live
def test_a_failing_listener_never_undoes_a_pause(server: LiveServer) -> None:
    a, b = new_pair(server)
    calls: list[str] = []

    def broken(_pair: uuid.UUID, frame: dict[str, Any]) -> None:
        calls.append(frame["type"])
        raise RuntimeError("a push service fell over")

    server.services.hub.listeners.append(broken)
    try:
        with a.live() as la, b.live() as lb:
            ack = la.command("pause")
            assert ack["type"] == "ack"  # acked although the listener raised
            assert lb.expect("pause")["seq"] == ack["seq"]
            assert la.command("resume")["type"] == "ack"  # and the socket lives on
    finally:
        server.services.hub.listeners.remove(broken)
    assert calls[:2] == ["pause", "resume"]
