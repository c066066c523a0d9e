"""The gradual path: where a pair's own list puts them, gentlest step first."""

from __future__ import annotations

from typing import Any

from tests.api.test_accounts import assert_problem
from tests.api.test_boundaries import add, answer
from tests.support import LiveServer, Person, new_pair, register

STEPS = ["closeness", "touch", "affection", "kissing", "undressing", "erotic", "sex"]


def both(a: Person, b: Person, label: str, category: str, second: str = "yes") -> str:
    item = str(add(a, label, category)["id"])
    assert answer(a, item, "yes").status_code == 200
    assert answer(b, item, second).status_code == 200
    return item


def where(person: Person) -> dict[str, Any]:
    got = person.get("/boundaries/path")
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def test_the_path_lists_every_step_and_starts_nowhere(server: LiveServer) -> None:
    a, _ = new_pair(server)
    path = where(a)
    assert [s["key"] for s in path["steps"]] == STEPS
    assert path["current"] is None
    assert all(s["on_list"] == 0 and not s["reached"] for s in path["steps"])
    assert path["steps"][0]["title"] and path["steps"][0]["description"]


def test_the_step_is_the_highest_with_everything_below_agreed(server: LiveServer) -> None:
    a, b = new_pair(server)
    both(a, b, "Breathing together", "closeness")
    assert where(a)["current"] == "closeness"
    # A step with nothing on the list is skipped: each step is optional.
    both(a, b, "A hand on the shoulder", "affection")
    assert where(b)["current"] == "affection"
    # Something not agreed by both, lower down, holds the pair where it is agreed up to.
    maybe = both(a, b, "Holding hands", "touch", second="maybe")
    path = where(a)
    assert path["current"] == "closeness"
    touch = next(s for s in path["steps"] if s["key"] == "touch")
    assert (touch["on_list"], touch["agreed"], touch["reached"]) == (1, 0, False)
    assert answer(b, maybe, "yes").status_code == 200
    assert where(a)["current"] == "affection"
    # A "not now" is instant, and the path follows it at once.
    assert answer(b, maybe, "no").status_code == 200
    assert where(b)["current"] == "closeness"
    # Words and the pair's own items are not steps.
    both(a, b, "Saying what we like", "words")
    both(a, b, "Our own thing", "other")
    assert [s["key"] for s in where(a)["steps"]] == STEPS


def test_the_path_is_only_the_pairs_own(server: LiveServer) -> None:
    a, b = new_pair(server)
    c, _ = new_pair(server)
    both(a, b, "Breathing together", "closeness")
    assert where(c)["current"] is None
    assert_problem(register(server).get("/boundaries/path"), 404)
