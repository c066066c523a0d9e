"""Every error is problem+json, and a refused request changes nothing."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_accounts import assert_problem
from tests.api.test_boundaries import view
from tests.support import (
    PASSWORD,
    LiveServer,
    client,
    new_pair,
    register,
    server_settings,
    unique_name,
)


def test_health_and_openapi(server: LiveServer) -> None:
    site = client(server, base="")
    assert site.get("/healthz").json() == {"status": "ok"}
    assert site.get("/readyz").status_code == 200
    spec = site.get("/api/v1/openapi.json").json()
    assert "/api/v1/auth/register" in spec["paths"]


def test_the_document_states_the_rules_this_instance_enforces(
        make_server: Callable[..., LiveServer]) -> None:
    live = make_server(min_session_seconds=300, push_services=["push.example.net"])
    spec = httpx.get(live.url + "/api/v1/openapi.json").json()
    models = spec["components"]["schemas"]
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec))
    assert refs and set(refs) <= models.keys()  # every problem body refers to what exists
    session = models["SessionIn"]["properties"]["length_seconds"]
    assert session["minimum"] == 300
    a, _ = new_pair(live)
    assert_problem(a.post("/sessions", json={"length_seconds": 299}), 422)
    assert a.post("/sessions", json={"length_seconds": 300}).status_code == 201
    endpoint = re.compile(models["PushSubscriptionIn"]["properties"]["endpoint"]["pattern"])
    assert endpoint.search("https://push.example.net/send/abc")
    assert endpoint.search("https://eu.push.example.net/send/abc")
    for elsewhere in ("https://push.example.net.evil.test/x", "http://push.example.net/x",
                      "https://169.254.169.254/latest", "https://user@push.example.net/x"):
        assert not endpoint.search(elsewhere), elsewhere


def test_unknown_route_and_wrong_method(server: LiveServer) -> None:
    http = client(server)
    assert_problem(http.get("/no/such/thing"), 404)
    wrong = http.put("/auth/login", json={})
    assert_problem(wrong, 405)


@pytest.mark.parametrize("payload", [
    b"{not json", b"[]", b'"text"', b"", b"\xff\xfe",
    b'{"username": "ann\xff", "password": "a walk by the sea"}',  # not UTF-8 inside
    b"[" * 5000 + b"]" * 5000,  # deeper than any parser goes
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
], ids=["broken", "array", "string", "empty", "bytes", "not-utf8", "deep-array", "deep-object"])
def test_malformed_bodies_are_422(server: LiveServer, payload: bytes) -> None:
    answer = client(server).post("/auth/register", content=payload,
                                 headers={"content-type": "application/json"})
    body = assert_problem(answer, 422)
    assert body["type"] == "/problems/invalid" and body["errors"]


@pytest.mark.live
def test_numbers_and_yes_no_are_json_numbers_and_booleans(server: LiveServer) -> None:
    a, _ = new_pair(server)
    item = a.post("/boundaries", json={"label": "Holding hands"}).json()
    url = f"/boundaries/{item['id']}/answer"
    body: dict[str, Any]
    for body in ({"answer": "yes", "version": str(item["version"])},
                 {"answer": "yes", "version": True},
                 {"answer": "yes", "version": 2**31},  # versions are 32-bit
                 {"answer": "yes", "version": 1.5}):
        refused = assert_problem(a.put(url, json=body), 422)
        assert [e["field"] for e in refused["errors"]] == ["version"], body
    for body in ({"length_seconds": "600"}, {"length_seconds": True}):
        refused = assert_problem(a.post("/sessions", json=body), 422)
        assert [e["field"] for e in refused["errors"]] == ["length_seconds"]
    assert_problem(a.post("/boundaries/catalogue", json={"all": "true"}), 422)
    assert_problem(a.post("/boundaries/catalogue", json={"all": 1}), 422)
    assert view(a, item["id"])["my_answer"] is None  # nothing changed
    # 1.0 is the number 1, as JSON Schema reads it.
    assert a.put(url, json={"answer": "yes", "version": float(item["version"])}).is_success
    with a.live(hello=False) as live:
        live.send({"type": "hello", "token": a.token, "last_seq": "0"})
        assert live.close_code() == 4400  # a hello that is not one


def test_oversized_body_is_413_and_creates_nothing(server: LiveServer) -> None:
    name = unique_name()
    body = {"username": name, "password": PASSWORD, "display_name": "x" * 70_000}
    assert_problem(client(server).post("/auth/register", json=body), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must count the streamed bytes
        yield b'{"username": "' + name.encode() + b'", "password": "' + PASSWORD.encode()
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    streamed = client(server).post("/auth/register", content=chunks(),
                                   headers={"content-type": "application/json"})
    assert_problem(streamed, 413)
    login = client(server).post("/auth/login", json={"username": name, "password": PASSWORD})
    assert_problem(login, 401)


def test_unexpected_error_is_a_bare_500_and_logs_no_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    live = LiveServer(server_settings(data_dir=tmp_path))

    @live.app.get("/api/v1/boom")
    async def boom() -> None:
        raise RuntimeError("very private words")

    # Ahead of the PWA's static mount at "/", which would otherwise answer first.
    live.app.router.routes.insert(0, live.app.router.routes.pop())

    live.start()
    try:
        with caplog.at_level(logging.INFO):
            answer = client(live).get("/boom")
        assert_problem(answer, 500)
        assert "private" not in answer.text and "Traceback" not in answer.text
        assert "very private words" not in caplog.text
        assert "RuntimeError" in caplog.text
    finally:
        live.stop()


def test_registration_is_rate_limited_per_address(make_server: Callable[..., LiveServer]) -> None:
    live = make_server(register_per_minute=2)
    http = client(live)
    for _ in range(2):
        assert http.post("/auth/register", json={"username": unique_name(), "password": PASSWORD}
                         ).status_code == 201
    name = unique_name()
    limited = http.post("/auth/register", json={"username": name, "password": PASSWORD})
    assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    # Nothing was created, and another address is not affected.
    assert client(live).post("/auth/register", json={"username": name, "password": PASSWORD}
                             ).status_code == 201


def test_login_is_rate_limited_per_address(make_server: Callable[..., LiveServer]) -> None:
    live = make_server(login_per_minute=3)
    person = register(live)
    http = client(live)
    for _ in range(3):
        http.post("/auth/login", json={"username": person.username, "password": "wrong one!!"})
    assert_problem(http.post("/auth/login",
                             json={"username": person.username, "password": PASSWORD}), 429)


def test_failed_logins_slow_down_without_locking_the_owner_out(
    make_server: Callable[..., LiveServer],
) -> None:
    live = make_server(login_free_failures=3)
    person = register(live)
    attacker = client(live)
    for _ in range(3):
        assert_problem(attacker.post("/auth/login", json={"username": person.username,
                                                          "password": "guess guess"}), 401)
    slowed = attacker.post("/auth/login",
                           json={"username": person.username, "password": "guess guess"})
    assert_problem(slowed, 429)
    assert 1 <= int(slowed.headers["retry-after"]) <= 60
    # The owner, on their own device, still gets in at once.
    owner = client(live).post("/auth/login",
                              json={"username": person.username, "password": PASSWORD})
    assert owner.status_code == 200


def test_security_headers_on_every_response(server: LiveServer) -> None:
    for answer in (client(server, base="").get("/healthz"), client(server).get("/nope")):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "script-src 'self'" in answer.headers["content-security-policy"]


def test_a_person_flooding_writes_is_limited_but_can_always_pause(
    make_server: Callable[..., LiveServer],
) -> None:
    import uuid

    from tests.support import new_pair

    live = make_server(person_writes_per_minute=5)
    a, b = new_pair(live)
    red = next(p for p in b.get("/phrases/starter").json()["items"]
               if p["tone"] == "red" and p["moment"] == "during")
    b.post("/phrases/starter", json={"keys": [red["key"]]})
    phrase = b.get("/phrases").json()["items"][0]["id"]
    assert a.post(f"/phrases/{phrase}/agree").status_code == 200  # after the invite: 2 writes
    for i in range(3):
        assert a.post("/boundaries", json={"label": f"Item {i}"}).status_code == 201
    limited = a.post("/boundaries", json={"label": "One too many"})
    assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert len(a.get("/boundaries").json()["items"]) == 3  # nothing was added
    assert b.post("/boundaries", json={"label": "Partner unaffected"}).status_code == 201
    # Saying "I need to stop" is a pause: no limit ever holds it back.
    said = a.post(f"/phrases/{phrase}/say", json={"id": str(uuid.uuid4())})
    assert said.status_code == 201 and said.json()["pause_seq"] is not None
    with a.live() as la:
        assert la.command("slow")["type"] == "ack"
