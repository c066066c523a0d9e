"""Before the pair, and beside it, on a phone: an unpaired person answers the list for
themselves and keeps a journal; once paired, they bring some answers in, one at a time,
and their partner sees only where the two of them stand."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Partner, shot, sign_in_via_api
from tests.browser.test_screens import check
from tests.support import LiveServer, pair_up, register

ALONE_NAV = ["Home", "Aftercare", "My plan", "My answers", "Journal", "Summary", "Settings"]
NOTE = "Today I noticed I relax when we sit on the balcony."


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_alone_first_then_bringing_answers_in_one_at_a_time(
        phone: Callable[..., Partner], app_server: LiveServer, scheme: str) -> None:
    p = phone(scheme)
    person = sign_in_via_api(p, app_server, "Robin")
    page = p.page
    nav = page.get_by_role("navigation")
    expect(page.get_by_role("heading", name="Pair with your partner")).to_be_visible()
    # Unpaired, every screen that is one's own is in the menu; the pair's are not.
    expect(nav.get_by_role("link")).to_have_text(ALONE_NAV)
    expect(page.locator("#on-my-own")).to_contain_text("You don't need a partner for these")

    # My own answers: a step opens, three answers, my own words too.
    nav.get_by_role("link", name="My answers").click()
    expect(page.get_by_role("heading", name="My own answers")).to_be_visible()
    expect(page.locator("#solo-beside")).to_be_hidden()  # nothing to bring in, unpaired
    page.get_by_text("Close, without touch (", exact=False).click()
    first = page.locator("#solo-steps details[open] li.boundary").first
    label = first.locator("h3").inner_text()
    first.get_by_role("button", name="Yes").click()
    expect(page.locator("#solo-status")).to_contain_text(f"“Yes” for {label}")
    expect(page.locator("#solo-steps details[open] li.boundary").first
           .get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    second = page.locator("#solo-steps details[open] li.boundary").nth(1)
    second_label = second.locator("h3").inner_text()
    second.get_by_role("button", name="Not now").click()
    expect(page.locator("#solo-status")).to_contain_text(second_label)
    add = page.locator("#solo-add")
    add.get_by_label("What is it?").fill("Reading to each other in bed")
    add.get_by_label("Maybe").check()
    add.get_by_role("button", name="Keep my answer").click()
    expect(page.locator("#solo-own")).to_contain_text("Reading to each other in bed")
    check(p, "solo", scheme)

    # The journal: write, change, delete (with a second thought first).
    nav.get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", name="My journal")).to_be_visible()
    page.get_by_label("Anything you want to remember").fill(NOTE)
    page.get_by_role("button", name="Keep it in my journal").click()
    expect(page.locator("#journal-saved")).to_have_text("Kept. Only you can read it.")
    note = page.locator("#journal-list li.note").first
    expect(note).to_contain_text(NOTE)
    note.get_by_text("Change it").click()
    note.get_by_label("Your note").fill(NOTE + " And when it's quiet.")
    note.get_by_role("button", name="Save the change").click()
    expect(page.locator("#journal-list li.note").first).to_contain_text("And when it's quiet.")
    page.get_by_label("Anything you want to remember").fill("A second note, to let go of.")
    page.get_by_role("button", name="Keep it in my journal").click()
    expect(page.locator("#journal-list li.note")).to_have_count(2)
    check(p, "journal", scheme)
    newest = page.locator("#journal-list li.note").first
    newest.get_by_role("button", name="Delete").click()
    expect(newest).to_contain_text("Delete this note for good?")
    newest.get_by_role("button", name="Delete it").click()
    expect(page.locator("#journal-list li.note")).to_have_count(1)
    assert [n["text"] for n in person.get("/me/journal").json()["items"]] == [
        NOTE + " And when it's quiet."]

    # A summary, alone: only my own parts can go in.
    nav.get_by_role("link", name="Summary").click()
    expect(page.get_by_role("heading", name="A summary to share")).to_be_visible()
    expect(page.locator("#summary-form")).to_contain_text("Once you're paired")
    expect(page.locator("#summary-form input[value=agreed]")).to_have_count(0)
    check(p, "summary-alone", scheme)

    # Pairing brings nothing in.
    partner = register(app_server, display_name="Sam")
    pair_id = pair_up(person, partner)
    page.evaluate("(id) => localStorage.setItem('attune.paired', JSON.stringify(id))", pair_id)
    page.goto(app_server.url + "/#/solo")
    page.reload()
    page.wait_for_selector("#conn-status[data-state=connected]")
    assert person.get("/boundaries").json()["items"] == []
    beside = page.locator("#solo-beside")
    expect(beside).to_be_visible()
    expect(beside).to_contain_text("Your partner isn't told an answer came from here")
    expect(beside.locator("li.boundary")).to_have_count(3)
    check(p, "solo-paired", scheme)
    # Only the one chosen comes in, as my own answer there.
    beside.get_by_role("button", name=f"Bring in my answer for {label}").click()
    expect(page.locator("#solo-status")).to_contain_text(f"{label} is on your shared list now")
    row = beside.locator("li.boundary", has_text=label)
    expect(row).to_contain_text("On your shared list, with the same answer.")
    expect(row.get_by_role("button")).to_have_count(0)  # nothing more to bring in
    ours = person.get("/boundaries").json()["items"]
    assert [(i["label"], i["my_answer"], i["state"]) for i in ours] == [(label, "yes", "open")]
    theirs = partner.get("/boundaries").json()["items"]
    assert [(i["label"], i["my_answer"], i["state"]) for i in theirs] == [(label, None, "open")]
    shot(p, f"solo-brought-in-{scheme}")
    # The boundary list says where one's own answers are, quietly.
    nav.get_by_role("link", name="Boundaries").click()
    expect(page.locator("#own-answers-note")).to_contain_text("bring any of them in")
