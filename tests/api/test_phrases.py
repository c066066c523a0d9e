"""Consent phrases: agreement before use, instant withdrawal, a red answer pauses."""

from __future__ import annotations

import uuid

import pytest

from tests.api.test_accounts import assert_problem
from tests.support import LiveServer, Person, new_pair, sensitive


def propose(person: Person, text: str, moment: str = "during", kind: str = "question",
            tone: str | None = None) -> dict:  # type: ignore[type-arg]
    body = {"text": sensitive(text), "moment": moment, "kind": kind, "tone": tone}
    answer = person.post("/phrases", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


@pytest.mark.live
def test_a_proposal_needs_the_partners_yes(server: LiveServer) -> None:
    a, b = new_pair(server)
    phrase = propose(a, "Is this still okay for you?")
    assert (phrase["status"], phrase["awaiting_me"]) == ("proposed", False)
    assert b.get("/phrases").json()["items"][0]["awaiting_me"] is True
    assert_problem(a.post(f"/phrases/{phrase['id']}/say", json={"id": str(uuid.uuid4())}), 409)
    assert_problem(a.post(f"/phrases/{phrase['id']}/agree"), 403)
    with a.live() as la:
        agreed = b.post(f"/phrases/{phrase['id']}/agree")
        assert agreed.json()["status"] == "active"
        assert la.expect("phrase.activated")["data"]["phrase"]["id"] == phrase["id"]
    assert_problem(b.post(f"/phrases/{phrase['id']}/agree"), 409)


@pytest.mark.live
def test_saying_a_phrase_reaches_the_partner_live(server: LiveServer) -> None:
    a, b = new_pair(server)
    phrase = propose(a, "Can we slow down a little?", kind="request")
    b.post(f"/phrases/{phrase['id']}/agree")
    with b.live() as lb:
        said = a.post(f"/phrases/{phrase['id']}/say", json={"id": str(uuid.uuid4())})
        assert said.status_code == 201 and said.json()["pause_seq"] is None
        heard = lb.expect("phrase.said")
        assert heard["data"]["phrase"]["text"] == "Can we slow down a little?"
        assert heard["seq"] == said.json()["seq"] and heard["actor"] == a.id


@pytest.mark.live
def test_either_partner_withdraws_at_once(server: LiveServer) -> None:
    a, b = new_pair(server)
    phrase = propose(a, "What would feel good?", moment="before")
    b.post(f"/phrases/{phrase['id']}/agree")
    with a.live() as la:
        assert b.post(f"/phrases/{phrase['id']}/withdraw").status_code == 204
        assert la.expect("phrase.withdrawn")["data"]["id"] == phrase["id"]
    assert a.get("/phrases").json()["items"] == []
    assert_problem(a.post(f"/phrases/{phrase['id']}/say", json={"id": str(uuid.uuid4())}), 409)
    propose(b, "What would feel good?", moment="before")  # can be proposed again


@pytest.mark.live
def test_a_red_answer_is_a_pause_with_all_its_guarantees(server: LiveServer) -> None:
    a, b = new_pair(server)
    deck = a.get("/phrases/starter").json()["items"]
    red = next(p for p in deck if p["tone"] == "red" and p["moment"] == "during")
    assert red["text"] == "I need to stop"
    a.post("/phrases/starter", json={"keys": [red["key"]]})
    phrase = a.get("/phrases").json()["items"][0]
    b.post(f"/phrases/{phrase['id']}/agree")
    question = propose(a, "Is this still good?")
    b.post(f"/phrases/{question['id']}/agree")
    with a.live() as la, b.live() as lb:
        asked = a.post(f"/phrases/{question['id']}/say", json={"id": str(uuid.uuid4())}).json()
        lb.expect("phrase.said")
        command_id = str(uuid.uuid4())
        said = b.post(f"/phrases/{phrase['id']}/say",
                      json={"id": command_id, "reply_to": asked["seq"]}).json()
        assert said["pause_seq"] is not None and said["pause_seq"] < said["seq"]
        pause = la.expect("pause")
        assert (pause["id"], pause["actor"], pause["seq"]) == (command_id, b.id,
                                                               said["pause_seq"])
        assert pause["data"]["cause"] == {"kind": "phrase", "phrase_id": phrase["id"]}
        reply = la.expect("phrase.said")
        assert reply["data"]["reply_to"] == asked["seq"]
        # The same id again: the same answer, nothing new.
        again = b.post(f"/phrases/{phrase['id']}/say", json={"id": command_id}).json()
        assert again == said
        assert la.command("resume")["code"] == "not_allowed"  # only B lifts B's pause
    signal = a.get("/signal").json()
    assert (signal["state"], signal["by"], signal["mine"]) == ("paused", [b.id], None)
    assert signal["theirs"]["seq"] == said["pause_seq"]  # A can mark B's pause as seen
    assert signal["theirs"]["cause"] == "phrase"


def test_starter_deck_is_offered_and_checked(server: LiveServer) -> None:
    a, _ = new_pair(server)
    deck = a.get("/phrases/starter").json()["items"]
    assert len(deck) >= 15 and not any(p["added"] for p in deck)
    assert {p["moment"] for p in deck} == {"before", "during", "after"}
    assert {p["tone"] for p in deck if p["kind"] == "answer"} == {"green", "yellow", "red"}
    took = a.post("/phrases/starter", json={"all": True}).json()["items"]
    assert len(took) == len(deck) and all(p["status"] == "proposed" for p in took)
    assert a.post("/phrases/starter", json={"all": True}).json()["items"] == []
    assert_problem(a.post("/phrases/starter", json={"keys": ["nope"]}), 404)


def test_bad_phrases_are_422(server: LiveServer) -> None:
    a, _ = new_pair(server)
    for body in (
        {"text": "Yes", "moment": "during", "kind": "answer"},
        {"text": "Is it good?", "moment": "during", "kind": "question", "tone": "red"},
        {"text": "", "moment": "during", "kind": "question"},
        {"text": "x" * 141, "moment": "during", "kind": "question"},
        {"text": "ok", "moment": "someday", "kind": "question"},
    ):
        assert_problem(a.post("/phrases", json=body), 422)
    propose(a, "Is it good?")
    assert_problem(a.post("/phrases", json={"text": " is IT good? ", "moment": "after",
                                            "kind": "question"}), 409)
