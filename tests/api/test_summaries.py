"""A summary to share with someone who supports me: my own parts by my choice; our shared
parts only while my partner says yes to this summary; never my partner's own words, and
never when anyone agreed to anything."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.api.test_accounts import assert_problem
from tests.api.test_boundaries import add, answer
from tests.api.test_debriefs import draft, open_debrief
from tests.support import LiveServer, Person, new_pair, pair_up, register, sensitive

OWN = ["plan", "feelings", "reflections"]
ALL = [*OWN, "agreed", "path"]


def make(person: Person, parts: list[str]) -> dict[str, Any]:
    got = person.post("/me/summaries", json={"parts": parts})
    assert got.status_code == 201, got.text
    return got.json()  # type: ignore[no-any-return]


def shown(person: Person, summary_id: str) -> dict[str, Any]:
    got = person.get(f"/me/summaries/{summary_id}")
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def reply(person: Person, summary_id: str, agree: bool) -> dict[str, Any]:
    got = person.post(f"/pair/summaries/{summary_id}/{'agree' if agree else 'decline'}")
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def agreed(a: Person, b: Person, label: str, category: str) -> str:
    item = str(add(a, label, category)["id"])
    answer(a, item, "yes")
    answer(b, item, "yes")
    return item


def world(a: Person, b: Person) -> dict[str, str]:
    """Both write a plan and reflect on a time together; the list holds agreed, maybe and
    not now. Returns each person's private marker."""
    marks = {"a": sensitive(f"a-{uuid.uuid4().hex[:10]}"),
             "b": sensitive(f"b-{uuid.uuid4().hex[:10]}")}
    a.put("/me/safety-plan", json={"triggers": f"{marks['a']} triggers",
                                   "grounding": f"{marks['a']} ground"})
    b.put("/me/safety-plan", json={"triggers": f"{marks['b']} triggers"})
    b.put("/me/safety-plan/sharing", json={"part": "triggers", "shared": True, "version": 2})
    agreed(a, b, "Holding hands", "touch")
    agreed(a, b, "Sitting close", "closeness")
    maybe = str(add(a, sensitive("Kissing slowly"), "kissing")["id"])
    answer(a, maybe, "yes")
    answer(b, maybe, "maybe")
    debrief = open_debrief(a, b)
    draft(a, debrief, marks["a"], feeling=4)
    draft(b, debrief, marks["b"], feeling=1)
    a.post(f"/debriefs/{debrief}/submit")
    b.post(f"/debriefs/{debrief}/submit")  # revealed: A can read B's words, elsewhere
    return marks


def test_unpaired_my_own_parts_go_in_and_there_is_no_shared_list_to_ask_for(
        server: LiveServer) -> None:
    alone = register(server, display_name="Robin")
    alone.put("/me/safety-plan", json={"helps": ["slower-pacing"], "topics": "Our garden"})
    made = make(alone, ["reflections", "plan", "plan"])
    assert made["parts"] == ["plan", "reflections"] and made["partner"] == "not_asked"
    view = shown(alone, made["id"])
    assert view["shown"] == ["plan", "reflections"] and view["display_name"] == "Robin"
    assert view["plan"]["topics"] == "Our garden" and view["plan"]["helps"] == ["slower-pacing"]
    assert view["reflections"] == [] and view["feelings"] is None
    assert view["agreed"] is None and view["path"] is None
    before = alone.get("/me/summaries").json()
    for parts in (["agreed"], ["plan", "path"]):
        assert_problem(alone.post("/me/summaries", json={"parts": parts}), 404)
    assert alone.get("/me/summaries").json() == before


def test_bad_input_is_refused_and_changes_nothing(server: LiveServer) -> None:
    a, _ = new_pair(server)
    bodies: list[dict[str, Any]] = [
        {"parts": []}, {"parts": ["plan", "diary"]}, {"parts": "plan"}, {},
        {"parts": ["plan"], "to": "my therapist"}, {"parts": [None]}]
    for body in bodies:
        assert_problem(a.post("/me/summaries", json=body), 422)
    assert a.get("/me/summaries").json() == {"items": []}
    assert_problem(a.get(f"/me/summaries/{uuid.uuid4()}"), 404)
    assert_problem(a.get("/me/summaries/not-an-id"), 422)
    assert_problem(a.delete(f"/me/summaries/{uuid.uuid4()}"), 404)


def test_the_shared_parts_show_only_while_the_partner_says_yes_to_this_summary(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    marks = world(a, b)
    made = make(a, ALL)
    assert made["partner"] == "asked"
    # Asked, not yet answered: only my own parts.
    view = shown(a, made["id"])
    assert view["shown"] == OWN and view["agreed"] is None and view["path"] is None
    assert marks["a"] in json.dumps(view["plan"])
    assert [f["feeling"] for f in view["feelings"]] == [4]
    assert [r["content"]["felt_good"] for r in view["reflections"]] == [f"good {marks['a']}"]
    # B sees that the shared parts are asked for, never which of A's own parts are in it.
    asks = b.get("/pair/summaries").json()["items"]
    assert asks == [{"id": made["id"], "parts": ["agreed", "path"], "answer": "asked"}]
    assert "plan" not in b.get("/pair/summaries").text
    assert a.get("/pair/summaries").json() == {"items": []}  # not A's to answer
    assert_problem(a.post(f"/pair/summaries/{made['id']}/agree"), 404)
    # B says yes: the agreed list and the path come in; nothing of B's own words.
    assert reply(b, made["id"], True)["answer"] == "agreed"
    assert a.post("/boundaries/step-back", json={}).status_code == 200
    view = shown(a, made["id"])
    assert view["shown"] == ALL and view["partner"] == "agreed"
    # The step back made everything above closeness not now: only "Sitting close" stays.
    assert view["agreed"] == [{"label": "Sitting close", "category": "closeness"}]
    assert [s["title"] for s in view["path"]["step_backs"]] == ["Close, without touch"]
    assert set(view["path"]["step_backs"][0]) == {"at", "baseline", "title", "activities"}
    assert view["path"]["current"] == "closeness"
    assert marks["b"] not in json.dumps(view)
    assert [f["feeling"] for f in view["feelings"]] == [4]  # never B's 1
    # B takes it back: it leaves at once.
    assert reply(b, made["id"], False)["answer"] == "declined"
    view = shown(a, made["id"])
    assert view["shown"] == OWN and view["agreed"] is None and view["path"] is None
    assert view["partner"] == "declined"
    assert "Sitting close" not in json.dumps(view)


def test_nothing_of_it_records_when_anyone_said_yes(server: LiveServer) -> None:
    a, b = new_pair(server)
    agreed(a, b, "Holding hands", "touch")
    made = make(a, ["agreed"])
    reply(b, made["id"], True)
    texts = [a.get(f"/me/summaries/{made['id']}").text, a.get("/me/summaries").text,
             b.get("/pair/summaries").text, a.get("/me/export").text, b.get("/me/export").text]
    for text in texts:
        assert "agreed_at" not in text and "answered_at" not in text
    assert set(b.get("/pair/summaries").json()["items"][0]) == {"id", "parts", "answer"}
    view = shown(a, made["id"])
    assert view["agreed"] == [{"label": "Holding hands", "category": "touch"}]


def test_after_a_no_asking_again_waits_and_one_question_waits_at_a_time(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    first = make(a, ["agreed"])
    assert_problem(a.post("/me/summaries", json={"parts": ["path"]}), 409)  # one at a time
    reply(b, first["id"], False)
    body = assert_problem(a.post("/me/summaries", json={"parts": ["agreed", "plan"]}), 409)
    assert "opens_at" in body
    assert make(a, ["plan"])["partner"] == "not_asked"  # my own parts are always mine
    # B may change their mind themselves, at any time.
    assert reply(b, first["id"], True)["answer"] == "agreed"
    assert make(a, ["path"])["partner"] == "asked"


def test_deleting_is_at_once_and_nobody_else_can_read_or_answer_it(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    stranger, other = new_pair(server)
    made = make(a, ["plan", "agreed"])
    for outsider in (b, stranger, other):
        assert_problem(outsider.get(f"/me/summaries/{made['id']}"), 404)
        assert_problem(outsider.delete(f"/me/summaries/{made['id']}"), 404)
    for outsider in (stranger, other):
        assert_problem(outsider.post(f"/pair/summaries/{made['id']}/agree"), 404)
        assert outsider.get("/pair/summaries").json() == {"items": []}
    assert a.delete(f"/me/summaries/{made['id']}").status_code == 204
    assert b.get("/pair/summaries").json() == {"items": []}
    assert_problem(b.post(f"/pair/summaries/{made['id']}/agree"), 404)
    assert_problem(a.get(f"/me/summaries/{made['id']}"), 404)


def test_when_the_pair_ends_the_yes_ends_with_it(server: LiveServer) -> None:
    a, b = new_pair(server)
    agreed(a, b, "Holding hands", "touch")
    made = make(a, ["plan", "agreed", "path"])
    reply(b, made["id"], True)
    assert b.delete("/pair").status_code == 204
    view = shown(a, made["id"])
    assert view["partner"] == "pair_ended" and view["shown"] == ["plan"]
    assert view["agreed"] is None and view["path"] is None
    # A new partner is never asked about it, nor does their yes reach it.
    c = register(server)
    pair_up(a, c)
    assert c.get("/pair/summaries").json() == {"items": []}
    assert_problem(c.post(f"/pair/summaries/{made['id']}/agree"), 404)
    assert shown(a, made["id"])["partner"] == "pair_ended"
    # The summary is A's own: in A's export (its parts, never its content), not B's.
    exported = a.get("/me/export").json()["summaries"]
    assert [s["id"] for s in exported] == [made["id"]]
    assert made["id"] not in b.get("/me/export").text


@pytest.mark.live
def test_the_partner_is_asked_live_and_an_answer_reaches_the_maker_at_once(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    with a.live() as la, b.live() as lb:
        la.drain()
        lb.drain()
        # Only my own parts: my partner hears nothing of it.
        own = make(a, ["plan"])
        assert la.expect("summary.changed")["id"] == own["id"]
        assert [f for f in lb.drain() if f["type"].startswith("summary")] == []
        asking = make(a, ["plan", "agreed", "path"])
        asked = lb.expect("summary.asked")
        assert asked == {"type": "summary.asked", "id": asking["id"], "parts": ["agreed", "path"]}
        assert la.expect("summary.changed")["id"] == asking["id"]
        reply(b, asking["id"], True)
        assert la.expect("summary.changed")["id"] == asking["id"]
        reply(b, asking["id"], False)
        assert la.expect("summary.changed")["id"] == asking["id"]
        assert a.delete(f"/me/summaries/{asking['id']}").status_code == 204
        assert lb.expect("summary.changed")["id"] == asking["id"]
    # None of it is a pair event: the log B replays holds nothing of it.
    with b.live() as replay:
        assert [f for f in replay.drain() if "summary" in json.dumps(f)] == []
