"""Paced sessions: acceptance, scope, end, extension, check-ins, aftercare, the next day."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.test_accounts import assert_problem
from tests.api.test_boundaries import add, answer
from tests.support import LiveServer, Person, new_pair, register, sensitive

FAST = {"min_session_seconds": 1, "min_checkin_seconds": 1, "min_grace_seconds": 1,
        "scheduler_tick_seconds": 0.1}
# How long a test waits for timed work before it fails: a deadline for a hang, never a
# promise of speed (a busy machine makes timed work late; tests assert only "not early").
WAIT = 30


def agreed_item(a: Person, b: Person, label: str) -> str:
    item = add(a, label, "touch")["id"]
    answer(a, item, "yes")
    answer(b, item, "yes")
    return str(item)


def start(a: Person, b: Person, **body: object) -> dict:  # type: ignore[type-arg]
    proposed = a.post("/sessions", json={"length_seconds": 600, **body})
    assert proposed.status_code == 201, proposed.text
    accepted = b.post(f"/sessions/{proposed.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    return accepted.json()  # type: ignore[no-any-return]


@pytest.mark.live
def test_a_session_starts_only_when_the_partner_accepts(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = agreed_item(a, b, "Holding hands")
    with b.live() as lb:
        proposed = a.post("/sessions", json={"length_seconds": 1200, "scope": [item]}).json()
        assert proposed["status"] == "proposed" and proposed["started_at"] is None
        assert lb.expect("session.proposed")["data"]["scope"] == [item]
        assert_problem(a.post(f"/sessions/{proposed['id']}/accept"), 403)
        assert_problem(a.post("/sessions", json={"length_seconds": 600}), 409)
        started = b.post(f"/sessions/{proposed['id']}/accept").json()
        assert started["status"] == "active"
        assert lb.expect("session.started")["data"]["status"] == "active"
    length = (datetime.fromisoformat(started["ends_at"])
              - datetime.fromisoformat(started["started_at"])).total_seconds()
    assert length == 1200
    now = a.get("/sessions/current").json()["session"]
    assert now["scope"] == [{"id": item, "label": "Holding hands", "state": "agreed"}]
    assert 0 <= now["elapsed_seconds"] < 60 and 1140 < now["remaining_seconds"] <= 1200


def test_decline_and_cancel(server: LiveServer) -> None:
    a, b = new_pair(server)
    first = a.post("/sessions", json={"length_seconds": 600}).json()
    assert_problem(b.post(f"/sessions/{first['id']}/cancel"), 403)
    assert b.post(f"/sessions/{first['id']}/decline").json()["status"] == "declined"
    second = b.post("/sessions", json={"length_seconds": 600}).json()  # A waits till tomorrow
    assert b.post(f"/sessions/{second['id']}/cancel").json()["status"] == "cancelled"
    assert a.get("/sessions/current").json() == {"session": None}
    assert_problem(a.post(f"/sessions/{second['id']}/accept"), 409)


def test_only_agreed_activities_can_be_in_scope(server: LiveServer) -> None:
    a, _ = new_pair(server)
    maybe = add(a, "Kissing", "kissing")["id"]
    answer(a, maybe, "yes")
    assert_problem(a.post("/sessions", json={"length_seconds": 600, "scope": [maybe]}), 409)
    assert_problem(a.post("/sessions", json={"length_seconds": 600,
                                             "scope": [str(uuid.uuid4())]}), 409)


@pytest.mark.live
def test_both_screens_are_told_when_scope_stops_being_agreed(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = agreed_item(a, b, "Cuddling")
    session = start(a, b, scope=[item])
    with a.live() as la, b.live() as lb:
        answer(b, item, "no")
        for live in (la, lb):
            told = live.expect("session.scope_changed")
            assert told["data"] == {**told["data"], "session_id": session["id"],
                                    "boundary_id": item, "state": "no"}
    assert a.get("/sessions/current").json()["session"]["scope"][0]["state"] == "no"


@pytest.mark.live
def test_either_partner_ends_it(server: LiveServer) -> None:
    a, b = new_pair(server)
    session = start(a, b)
    with a.live() as la:
        ended = b.post(f"/sessions/{session['id']}/end").json()
        assert (ended["status"], ended["end_reason"]) == ("ended", "ended")
        assert la.expect("session.ended")["actor"] == b.id
    assert_problem(a.post(f"/sessions/{session['id']}/end"), 409)
    timeline = a.get(f"/sessions/{session['id']}/timeline").json()["items"]
    assert [e["type"] for e in timeline] == ["session.started", "session.ended"]


def test_an_extension_needs_both(server: LiveServer) -> None:
    a, b = new_pair(server)
    session = start(a, b)
    ends = session["ends_at"]
    asked = a.post(f"/sessions/{session['id']}/extend", json={"seconds": 600}).json()
    assert asked["extension"]["by"] == a.id and asked["ends_at"] == ends
    assert_problem(a.post(f"/sessions/{session['id']}/extend/accept"), 403)
    extended = b.post(f"/sessions/{session['id']}/extend/accept").json()
    moved = (datetime.fromisoformat(extended["ends_at"])
             - datetime.fromisoformat(ends)).total_seconds()
    assert moved == 600 and extended["extension"] is None
    a.post(f"/sessions/{session['id']}/extend", json={"seconds": 300})
    kept = b.post(f"/sessions/{session['id']}/extend/decline").json()
    assert kept["ends_at"] == extended["ends_at"]
    assert_problem(b.post(f"/sessions/{session['id']}/extend/accept"), 409)


def test_aftercare_is_seen_by_the_partner_only_while_paired(server: LiveServer) -> None:
    a, b = new_pair(server)
    wishes = {"wishes": ["quiet", "blanket"], "in_my_words": "Hold my hand, no talking yet",
              "if_i_freeze": "Say my name softly and ask if I want to stop"}
    mine = a.put("/me/aftercare", json=wishes)
    assert mine.status_code == 200 and mine.json()["wishes"] == ["quiet", "blanket"]
    assert b.get("/pair/aftercare").json()["in_my_words"] == wishes["in_my_words"]
    session = start(a, b)
    view = b.get(f"/sessions/{session['id']}").json()
    assert {w["user_id"] for w in view["aftercare"]} == {a.id, b.id}
    assert_problem(a.put("/me/aftercare", json={"wishes": ["dance"]}), 422)
    b.delete("/pair")
    assert_problem(b.get("/pair/aftercare"), 404)
    assert a.get("/me/aftercare").json()["if_i_freeze"] == wishes["if_i_freeze"]


def test_outsiders_get_404_on_session_routes(server: LiveServer) -> None:
    a, b = new_pair(server)
    session = start(a, b)
    stranger, _ = new_pair(server)
    loner = register(server)
    sid = session["id"]
    for person in (stranger, loner):
        for method, path, body in [
            ("GET", f"/sessions/{sid}", None), ("POST", f"/sessions/{sid}/end", None),
            ("POST", f"/sessions/{sid}/extend", {"seconds": 600}),
            ("GET", f"/sessions/{sid}/timeline", None),
            ("PUT", f"/sessions/{sid}/next-day", {"feeling": 3}),
        ]:
            got = person.http.request(method, path, json=body)
            assert got.status_code == 404, (method, path, got.text)
    assert_problem(loner.get("/sessions/current"), 404)
    assert_problem(loner.get("/pair/aftercare"), 404)
    assert a.get("/sessions/current").json()["session"]["status"] == "active"


@pytest.fixture
def fast(make_server: Callable[..., LiveServer]) -> LiveServer:
    return make_server(**FAST, next_day_hours=0.0005)


def test_a_session_ends_itself_on_time(fast: LiveServer) -> None:
    a, b = new_pair(fast)
    with a.live() as la:
        session = start(a, b, length_seconds=1)
        ended = la.expect("session.ended", timeout=WAIT)
        assert ended["actor"] is None and ended["data"]["end_reason"] == "time"
        late = (datetime.fromisoformat(ended["at"])
                - datetime.fromisoformat(session["ends_at"])).total_seconds()
        assert late >= 0  # never early (how late is the machine's business: see bench/)
        assert la.expect("session.next_day", timeout=WAIT)["data"]["session_id"] == session["id"]
    note = a.put(f"/sessions/{session['id']}/next-day", json={"feeling": 4, "words": "Calm."})
    assert note.status_code == 200
    assert a.get(f"/sessions/{session['id']}/next-day").json()["words"] == "Calm."
    assert_problem(b.get(f"/sessions/{session['id']}/next-day"), 404)  # private to A
    assert "Calm." not in a.get(f"/sessions/{session['id']}/timeline").text


def answered_in_one_round(a: Person, b: Person, path: str, checkin: str) -> bool:
    """A answers green and B yellow to one check-in; False (and nothing else checked) if
    the round closed first."""
    mine = a.post(path, json={"answer": "green"})
    if mine.status_code == 409:
        return False
    assert mine.status_code == 200, mine.text
    # Each sees only their own answer; B has not answered, which is not a yes.
    seen_by_a = a.get("/sessions/current").json()["session"]["checkin"]
    seen_by_b = b.get("/sessions/current").json()["session"]["checkin"]
    if (seen_by_a["id"], seen_by_b["id"]) != (checkin, checkin):
        return False
    assert (seen_by_a["my_answer"], seen_by_b["my_answer"]) == ("green", None)
    theirs = b.post(path, json={"answer": "yellow"})
    assert theirs.status_code in (200, 409), theirs.text
    return theirs.status_code == 200


def test_check_ins_fire_on_time_and_answers_signal(fast: LiveServer) -> None:
    a, b = new_pair(fast)
    with a.live() as la, b.live() as lb:
        session = start(a, b, length_seconds=30, checkin_every_seconds=1, grace_seconds=5)
        started = datetime.fromisoformat(session["started_at"])
        prompt = la.expect("checkin.prompt", timeout=WAIT)
        assert lb.expect("checkin.prompt", timeout=WAIT)["seq"] == prompt["seq"]
        assert prompt["data"]["round"] == 1
        late = (datetime.fromisoformat(prompt["at"]) - started).total_seconds() - 1
        assert late >= 0  # never before its time
        # A 1 s round can close before both answers are in on a busy machine (409: the
        # round moved on); then both answer the next one.
        for _ in range(20):
            checkin = prompt["data"]["checkin_id"]
            path = f"/sessions/{session['id']}/checkins/{checkin}"
            if answered_in_one_round(a, b, path, checkin):
                break
            prompt = la.expect("checkin.prompt", timeout=WAIT)
        else:
            pytest.fail("no round stayed open long enough for two answers")
        slow = la.expect("slow")
        assert slow["actor"] == b.id
        assert slow["data"]["cause"] == {"kind": "checkin", "checkin_id": checkin,
                                         "answer": "yellow"}
        la.command("pause")
        assert lb.expect("pause")["actor"] == a.id
        a.post(f"/sessions/{session['id']}/end")
    assert b.get("/signal").json()["state"] == "paused"


def test_a_check_in_is_answered_once_and_only_while_it_is_the_live_one(
        fast: LiveServer) -> None:
    a, b = new_pair(fast)
    with a.live() as la:
        session = start(a, b, length_seconds=30, checkin_every_seconds=1, grace_seconds=None)
        first = la.expect("checkin.prompt", timeout=WAIT)["data"]
        path = f"/sessions/{session['id']}/checkins/{first['checkin_id']}"
        assert a.post(path, json={"answer": "yellow"}).status_code == 200
        # The round-1 card still on screen: "green" is refused and changes nothing.
        before = a.get(f"/sessions/{session['id']}/timeline").json()["items"]
        refused = a.post(path, json={"answer": "green"})
        assert_problem(refused, 409)
        assert "Pause and Slow down always work" in refused.json()["detail"]
        second = la.expect("checkin.prompt", timeout=WAIT)["data"]
        assert second["round"] == first["round"] + 1
        # B never answered round 1, but round 2 is open now: round 1 is closed to both.
        assert_problem(b.post(path, json={"answer": "green"}), 409)
        after = a.get(f"/sessions/{session['id']}/timeline").json()["items"]
        assert [e for e in after if e["seq"] <= before[-1]["seq"]] == before
        # Only new rounds since (on a busy machine, more than one may have opened).
        newer = [e["type"] for e in after if e["seq"] > before[-1]["seq"]]
        assert newer and set(newer) == {"checkin.prompt"}
        assert a.get("/signal").json()["mine"]["state"] == "slow"
        # B answers the live round; if a newer one opened first, that one is the live one.
        prompt = second
        for _ in range(10):
            live = f"/sessions/{session['id']}/checkins/{prompt['checkin_id']}"
            answered = b.post(live, json={"answer": "unsure"})  # counts as slow
            if answered.status_code == 200:
                break
            assert_problem(answered, 409)
            prompt = la.expect("checkin.prompt", timeout=WAIT)["data"]
        assert answered.status_code == 200, answered.text
        assert b.get("/signal").json()["mine"]["state"] == "slow"
        assert_problem(b.post(live, json={"answer": "maybe"}), 422)
        a.post(f"/sessions/{session['id']}/end")


def test_check_ins_hold_while_a_pause_stands_and_resume_from_the_lift(
        fast: LiveServer) -> None:
    a, b = new_pair(fast)
    with a.live() as la:
        session = start(a, b, length_seconds=60, checkin_every_seconds=1, grace_seconds=None)
        la.expect("checkin.prompt", timeout=WAIT)  # check-ins are under way
        paused = la.command("pause")
        pause_at = datetime.fromisoformat(la.expect("pause", seq=paused["seq"])["at"])
        # Time passes under the pause: three intervals and more (by the clock, from the
        # pause's own time), and no prompt comes. Letting time pass is the point here; the
        # timeline below is the proof that nothing was prompted meanwhile.
        held_until = pause_at + timedelta(seconds=3)
        held: list[dict[str, Any]] = []
        while (left := (held_until - datetime.now(UTC)).total_seconds()) > 0:
            held += la.quiet(left)
        # (A prompt stored before the pause may arrive after it: a pause overtakes.)
        assert [f for f in held if f["type"] == "checkin.prompt"
                and f["seq"] > paused["seq"]] == []
        lifted = la.command("resume")
        lift_at = datetime.fromisoformat(la.expect("resume", seq=lifted["seq"])["at"])
        assert (lift_at - pause_at).total_seconds() >= 3
        nxt = la.expect("checkin.prompt", timeout=WAIT, where=lambda f: f["seq"] > lifted["seq"])
        # From the lift, one interval on: never a burst of the rounds the pause held.
        assert (datetime.fromisoformat(nxt["at"]) - lift_at).total_seconds() >= 1
        b.post(f"/sessions/{session['id']}/end")
    timeline = a.get(f"/sessions/{session['id']}/timeline").json()["items"]
    during = [e for e in timeline if paused["seq"] < e["seq"] < lifted["seq"]]
    assert [e["type"] for e in during] == []
    # No round skipped or doubled: the first prompt after the lift is the next round after
    # the last one prompted before the pause (however many fell due before it).
    before = [e["data"]["round"] for e in timeline
              if e["type"] == "checkin.prompt" and e["seq"] < paused["seq"]]
    assert before and nxt["data"]["round"] == before[-1] + 1


def test_an_unanswered_check_in_becomes_the_silent_ones_pause(fast: LiveServer) -> None:
    a, b = new_pair(fast)
    with a.live() as la:
        session = start(a, b, length_seconds=30, checkin_every_seconds=1, grace_seconds=1)
        prompt = la.expect("checkin.prompt", timeout=WAIT)
        path = f"/sessions/{session['id']}/checkins/{prompt['data']['checkin_id']}"
        a.post(path, json={"answer": "green"})
        pause = la.expect("pause", timeout=WAIT)
        assert pause["actor"] == b.id  # B froze: the pause is B's, only B can lift it
        assert pause["data"]["cause"] == {"kind": "silence",
                                          "checkin_id": prompt["data"]["checkin_id"]}
        missed = la.expect("checkin.missed")
        assert missed["data"]["user_id"] == b.id
        deadline = datetime.fromisoformat(prompt["data"]["grace_until"])
        assert datetime.fromisoformat(pause["at"]) >= deadline  # never before the grace ends
        assert la.command("resume")["code"] == "not_allowed"
        b.post(f"/sessions/{session['id']}/end")
    assert a.get("/signal").json()["by"] == [b.id]
    assert a.get("/signal").json()["theirs"]["cause"] == "silence"
    assert b.get("/signal").json()["mine"]["cause"] == "silence"
    timeline = a.get(f"/sessions/{session['id']}/timeline").json()["items"]
    kinds = [e["type"] for e in timeline]
    assert kinds[0] == "session.started" and kinds[-1] == "session.ended"
    assert kinds.index("checkin.prompt") < kinds.index("pause") < kinds.index("checkin.missed")


def test_grace_can_be_turned_off(fast: LiveServer) -> None:
    a, b = new_pair(fast)
    with a.live() as la:
        session = start(a, b, length_seconds=30, checkin_every_seconds=1, grace_seconds=None)
        first = la.expect("checkin.prompt", timeout=WAIT)
        assert first["data"]["grace_until"] is None
        # The positive control: two more rounds prompted. The third prompt falls due more
        # than one interval after the first was made, so even the shortest grace (1 s) for
        # the first would have run out, and its pause been sent, before it (the scheduler
        # runs jobs in order of their time, and each job's events go out before the next).
        third = la.expect("checkin.prompt", timeout=WAIT,
                          where=lambda f: f["data"]["round"] >= first["data"]["round"] + 2)
        assert [f["type"] for f in la.seen if f["type"] in ("pause", "checkin.missed")
                and f["seq"] < third["seq"]] == []
        assert a.get("/signal").json()["state"] == "clear"
        a.post(f"/sessions/{session['id']}/end")


def test_lengths_below_the_minimum_are_422(server: LiveServer) -> None:
    a, _ = new_pair(server)
    for body in ({"length_seconds": 5}, {"length_seconds": 600, "checkin_every_seconds": 5},
                 {"length_seconds": 600, "grace_seconds": 2}, {"length_seconds": 0}):
        assert_problem(a.post("/sessions", json=body), 422)



def test_the_export_holds_my_next_day_notes_and_check_in_answers_only(
        fast: LiveServer) -> None:
    a, b = new_pair(fast)
    with a.live() as la:
        session = start(a, b, length_seconds=30, checkin_every_seconds=1, grace_seconds=None)

        prompt = la.expect("checkin.prompt", timeout=WAIT)["data"]
        answered = {}
        for person, said in ((a, "unsure"), (b, "red")):
            # Rounds come every second: one may pass while we answer, then take the next.
            while (got := person.post(f"/sessions/{session['id']}/checkins/"
                                      f"{prompt['checkin_id']}", json={"answer": said})
                   ).status_code == 409:
                prompt = la.expect("checkin.prompt", timeout=WAIT)["data"]
            assert got.status_code == 200, got.text
            answered[said] = prompt["round"]
        a.post(f"/sessions/{session['id']}/end")
    for person, words in ((a, "alex felt settled"), (b, "sam felt shaky")):
        note = person.put(f"/sessions/{session['id']}/next-day",
                          json={"feeling": 3, "words": sensitive(words)})
        assert note.status_code == 200
    export = a.get("/me/export").json()
    assert [(n["session_id"], n["words"]) for n in export["next_day_notes"]] == [
        (session["id"], "alex felt settled")]
    assert export["checkin_answers"] == [{"session_id": session["id"], "round": answered["unsure"],
                                          "answer": "unsure"}]
    assert "sam felt shaky" not in a.get("/me/export").text


@pytest.mark.live
def test_either_partner_takes_an_activity_off_the_menu_at_once(server: LiveServer) -> None:
    a, b = new_pair(server)
    hands, hug = agreed_item(a, b, "Holding hands"), agreed_item(a, b, "A long hug")
    proposed = a.post("/sessions", json={"length_seconds": 600, "scope": [hands, hug]}).json()
    # Before accepting, the partner may trim the menu: B takes the hug off.
    with a.live() as la:
        trimmed = b.delete(f"/sessions/{proposed['id']}/menu/{hug}")
        assert trimmed.status_code == 200, trimmed.text
        assert [s["id"] for s in trimmed.json()["scope"]] == [hands]
        told = la.expect("session.menu_changed")
        assert told["data"] == {"session_id": proposed["id"], "boundary_id": hug,
                                "scope": [hands]}
        assert told["actor"] == b.id
    started = b.post(f"/sessions/{proposed['id']}/accept").json()
    assert [s["id"] for s in started["scope"]] == [hands]
    # While it runs, the proposer takes the last item off, alone, even while paused.
    with a.live() as la:
        assert la.command("pause")["type"] == "ack"
    emptied = a.delete(f"/sessions/{proposed['id']}/menu/{hands}")
    assert emptied.status_code == 200 and emptied.json()["scope"] == []
    # A second tap changes nothing and is not an error; the item itself stays agreed.
    again = a.delete(f"/sessions/{proposed['id']}/menu/{hands}")
    assert again.status_code == 200 and again.json()["scope"] == []
    assert next(i for i in a.get("/boundaries").json()["items"]
                if i["id"] == hands)["state"] == "agreed"


def test_the_menu_refuses_what_is_not_there_and_changes_nothing(server: LiveServer) -> None:
    a, b = new_pair(server)
    hands = agreed_item(a, b, "Holding hands")
    proposed = a.post("/sessions", json={"length_seconds": 600, "scope": [hands]}).json()
    other_pair, _ = new_pair(server)
    theirs = add(other_pair, "Their own item", "touch")["id"]
    assert_problem(a.delete(f"/sessions/{proposed['id']}/menu/{theirs}"), 404)
    assert_problem(a.delete(f"/sessions/{proposed['id']}/menu/{uuid.uuid4()}"), 404)
    assert_problem(a.delete(f"/sessions/{proposed['id']}/menu/not-a-uuid"), 422)
    assert_problem(other_pair.delete(f"/sessions/{proposed['id']}/menu/{hands}"), 404)
    b.post(f"/sessions/{proposed['id']}/accept")
    a.post(f"/sessions/{proposed['id']}/end")
    assert_problem(a.delete(f"/sessions/{proposed['id']}/menu/{hands}"), 409)
    assert [s["id"] for s in a.get(f"/sessions/{proposed['id']}").json()["scope"]] == [hands]
