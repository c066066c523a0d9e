"""The joint debrief: drafts stay private until both have finished, then both see both."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import APIResponse, Route, expect

from tests.browser.conftest import Partner, paired_phones, shot
from tests.support import LiveServer, wait_until


def write_draft(p: Partner, feeling: str, felt_good: str) -> None:
    form = p.page.locator("#debrief-form")
    form.get_by_label(feeling, exact=True).check()
    form.get_by_label("What felt good").fill(felt_good)
    form.get_by_role("button", name="Save draft").click()
    expect(p.page.locator("#draft-saved")).to_have_text("Draft saved. Only you can see it.")


def pause_seen_and_lifted(a: Partner, b: Partner) -> None:
    """A pauses, B says they have seen it, A lifts it: a pause to talk about."""
    a.page.locator("#pause-button").click()
    expect(b.page.locator("#pause-overlay")).to_be_visible()
    b.page.locator("#pause-ack").click()
    a.page.locator("#own-lift").click()
    expect(b.page.locator("#pause-overlay")).to_be_hidden()


def test_drafts_stay_private_until_both_submit_then_both_see_the_reveal(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    pause_seen_and_lifted(a, b)

    for p in (a, b):
        p.page.get_by_role("navigation").get_by_role("link", name="Debrief").click()
    a.page.get_by_role("button", name="Talk about the last pause").click()
    expect(b.page.locator("#debrief-form")).to_be_visible()  # opened live for B as well

    write_draft(a, "4", "You stopped straight away")
    a.page.locator("#submit-debrief").click()
    expect(a.page.locator("#my-status")).to_contain_text("You've finished")
    expect(b.page.locator("#partner-status")).to_have_text("Your partner has finished.")
    # A's words are nowhere on B's screen, nor in what B's device can read over the API.
    expect(b.page.locator("body")).not_to_contain_text("You stopped straight away")
    api_view = b.page.evaluate(
        "fetch('/api/v1/debriefs', {headers: {Authorization: 'Bearer ' +"
        " JSON.parse(localStorage.getItem('attune.token'))}}).then(r => r.text())")
    assert "You stopped straight away" not in api_view

    write_draft(b, "3", "Being asked first")
    expect(a.page.locator("body")).not_to_contain_text("Being asked first")
    b.page.locator("#submit-debrief").click()
    for p, theirs in ((a, "Being asked first"), (b, "You stopped straight away")):
        expect(p.page.get_by_role("heading", name="You've both finished")).to_be_visible()
        expect(p.page.locator(".reveal[data-who=partner]")).to_contain_text(theirs)
        # The partner's point is a solid square, and the key says whose line is whose.
        expect(p.page.locator("svg.chart rect.partner")).to_have_count(1)
        expect(p.page.locator(".chart-key")).to_contain_text("You")
        expect(p.page.locator(".chart-key")).to_contain_text("Your partner")


def test_a_debrief_opened_while_the_screen_loads_still_shows(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    """B's screen asked for the debriefs just before A opened one: the news that came
    while B's answer was on its way must still open the form (CI once lost it)."""
    a, b = paired_phones(phone, app_server)
    pause_seen_and_lifted(a, b)

    # B's list of debriefs is fetched (with none open) and held back in the browser.
    held: list[tuple[Route, APIResponse]] = []
    b.page.route("**/api/v1/debriefs", lambda route: held.append((route, route.fetch())))
    b.page.get_by_role("navigation").get_by_role("link", name="Debrief").click()
    wait_until(lambda: held or b.page.wait_for_timeout(20), "B's list to be asked for")
    seq_before = b.page.evaluate("JSON.parse(localStorage.getItem('attune.live')).seq")

    a.page.get_by_role("navigation").get_by_role("link", name="Debrief").click()
    a.page.get_by_role("button", name="Talk about the last pause").click()
    expect(a.page.locator("#debrief-form")).to_be_visible()
    b.page.wait_for_function(
        "(seq) => JSON.parse(localStorage.getItem('attune.live')).seq > seq", arg=seq_before)

    route, stale = held[0]
    route.fulfill(response=stale)
    b.page.unroute("**/api/v1/debriefs")
    expect(b.page.locator("#debrief-form")).to_be_visible()


def test_something_triggered_me_stays_private_or_goes_into_my_own_plan(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    assert a.person and b.person
    a.page.get_by_role("navigation").get_by_role("link", name="Debrief").click()
    note = a.page.locator("#trigger-note")
    expect(note).to_contain_text("Only you see this")
    note.get_by_role("button", name="Add it to my safety plan").click()
    expect(note.get_by_role("alert")).to_have_text("Write a few words first; nothing was saved.")
    note.get_by_label("What happened, in a few words").fill("The door slamming")
    note.get_by_role("button", name="Keep it as a private note").click()
    expect(a.page.locator("#trigger-saved")).to_have_text("Kept as a private note in your journal.")
    note.get_by_label("What happened, in a few words").fill("A hand on my neck")
    note.get_by_role("button", name="Add it to my safety plan").click()
    expect(a.page.locator("#trigger-saved")).to_contain_text("Added to your safety plan")
    shot(a, "debrief-trigger-note")
    journal = a.person.get("/me/journal").json()["items"]
    assert any("The door slamming" in entry["text"] for entry in journal)
    assert a.person.get("/me/safety-plan").json()["triggers"] == "A hand on my neck"
    # Neither crossed to B: not the debriefs, not the card, not B's own screens.
    for path in ("/debriefs", "/pair/safety-card", "/me/export"):
        text = b.person.get(path).text
        assert "The door slamming" not in text and "A hand on my neck" not in text
    # Once A shares that part, the screen says that what A adds there, B sees.
    version = a.person.get("/me/safety-plan").json()["version"]
    a.person.put("/me/safety-plan/sharing",
                 json={"part": "triggers", "shared": True, "version": version})
    a.page.reload()
    expect(a.page.locator("#trigger-shared")).to_contain_text("they'll see too")
