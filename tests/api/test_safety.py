"""My safety plan: private by default, shared part by part, unshared at once by its owner."""

from __future__ import annotations

import json

import pytest

from tests.api.test_accounts import assert_problem
from tests.support import PASSWORD, LiveServer, Person, new_pair, register, sensitive

TRIGGERS = "Being held from behind"
PLAN: dict[str, object] = {"triggers": TRIGGERS, "helps": ["slower-pacing", "being-given-space"],
        "helps_words": "Say my name and where we are", "avoid": "Don't ask me why",
        "grounding": "You're here, it's now, you're safe", "topics": "Our walk by the river"}


def write_plan(person: Person, **parts: object) -> dict:  # type: ignore[type-arg]
    saved = person.put("/me/safety-plan", json={**PLAN, **parts})
    assert saved.status_code == 200, saved.text
    return saved.json()  # type: ignore[no-any-return]


def share(person: Person, part: str, shared: bool = True, **extra: object) -> dict:  # type: ignore[type-arg]
    got = person.put("/me/safety-plan/sharing", json={"part": part, "shared": shared, **extra})
    assert got.status_code == 200, got.text
    return got.json()  # type: ignore[no-any-return]


def test_a_new_plan_is_empty_and_private(server: LiveServer) -> None:
    a, b = new_pair(server)
    empty = a.get("/me/safety-plan").json()
    assert empty == {"user_id": a.id, "triggers": None, "helps": [], "helps_words": None,
                     "avoid": None, "grounding": None, "topics": None, "shared": [],
                     "version": 1, "updated_at": None}
    mine = write_plan(a)
    assert {k: mine[k] for k in PLAN} == PLAN
    assert mine["shared"] == [] and mine["version"] == 2
    # Written is not shared: the partner's card holds nothing of it.
    card = b.get("/pair/safety-card").json()
    assert card == {"user_id": a.id, "triggers": None, "helps": [], "helps_words": None,
                    "avoid": None, "grounding": None, "topics": None, "shared": []}


def test_each_part_is_shared_on_its_own_and_unshared_at_once(server: LiveServer) -> None:
    a, b = new_pair(server)
    version = write_plan(a)["version"]
    shared = share(a, "helps", version=version)
    assert shared["shared"] == ["helps"]
    card = b.get("/pair/safety-card").json()
    assert card["helps"] == PLAN["helps"] and card["helps_words"] == PLAN["helps_words"]
    assert card["triggers"] is None and card["avoid"] is None and card["shared"] == ["helps"]
    both = share(a, "triggers", version=shared["version"])
    assert both["shared"] == ["triggers", "helps"]
    assert b.get("/pair/safety-card").json()["triggers"] == PLAN["triggers"]
    # Stopping needs no version, even a stale one: it is never refused.
    stopped = share(a, "triggers", shared=False, version=1)
    assert stopped["shared"] == ["helps"]
    assert b.get("/pair/safety-card").json()["triggers"] is None
    # Rewriting keeps the sharing as it was.
    rewritten = write_plan(a, helps_words="Hold my hand")
    assert rewritten["shared"] == ["helps"]
    assert b.get("/pair/safety-card").json()["helps_words"] == "Hold my hand"


def test_sharing_what_was_not_seen_is_refused_and_changes_nothing(server: LiveServer) -> None:
    a, b = new_pair(server)
    seen = write_plan(a)["version"]
    write_plan(a, triggers="Something new from another device")
    refused = a.put("/me/safety-plan/sharing",
                    json={"part": "triggers", "shared": True, "version": seen})
    assert "changed since you opened it" in assert_problem(refused, 409)["detail"]
    stale_save = a.put("/me/safety-plan", json={**PLAN, "version": seen})
    assert_problem(stale_save, 409)
    mine = a.get("/me/safety-plan").json()
    assert mine["shared"] == [] and mine["triggers"] == "Something new from another device"
    assert b.get("/pair/safety-card").json()["triggers"] is None


@pytest.mark.parametrize("body", [
    {"triggers": "x" * 1001},
    {"triggers": "   "},
    {"triggers": "a\u202ebc"},
    {"triggers": "bell\u0007"},
    {"helps": ["hugs"]},
    {"helps": ["slower-pacing"] * 7},
    {"avoid": 5},
    {"secret": "unknown fields are refused"},
    {"version": "2"},
    {"version": 2**31},
])
def test_bad_plans_are_refused_and_change_nothing(server: LiveServer, body: dict) -> None:  # type: ignore[type-arg]
    a, _ = new_pair(server)
    before = write_plan(a)
    assert_problem(a.put("/me/safety-plan", json=body), 422)
    assert a.get("/me/safety-plan").json() == before


@pytest.mark.parametrize("body", [
    {"part": "diary", "shared": True}, {"part": "triggers", "shared": "true"},
    {"part": "triggers"}, {"part": "triggers", "shared": True, "version": 0},
])
def test_bad_sharing_is_refused_and_changes_nothing(server: LiveServer, body: dict) -> None:  # type: ignore[type-arg]
    a, b = new_pair(server)
    before = write_plan(a)
    assert_problem(a.put("/me/safety-plan/sharing", json=body), 422)
    assert a.get("/me/safety-plan").json() == before
    assert b.get("/pair/safety-card").json()["shared"] == []


def test_nobody_else_reads_or_changes_a_plan(server: LiveServer) -> None:
    a, b = new_pair(server)
    stranger = register(server)
    (c, _) = new_pair(server)
    write_plan(a)
    share(a, "triggers")
    # The card is only for the current partner: a stranger has none, another pair
    # sees their own partner's.
    assert_problem(stranger.get("/pair/safety-card"), 404)
    assert c.get("/pair/safety-card").json()["triggers"] is None
    # "me" is always the caller: B writing or sharing changes B's own plan, never A's.
    share(b, "avoid")
    assert a.get("/me/safety-plan").json()["shared"] == ["triggers"]
    assert_problem(b.put("/me/safety-plan", json={**PLAN, "user_id": a.id}), 422)


def test_a_plan_stays_with_its_owner_after_unpairing_and_is_private_again(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    write_plan(a)
    share(a, "triggers")
    share(a, "grounding")
    assert a.delete("/pair").status_code == 204
    kept = a.get("/me/safety-plan").json()
    assert {k: kept[k] for k in PLAN} == PLAN
    assert kept["shared"] == []  # what was shared with B is never shown to a next partner
    # A pairs with someone new: nothing of the plan crosses.
    invite = a.post("/pair/invites").json()
    newcomer = register(server)
    assert newcomer.post("/pair/join", json={"code": invite["code"]}).status_code == 201
    assert newcomer.get("/pair/safety-card").json()["shared"] == []
    assert TRIGGERS not in newcomer.get("/pair/safety-card").text
    assert_problem(b.get("/pair/safety-card"), 404)


def test_the_plan_is_in_its_owners_export_only_and_goes_with_the_account(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    secret = sensitive("my triggers")
    write_plan(a, triggers=secret)
    share(a, "helps")
    export = a.get("/me/export").json()
    assert export["safety_plan"]["triggers"] == secret
    assert export["safety_plan"]["shared"] == ["helps"]
    assert secret not in b.get("/me/export").text
    assert a.delete("/me", json={"password": PASSWORD}).status_code == 204
    assert secret not in b.get("/me/export").text


@pytest.mark.live
def test_sharing_and_unsharing_reach_the_partners_screen_live_and_nothing_else_does(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    with b.live() as lb, a.live() as la:
        # Writing a plan that shares nothing tells the partner nothing (rule 7); the
        # owner's own devices are told.
        version = write_plan(a)["version"]
        assert la.expect("safety_plan.updated")["user_id"] == a.id
        share(a, "triggers", version=version)
        told = lb.expect("safety_plan.updated")
        assert told == {"type": "safety_plan.updated", "user_id": a.id}
        assert TRIGGERS not in json.dumps(told)  # the frame carries no words
        share(a, "triggers", shared=False)
        assert lb.expect("safety_plan.updated")["user_id"] == a.id
        write_plan(a, avoid="Rewritten, still private")  # nothing shared changed
        frames = lb.drain()
        assert [f for f in frames if f["type"] == "safety_plan.updated"] == []
    # Nothing of the plan is in the pair's log or its replay.
    with b.live() as again:
        assert all(TRIGGERS not in json.dumps(f) for f in again.drain())


def test_there_is_nobody_to_share_with_while_not_paired(server: LiveServer) -> None:
    alone = register(server)
    write_plan(alone)
    refused = alone.put("/me/safety-plan/sharing", json={"part": "triggers", "shared": True})
    assert "nobody to share it with" in assert_problem(refused, 404)["detail"]
    assert alone.get("/me/safety-plan").json()["shared"] == []
    # Stopping is always fine.
    assert share(alone, "triggers", shared=False)["shared"] == []


def test_sharing_two_parts_in_a_row_with_the_version_seen_works(server: LiveServer) -> None:
    """The version counts what was written: ticking a second part right after the first,
    with the version the screen showed, is not refused as stale."""
    a, b = new_pair(server)
    seen = write_plan(a)["version"]
    assert share(a, "triggers", version=seen)["version"] == seen
    assert share(a, "avoid", version=seen)["shared"] == ["triggers", "avoid"]
    assert b.get("/pair/safety-card").json()["shared"] == ["triggers", "avoid"]
