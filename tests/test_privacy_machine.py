"""A stateful property: no person ever sees another's answer, draft, journal text or
a part of their safety plan they did not share.

Hypothesis drives register, pair, answer, journal, debrief draft, safety plan (write,
share a part, unshare it), unpair, re-pair, export and delete in any order; after every
step each person's responses, export and live-channel replay are checked against what
they alone may see: their own, and the parts of their current partner's plan that the
partner shares with them now.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.support import PASSWORD, LiveServer, Person, register, sensitive, server_settings

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def machine_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    live = LiveServer(server_settings(
        data_dir=Path(tmp_path_factory.mktemp("machine")), register_per_minute=100_000,
        login_per_minute=100_000, person_writes_per_minute=100_000)).start()
    yield live
    live.stop()


# The plan's free-text fields, and the part each belongs to.
PLAN_TEXTS = {"triggers": "triggers", "helps_words": "helps", "avoid": "avoid",
              "grounding": "grounding", "topics": "topics"}


def test_no_private_field_ever_crosses(machine_server: LiveServer) -> None:
    server = machine_server

    class Privacy(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.people: list[Person] = []
            self.partner: dict[str, str | None] = {}
            self.answers: dict[tuple[str, str], str] = {}  # (item, person) -> answer
            self.items: dict[str, set[str]] = {}  # person -> items on their pair's list
            self.private: dict[str, set[str]] = {}  # person -> their private texts
            self.plan: dict[str, dict[str, str]] = {}  # person -> part -> its text now
            self.shared: dict[str, set[str]] = {}  # person -> parts shared with the partner

        def _marker(self, person: Person, kind: str) -> str:
            text = sensitive(f"{kind}-{person.id[:8]}-{uuid.uuid4().hex[:10]}")
            self.private[person.id].add(text)
            return text

        def _others_texts(self, person: Person) -> set[str]:
            partner = self.partner.get(person.id)
            shown = {self.plan[partner][part] for part in self.shared.get(partner, set())
                     if part in self.plan.get(partner, {})} if partner else set()
            return {t for pid, texts in self.private.items() if pid != person.id
                    for t in texts} - shown

        @initialize()
        def start(self) -> None:
            for _ in range(2):
                self.add_person()

        @precondition(lambda self: len(self.people) < 4)
        @rule()
        def add_person(self) -> None:
            person = register(server)
            self.people.append(person)
            self.partner[person.id] = None
            self.private[person.id] = set()
            self.items[person.id] = set()

        def _unpaired(self) -> list[Person]:
            return [p for p in self.people if self.partner[p.id] is None]

        def _paired(self) -> list[Person]:
            return [p for p in self.people if self.partner[p.id] is not None]

        @precondition(lambda self: len(self._unpaired()) >= 2)
        @rule(data=st.data())
        def pair(self, data: st.DataObject) -> None:
            first = data.draw(st.sampled_from(self._unpaired()))
            second = data.draw(st.sampled_from([p for p in self._unpaired() if p is not first]))
            code = first.post("/pair/invites").json()["code"]
            assert second.post("/pair/join", json={"code": code}).status_code == 201
            self.partner[first.id], self.partner[second.id] = second.id, first.id
            self.items[first.id], self.items[second.id] = set(), set()

        @precondition(lambda self: bool(self._paired()))
        @rule(data=st.data())
        def add_item(self, data: st.DataObject) -> None:
            person = data.draw(st.sampled_from(self._paired()))
            made = person.post("/boundaries", json={"label": f"Item {uuid.uuid4().hex[:8]}"})
            assert made.status_code == 201
            item = made.json()["id"]
            self.items[person.id].add(item)
            self.items[str(self.partner[person.id])].add(item)

        @precondition(lambda self: any(self.items[p.id] for p in self._paired()))
        @rule(data=st.data(), value=st.sampled_from(["yes", "maybe", "no"]))
        def answer(self, data: st.DataObject, value: str) -> None:
            person = data.draw(st.sampled_from([p for p in self._paired()
                                                if self.items[p.id]]))
            item = data.draw(st.sampled_from(sorted(self.items[person.id])))
            got = person.put(f"/boundaries/{item}/answer", json={"answer": value})
            assert got.status_code == 200, got.text
            self.answers[(item, person.id)] = value

        @rule(data=st.data())
        def write_journal(self, data: st.DataObject) -> None:
            person = data.draw(st.sampled_from(self.people))
            text = self._marker(person, "journal")
            assert person.post("/me/journal", json={"text": text}).status_code == 201

        @precondition(lambda self: bool(self._paired()))
        @rule(data=st.data())
        def write_draft(self, data: st.DataObject) -> None:
            person = data.draw(st.sampled_from(self._paired()))
            partner = next(p for p in self.people if p.id == self.partner[person.id])
            session = person.post("/sessions", json={"length_seconds": 600}).json()["id"]
            partner.post(f"/sessions/{session}/accept")
            person.post(f"/sessions/{session}/end")
            debrief = person.post("/debriefs", json={"session_id": session}).json()["id"]
            text = self._marker(person, "draft")
            saved = person.put(f"/debriefs/{debrief}/draft",
                               json={"feeling": 3, "felt_good": text})
            assert saved.status_code == 200

        @rule(data=st.data())
        def write_plan(self, data: st.DataObject) -> None:
            person = data.draw(st.sampled_from(self.people))
            plan = {part: self._marker(person, f"plan-{part}") for part in PLAN_TEXTS}
            got = person.put("/me/safety-plan", json=plan)
            assert got.status_code == 200, got.text
            self.plan[person.id] = {PLAN_TEXTS[k]: v for k, v in plan.items()}

        @rule(data=st.data(), part=st.sampled_from(["triggers", "helps", "avoid", "grounding",
                                                   "topics"]), shared=st.booleans())
        def share_part(self, data: st.DataObject, part: str, shared: bool) -> None:
            person = data.draw(st.sampled_from(self.people))
            got = person.put("/me/safety-plan/sharing", json={"part": part, "shared": shared})
            if shared and self.partner[person.id] is None:
                assert got.status_code == 404, got.text  # nobody to share with
                return
            assert got.status_code == 200, got.text
            parts = self.shared.setdefault(person.id, set())
            if shared:
                parts.add(part)
            else:
                parts.discard(part)

        @precondition(lambda self: bool(self._paired()))
        @rule(data=st.data())
        def unpair(self, data: st.DataObject) -> None:
            person = data.draw(st.sampled_from(self._paired()))
            assert person.delete("/pair").status_code == 204
            partner = str(self.partner[person.id])
            self.partner[person.id] = self.partner[partner] = None
            # The pair's shared list, answers and drafts went with it; each plan is
            # private again.
            for pid in (person.id, partner):
                self.items[pid] = set()
                self.shared[pid] = set()
            self.answers = {k: v for k, v in self.answers.items()
                            if k[1] not in (person.id, partner)}

        @precondition(lambda self: len(self.people) > 2)
        @rule(data=st.data())
        def delete_account(self, data: st.DataObject) -> None:
            person = data.draw(st.sampled_from(self.people))
            if self.partner[person.id] is not None:
                self.unpair_of(person)
            assert person.delete("/me", json={"password": PASSWORD}).status_code == 204
            self.people.remove(person)
            del self.partner[person.id]
            # Their texts are gone: nobody may see them, ever (they stay in the check).

        def unpair_of(self, person: Person) -> None:
            partner = str(self.partner[person.id])
            self.partner[person.id] = self.partner[partner] = None
            for pid in (person.id, partner):
                self.items[pid] = set()
                self.shared[pid] = set()

        @invariant()
        def nobody_sees_what_is_not_theirs(self) -> None:
            for person in self.people:
                foreign = self._others_texts(person)
                seen = [person.get("/me/export").text, person.get("/me/journal").text,
                        person.get("/debriefs").text, person.get("/me/safety-plan").text]
                card = person.get("/pair/safety-card")
                assert card.status_code == (404 if self.partner[person.id] is None else 200)
                seen.append(card.text)
                listing = person.get("/boundaries")
                if self.partner[person.id] is None:
                    assert listing.status_code == 404
                else:
                    seen.append(listing.text)
                    for item in listing.json()["items"]:
                        assert item["my_answer"] == self.answers.get((item["id"], person.id))
                        assert set(item) >= {"state", "my_answer"}
                        assert "answers" not in item and "partner_answer" not in item
                    with person.live() as live:
                        seen.append(json.dumps(live.drain()))
                for text in seen:
                    assert not any(t in text for t in foreign)

    run_state_machine_as_test(Privacy, settings=settings(
        max_examples=8, stateful_step_count=12, deadline=None, database=None,
        suppress_health_check=list(HealthCheck)))
