"""No asking again at once: after a "not now", a withdrawn phrase, a declined session or
extension, or a pause, the other partner cannot raise the same thing for a while; the
one who said no can raise it themselves at any time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.test_accounts import assert_problem
from tests.api.test_boundaries import add, answer
from tests.api.test_sessions import start
from tests.support import LiveServer, new_pair


def cooling(response: httpx.Response, *, at_least: timedelta) -> datetime:
    """The 409 of a cooling-off time; returns when it opens."""
    problem = assert_problem(response, 409)
    assert problem["type"] == "/problems/cooling-off"
    assert "not now" in problem["detail"] and "themselves" in problem["detail"]
    opens_at = datetime.fromisoformat(problem["opens_at"])
    assert opens_at - datetime.now(UTC) >= at_least - timedelta(minutes=1)
    return opens_at


def test_an_activity_said_no_to_cannot_be_put_back_by_the_other(server: LiveServer) -> None:
    a, b = new_pair(server)
    item = add(a, "Showering together", "undressing")["id"]
    answer(b, item, "no")
    assert a.delete(f"/boundaries/{item}").status_code == 204  # gone, and B's no with it
    cooling(a.post("/boundaries", json={"label": "  showering TOGETHER "}),
            at_least=timedelta(hours=23))
    other = add(a, "Bathing", "undressing")
    renamed = a.patch(f"/boundaries/{other['id']}",
                      json={"label": "Showering together", "version": other["version"]})
    cooling(renamed, at_least=timedelta(hours=23))
    assert [i["label"] for i in a.get("/boundaries").json()["items"]] == ["Bathing"]
    # The one who said no can bring it back up whenever they like.
    assert b.post("/boundaries", json={"label": "Showering together"}).status_code == 201


def test_starter_items_the_partner_said_no_to_wait_too(server: LiveServer) -> None:
    a, b = new_pair(server)
    first = a.get("/boundaries/catalogue").json()["items"][0]
    taken = a.post("/boundaries/catalogue", json={"keys": [first["key"]]}).json()["items"][0]
    answer(b, taken["id"], "no")
    a.delete(f"/boundaries/{taken['id']}")
    cooling(a.post("/boundaries/catalogue", json={"keys": [first["key"]]}),
            at_least=timedelta(hours=23))
    everything = a.post("/boundaries/catalogue", json={"all": True}).json()["items"]
    assert first["label"] not in [i["label"] for i in everything]  # left out, the rest taken


def test_a_withdrawn_phrase_waits_before_the_other_proposes_it(server: LiveServer) -> None:
    a, b = new_pair(server)
    body = {"text": "Can I kiss you here?", "moment": "during", "kind": "question"}
    phrase = a.post("/phrases", json=body).json()
    b.post(f"/phrases/{phrase['id']}/withdraw")
    cooling(a.post("/phrases", json=body), at_least=timedelta(hours=23))
    assert a.get("/phrases").json()["items"] == []
    assert b.post("/phrases", json=body).status_code == 201


def test_a_declined_session_waits_until_tomorrow_where_the_proposer_lives(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    zone = "Pacific/Kiritimati"  # UTC+14: "tomorrow" is not UTC's
    proposed = a.post("/sessions", json={"length_seconds": 600, "timezone": zone}).json()
    b.post(f"/sessions/{proposed['id']}/decline")
    opens_at = cooling(a.post("/sessions", json={"length_seconds": 600}),
                       at_least=timedelta(hours=4))
    local = opens_at.astimezone(ZoneInfo(zone))
    rest_of_day = (local.hour, local.minute) == (0, 0)
    assert rest_of_day or opens_at - datetime.now(UTC) <= timedelta(hours=4, minutes=1)
    assert a.get("/sessions/current").json() == {"session": None}
    assert b.post("/sessions", json={"length_seconds": 600}).status_code == 201
    assert_problem(a.post("/sessions", json={"length_seconds": 600, "timezone": "no such/zone!"}),
                   422)


def test_more_time_is_not_asked_again_after_a_no_or_during_a_pause(server: LiveServer) -> None:
    a, b = new_pair(server)
    session = start(a, b)
    a.post(f"/sessions/{session['id']}/extend", json={"seconds": 600})
    b.post(f"/sessions/{session['id']}/extend/decline")
    cooling(a.post(f"/sessions/{session['id']}/extend", json={"seconds": 300}),
            at_least=timedelta(minutes=5))
    # The one who said no can ask for it themselves.
    assert b.post(f"/sessions/{session['id']}/extend", json={"seconds": 300}).status_code == 200


@pytest.mark.live
def test_after_a_pause_in_a_session_only_the_one_who_paused_proposes_again_today(
        server: LiveServer) -> None:
    a, b = new_pair(server)
    session = start(a, b)
    with b.live() as lb:
        lb.command("pause")
        # While B's pause stands, nothing is asked of B.
        paused = assert_problem(a.post(f"/sessions/{session['id']}/extend",
                                       json={"seconds": 300}), 409)
        assert "lift their pause" in paused["detail"]
        lb.command("resume")
    a.post(f"/sessions/{session['id']}/end")
    cooling(a.post("/sessions", json={"length_seconds": 600}), at_least=timedelta(hours=4))
    assert b.post("/sessions", json={"length_seconds": 600}).status_code == 201


def test_the_cooling_off_time_is_configurable_and_ends(
        make_server: Callable[..., LiveServer]) -> None:
    quick = make_server(cooling_item_hours=1 / 3600)  # one second
    a, b = new_pair(quick)
    for attempt in range(5):
        label = f"Eye contact {attempt}"
        item = add(a, label, "closeness")["id"]
        before_the_no = time.monotonic()
        answer(b, item, "no")
        a.delete(f"/boundaries/{item}")
        asked = a.post("/boundaries", json={"label": label})
        if asked.status_code != 201:
            break
        # Let through: right only if the machine took longer than the whole hold to get
        # here (then try again); never when the hold had not run out yet.
        assert time.monotonic() - before_the_no >= 1, asked.text
    opens_at = cooling(asked, at_least=timedelta(0))
    deadline = time.monotonic() + 30
    got: Any = None
    while time.monotonic() < deadline:  # polling until the hold ends
        got = a.post("/boundaries", json={"label": label})
        if got.status_code == 201:
            break
        time.sleep(0.2)
    assert got is not None and got.status_code == 201, got.text if got else None
    assert datetime.now(UTC) >= opens_at
