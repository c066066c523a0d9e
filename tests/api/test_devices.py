"""Devices: revoke one, sign out everywhere, change the password, expiry, origins."""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from api.models import DeviceSession
from api.services.accounts import refresh_after
from tests.api.test_accounts import assert_problem
from tests.support import (
    PASSWORD,
    LiveServer,
    Person,
    client,
    new_pair,
    pair_up,
    register,
    server_settings,
)


def second_device(person: Person) -> Person:
    http = client(person.server)
    token = http.post("/auth/login", json={"username": person.username,
                                           "password": PASSWORD}).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return Person(person.server, person.username, person.id, token, http)


@pytest.mark.live
def test_revoking_a_device_signs_it_out_with_its_sockets(server: LiveServer) -> None:
    a, _ = new_pair(server)
    phone = second_device(a)
    devices = a.get("/me/devices").json()
    other = next(d["id"] for d in devices if not d["current"])
    with phone.live() as live:
        assert a.delete(f"/me/devices/{other}").status_code == 204
        assert live.close_code() == 4401
    assert_problem(phone.get("/me"), 401)
    assert a.get("/me").status_code == 200
    assert_problem(a.delete(f"/me/devices/{other}"), 404)
    stranger, _ = new_pair(server)
    mine = next(d["id"] for d in a.get("/me/devices").json())
    assert_problem(stranger.delete(f"/me/devices/{mine}"), 404)
    assert a.get("/me").status_code == 200


@pytest.mark.live
def test_signing_out_everywhere(server: LiveServer) -> None:
    a, _ = new_pair(server)
    phone = second_device(a)
    with phone.live() as live:
        out = a.post("/auth/logout-all")
        assert out.status_code == 204 and "storage" in out.headers["clear-site-data"]
        assert live.close_code() == 4401
    assert_problem(a.get("/me"), 401)
    assert_problem(phone.get("/me"), 401)


@pytest.mark.live
def test_changing_the_password_signs_out_the_other_devices(server: LiveServer) -> None:
    a, _ = new_pair(server)
    phone = second_device(a)
    new = "a brand new evening walk"
    assert_problem(a.put("/me/password", json={"current_password": "nope nope nope",
                                               "new_password": new}), 403)
    weak = assert_problem(a.put("/me/password", json={"current_password": PASSWORD,
                                                      "new_password": "password123"}), 422)
    assert [e["field"] for e in weak["errors"]] == ["new_password"]
    assert phone.get("/me").status_code == 200  # nothing changed yet
    with phone.live() as live:
        changed = a.put("/me/password", json={"current_password": PASSWORD,
                                              "new_password": new})
        assert changed.status_code == 204
        assert live.close_code() == 4401
    assert_problem(phone.get("/me"), 401)
    assert a.get("/me").status_code == 200
    http = client(server)
    assert_problem(http.post("/auth/login", json={"username": a.username,
                                                  "password": PASSWORD}), 401)
    assert http.post("/auth/login", json={"username": a.username,
                                          "password": new}).status_code == 200


def test_an_expired_sign_in_is_told_but_never_stops_a_pause(
    make_server: Callable[..., LiveServer],
) -> None:
    live_server = make_server(sweep_seconds=0.2)
    a, b = new_pair(live_server)
    with a.live() as la, b.live() as lb:
        assert la.welcome["token_expires_at"]

        async def expire(person: Person) -> None:
            async with live_server.services.db.write() as session:
                await session.execute(sa.update(DeviceSession)
                                      .where(col(DeviceSession.account_id) == uuid.UUID(person.id))
                                      .values(expires_at=datetime.now(UTC) - timedelta(1)))

        live_server.run(expire(a))
        la.expect("session.expired", timeout=30)
        assert_problem(a.get("/me"), 401)
        ack = la.command("pause")
        assert ack["type"] == "ack"
        assert lb.expect("pause")["seq"] == ack["seq"]
        assert la.command("resume")["type"] == "ack"
        # Told once: B's sign-in running out now is the positive control. The sweep that
        # tells B also looks at A's socket again (A's sign-in is still expired), in the same
        # pass; whatever it queued for A is in before the pong of a ping sent after.
        live_server.run(expire(b))
        lb.expect("session.expired", timeout=30)
        la.drain()
        assert [f["type"] for f in la.seen].count("session.expired") == 1


def test_a_sign_in_in_use_is_refreshed_before_it_could_run_out(
    make_server: Callable[..., LiveServer],
) -> None:
    live_server = make_server(token_idle_minutes=5)  # refreshed after 30 to 60 s
    person = register(live_server)

    def last_used(ago: timedelta) -> tuple[datetime, dict[str, Any]]:
        """Sets the sign-in's last use `ago`, then uses it; what it was set to, and the
        device as the API shows it after that use."""
        then = datetime.now(UTC) - ago

        async def backdate() -> None:
            mine = col(DeviceSession.account_id) == uuid.UUID(person.id)
            async with live_server.services.db.write() as session:
                await session.execute(sa.update(DeviceSession).where(mine).values(
                    last_used_at=then, expires_at=then + timedelta(minutes=5)))

        live_server.run(backdate())
        [device] = person.get("/me/devices").json()
        return then, device

    then, device = last_used(timedelta(seconds=29))  # within its interval: no write
    assert abs(datetime.fromisoformat(device["last_used_at"]) - then) < timedelta(milliseconds=1)
    # Past the longest interval: refreshed, its expiry five minutes from now. (With a
    # fixed five minutes between refreshes, a sign-in with a five-minute idle limit ran
    # out while in use.)
    then, device = last_used(timedelta(seconds=61))
    assert datetime.fromisoformat(device["last_used_at"]) > then + timedelta(seconds=60)
    assert datetime.fromisoformat(device["expires_at"]) > datetime.now(UTC) + timedelta(minutes=4)


def test_devices_signed_in_together_come_due_apart() -> None:
    """After a deploy every open app signs in within a minute; their refreshes must not
    then all queue for the writer in one minute, five minutes later."""
    numbers, settings = random.Random(15), server_settings()
    ids = [uuid.UUID(int=numbers.getrandbits(128)) for _ in range(2_000)]
    due = Counter(refresh_after(settings, d) // timedelta(minutes=1) for d in ids)
    assert sorted(due) == [5, 6, 7, 8, 9]
    assert max(due.values()) < 0.25 * len(ids)


def test_what_another_process_changes_reaches_the_sockets_by_the_sweep(
    make_server: Callable[..., LiveServer],
) -> None:
    """A maintenance command writes beside the server without its hub: the sweep reads
    the database and closes a revoked device's socket (4401) and an ended pair's (4403),
    and leaves everyone else's open."""
    live_server = make_server(sweep_seconds=0.2)
    a, b = register(live_server), register(live_server)
    pair_of_a = uuid.UUID(pair_up(a, b))
    c, d = new_pair(live_server)
    with a.live() as la, b.live() as lb, c.live() as lc, d.live() as ld:
        with closing(sqlite3.connect(live_server.settings.sqlite_path, timeout=10)) as other:
            other.execute("PRAGMA foreign_keys=ON")
            other.execute("DELETE FROM device_session WHERE account_id = ?",
                          (uuid.UUID(c.id).hex,))
            other.execute("DELETE FROM pair WHERE id = ?", (pair_of_a.hex,))
            other.commit()
        assert lc.close_code(timeout=30) == 4401
        assert la.close_code(timeout=30) == 4403
        assert lb.close_code(timeout=30) == 4403
        # D's socket is still served: its pause goes through.
        assert ld.command("pause")["type"] == "ack"


def test_websocket_origin_is_checked(make_server: Callable[..., LiveServer]) -> None:
    live_server = make_server(allowed_origins=["https://app.attune.example"])
    a, _ = new_pair(live_server)
    host = f"127.0.0.1:{live_server.port}"
    with pytest.raises(InvalidStatus) as refused:
        connect(live_server.ws_url, origin=Origin("https://evil.example"))
    assert refused.value.response.status_code == 403
    for origin in (f"http://{host}", "https://app.attune.example"):
        with connect(live_server.ws_url, origin=Origin(origin)) as ws:
            ws.send(json.dumps({"type": "hello", "token": a.token, "last_seq": 0}))
            assert json.loads(ws.recv(timeout=5))["type"] == "welcome"
