"""A summary to share with a therapist, printed by Chromium: the parts chosen are in the
PDF and nothing else is; the shared parts only while the partner says yes, and gone from
the page the moment they take it back; never a word of the partner's own."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import Partner, paired_phones, shot
from tests.browser.test_screens import check
from tests.support import LiveServer, Person

MY_TRIGGER = "Footsteps behind me in a hallway"
MY_GROUNDING = "Name five blue things in the room"
MY_REFLECTION = "Sitting on the sofa together felt safe"
THEIR_TRIGGER = "Loud voices at night"
THEIR_REFLECTION = "I liked how slowly we went"
AGREED = "Holding hands"
ONLY_MAYBE = "Kissing slowly"


def pdf_text(p: Partner) -> str:
    """What Chromium prints of the page now (print media, as the browser's print does)."""
    reader = PdfReader(io.BytesIO(p.page.pdf(print_background=True)))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    # Ligatures ("ﬁ") back to letters, and every run of spaces and line breaks to one.
    return " ".join(unicodedata.normalize("NFKC", text).split())


def prepare(a: Person, b: Person) -> None:
    """Both have a plan and a reflection of their own; the list holds one thing agreed and
    one only a maybe."""
    a.put("/me/safety-plan", json={"triggers": MY_TRIGGER, "grounding": MY_GROUNDING})
    b.put("/me/safety-plan", json={"triggers": THEIR_TRIGGER})
    b.put("/me/safety-plan/sharing", json={"part": "triggers", "shared": True, "version": 2})
    for label, theirs in ((AGREED, "yes"), (ONLY_MAYBE, "maybe")):
        item = a.post("/boundaries", json={"label": label, "category": "touch"}).json()["id"]
        a.put(f"/boundaries/{item}/answer", json={"answer": "yes"})
        b.put(f"/boundaries/{item}/answer", json={"answer": theirs})
    session = a.post("/sessions", json={"length_seconds": 600}).json()["id"]
    b.post(f"/sessions/{session}/accept")
    a.post(f"/sessions/{session}/end")
    debrief = a.post("/debriefs", json={"session_id": session}).json()["id"]
    a.put(f"/debriefs/{debrief}/draft", json={"feeling": 4, "felt_good": MY_REFLECTION})
    b.put(f"/debriefs/{debrief}/draft", json={"feeling": 2, "felt_good": THEIR_REFLECTION})
    a.post(f"/debriefs/{debrief}/submit")
    b.post(f"/debriefs/{debrief}/submit")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_summary_prints_what_was_chosen_and_the_shared_parts_only_with_a_yes(
        phone: Callable[..., Partner], app_server: LiveServer, scheme: str) -> None:
    a, b = paired_phones(phone, app_server, scheme)
    assert a.person and b.person
    prepare(a.person, b.person)
    a.page.get_by_role("navigation").get_by_role("link", name="Summary").click()
    expect(a.page.get_by_role("heading", name="A summary to share")).to_be_visible()
    form = a.page.locator("#summary-form")
    for part in ("My safety plan", "What I wrote looking back", "What we both agree to now"):
        form.get_by_label(part).check()
    check(a, "summary-choose", scheme)
    form.get_by_role("button", name="Make the summary").click()
    doc = a.page.locator("#summary-doc")
    expect(doc).to_contain_text(MY_TRIGGER)
    expect(a.page.locator("#summary-partner")).to_contain_text("hasn't answered yet")
    # Not yet agreed: my own parts only, on screen and on paper.
    text = pdf_text(a)
    assert MY_TRIGGER in text and MY_GROUNDING in text and MY_REFLECTION in text
    for absent in (AGREED, ONLY_MAYBE, THEIR_TRIGGER, THEIR_REFLECTION, "How safe I've felt",
                   "Quick exit", "PAUSE", "Print or save as PDF"):
        assert absent not in text, absent

    # B is asked on their own screen, and answers there: "no" first, then "yes".
    asked = b.page.locator("[data-summary-asked]")
    expect(asked).to_contain_text("It's up to you")
    asked.get_by_role("link", name="Look at what they asked").click()
    card = b.page.locator("#summary-asked")
    expect(card).to_contain_text("what you both agree to now")
    expect(card).not_to_contain_text("safety plan")  # A's own parts are A's
    buttons = card.get_by_role("button")
    expect(buttons).to_have_text(["No, keep them out", "Yes, they can go in"])
    expect(asked).to_have_count(0)  # the notice has done its work
    card.scroll_into_view_if_needed()
    check(b, "summary-asked", scheme)
    buttons.nth(1).click()
    expect(card).to_contain_text("You said yes.")
    # A's open summary takes it in at once.
    expect(doc).to_contain_text(AGREED)
    expect(doc).to_contain_text("not agreeing to any moment")
    expect(a.page.locator("#summary-partner")).to_contain_text("said yes")
    doc.scroll_into_view_if_needed()
    check(a, "summary-open", scheme)
    text = pdf_text(a)
    assert AGREED in text and MY_TRIGGER in text and MY_REFLECTION in text
    for absent in (ONLY_MAYBE, THEIR_TRIGGER, THEIR_REFLECTION):
        assert absent not in text, absent
    a.page.emulate_media(media="print")
    shot(a, f"summary-print-{scheme}")
    a.page.emulate_media(media="screen")

    # B takes the yes back: it leaves A's page at once, and the paper.
    card.get_by_role("button", name="Take my yes back").click()
    expect(card).to_contain_text("You said no.")
    expect(doc).not_to_contain_text(AGREED)
    expect(a.page.locator("#summary-partner")).to_contain_text("said no")
    text = pdf_text(a)
    assert MY_TRIGGER in text and AGREED not in text and THEIR_TRIGGER not in text
