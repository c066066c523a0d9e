"""The boundary list through HTTP and the live channel."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from tests.api.test_accounts import assert_problem
from tests.support import LiveServer, Person, new_pair, register, sensitive

ITEM_KEYS = {"id", "label", "category", "state", "my_answer", "version", "created_by",
             "created_at", "limited_at", "catalogue_key", "stepped_back"}


def add(person: Person, label: str, category: str = "other") -> dict[str, Any]:
    answer = person.post("/boundaries", json={"label": sensitive(label),
                                              "category": category})
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def answer(person: Person, item_id: str, value: str, version: int | None = None) -> Any:
    body: dict[str, Any] = {"answer": value}
    if version is not None:
        body["version"] = version
    return person.put(f"/boundaries/{item_id}/answer", json=body)


def view(person: Person, item_id: str) -> dict[str, Any]:
    items: dict[str, dict[str, Any]] = {
        i["id"]: i for i in person.get("/boundaries").json()["items"]}
    return items[item_id]


@pytest.mark.live
def test_adding_never_agrees_and_the_partner_sees_it_live(server: LiveServer) -> None:
    a, b = new_pair(server)
    with b.live() as lb:
        item = add(a, "  Holding hands on a walk  ", "touch")
        assert set(item) == ITEM_KEYS
        assert item["label"] == "Holding hands on a walk"
        assert (item["state"], item["my_answer"], item["version"]) == ("open", None, 1)
        assert item["created_by"] == a.id
        event = lb.expect("boundary.added")
        assert event["data"]["item"]["id"] == item["id"]
        assert "my_answer" not in event["data"]["item"]
    assert view(b, item["id"])["state"] == "open"


def test_combined_state_follows_both_answers(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = add(a, "Slow kisses", "kissing")["id"]
    steps = [(a, "yes", "open"), (b, "yes", "agreed"), (b, "maybe", "maybe"),
             (a, "no", "no"), (b, "yes", "no"), (a, "yes", "agreed")]
    for person, value, state in steps:
        got = answer(person, item, value)
        assert got.status_code == 200, got.text
        assert got.json()["state"] == state and got.json()["my_answer"] == value
    assert view(a, item)["my_answer"] == "yes" and view(b, item)["my_answer"] == "yes"


@pytest.mark.live
def test_a_no_reaches_the_partner_at_once_and_never_says_who(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = add(a, "Cuddling on the sofa", "affection")["id"]
    answer(a, item, "yes")
    answer(b, item, "yes")
    with a.live() as la, b.live() as lb:
        assert answer(b, item, "no").json()["state"] == "no"
        for live in (la, lb):
            changed = live.expect("boundary.changed",
                                  where=lambda f: f["data"]["item"]["state"] == "no")
            assert changed["data"]["previous_state"] == "agreed"
            assert "answer" not in str(changed["data"]).replace("my_answer", "")
        # B's own devices learn B's answer; A's sockets never get it: whatever the server
        # queued for A's socket before the ping's pong has arrived (see Live.drain).
        assert lb.expect("boundary.answered")["my_answer"] == "no"
        la.drain()
        assert [f for f in la.seen if f["type"] == "boundary.answered"] == []
    assert view(a, item)["my_answer"] == "yes"  # A still sees only A's own answer


@pytest.mark.live
def test_an_answer_that_changes_nothing_visible_tells_the_partner_nothing(
    server: LiveServer,
) -> None:
    a, b = new_pair(server)
    item = add(a, "Sitting close", "closeness")
    with b.live() as lb:
        lb.drain()  # the replay (the item being added) is behind us
        answer(a, item["id"], "yes")
        answer(a, item["id"], "maybe")  # still open: B has not answered
        # Both answers are stored and announced before their responses: anything sent
        # to B for them is in B's queue before the pong of a ping sent now.
        assert [f for f in lb.drain() if f.get("seq")] == []
    assert view(b, item["id"])["version"] == 1


def test_stale_version_is_409_for_yes_but_a_no_always_lands(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = add(a, "A long hug", "affection")
    answer(a, item["id"], "yes")
    assert answer(b, item["id"], "yes", version=1).json()["version"] == 2  # agreed
    stale = answer(a, item["id"], "maybe", version=1)
    problem = assert_problem(stale, 409)
    assert problem["current"]["version"] == 2 and problem["current"]["state"] == "agreed"
    assert problem["current"]["my_answer"] == "yes"
    assert view(a, item["id"])["state"] == "agreed"  # nothing changed
    landed = answer(a, item["id"], "no", version=1)
    assert landed.status_code == 200 and landed.json()["state"] == "no"


def test_partners_answering_at_the_same_moment_both_land(server: LiveServer) -> None:
    a, b = new_pair(server)
    items = [add(a, f"Together {i}", "touch")["id"] for i in range(5)]
    results: list[int] = []

    def run(person: Person) -> None:
        for item in items:
            results.append(answer(person, item, "yes", version=1).status_code)

    threads = [threading.Thread(target=run, args=(p,)) for p in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 10
    for person in (a, b):
        assert {view(person, i)["state"] for i in items} == {"agreed"}


def test_labels_are_checked(server: LiveServer) -> None:
    a, _ = new_pair(server)
    add(a, "Eye contact")
    assert_problem(a.post("/boundaries", json={"label": "  eye   CONTACT "}), 409)
    add(a, "手をつなぐ")  # any script
    add(a, "Kuscheln 🤍")
    # Invisible or spoofing labels: nothing to see, or text that reads backwards.
    for bad in ("", "   ", "x" * 121, "tab\there", "\u200b" * 120, "\u200d\u2060",
                "Hug\u202egnik", "\u2066Hug\u2069"):
        assert_problem(a.post("/boundaries", json={"label": bad}), 422)
    assert_problem(a.post("/boundaries", json={"label": "ok", "category": "nope"}), 422)
    assert_problem(a.post("/boundaries", json={"label": "ok", "extra": 1}), 422)
    labels = [i["label"] for i in a.get("/boundaries").json()["items"]]
    assert labels == ["Eye contact", "手をつなぐ", "Kuscheln 🤍"]


def test_rename_resets_consent_but_keeps_a_no(server: LiveServer) -> None:
    a, b = new_pair(server)
    agreed = add(a, "Massage", "touch")["id"]
    answer(a, agreed, "yes")
    answer(b, agreed, "yes")
    edit = a.patch(f"/boundaries/{agreed}",
                        json={"label": "Massage on bare skin", "version": 2})
    assert edit.status_code == 200, edit.text
    body = edit.json()
    assert (body["state"], body["my_answer"], body["version"]) == ("open", None, 3)
    assert view(b, agreed)["my_answer"] is None

    held = add(a, "Undressing each other", "undressing")["id"]
    answer(a, held, "yes")
    answer(b, held, "no")
    edit = b.patch(f"/boundaries/{held}", json={"label": "Undressing slowly",
                                                     "version": 2})
    assert edit.json()["state"] == "no" and edit.json()["my_answer"] == "no"
    assert view(a, held)["my_answer"] is None
    # Re-filing or a change of case only is not a new activity.
    same = a.patch(f"/boundaries/{held}", json={"category": "touch", "version": 3})
    assert same.json()["state"] == "no" and same.json()["version"] == 4
    stale = a.patch(f"/boundaries/{held}", json={"category": "other", "version": 3})
    assert_problem(stale, 409)
    assert_problem(a.patch(f"/boundaries/{held}", json={"version": 4}), 422)


@pytest.mark.live
def test_either_partner_deletes_at_once(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = add(a, "Kisses on the neck", "kissing")["id"]
    with a.live() as la:
        assert b.delete(f"/boundaries/{item}").status_code == 204
        assert la.expect("boundary.removed")["data"]["id"] == item
    assert a.get("/boundaries").json()["items"] == []
    assert_problem(answer(a, item, "yes"), 404)
    assert_problem(b.delete(f"/boundaries/{item}"), 404)


def test_history_keeps_only_how_limits_became_stricter(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = add(a, "Spooning", "affection")["id"]
    assert view(a, item)["limited_at"] is None
    answer(a, item, "yes")
    answer(b, item, "yes")  # agreed: nothing dated is kept of it
    assert view(a, item)["limited_at"] is None
    answer(a, item, "maybe")
    answer(a, item, "yes")
    answer(a, item, "no")
    history = b.get(f"/boundaries/{item}/history").json()["items"]
    assert [h["state"] for h in history] == ["open", "maybe", "no"]
    assert all(set(h) == {"state", "at"} for h in history)
    assert view(b, item)["limited_at"] == history[-1]["at"]


@pytest.mark.live
def test_nothing_kept_says_when_anyone_agreed(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = add(a, "Massage", "touch")["id"]
    with a.live() as la, b.live() as lb:
        answer(a, item, "yes")
        answer(b, item, "yes")
        # Both screens are told to re-read it; no pair event (dated, replayed) says so.
        for live in (la, lb):
            told = live.expect("boundary.refresh", id=item)
            assert told["version"] == view(a, item)["version"] and "state" not in told
        assert view(a, item)["state"] == "agreed"
        a.patch(f"/boundaries/{item}", json={"category": "closeness",
                                           "version": view(a, item)["version"]})
        assert lb.expect("boundary.refresh", id=item)  # still agreed: not logged either
    with a.live() as replay:
        logged = [f for f in replay.drain() if f.get("seq")]
    assert [f["type"] for f in logged] == ["boundary.added"]
    assert "agreed" not in str(logged)
    history = a.get(f"/boundaries/{item}/history").json()["items"]
    assert [h["state"] for h in history] == ["open"]
    assert "answered_at" not in a.get("/me/export").text
    # Only a move toward a stricter limit is logged, and it may say it ended an agreement.
    with b.live() as lb:
        answer(b, item, "maybe")
        changed = lb.expect("boundary.changed")
        assert (changed["data"]["item"]["state"], changed["data"]["previous_state"]) == (
            "maybe", "agreed")


def test_the_catalogue_is_offered_not_forced(server: LiveServer) -> None:
    a, b = new_pair(server)
    assert a.get("/boundaries").json()["items"] == []
    offered = a.get("/boundaries/catalogue").json()
    assert 40 <= len(offered["items"]) <= 80
    assert {c["key"] for c in offered["categories"]} >= {"closeness", "touch", "kissing",
                                                          "undressing", "sex", "words"}
    assert not any(i["added"] for i in offered["items"])
    keys = [i["key"] for i in offered["items"][:3]]
    took = b.post("/boundaries/catalogue", json={"keys": keys})
    assert took.status_code == 201
    assert [i["catalogue_key"] for i in took.json()["items"]] == keys
    assert all(i["state"] == "open" for i in took.json()["items"])
    rest = a.post("/boundaries/catalogue", json={"all": True}).json()["items"]
    assert len(rest) == len(offered["items"]) - 3  # what was there is skipped
    assert all(i["added"] for i in a.get("/boundaries/catalogue").json()["items"])
    assert_problem(a.post("/boundaries/catalogue", json={"keys": ["not.a-key"]}), 404)


@pytest.mark.live
def test_review_together(server: LiveServer) -> None:
    a, b = new_pair(server)
    first = add(a, "Holding hands", "touch")["id"]
    review = a.put("/boundaries/review/plan", json={"every_days": 14}).json()
    assert (review["every_days"], review["due"], review["in_progress"]) == (14, False, False)
    with a.live() as la:
        a.post("/boundaries/review/start")
        assert la.expect("review.started")["actor"] == a.id
        assert b.post("/boundaries/review/join").json()["in_progress"] is True
        assert la.expect("review.joined")["actor"] == b.id
        answer(a, first, "yes")
        answer(b, first, "yes")
        summary = b.post("/boundaries/review/finish").json()
        assert [(c["label"], c["previous_state"], c["state"]) for c in summary] == [
            ("Holding hands", None, "agreed")]
        assert "changed_at" not in str(summary)
        # The log keeps that they looked; what they saw reaches their screens only.
        assert la.expect("review.finished")["data"] == {}
        assert la.expect("review.summary")["changed"] == summary
    after = a.get("/boundaries/review").json()
    assert after["last_review_at"] and after["changed"] == [] and not after["in_progress"]
    answer(a, first, "no")
    moved = a.get("/boundaries/review").json()["changed"]
    assert [(c["previous_state"], c["state"]) for c in moved] == [("agreed", "no")]
    assert_problem(a.post("/boundaries/review/join"), 409)
    assert_problem(a.put("/boundaries/review/plan", json={"every_days": 0}), 422)


def test_export_holds_only_my_answers(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = add(a, "Pet names", "words")["id"]
    answer(a, item, "maybe")
    answer(b, item, "no")
    mine = a.get("/me/export").json()["boundary_answers"]
    assert [(x["label"], x["my_answer"]) for x in mine] == [("Pet names", "maybe")]
    assert '"no"' not in a.get("/me/export").text


@pytest.mark.live
def test_two_clients_converge_after_changes_while_one_was_away(server: LiveServer) -> None:
    a, b = new_pair(server)
    with b.live() as lb:
        item = add(a, "Breathing together", "closeness")["id"]
        last = lb.expect("boundary.added")["seq"]
    answer(a, item, "yes")
    answer(b, item, "yes")
    second = add(b, "Reading aloud", "words")["id"]
    a.delete(f"/boundaries/{second}")
    answer(a, item, "maybe")
    with b.live(last_seq=last) as lb:
        replay = [f for f in lb.drain() if f.get("seq")]  # the whole replay, and no more
    assert [f["type"] for f in replay] == ["boundary.added", "boundary.removed",
                                           "boundary.changed"]
    assert [f["seq"] for f in replay] == list(range(last + 1, last + 4))
    state = {f["data"]["item"]["id"]: f["data"]["item"]["state"] for f in replay
             if "item" in f["data"]}
    assert state[item] == view(a, item)["state"] == view(b, item)["state"] == "maybe"


@pytest.mark.parametrize("who", ["stranger", "loner", "former"])
def test_outsiders_get_404_on_every_boundary_route(server: LiveServer, who: str) -> None:
    a, b = new_pair(server)
    item = add(a, "Private thing", "other")["id"]
    if who == "stranger":
        outsider, _ = new_pair(server)  # in a pair of their own
    elif who == "loner":
        outsider = register(server)
    else:
        outsider = b
        assert b.delete("/pair").status_code == 204
    item_routes = [
        ("PUT", f"/boundaries/{item}/answer", {"answer": "no"}),
        ("PATCH", f"/boundaries/{item}", {"label": "y", "version": 1}),
        ("DELETE", f"/boundaries/{item}", None),
        ("GET", f"/boundaries/{item}/history", None),
    ]
    # A stranger reaches their own pair's list on these; the others have no pair at all.
    pair_routes = [
        ("GET", "/boundaries", None), ("POST", "/boundaries", {"label": "x"}),
        ("GET", "/boundaries/catalogue", None), ("POST", "/boundaries/catalogue", {"all": True}),
        ("GET", "/boundaries/review", None),
        ("PUT", "/boundaries/review/plan", {"every_days": 3}),
        ("POST", "/boundaries/review/start", None), ("POST", "/boundaries/review/join", None),
        ("POST", "/boundaries/review/finish", None),
    ]
    for method, path, body in item_routes + ([] if who == "stranger" else pair_routes):
        got = outsider.http.request(method, path, json=body)
        assert got.status_code == 404, (method, path, got.text)
        assert "Private thing" not in got.text
    if who != "former":  # (a former pair's list is gone with the pair)
        assert view(a, item) == {**view(a, item), "label": "Private thing", "state": "open"}


def test_labels_are_not_stored_in_plain_text(server: LiveServer) -> None:
    a, b = new_pair(server)
    secret = f"Marker {uuid.uuid4().hex}"
    item = add(a, secret, "other")["id"]
    answer(b, item, "no")

    async def dump() -> str:
        async with server.services.db.read() as session:
            rows: list[str] = []
            for table in ("boundary", "event", "boundary_history", "boundary_answer"):
                result = await session.execute(sa.text(f"SELECT * FROM {table}"))
                rows.extend(str(r) for r in result)
            return "\n".join(rows)

    raw = server.run(dump())
    assert secret not in raw and secret.casefold() not in raw
    assert view(a, item)["label"] == secret
