"""Stepping back after a setback: one tap by either partner makes everything above the
pair's gentler step not now for both, at once; moving back up needs both, item by item,
and never during a session."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_accounts import assert_problem
from tests.api.test_boundaries import add, answer
from tests.support import LiveServer, Person, new_pair, sensitive


def agreed(a: Person, b: Person, label: str, category: str) -> str:
    item = str(add(a, label, category)["id"])
    assert answer(a, item, "yes").status_code == 200
    assert answer(b, item, "yes").status_code == 200
    return item


def items(person: Person) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in person.get("/boundaries").json()["items"]}


def baseline(person: Person, step: str | None = None) -> dict[str, Any]:
    got = (person.get("/boundaries/baseline") if step is None
           else person.put("/boundaries/baseline", json={"step": step}))
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def step_back(person: Person, **body: Any) -> dict[str, Any]:
    got = person.post("/boundaries/step-back", json=body)
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def test_ours_is_the_gentler_choice_and_rises_only_when_both_choose_higher(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    start = baseline(a)
    assert start["mine"] == start["ours"] == "closeness" and start["title"]
    # A chooses higher alone: ours stays where B's choice holds it.
    assert baseline(a, "kissing") == {**start, "mine": "kissing"}
    assert baseline(b)["mine"] == "closeness"  # B's own; A's choice is never shown to B
    assert baseline(b, "affection")["ours"] == "affection"
    assert baseline(a)["ours"] == "affection"
    # Gentler counts at once, one person alone.
    assert baseline(a, "touch")["ours"] == "touch"
    assert baseline(b)["mine"] == "affection"
    for bad in ({"step": "words"}, {"step": "other"}, {"step": "nowhere"}, {}, {"step": 3},
                {"step": "touch", "extra": 1}):
        assert_problem(a.put("/boundaries/baseline", json=bad), 422)
    assert baseline(a)["mine"] == "touch"


def test_a_step_back_makes_everything_above_not_now_for_both_at_once(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    baseline(a, "touch")
    baseline(b, "kissing")  # ours: touch, the gentler
    near = agreed(a, b, "Sitting close", "closeness")
    hands = agreed(a, b, "Holding hands", "touch")
    kiss = agreed(a, b, "A slow kiss", "kissing")
    talk = agreed(a, b, "Sexy talk", "words")
    own = agreed(a, b, "Our own thing", "other")
    maybe = str(add(b, "Undressing slowly", "undressing")["id"])
    answer(b, maybe, "maybe")  # A has not answered: the step back answers for both
    done = step_back(b)
    assert done["baseline"] == "touch" and done["title"] and done["note_id"] is None
    assert set(done["stepped_back"]) == {kiss, talk, own, maybe}
    for person in (a, b):
        now = items(person)
        for item in (kiss, talk, own, maybe):
            assert now[item]["state"] == "no" and now[item]["my_answer"] == "no"
            assert now[item]["stepped_back"] is True
        for item in (near, hands):
            assert now[item]["state"] == "agreed" and now[item]["stepped_back"] is False
    # The path follows; nothing was paused, and a review is open for both.
    assert a.get("/boundaries/path").json()["current"] == "touch"
    assert a.get("/signal").json()["state"] == "clear"
    assert b.get("/boundaries/review").json()["in_progress"] is True
    # A second tap is not limited and changes nothing more.
    versions = {i: v["version"] for i, v in items(a).items()}
    assert set(step_back(a)["stepped_back"]) == {kiss, talk, own, maybe}
    assert {i: v["version"] for i, v in items(a).items()} == versions


def test_moving_back_up_needs_both_item_by_item(server: LiveServer) -> None:
    a, b = new_pair(server)
    kiss = agreed(a, b, "A slow kiss", "kissing")
    hug = agreed(a, b, "A long hug", "affection")
    step_back(a)
    assert answer(a, kiss, "yes").status_code == 200
    now = items(b)
    assert now[kiss]["state"] == "no" and now[kiss]["stepped_back"] is True
    assert now[hug]["state"] == "no"  # one item moving up moves nothing else
    assert answer(b, kiss, "maybe").status_code == 200
    now = items(a)
    assert now[kiss]["state"] == "maybe" and now[kiss]["stepped_back"] is False
    assert now[hug]["state"] == "no" and now[hug]["stepped_back"] is True


@pytest.mark.live
def test_a_step_back_reaches_the_partner_live_and_trims_the_menu_without_pausing(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    hands = agreed(a, b, "Holding hands", "touch")
    near = agreed(a, b, "Sitting close", "closeness")
    proposed = a.post("/sessions", json={"length_seconds": 600, "scope": [near, hands]})
    session_id = proposed.json()["id"]
    assert b.post(f"/sessions/{session_id}/accept").status_code == 200
    note = sensitive("the smell of that aftershave")
    with a.live() as la:
        la.drain()  # what happened before: only the step back's own events follow
        done = step_back(b, note=note)
        told = la.read_until(lambda got: any(f["type"] == "pair.stepped_back" for f in got),
                             "the step back on A's screen")
    event = next(f for f in told if f["type"] == "pair.stepped_back")
    assert event["actor"] is None and event["seq"] == done["seq"]
    assert event["data"] == {"baseline": "closeness", "title": done["title"],
                             "boundary_ids": [hands]}
    menu = next(f for f in told if f["type"] == "session.menu_changed")
    assert menu["data"]["scope"] == [near] and menu["actor"] is None
    assert {"review.started", "boundary.changed"} <= {f["type"] for f in told}
    assert all(f.get("actor") is None for f in told if "seq" in f)
    assert note not in str(told)
    running = a.get("/sessions/current").json()["session"]
    assert running["status"] == "active" and [s["id"] for s in running["scope"]] == [near]
    assert a.get("/signal").json()["state"] == "clear"
    # The note is in B's own journal only.
    assert [e["text"] for e in b.get("/me/journal").json()["items"]] == [note]
    assert a.get("/me/journal").json()["items"] == []
    assert done["note_id"] == b.get("/me/journal").json()["items"][0]["id"]


def test_nothing_moves_back_up_while_a_session_is_open(server: LiveServer) -> None:
    a, b = new_pair(server)
    near = agreed(a, b, "Sitting close", "closeness")
    kiss = agreed(a, b, "A slow kiss", "kissing")
    baseline(a, "affection")
    baseline(b, "affection")
    proposed = a.post("/sessions", json={"length_seconds": 600, "scope": [near]}).json()
    step_back(a)
    # Proposed or running: a yes or maybe on what was stepped back is refused...
    for value in ("yes", "maybe"):
        assert_problem(answer(a, kiss, value), 409)
    # ...and so is choosing a higher step, while a gentler one still counts.
    assert_problem(a.put("/boundaries/baseline", json={"step": "kissing"}), 409)
    assert baseline(b, "touch")["ours"] == "touch"
    assert baseline(b)["mine"] == "touch" and baseline(a)["mine"] == "affection"
    b.post(f"/sessions/{proposed['id']}/accept")
    assert_problem(answer(b, kiss, "yes"), 409)
    assert answer(b, kiss, "no").status_code == 200  # a no always lands
    assert items(a)[kiss]["state"] == "no"
    a.post(f"/sessions/{proposed['id']}/end")
    # Afterwards, both move it back up themselves.
    assert answer(a, kiss, "yes").status_code == 200
    assert answer(b, kiss, "yes").status_code == 200
    now = items(a)[kiss]
    assert now["state"] == "agreed" and now["stepped_back"] is False
    assert baseline(a, "kissing")["ours"] == "touch"


def test_a_bad_note_is_refused_and_changes_nothing(server: LiveServer) -> None:
    a, b = new_pair(server)
    kiss = agreed(a, b, "A slow kiss", "kissing")
    for body in ({"note": "a\u202eb"}, {"note": "x" * 2001}, {"note": " \u200b "},
                 {"note": 5}, {"nope": True}):
        assert_problem(a.post("/boundaries/step-back", json=body), 422)
    now = items(a)[kiss]
    assert now["state"] == "agreed" and now["stepped_back"] is False
    assert a.get("/boundaries/review").json()["in_progress"] is False
    assert a.get("/me/journal").json()["items"] == []


def test_step_back_routes_are_only_for_people_in_a_pair(server: LiveServer) -> None:
    a, b = new_pair(server)
    assert a.delete("/pair").status_code == 204
    for person in (a, b):
        assert_problem(person.post("/boundaries/step-back", json={}), 404)
        assert_problem(person.get("/boundaries/baseline"), 404)
        assert_problem(person.put("/boundaries/baseline", json={"step": "touch"}), 404)
