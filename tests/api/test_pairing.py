"""Pairing through HTTP: invites, join, the pair, leaving."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col, func, select

from api.models import CommandAlias, Event, Invite, Membership, Pair, SignalState
from tests.api.test_accounts import assert_problem
from tests.api.test_debriefs import draft, open_debrief
from tests.support import LiveServer, new_pair, register, sensitive


def test_invite_join_and_view_the_pair(server: LiveServer) -> None:
    a = register(server, display_name="Alex")
    b = register(server, display_name="Sam")
    invite = a.post("/pair/invites")
    assert invite.status_code == 201
    code = invite.json()["code"]
    assert len(code) == 9 and code[4] == "-"
    expires = datetime.fromisoformat(invite.json()["expires_at"])
    assert timedelta(minutes=1) < expires - datetime.now(UTC) <= timedelta(minutes=15)

    # Read aloud and typed loosely: lower case, no dash, O for 0 still works.
    typed = code.lower().replace("-", " ").replace("0", "o")
    joined = b.post("/pair/join", json={"code": typed})
    assert joined.status_code == 201, joined.text
    body = joined.json()
    assert body["partner"] == {"id": a.id, "display_name": "Alex"}

    seen_by_a = a.get("/pair").json()
    seen_by_b = b.get("/pair").json()
    assert seen_by_a["pair_id"] == seen_by_b["pair_id"] == body["pair_id"]
    assert seen_by_a["partner"] == {"id": b.id, "display_name": "Sam"}
    assert a.get("/me").json()["pair_id"] == body["pair_id"]
    # The code is spent.
    c = register(server)
    assert_problem(c.post("/pair/join", json={"code": code}), 404)


def test_a_new_code_replaces_the_previous_one(server: LiveServer) -> None:
    a, b = register(server), register(server)
    first = a.post("/pair/invites").json()["code"]
    second = a.post("/pair/invites").json()["code"]
    assert_problem(b.post("/pair/join", json={"code": first}), 404)
    assert b.post("/pair/join", json={"code": second}).status_code == 201


def test_joining_your_own_code_is_403(server: LiveServer) -> None:
    a = register(server)
    code = a.post("/pair/invites").json()["code"]
    assert_problem(a.post("/pair/join", json={"code": code}), 403)


def test_unknown_malformed_and_expired_codes_are_404(server: LiveServer) -> None:
    a, b = register(server), register(server)
    assert_problem(b.post("/pair/join", json={"code": "ZZZZ-ZZZZ"}), 404)
    assert_problem(b.post("/pair/join", json={"code": "not a code"}), 404)
    code = a.post("/pair/invites").json()["code"]

    async def expire() -> None:
        async with server.services.db.write() as session:
            # A's invite only: other tests share this server and their invites.
            await session.execute(sa.update(Invite)
                                  .where(col(Invite.account_id) == uuid.UUID(a.id))
                                  .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))

    server.run(expire())
    assert_problem(b.post("/pair/join", json={"code": code}), 404)


def test_wrong_guesses_are_limited_and_then_even_a_right_code_waits(server: LiveServer) -> None:
    a, guesser = register(server), register(server)
    code = a.post("/pair/invites").json()["code"]
    for _ in range(5):
        assert_problem(guesser.post("/pair/join", json={"code": "ZZZZ-ZZZZ"}), 404)
    limited = guesser.post("/pair/join", json={"code": code})
    assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1
    # Someone else with the right code is not held up.
    assert register(server).post("/pair/join", json={"code": code}).status_code == 201


def test_already_paired_is_409(server: LiveServer) -> None:
    a, b = new_pair(server)
    c = register(server)
    assert_problem(a.post("/pair/invites"), 409)
    code = c.post("/pair/invites").json()["code"]
    assert_problem(b.post("/pair/join", json={"code": code}), 409)


def test_unpaired_person_gets_404_on_pair_routes(server: LiveServer) -> None:
    loner = register(server)
    assert_problem(loner.get("/pair"), 404)
    assert_problem(loner.delete("/pair"), 404)
    assert_problem(loner.get("/signal"), 404)


def test_unpairing_is_unilateral_and_immediate(server: LiveServer) -> None:
    a, b = new_pair(server)
    assert b.delete("/pair").status_code == 204
    for person in (a, b):
        assert person.get("/me").json()["pair_id"] is None
        assert_problem(person.get("/pair"), 404)
        assert_problem(person.get("/signal"), 404)
        assert_problem(person.delete("/pair"), 404)
    # Both are free to pair again, with each other or anyone.
    pair_again = a.post("/pair/invites").json()["code"]
    assert b.post("/pair/join", json={"code": pair_again}).status_code == 201


@pytest.mark.live
def test_unpairing_deletes_what_the_pair_shared(server: LiveServer) -> None:
    a, b = new_pair(server)
    pair_id = a.get("/pair").json()["pair_id"]
    with a.live() as live:
        assert live.command("pause")["type"] == "ack"
    assert b.delete("/pair").status_code == 204

    async def leftovers() -> list[int]:
        pid = uuid.UUID(pair_id)
        async with server.services.db.read() as session:
            return [
                await session.scalar(select(func.count()).select_from(table)
                                     .where(column == pid))
                for table, column in ((Pair, Pair.id), (Membership, Membership.pair_id),
                                      (Event, Event.pair_id), (SignalState, SignalState.pair_id),
                                      (CommandAlias, CommandAlias.pair_id))
            ]

    assert server.run(leftovers()) == [0, 0, 0, 0, 0]


def test_unpairing_keeps_each_persons_own_words_and_never_the_others(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    first = open_debrief(a, b)
    draft(a, first, "alex-own")
    draft(b, first, "sam-own")
    a.post(f"/debriefs/{first}/submit")
    b.post(f"/debriefs/{first}/submit")  # revealed: each saw the other's
    second = open_debrief(a, b)
    draft(b, second, "sam-draft")  # never finished
    b.post("/me/journal", json={"text": sensitive("my own note")})
    b.put("/me/aftercare", json={"wishes": ["quiet"]})

    assert a.delete("/pair").status_code == 204  # A leaves
    kept_b = b.get("/me/reflections").json()["items"]
    assert sorted(r["content"]["felt_good"] for r in kept_b) == ["good sam-draft",
                                                                 "good sam-own"]
    assert {r["status"] for r in kept_b} == {"submitted", "draft"}
    assert all(r["content"]["proposals"] == [] for r in kept_b)
    kept_a = a.get("/me/reflections").json()["items"]
    assert [r["content"]["felt_good"] for r in kept_a] == ["good alex-own"]
    for person, own, other in ((a, "alex", "sam"), (b, "sam", "alex")):
        export = person.get("/me/export").text
        assert f"good {own}-own" in export and f"{other}-" not in export
        assert f"{other}-" not in person.get("/me/reflections").text
    assert b.get("/me/journal").json()["items"][0]["text"] == "my own note"
    assert b.get("/me/aftercare").json()["wishes"] == ["quiet"]
    assert_problem(b.get("/debriefs"), 404)  # the shared rounds went with the pair


@pytest.mark.live
def test_the_pauses_discreet_name_is_chosen_by_both(server: LiveServer) -> None:
    a, b = new_pair(server)
    assert a.get("/pair/discreet").json() == {"label": "Hold on", "agreed": False,
                                              "proposed": None, "proposed_by_me": None}
    with b.live() as lb:
        proposed = a.put("/pair/discreet", json={"label": sensitive(" Tea time ")}).json()
        assert (proposed["label"], proposed["proposed"], proposed["proposed_by_me"]) == (
            "Hold on", "Tea time", True)
        assert lb.expect("discreet.proposed")["data"] == {"label": "Tea time"}
        assert_problem(a.post("/pair/discreet/agree"), 403)  # the partner agrees
        agreed = b.post("/pair/discreet/agree").json()
        assert (agreed["label"], agreed["agreed"], agreed["proposed"]) == ("Tea time", True,
                                                                            None)
    assert a.get("/pair/discreet").json()["label"] == "Tea time"
    assert_problem(b.post("/pair/discreet/agree"), 409)  # nothing waiting
    for bad in ("", "x" * 25, "\u202eon dloH", "\u200b"):
        assert_problem(a.put("/pair/discreet", json={"label": bad}), 422)
    assert a.get("/pair/discreet").json()["label"] == "Tea time"  # refused, nothing changed
    assert b.delete("/pair/discreet").json() == {"label": "Hold on", "agreed": False,
                                                 "proposed": None, "proposed_by_me": None}
    loner = register(server)
    assert_problem(loner.get("/pair/discreet"), 404)
