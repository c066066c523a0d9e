"""Every route x every role. A route missing from the table fails the suite.

Roles are seen from A's side: A ("self"), B (A's partner), F (A's former partner,
now unpaired), S (a stranger, paired with someone else), an anonymous caller, and a
revoked token of A's. Strangers and former partners get 404 exactly like "does not
exist"; on collection routes a stranger reaches only their own pair's things.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.models import Checkin
from tests.support import (
    PASSWORD,
    LiveServer,
    Person,
    client,
    new_pair,
    pair_up,
    register,
    sensitive,
)

ROLES = ("anonymous", "revoked", "former", "stranger", "partner", "self")
MARK = sensitive("Matrix-private-7f3a")

OK = "ok"  # authorised: anything but 401 and 404 (a 409 or 422 is the domain talking)
OWN = "own"  # authorised, but reaches the caller's own things, never A's
DENY = "404"
AUTH = "401"
SKIP = "skip"  # destructive for this role: covered by its own test (named in `why`)

PAIR = {"anonymous": AUTH, "revoked": AUTH, "former": DENY, "stranger": DENY,
        "partner": OK, "self": OK}
PAIR_COLLECTION = {**PAIR, "stranger": OWN}
# The partner's own things may carry the pair's shared labels: OK, not OWN.
PERSON = {"anonymous": AUTH, "revoked": AUTH, "former": OWN, "stranger": OWN,
          "partner": OK, "self": OK}
PUBLIC = dict.fromkeys(ROLES, OK)


@dataclass
class World:
    a: Person
    b: Person
    roles: dict[str, httpx.Client]
    ids: dict[str, str]
    fresh: dict[str, Callable[[], str]]


def _client(person: Person | None, token: str | None = None) -> httpx.Client:
    http = client(person.server) if person else None
    assert http is not None
    if token is not None:
        http.headers["Authorization"] = f"Bearer {token}"
    elif "Authorization" in http.headers:
        del http.headers["Authorization"]
    return http


def build_world(server: LiveServer) -> World:
    a, former = register(server), register(server)
    pair_up(a, former)
    assert former.delete("/pair").status_code == 204
    b = register(server)
    pair_up(a, b)
    stranger, _ = new_pair(server)
    revoked = client(server)
    token = revoked.post("/auth/login", json={"username": a.username,
                                              "password": PASSWORD}).json()["token"]
    revoked.headers["Authorization"] = f"Bearer {token}"
    assert revoked.post("/auth/logout").status_code == 204

    item = a.post("/boundaries", json={"label": f"{MARK} item"}).json()["id"]
    a.put(f"/boundaries/{item}/answer", json={"answer": "yes"})
    b.put(f"/boundaries/{item}/answer", json={"answer": "yes"})
    phrase = a.post("/phrases", json={"text": f"{MARK} phrase", "moment": "during",
                                      "kind": "question"}).json()["id"]
    b.post(f"/phrases/{phrase}/agree")
    a.put("/me/aftercare", json={"wishes": ["quiet"], "in_my_words": f"{MARK} care"})
    # A's safety plan, shared with nobody: not even the partner may read a word of it.
    a.put("/me/safety-plan", json={"triggers": f"{MARK} triggers", "avoid": f"{MARK} avoid"})
    ended = a.post("/sessions", json={"length_seconds": 600}).json()["id"]
    b.post(f"/sessions/{ended}/accept")
    a.post(f"/sessions/{ended}/end")
    debrief = a.post("/debriefs", json={"session_id": ended}).json()["id"]
    a.put(f"/debriefs/{debrief}/draft", json={"feeling": 4, "felt_good": f"{MARK} draft"})
    running = a.post("/sessions", json={"length_seconds": 3600}).json()["id"]
    b.post(f"/sessions/{running}/accept")

    async def add_checkin() -> str:
        async with server.services.db.write() as session:
            checkin = Checkin(session_id=uuid.UUID(running), round=1,
                              grace_until=datetime.now(UTC) + timedelta(hours=1))
            session.add(checkin)
        return str(checkin.id)

    checkin = server.run(add_checkin())
    note = a.post("/me/journal", json={"text": f"{MARK} note"}).json()["id"]
    solo = a.post("/me/solo-answers", json={"label": f"{MARK} solo", "answer": "maybe"}
                  ).json()["id"]
    key = a.get("/me/solo-answers").json()["items"][0]["catalogue_key"]
    summary = a.post("/me/summaries", json={"parts": ["plan", "agreed"]}).json()["id"]
    a.put(f"/sessions/{ended}/next-day", json={"feeling": 4, "words": f"{MARK} day"})

    def fresh_item() -> str:
        return str(a.post("/boundaries", json={"label": f"{MARK} {uuid.uuid4().hex}"})
                   .json()["id"])

    def fresh_note() -> str:
        return str(a.post("/me/journal", json={"text": f"{MARK} x"}).json()["id"])

    def fresh_solo() -> str:
        return str(a.post("/me/solo-answers", json={"label": f"{MARK} {uuid.uuid4().hex}",
                                                    "answer": "no"}).json()["id"])

    def fresh_summary() -> str:
        return str(a.post("/me/summaries", json={"parts": ["plan"]}).json()["id"])

    roles = {"anonymous": _client(a, None), "revoked": revoked, "former": former.http,
             "stranger": stranger.http, "partner": b.http, "self": a.http}
    ids = {"boundary_id": item, "phrase_id": phrase, "session_id": running,
           "ended_id": ended, "debrief_id": debrief, "checkin_id": checkin,
           "entry_id": note, "device_id": str(uuid.uuid4()), "answer_id": solo, "key": key,
           "summary_id": summary}
    return World(a, b, roles, ids, {"boundary_id": fresh_item, "entry_id": fresh_note,
                                    "answer_id": fresh_solo, "summary_id": fresh_summary})


def _row(expect: dict[str, str], body: Any = None, *, fresh: str | None = None,
         use: dict[str, str] | None = None, why: str = "", **override: str) -> dict[str, Any]:
    return {"expect": {**expect, **override}, "body": body, "fresh": fresh, "why": why,
            "use": use or {}}


DESTRUCTIVE = "signs out, deletes or unpairs A"
TABLE: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/auth/register"): _row(PUBLIC, {"username": "x", "password": "y"}),
    ("POST", "/auth/login"): _row({**PUBLIC, **dict.fromkeys(ROLES, AUTH)},
                                  {"username": "nobody-here", "password": "wrong one"},
                                  why="answers 401 to everyone with a wrong password"),
    ("POST", "/auth/logout"): _row(PERSON, partner=SKIP, self=SKIP, former=SKIP,
                                   stranger=SKIP, why=DESTRUCTIVE),
    ("POST", "/auth/logout-all"): _row(PERSON, partner=SKIP, self=SKIP, former=SKIP,
                                       stranger=SKIP, why=DESTRUCTIVE),
    ("GET", "/me"): _row(PERSON),
    ("DELETE", "/me"): _row(PERSON, {"password": "not the password"}),
    ("GET", "/me/devices"): _row(PERSON),
    ("DELETE", "/me/devices/{device_id}"): _row(PERSON, former=DENY, stranger=DENY,
                                                partner=DENY, self=DENY,
                                                why="an unknown device id: 404 for all"),
    ("GET", "/me/export"): _row(PERSON),
    ("PUT", "/me/password"): _row(PERSON, {"current_password": "not it",
                                           "new_password": "another long phrase"}),
    ("GET", "/me/aftercare"): _row(PERSON),
    ("PUT", "/me/aftercare"): _row(PERSON, {"wishes": ["water"]}, self=SKIP,
                                   why="would overwrite A's wishes the test reads"),
    ("GET", "/me/safety-plan"): _row(PERSON),
    ("PUT", "/me/safety-plan"): _row(PERSON, {"topics": "x"}, self=SKIP,
                                     why="would overwrite A's plan the test reads"),
    ("PUT", "/me/safety-plan/sharing"): _row(PERSON, {"part": "topics", "shared": False}),
    ("GET", "/me/journal"): _row(PERSON),
    ("GET", "/me/reflections"): _row(PERSON),
    ("POST", "/me/journal"): _row(PERSON, {"text": "own note"}),
    ("PUT", "/me/journal/{entry_id}"): _row(PERSON, {"text": "mine now"}, former=DENY,
                                            stranger=DENY, partner=DENY),
    ("DELETE", "/me/journal/{entry_id}"): _row(PERSON, fresh="entry_id", former=DENY,
                                               stranger=DENY, partner=DENY),
    # My own answers and summaries: the partner reaches only their own, never a word of A's.
    ("GET", "/me/solo-answers"): _row(PERSON, partner=OWN),
    ("POST", "/me/solo-answers"): _row(PERSON, {"label": "own thing", "answer": "yes"},
                                       partner=OWN),
    ("PUT", "/me/solo-answers/catalogue/{key}"): _row(PERSON, {"answer": "no"}, partner=OWN),
    ("PUT", "/me/solo-answers/{answer_id}"): _row(PERSON, {"answer": "yes"}, former=DENY,
                                                  stranger=DENY, partner=DENY),
    ("DELETE", "/me/solo-answers/{answer_id}"): _row(PERSON, fresh="answer_id", former=DENY,
                                                     stranger=DENY, partner=DENY),
    ("POST", "/me/solo-answers/{answer_id}/bring-in"): _row(PAIR, partner=DENY),
    ("POST", "/me/summaries"): _row(PERSON, {"parts": ["plan"]}, partner=OWN),
    ("GET", "/me/summaries"): _row(PERSON, partner=OWN),
    ("GET", "/me/summaries/{summary_id}"): _row(PERSON, former=DENY, stranger=DENY,
                                                partner=DENY),
    ("DELETE", "/me/summaries/{summary_id}"): _row(PERSON, fresh="summary_id", former=DENY,
                                                   stranger=DENY, partner=DENY),
    # The partner answers A's question about the pair's parts; it is not A's to answer.
    ("GET", "/pair/summaries"): _row(PAIR_COLLECTION),
    ("POST", "/pair/summaries/{summary_id}/agree"): _row(PAIR, self=DENY),
    ("POST", "/pair/summaries/{summary_id}/decline"): _row(PAIR, self=DENY),
    ("GET", "/pair"): _row(PAIR_COLLECTION),
    ("DELETE", "/pair"): _row(PAIR_COLLECTION, partner=SKIP, self=SKIP, stranger=SKIP,
                              why=DESTRUCTIVE),
    ("GET", "/pair/aftercare"): _row(PAIR_COLLECTION),
    # The partner reads A's card, and A shares nothing: none of A's words.
    ("GET", "/pair/safety-card"): _row(PAIR_COLLECTION, partner=OWN),
    ("GET", "/pair/discreet"): _row(PAIR_COLLECTION),
    ("PUT", "/pair/discreet"): _row(PAIR_COLLECTION, {"label": "Tea"}),
    ("POST", "/pair/discreet/agree"): _row(PAIR_COLLECTION, self=SKIP, partner=SKIP,
                                           why="409 or 403 when nothing of theirs waits"),
    ("DELETE", "/pair/discreet"): _row(PAIR_COLLECTION),
    ("POST", "/pair/invites"): _row(PERSON),
    ("POST", "/pair/join"): _row(PERSON, {"code": "ZZZZ-ZZZZ"}, former=DENY,
                                 why="an unknown code is 404 to anyone unpaired"),
    ("GET", "/signal"): _row(PAIR_COLLECTION),
    ("GET", "/boundaries"): _row(PAIR_COLLECTION),
    ("POST", "/boundaries"): _row(PAIR_COLLECTION, {"label": "a new one"}),
    ("GET", "/boundaries/path"): _row(PAIR_COLLECTION),
    ("GET", "/boundaries/catalogue"): _row(PAIR_COLLECTION),
    ("POST", "/boundaries/catalogue"): _row(PAIR_COLLECTION, {"keys": []}),
    ("GET", "/boundaries/review"): _row(PAIR_COLLECTION),
    ("PUT", "/boundaries/review/plan"): _row(PAIR_COLLECTION, {"every_days": 30}),
    ("POST", "/boundaries/review/start"): _row(PAIR_COLLECTION),
    ("POST", "/boundaries/review/join"): _row(PAIR_COLLECTION),
    ("POST", "/boundaries/review/finish"): _row(PAIR_COLLECTION),
    ("GET", "/boundaries/baseline"): _row(PAIR_COLLECTION),
    ("PUT", "/boundaries/baseline"): _row(PAIR_COLLECTION, {"step": "touch"}),
    ("POST", "/boundaries/step-back"): _row(PAIR_COLLECTION, {}),
    ("PATCH", "/boundaries/{boundary_id}"): _row(PAIR, {"category": "touch", "version": 1}),
    ("DELETE", "/boundaries/{boundary_id}"): _row(PAIR, fresh="boundary_id"),
    ("PUT", "/boundaries/{boundary_id}/answer"): _row(PAIR, {"answer": "no"}),
    ("GET", "/boundaries/{boundary_id}/history"): _row(PAIR),
    ("GET", "/phrases"): _row(PAIR_COLLECTION),
    ("POST", "/phrases"): _row(PAIR_COLLECTION, {"text": "A new one?", "moment": "after",
                                                 "kind": "question"}),
    ("GET", "/phrases/starter"): _row(PAIR_COLLECTION),
    ("POST", "/phrases/starter"): _row(PAIR_COLLECTION, {"keys": []}),
    ("POST", "/phrases/{phrase_id}/agree"): _row(PAIR),
    ("POST", "/phrases/{phrase_id}/say"): _row(PAIR, {"id": str(uuid.uuid4())}),
    ("POST", "/phrases/{phrase_id}/withdraw"): _row(PAIR, partner=SKIP, self=SKIP,
                                                    why="withdrawal: tests/api/test_phrases"),
    ("GET", "/sessions"): _row(PAIR_COLLECTION),
    ("POST", "/sessions"): _row(PAIR_COLLECTION, {"length_seconds": 600}),
    ("GET", "/sessions/current"): _row(PAIR_COLLECTION),
    ("GET", "/sessions/{session_id}"): _row(PAIR),
    ("POST", "/sessions/{session_id}/accept"): _row(PAIR),
    ("POST", "/sessions/{session_id}/decline"): _row(PAIR),
    ("POST", "/sessions/{session_id}/cancel"): _row(PAIR),
    ("POST", "/sessions/{session_id}/end"): _row(PAIR, partner=SKIP, self=SKIP,
                                                 why="ending: tests/api/test_sessions"),
    ("POST", "/sessions/{session_id}/extend"): _row(PAIR, {"seconds": 600}),
    ("POST", "/sessions/{session_id}/extend/accept"): _row(PAIR),
    ("POST", "/sessions/{session_id}/extend/decline"): _row(PAIR),
    ("POST", "/sessions/{session_id}/checkins/{checkin_id}"): _row(PAIR, {"answer": "green"}),
    ("DELETE", "/sessions/{session_id}/menu/{boundary_id}"): _row(PAIR),
    ("GET", "/sessions/{session_id}/timeline"): _row(PAIR),
    ("PUT", "/sessions/{session_id}/next-day"): _row(PAIR, {"feeling": 3}),
    ("GET", "/sessions/{session_id}/next-day"): _row(PAIR, use={"session_id": "ended_id"},
                                                     partner=DENY,
                                                     why="A's note is A's alone"),
    ("GET", "/debriefs"): _row(PAIR_COLLECTION),
    ("POST", "/debriefs"): _row(PAIR, {"session_id": "{ended_id}"}),
    ("GET", "/debriefs/feelings"): _row(PAIR_COLLECTION),
    ("GET", "/debriefs/{debrief_id}"): _row(PAIR),
    ("PUT", "/debriefs/{debrief_id}/draft"): _row(PAIR, {"feeling": 3}, self=SKIP,
                                                  why="would overwrite A's draft"),
    ("POST", "/debriefs/{debrief_id}/submit"): _row(PAIR, partner=SKIP, self=SKIP,
                                                    why="the reveal: tests/api/test_debriefs"),
    ("POST", "/debriefs/{debrief_id}/skip"): _row(PAIR, partner=SKIP, self=SKIP,
                                                  why="the reveal: tests/api/test_debriefs"),
    ("POST", "/debriefs/{debrief_id}/withdraw"): _row(PAIR),
    ("GET", "/push/key"): _row(PUBLIC),
    ("POST", "/push/subscriptions"): _row(PERSON, {"endpoint": "https://push.example/m",
                                                   "keys": {"p256dh": "AAAAAAAAAA",
                                                            "auth": "AAAAAAAAAA"}}),
    ("DELETE", "/push/subscriptions"): _row(PERSON, {"endpoint": "https://push.example/m"}),
}


def test_every_route_has_a_row(server: LiveServer) -> None:
    spec = client(server).get("/openapi.json").json()
    routes = {(method.upper(), path.removeprefix("/api/v1"))
              for path, operations in spec["paths"].items() for method in operations}
    assert routes - set(TABLE) == set(), "add these routes to the authorization matrix"
    assert set(TABLE) - routes == set(), "these rows name routes that no longer exist"


def _fill(text: str, world: World, fresh: str | None,
          use: dict[str, str] | None = None) -> str:
    ids = dict(world.ids)
    ids.update({name: world.ids[other] for name, other in (use or {}).items()})
    if fresh:
        ids[fresh] = world.fresh[fresh]()
    for name, value in ids.items():
        text = text.replace("{" + name + "}", value)
    return text


@pytest.mark.live
def test_every_route_answers_every_role_as_the_table_says(server: LiveServer) -> None:
    world = build_world(server)
    failures = []
    for role in ROLES:  # the roles that can change nothing go first
        http = world.roles[role]
        for (method, path), row in TABLE.items():
            expected = row["expect"][role]
            if expected == SKIP:
                continue
            body = row["body"]
            if isinstance(body, dict):
                body = {k: _fill(v, world, None) if isinstance(v, str) else v
                        for k, v in body.items()}
            got = http.request(method, _fill(path, world, row["fresh"], row["use"]),
                               json=body, headers={"X-Forwarded-For": f"2001:db8::{role[:4]}"})
            status = got.status_code
            leaked = MARK in got.text and role in ("former", "stranger", "anonymous",
                                                   "revoked")
            allowed = status not in (401, 404) and status < 500
            fine = {AUTH: status == 401, DENY: status == 404, OK: allowed,
                    OWN: allowed and MARK not in got.text}[expected]
            if not fine or leaked or status >= 500:
                failures.append(f"{role:9} {method:6} {path}: {status} (expected {expected})")
    assert failures == [], "\n".join(failures)


@pytest.mark.live
@pytest.mark.parametrize("role", ["anonymous", "revoked", "former"])
def test_the_live_channel_refuses_who_it_must(server: LiveServer, role: str) -> None:
    import json

    from websockets.sync.client import connect

    from tests.support import Live

    world_a, world_b = new_pair(server)
    token = {"anonymous": None, "revoked": None, "former": None}[role]
    if role == "revoked":
        token = world_a.token
        world_a.post("/auth/logout")
    elif role == "former":
        token = world_b.token
        world_b.delete("/pair")
    with connect(server.ws_url) as ws:
        ws.send(json.dumps({"type": "hello", "token": token, "last_seq": 0}))
        code = Live(ws, world_a).close_code()
    assert code == {"anonymous": 4401, "revoked": 4401, "former": 4403}[role]


@pytest.mark.live
def test_a_stranger_cannot_touch_another_pairs_events(server: LiveServer) -> None:
    a, _ = new_pair(server)
    with a.live() as la:
        seq = la.command("pause")["seq"]
    stranger, _ = new_pair(server)
    with stranger.live() as ls:
        ls.send({"type": "receipt", "seq": seq, "status": "seen"})
        assert ls.expect("error")["code"] == "invalid"  # no such seq in *their* pair
        assert ls.command("resume")["code"] == "not_allowed"
    assert a.get("/signal").json()["state"] == "paused"
