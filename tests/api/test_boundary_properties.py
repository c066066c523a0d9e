"""Random answer sequences by both partners, through the real API and live channel."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import LiveServer, Person, new_pair

PUBLIC_KEYS = {"id", "label", "category", "state", "version", "created_by", "created_at",
               "limited_at", "catalogue_key", "stepped_back"}


def combine(first: str | None, second: str | None) -> str:
    """The contract's rule, written out as a table here rather than borrowed from the
    implementation: no if either said no; open if either has not answered; maybe if
    either said maybe; agreed only when both said yes."""
    answers = sorted([first or "", second or ""])
    return {
        ("", ""): "open", ("", "maybe"): "open", ("", "no"): "no", ("", "yes"): "open",
        ("maybe", "maybe"): "maybe", ("maybe", "no"): "no", ("maybe", "yes"): "maybe",
        ("no", "no"): "no", ("no", "yes"): "no", ("yes", "yes"): "agreed",
    }[(answers[0], answers[1])]
_pairs: dict[int, tuple[Person, Person]] = {}
_last_seq: dict[int, int] = {}

steps = st.lists(st.tuples(st.sampled_from([0, 1]), st.sampled_from(["yes", "maybe", "no"])),
                 min_size=1, max_size=8)


def _pair(server: LiveServer) -> tuple[Person, Person]:
    if id(server) not in _pairs:
        _pairs[id(server)] = new_pair(server)
    return _pairs[id(server)]


# `server` is the run's one shared server, handed out per test: nothing in it needs
# resetting between examples (each example makes its own item).
@pytest.mark.live
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_answers_by_both_never_leak_and_follow_the_rule(
    server: LiveServer, sequence: list[tuple[int, str]]
) -> None:
    people = _pair(server)
    item = people[0].post("/boundaries", json={"label": f"Item {uuid.uuid4()}"})
    assert item.status_code == 201, item.text
    item_id = item.json()["id"]
    mine: list[str | None] = [None, None]
    version = 1
    last_seq = _last_seq.get(id(server), 0)
    with people[0].live(last_seq) as la, people[1].live(last_seq) as lb:
        sockets = (la, lb)
        for who, value in sequence:
            before = combine(*mine)
            mine[who] = value
            got = people[who].put(f"/boundaries/{item_id}/answer", json={"answer": value})
            body = got.json()
            state = combine(*mine)
            assert body["state"] == state
            assert body["my_answer"] == value
            version += state != before
            assert body["version"] == version
            other = people[1 - who]
            seen: dict[str, Any] = next(
                i for i in other.get("/boundaries").json()["items"] if i["id"] == item_id)
            assert seen["my_answer"] == mine[1 - who]  # only their own, never the partner's
            assert seen["state"] == state
        for who, live in enumerate(sockets):
            received = live.drain()
            _last_seq[id(server)] = max([last_seq, *(f.get("seq", 0) for f in received)])
            frames = [f for f in received
                      if f.get("data", {}).get("item", {}).get("id") == item_id
                      or f.get("id") == item_id]
            for frame in frames:
                if frame["type"] in ("boundary.answered", "boundary.refresh"):
                    assert "state" not in frame  # a refresh says nothing of where they stand
                    continue
                assert set(frame["data"]["item"]) == PUBLIC_KEYS
                assert frame["data"]["item"]["state"] != "agreed"  # never logged
            own = [f for f in frames if f["type"] == "boundary.answered"]
            assert len(own) == sum(1 for w, _ in sequence if w == who)
