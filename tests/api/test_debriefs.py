"""The joint debrief: private until both decide, revealed once to both; the journal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.api.test_accounts import assert_problem
from tests.api.test_boundaries import add, answer, view
from tests.api.test_sessions import start
from tests.support import (
    LiveServer,
    Person,
    new_pair,
    pair_up,
    register,
    sensitive,
)


def ended_session(a: Person, b: Person) -> str:
    session = start(a, b)
    a.post(f"/sessions/{session['id']}/end")
    return str(session["id"])


def open_debrief(a: Person, b: Person) -> str:
    opened = a.post("/debriefs", json={"session_id": ended_session(a, b)})
    assert opened.status_code == 201, opened.text
    return str(opened.json()["id"])


def draft(person: Person, debrief: str, marker: str, **extra: Any) -> Any:
    body = {"feeling": 4, "feeling_words": sensitive(f"calm {marker}"),
            "felt_good": sensitive(f"good {marker}"), "did_not": None,
            "next_time": sensitive(f"next {marker}"), **extra}
    got = person.put(f"/debriefs/{debrief}/draft", json=body)
    assert got.status_code == 200, got.text
    return got.json()


@pytest.mark.live
def test_a_draft_never_reaches_the_partner_before_the_reveal(server: LiveServer) -> None:
    a, b = new_pair(server)
    debrief = open_debrief(a, b)
    marker = uuid.uuid4().hex
    with b.live() as lb:
        mine = draft(a, debrief, marker)
        assert mine["mine"]["felt_good"] == f"good {marker}" and mine["my_status"] == "draft"
        submitted = a.post(f"/debriefs/{debrief}/submit").json()
        assert submitted["my_status"] == "submitted" and submitted["revealed_at"] is None
        status = lb.expect("debrief.status")
        assert status["data"]["status"] == "finished" and status["data"]["user_id"] == a.id
        frames = lb.drain()
    seen_by_b = [b.get(f"/debriefs/{debrief}").text, b.get("/debriefs").text,
                 b.get("/me/export").text, b.get("/debriefs/feelings").text,
                 json.dumps(frames)]
    with b.live() as replay:  # and nothing in the replayed log either
        seen_by_b.append(json.dumps(replay.drain()))
    assert all(marker not in text for text in seen_by_b)
    partner_view = b.get(f"/debriefs/{debrief}").json()
    assert (partner_view["partner_status"], partner_view["partner"]) == ("finished", None)
    assert b.get("/debriefs/feelings").json()["points"] == []


@pytest.mark.live
def test_the_reveal_happens_once_to_both_when_the_second_submits(server: LiveServer) -> None:
    a, b = new_pair(server)
    debrief = open_debrief(a, b)
    draft(a, debrief, "from-a")
    draft(b, debrief, "from-b", feeling=2)
    a.post(f"/debriefs/{debrief}/submit")
    with a.live() as la, b.live() as lb:
        b.post(f"/debriefs/{debrief}/submit")
        for live in (la, lb):
            revealed = [f for f in live.drain() if f["type"] == "debrief.revealed"]
            assert len(revealed) == 1 and revealed[0]["data"]["debrief_id"] == debrief
    assert a.get(f"/debriefs/{debrief}").json()["partner"]["felt_good"] == "good from-b"
    assert b.get(f"/debriefs/{debrief}").json()["partner"]["felt_good"] == "good from-a"
    points = a.get("/debriefs/feelings").json()["points"]
    assert [(p["mine"], p["partner"]) for p in points] == [(4, 2)]
    # After the reveal nothing can be taken back or rewritten.
    assert_problem(a.post(f"/debriefs/{debrief}/withdraw"), 409)
    assert_problem(a.put(f"/debriefs/{debrief}/draft", json={"feeling": 1}), 409)


def test_withdraw_before_the_reveal(server: LiveServer) -> None:
    a, b = new_pair(server)
    debrief = open_debrief(a, b)
    draft(a, debrief, "first")
    a.post(f"/debriefs/{debrief}/submit")
    assert_problem(a.put(f"/debriefs/{debrief}/draft", json={"feeling": 3}), 409)
    back = a.post(f"/debriefs/{debrief}/withdraw").json()
    assert back["my_status"] == "draft"
    assert b.get(f"/debriefs/{debrief}").json()["partner_status"] == "not_finished"
    draft(a, debrief, "second")
    draft(b, debrief, "b")
    b.post(f"/debriefs/{debrief}/submit")
    assert b.get(f"/debriefs/{debrief}").json()["revealed_at"] is None  # A took theirs back
    a.post(f"/debriefs/{debrief}/submit")
    assert b.get(f"/debriefs/{debrief}").json()["partner"]["felt_good"] == "good second"


@pytest.mark.live
def test_a_skip_closes_the_round_and_reveals_nothing_to_anyone(server: LiveServer) -> None:
    a, b = new_pair(server)
    debrief = open_debrief(a, b)
    draft(a, debrief, "kept")
    a.post(f"/debriefs/{debrief}/submit")
    with a.live() as la:
        skipped = b.post(f"/debriefs/{debrief}/skip").json()
        assert la.expect("debrief.closed")["data"] == {"debrief_id": debrief}
    assert skipped["my_status"] == "skipped" and skipped["revealed_at"] is None
    assert skipped["closed_at"] is not None and skipped["partner"] is None
    assert "good kept" not in b.get(f"/debriefs/{debrief}").text
    assert "good kept" not in b.get("/debriefs").text
    seen_by_a = a.get(f"/debriefs/{debrief}").json()
    assert (seen_by_a["partner_status"], seen_by_a["partner"]) == ("skipped", None)
    assert seen_by_a["mine"]["felt_good"] == "good kept"  # A's words stay A's
    for person in (a, b):
        assert_problem(person.post(f"/debriefs/{debrief}/withdraw"), 409)
        assert_problem(person.post(f"/debriefs/{debrief}/submit"), 409)
    # The other way round: a skip first, then a submit, closes it just the same.
    with a.live() as la:
        pause_seq = la.command("pause")["seq"]
    second = a.post("/debriefs", json={"pause_seq": pause_seq}).json()["id"]
    b.post(f"/debriefs/{second}/skip")
    draft(a, second, "also kept")
    assert a.post(f"/debriefs/{second}/submit").json()["closed_at"] is not None
    assert "also kept" not in b.get(f"/debriefs/{second}").text


def test_submitting_without_writing_is_refused(server: LiveServer) -> None:
    a, b = new_pair(server)
    debrief = open_debrief(a, b)
    assert_problem(a.post(f"/debriefs/{debrief}/submit"), 409)


@pytest.mark.live
def test_a_no_proposal_applies_on_submit_and_a_yes_only_suggests(server: LiveServer) -> None:
    a, b = new_pair(server)
    agreed = add(a, "Kissing on the neck", "kissing")["id"]
    answer(a, agreed, "yes")
    answer(b, agreed, "yes")
    hoped = add(a, "Showering together", "undressing")["id"]
    debrief = open_debrief(a, b)
    draft(a, debrief, "p", proposals=[{"boundary_id": agreed, "answer": "no"},
                                      {"boundary_id": hoped, "answer": "yes"}])
    assert view(b, agreed)["state"] == "agreed"  # a draft changes nothing
    with b.live() as lb:
        a.post(f"/debriefs/{debrief}/submit")
        changed = lb.expect("boundary.changed",
                            where=lambda f: f["data"]["item"]["id"] == agreed
                            and f["data"]["previous_state"] == "agreed")
        assert changed["data"]["item"]["state"] == "no"
    assert view(b, agreed)["state"] == "no" and view(a, agreed)["my_answer"] == "no"
    assert view(a, hoped)["my_answer"] is None and view(a, hoped)["state"] == "open"
    draft(b, debrief, "q")
    b.post(f"/debriefs/{debrief}/submit")
    proposals = b.get(f"/debriefs/{debrief}").json()["partner"]["proposals"]
    assert {"boundary_id": hoped, "answer": "yes"} in proposals  # B sees the suggestion
    bad = a.put(f"/debriefs/{open_debrief(a, b)}/draft",
                json={"feeling": 3, "proposals": [{"boundary_id": str(uuid.uuid4()),
                                                   "answer": "no"}]})
    assert_problem(bad, 404)


@pytest.mark.live
def test_debriefing_a_pause(server: LiveServer) -> None:
    a, b = new_pair(server)
    with a.live() as la:
        seq = la.command("pause")["seq"]
    opened = b.post("/debriefs", json={"pause_seq": seq})
    assert opened.status_code == 201 and opened.json()["pause_seq"] == seq
    assert a.post("/debriefs", json={"pause_seq": seq}).json()["id"] == opened.json()["id"]
    assert_problem(a.post("/debriefs", json={"pause_seq": 9999}), 404)
    assert_problem(a.post("/debriefs", json={}), 422)
    unended = a.post("/sessions", json={"length_seconds": 600}).json()["id"]
    assert_problem(a.post("/debriefs", json={"session_id": unended}), 409)


def test_the_journal_is_never_in_the_partners_view(server: LiveServer) -> None:
    a, b = new_pair(server)
    marker = sensitive(uuid.uuid4().hex)
    note = a.post("/me/journal", json={"text": f"only mine {marker}"}).json()
    assert a.get("/me/journal").json()["items"][0]["text"] == f"only mine {marker}"
    rewritten = a.put(f"/me/journal/{note['id']}", json={"text": f"still mine {marker}"})
    assert rewritten.json()["text"] == f"still mine {marker}"
    assert b.get("/me/journal").json()["items"] == []
    assert_problem(b.put(f"/me/journal/{note['id']}", json={"text": "mine now"}), 404)
    assert_problem(b.delete(f"/me/journal/{note['id']}"), 404)
    assert marker not in b.get("/me/export").text
    assert marker in a.get("/me/export").text
    assert a.delete(f"/me/journal/{note['id']}").status_code == 204
    assert a.get("/me/journal").json()["items"] == []


def test_outsiders_get_404_on_debriefs(server: LiveServer) -> None:
    a, b = new_pair(server)
    debrief = open_debrief(a, b)
    stranger, _ = new_pair(server)
    for person in (stranger, register(server)):
        for method, path in [("GET", f"/debriefs/{debrief}"),
                             ("POST", f"/debriefs/{debrief}/submit"),
                             ("POST", f"/debriefs/{debrief}/skip"),
                             ("POST", f"/debriefs/{debrief}/withdraw")]:
            assert person.http.request(method, path).status_code == 404, (method, path)
        got = person.put(f"/debriefs/{debrief}/draft", json={"feeling": 1})
        assert got.status_code == 404


def _all_rows(server: LiveServer) -> str:
    async def dump() -> str:
        async with server.services.db.read() as session:
            tables = await session.run_sync(
                lambda s: sa.inspect(s.connection()).get_table_names())
            rows: list[str] = []
            for table in tables:
                result = await session.execute(sa.text(f'SELECT * FROM "{table}"'))
                rows.extend(repr(r) for r in result)
            return "\n".join(rows)

    return str(server.run(dump()))


def test_the_raw_database_holds_no_plaintext(server: LiveServer) -> None:
    marker = f"zz{uuid.uuid4().hex[:12]}"
    a, b = register(server, display_name=f"Name {marker}"), register(server)
    pair_up(a, b)
    item = add(a, f"Label {marker}")["id"]
    answer(a, item, "yes")
    phrase = a.post("/phrases", json={"text": f"Phrase {marker}", "moment": "during",
                                      "kind": "question"}).json()
    b.post(f"/phrases/{phrase['id']}/agree")
    a.post(f"/phrases/{phrase['id']}/say", json={"id": str(uuid.uuid4())})
    a.put("/me/aftercare", json={"wishes": ["quiet"], "in_my_words": f"Care {marker}",
                                 "if_i_freeze": f"Freeze {marker}"})
    a.post("/me/journal", json={"text": f"Journal {marker}"})
    debrief = open_debrief(a, b)
    draft(a, debrief, marker)
    session_id = a.get("/debriefs").json()["items"][0]["session_id"]
    a.put(f"/sessions/{session_id}/next-day", json={"feeling": 3, "words": f"Day {marker}"})
    assert marker not in _all_rows(server)
    assert view(a, item)["label"] == f"Label {marker}"
    a.delete("/pair")  # and what each keeps of their own words after that
    raw = _all_rows(server)
    assert raw and marker not in raw
    assert b.get("/me/reflections").json()["items"] == []
    assert a.get("/me/reflections").json()["items"][0]["content"]["felt_good"] == (
        f"good {marker}")
    assert a.get("/me").json()["display_name"] == f"Name {marker}"


def test_key_rotation_keeps_everything_readable(
        tmp_path: Path, make_server: Callable[..., LiveServer]) -> None:
    # The app stops, `python -m api rotate-keys` (the operator's command, as a process)
    # re-seals its data, and the app starts again on the rotated keys. The app itself
    # runs in this process: its start reads the keys file anew, and test_cli runs the
    # command line's own start-up checks on rotated keys.
    server = make_server(data_dir=tmp_path)
    a, b = new_pair(server)
    item = add(a, "Rotating label")["id"]
    a.post("/me/journal", json={"text": "A note to keep"})
    a.put("/me/aftercare", json={"wishes": ["water"], "in_my_words": "Some water, please"})
    with a.live() as la:
        la.command("pause")
    server.stop()
    old = json.loads((tmp_path / "keys.json").read_text())["current"]
    rotated = subprocess.run([sys.executable, "-m", "api", "rotate-keys"], text=True,
                             capture_output=True, cwd=Path(__file__).parents[2],
                             env={**os.environ, "ATTUNE_DATA_DIR": str(tmp_path)}, timeout=60)
    assert rotated.returncode == 0, rotated.stderr
    ring = json.loads((tmp_path / "keys.json").read_text())
    assert ring["current"] != old and old in ring["keys"]
    assert (tmp_path / "keys.json").stat().st_mode & 0o077 == 0  # owner only
    server = make_server(data_dir=tmp_path)
    for person in (a, b):
        person.server, person.http.base_url = server, server.url + "/api/v1"
    assert view(a, item)["label"] == "Rotating label"
    assert a.get("/me/journal").json()["items"][0]["text"] == "A note to keep"
    assert b.get("/pair/aftercare").json()["in_my_words"] == "Some water, please"
    assert b.get("/pair").json()["partner"]["display_name"] == a.display_name
    with b.live() as lb:
        assert lb.expect("pause")["actor"] == a.id  # the sealed log replays
    server.stop()
    import sqlite3

    with sqlite3.connect(tmp_path / "attune.db") as conn:
        labels = [r[0] for r in conn.execute("SELECT label FROM boundary")]
        bodies = [r[0] for r in conn.execute("SELECT body FROM event")]
        names = [r[0] for r in conn.execute("SELECT display_name FROM account")]
    assert all(v.split(".")[1] == ring["current"] for v in labels + bodies + names)


def test_writing_in_several_lines_keeps_the_lines(server: LiveServer) -> None:
    a, b = new_pair(server)
    written = a.post("/me/journal", json={"text": "First thought.\r\nSecond, later.\n"})
    assert written.status_code == 201, written.text
    assert written.json()["text"] == "First thought.\nSecond, later."
    debrief = open_debrief(a, b)
    body = {"feeling": 3, "felt_good": "Slow.\nGentle."}
    assert a.put(f"/debriefs/{debrief}/draft", json=body).json()["mine"]["felt_good"] == (
        "Slow.\nGentle.")
    # A name or a label is one line; a tab is still a control character anywhere.
    assert_problem(a.post("/boundaries", json={"label": "Two\nlines"}), 422)
    assert_problem(a.post("/me/journal", json={"text": "tab\there"}), 422)
