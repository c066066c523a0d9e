"""Solo answers: my own answers to the list, for myself alone, paired or not; brought into
our list only by my choice, one item at a time, as my own answer there and nothing more."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from api.models import SoloAnswer
from tests.api.test_accounts import assert_problem
from tests.api.test_boundaries import add, answer, view
from tests.support import PASSWORD, LiveServer, Person, new_pair, pair_up, register, sensitive


def solo(person: Person) -> dict[str, dict[str, Any]]:
    """My solo items by label."""
    got = person.get("/me/solo-answers")
    assert got.status_code == 200, got.text
    return {i["label"]: i for i in got.json()["items"]}


def suggestion(person: Person) -> dict[str, Any]:
    return next(iter(solo(person).values()))


def answer_key(person: Person, key: str, value: str) -> dict[str, Any]:
    got = person.put(f"/me/solo-answers/catalogue/{key}", json={"answer": value})
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def own(person: Person, label: str, value: str, category: str = "other") -> dict[str, Any]:
    got = person.post("/me/solo-answers", json={"label": sensitive(label), "category": category,
                                                "answer": value})
    assert got.status_code == 201, got.text
    return got.json()  # type: ignore[no-any-return]


def bring_in(person: Person, answer_id: str) -> dict[str, Any]:
    got = person.post(f"/me/solo-answers/{answer_id}/bring-in")
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def test_unpaired_i_answer_the_suggestions_and_my_own_words_for_myself(
        server: LiveServer) -> None:
    alone = register(server)
    listing = alone.get("/me/solo-answers").json()
    assert listing["paired"] is False and listing["categories"]
    assert listing["items"] and all(i["answer"] is None and i["id"] is None
                                    and i["on_our_list"] is None for i in listing["items"])
    first = listing["items"][0]
    done = answer_key(alone, first["catalogue_key"], "maybe")
    assert done == {**first, "id": done["id"], "answer": "maybe"}
    # Answering again changes the same answer; the newest counts.
    again = answer_key(alone, first["catalogue_key"], "no")
    assert again["id"] == done["id"] and again["answer"] == "no"
    mine = own(alone, "Reading aloud to each other", "yes", "words")
    assert mine["catalogue_key"] is None and mine["category"] == "words"
    items = solo(alone)
    assert items[first["label"]]["answer"] == "no"
    assert items["Reading aloud to each other"]["answer"] == "yes"
    # My own words come after every suggestion.
    assert list(items)[-1] == "Reading aloud to each other"
    changed = alone.put(f"/me/solo-answers/{mine['id']}", json={"answer": "maybe"})
    assert changed.status_code == 200 and changed.json()["answer"] == "maybe"
    assert alone.delete(f"/me/solo-answers/{mine['id']}").status_code == 204
    assert "Reading aloud to each other" not in solo(alone)
    assert_problem(alone.delete(f"/me/solo-answers/{mine['id']}"), 404)


def test_the_same_words_twice_are_one_item_and_a_suggestions_words_are_that_suggestion(
        server: LiveServer) -> None:
    alone = register(server)
    mine = own(alone, "Slow dancing in the kitchen", "yes")
    twice = alone.post("/me/solo-answers", json={"label": "  slow DANCING in the  kitchen ",
                                                 "answer": "no"})
    body = assert_problem(twice, 409)
    assert body["current"]["id"] == mine["id"] and body["current"]["answer"] == "yes"
    first = suggestion(alone)
    typed = alone.post("/me/solo-answers", json={"label": first["label"].upper(),
                                                 "answer": "maybe"})
    assert typed.status_code == 201, typed.text
    assert typed.json()["catalogue_key"] == first["catalogue_key"]
    assert typed.json()["label"] == first["label"]
    assert solo(alone)[first["label"]]["answer"] == "maybe"
    assert len([i for i in solo(alone).values() if i["answer"]]) == 2


def test_bad_input_is_refused_like_a_pair_answer_and_changes_nothing(
        server: LiveServer) -> None:
    alone = register(server)
    first = suggestion(alone)
    mine = own(alone, "Holding my face gently", "maybe")
    before = alone.get("/me/solo-answers").json()
    for body in ({"answer": "sure"}, {"answer": None}, {}, {"answer": "yes", "extra": 1},
                 {"answer": 1}, {"answer": "YES"}):
        assert_problem(alone.put(f"/me/solo-answers/catalogue/{first['catalogue_key']}",
                                 json=body), 422)
        assert_problem(alone.put(f"/me/solo-answers/{mine['id']}", json=body), 422)
    for body in ({"label": "", "answer": "yes"}, {"label": "a\u202eb", "answer": "yes"},
                 {"label": "x" * 121, "answer": "yes"}, {"label": " \u200b ", "answer": "no"},
                 {"label": "Fine", "answer": "yes", "category": "nowhere"},
                 {"label": "Fine", "answer": "often"}, {"label": "Fine"},
                 {"label": "two\nlines", "answer": "yes"}):
        assert_problem(alone.post("/me/solo-answers", json=body), 422)
    assert_problem(alone.put("/me/solo-answers/catalogue/not-a-suggestion",
                             json={"answer": "yes"}), 404)
    assert_problem(alone.put(f"/me/solo-answers/{uuid.uuid4()}", json={"answer": "yes"}), 404)
    assert_problem(alone.put("/me/solo-answers/not-an-id", json={"answer": "yes"}), 422)
    assert alone.get("/me/solo-answers").json() == before


def test_nobody_else_can_read_or_change_my_solo_answers(server: LiveServer) -> None:
    a, b = new_pair(server)
    stranger = register(server)
    mine = own(a, "Something only I know about", "no")
    for other in (b, stranger):
        assert "Something only I know about" not in other.get("/me/solo-answers").text
        assert_problem(other.put(f"/me/solo-answers/{mine['id']}", json={"answer": "yes"}),
                       404)
        assert_problem(other.delete(f"/me/solo-answers/{mine['id']}"), 404)
        assert_problem(other.post(f"/me/solo-answers/{mine['id']}/bring-in"), 404)
        assert "Something only I know about" not in other.get("/me/export").text
    assert solo(a)["Something only I know about"]["answer"] == "no"


def test_unpaired_there_is_no_list_to_bring_an_answer_into(server: LiveServer) -> None:
    alone = register(server)
    mine = own(alone, "Kept for myself", "yes")
    assert_problem(alone.post(f"/me/solo-answers/{mine['id']}/bring-in"), 404)


def test_a_label_is_sealed_at_rest(server: LiveServer) -> None:
    alone = register(server)
    secret = f"Marker {uuid.uuid4().hex}"
    own(alone, secret, "maybe")

    async def dump() -> str:
        async with server.services.db.read() as session:
            return "\n".join(str(r) for r in await session.execute(
                sa.text("SELECT * FROM solo_answer")))

    raw = server.run(dump())
    assert raw and secret not in raw and secret.casefold() not in raw
    assert secret in solo(alone)


def test_nothing_is_brought_in_without_my_choice_and_then_only_that_item(
        server: LiveServer) -> None:
    a, b = register(server), register(server)
    keys = [i["catalogue_key"] for i in list(solo(a).values())[:3]]
    for key in keys:
        answer_key(a, key, "yes")
    mine = own(a, "Our word for the blanket", "no", "words")
    pair_up(a, b)
    # Pairing carried nothing in: our list is empty, for both of us.
    assert a.get("/boundaries").json()["items"] == []
    assert b.get("/boundaries").json()["items"] == []
    listing = a.get("/me/solo-answers").json()
    assert listing["paired"] is True
    assert all(i["on_our_list"] is None for i in listing["items"])
    chosen = solo(a)[next(k for k, v in solo(a).items() if v["catalogue_key"] == keys[0])]
    item = bring_in(a, chosen["id"])
    assert item["label"] == chosen["label"] and item["catalogue_key"] == keys[0]
    assert item["my_answer"] == "yes" and item["state"] == "open"
    # Only that item is on our list; my other answers stay mine.
    assert [i["id"] for i in a.get("/boundaries").json()["items"]] == [item["id"]]
    again = solo(a)[chosen["label"]]
    assert again["on_our_list"] == {"boundary_id": item["id"], "my_answer": "yes"}
    # The suggestion counts as taken from the catalogue, as when added from there.
    taken = {c["key"]: c["added"] for c in a.get("/boundaries/catalogue").json()["items"]}
    assert taken[keys[0]] is True and taken[keys[1]] is False
    # My own words come in as a new item of the kind I gave them.
    words = bring_in(a, mine["id"])
    assert words["label"] == "Our word for the blanket" and words["category"] == "words"
    assert words["state"] == "no" and words["my_answer"] == "no"


def test_a_yes_brought_in_is_agreed_only_when_the_partner_says_yes_themselves(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    on_list = str(add(b, "A hand on my back", "touch")["id"])
    mine = own(a, "a hand on my BACK", "yes", "touch")
    # B's maybe stands: my yes makes it a maybe, never agreed.
    assert answer(b, on_list, "maybe").status_code == 200
    item = bring_in(a, mine["id"])
    assert item["id"] == on_list and item["state"] == "maybe" and item["my_answer"] == "yes"
    assert view(b, on_list)["my_answer"] == "maybe"
    # Only B's own yes makes it agreed.
    assert answer(b, on_list, "yes").status_code == 200
    assert view(a, on_list)["state"] == "agreed"
    # If B had not answered at all, a brought-in yes waits for B.
    fresh = own(a, "Sitting back to back", "yes", "closeness")
    waiting = bring_in(a, fresh["id"])
    assert waiting["state"] == "open"
    assert view(b, waiting["id"])["my_answer"] is None


def test_bringing_in_again_changes_nothing_and_a_later_answer_of_mine_there_stands(
        server: LiveServer) -> None:
    a, _ = new_pair(server)
    mine = own(a, "Lying close on the sofa", "maybe", "closeness")
    first = bring_in(a, mine["id"])
    second = bring_in(a, mine["id"])
    assert second == first
    assert len(a.get("/boundaries").json()["items"]) == 1
    # My own answer on our list is mine to change; my solo answer does not move with it,
    # and changing my solo answer moves nothing on our list.
    assert answer(a, first["id"], "no").status_code == 200
    assert solo(a)["Lying close on the sofa"]["answer"] == "maybe"
    assert solo(a)["Lying close on the sofa"]["on_our_list"]["my_answer"] == "no"
    a.put(f"/me/solo-answers/{mine['id']}", json={"answer": "yes"})
    assert view(a, first["id"])["my_answer"] == "no"
    # Bringing it in now is my choice again, for this item.
    assert bring_in(a, mine["id"])["my_answer"] == "yes"


def test_bringing_in_follows_the_lists_own_rules(server: LiveServer) -> None:
    a, b = new_pair(server)
    # B said not now to it and took it off: A cannot put it back for a while, even so.
    item = str(add(b, "Being kissed on the neck", "kissing")["id"])
    assert answer(b, item, "no").status_code == 200
    assert b.delete(f"/boundaries/{item}").status_code == 204
    mine = own(a, "Being kissed on the neck", "yes", "kissing")
    body = assert_problem(a.post(f"/me/solo-answers/{mine['id']}/bring-in"), 409)
    assert "opens_at" in body
    assert a.get("/boundaries").json()["items"] == []
    # Stepped back during a session: a yes waits until the session is over.
    near = str(add(a, "Sitting close", "closeness")["id"])
    for person in (a, b):
        answer(person, near, "yes")
    hug = own(a, "A long hug", "yes", "affection")
    hugged = bring_in(a, hug["id"])
    answer(b, hugged["id"], "yes")
    proposed = a.post("/sessions", json={"length_seconds": 600, "scope": [near]}).json()
    assert a.post("/boundaries/step-back", json={}).status_code == 200
    assert_problem(a.post(f"/me/solo-answers/{hug['id']}/bring-in"), 409)
    assert view(b, hugged["id"])["state"] == "no"
    a.post(f"/sessions/{proposed['id']}/cancel")
    assert bring_in(a, hug["id"])["my_answer"] == "yes"


@pytest.mark.live
def test_the_partner_hears_exactly_what_an_ordinary_answer_makes(server: LiveServer) -> None:
    """Bringing an answer in and answering by hand leave the same trail on the partner's
    screen: nothing says where an answer came from."""
    label = sensitive(f"Tracing shapes on my arm {uuid.uuid4().hex[:6]}")

    def trail(bring: bool) -> list[tuple[str, Any, Any]]:
        a, b = new_pair(server)
        mine = own(a, label, "no", "touch")
        with b.live() as lb:
            lb.drain()
            if bring:
                made = bring_in(a, mine["id"])
            else:
                made = add(a, label, "touch")
                assert answer(a, str(made["id"]), "no").status_code == 200
            frames = lb.read_until(
                lambda got: any(f["type"] == "boundary.changed" for f in got),
                "the combined state on B's screen")
            frames += lb.drain()
        text = json.dumps(frames)
        assert "solo" not in text and "carr" not in text and "bring" not in text
        return [(f["type"], f.get("data", {}).get("previous_state"),
                 {k: v for k, v in f.get("data", {}).get("item", {}).items()
                  if k not in ("id", "created_at", "created_by", "limited_at")})
                for f in frames]

    assert trail(bring=True) == trail(bring=False)


def test_solo_answers_stay_mine_after_a_pair_ends_are_exported_and_go_with_the_account(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    secret = "Only with the lights on"
    mine = own(a, secret, "maybe")
    bring_in(a, mine["id"])
    assert a.delete("/pair").status_code == 204
    assert solo(a)[secret]["answer"] == "maybe"
    assert solo(a)[secret]["on_our_list"] is None
    exported = a.get("/me/export").json()["solo_answers"]
    assert {"label": secret, "category": "other", "catalogue_key": None,
            "answer": "maybe"} in exported
    assert secret not in b.get("/me/export").text
    assert a.delete("/me", json={"password": PASSWORD}).status_code == 204

    async def left() -> int:
        async with server.services.db.read() as session:
            return int(await session.scalar(sa.select(sa.func.count()).select_from(SoloAnswer)
                                            .where(col(SoloAnswer.account_id) == uuid.UUID(a.id)))
                       or 0)

    assert server.run(left()) == 0
