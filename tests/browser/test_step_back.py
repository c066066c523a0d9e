"""Stepping back after a setback, on two phones: one tap by either partner during time
together, the same calm card on both screens (never who pressed it), everything above
the pair's gentler step off the menu and not now, and nothing paused."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Partner, paired_phones, shot
from tests.browser.test_screens import check
from tests.support import LiveServer, Person

CALM = "Setbacks are a normal part of healing"


def agreed(a: Person, b: Person, label: str, category: str) -> str:
    item = a.post("/boundaries", json={"label": label, "category": category}).json()["id"]
    a.put(f"/boundaries/{item}/answer", json={"answer": "yes"})
    b.put(f"/boundaries/{item}/answer", json={"answer": "yes"})
    return str(item)


def test_either_partner_steps_back_in_one_tap_and_both_see_it_calmly(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server, "light", second_scheme="dark")
    assert a.person and b.person
    near = agreed(a.person, b.person, "Sitting close", "closeness")
    hands = agreed(a.person, b.person, "Holding hands", "touch")
    kiss = agreed(a.person, b.person, "A slow kiss", "kissing")
    # Each chooses beforehand where to go back to; ours is the gentler choice.
    a.page.get_by_role("navigation").get_by_role("link", name="Boundaries").click()
    steps = a.page.locator("#step-back")
    expect(steps).to_contain_text("We'd go back to: Close, without touch")
    a.page.get_by_label("The step I'd want us to go back to").select_option("touch")
    expect(steps).to_contain_text("We'd go back to: Close, without touch")
    b.person.put("/boundaries/baseline", json={"step": "kissing"})  # B higher still
    expect(steps).to_contain_text("We'd go back to: Gentle touch")  # live, to A
    steps.scroll_into_view_if_needed()
    check(a, "step-back-choice", "light")
    proposed = a.person.post("/sessions", json={"length_seconds": 1800,
                                                "scope": [near, hands, kiss]}).json()
    b.person.post(f"/sessions/{proposed['id']}/accept")
    for p in (a, b):
        p.page.get_by_role("navigation").get_by_role("link", name="Session").click()
        expect(p.page.locator("#session-menu")).to_contain_text("A slow kiss")
    # B taps once, during time together.
    b.page.locator("#session-step-back").click()
    for p in (a, b):
        card = p.page.locator("[data-stepped-back]")
        expect(card).to_have_count(1)  # once, on the presser's phone too
        expect(card).to_contain_text(CALM)
        expect(card).to_be_in_viewport()
        expect(card).to_contain_text("You're back at “Gentle touch” for now")
        expect(card).not_to_contain_text("Sam")
        expect(card).not_to_contain_text("Alex")
        menu = p.page.locator("#session-menu")
        expect(menu).not_to_contain_text("A slow kiss")
        expect(menu).to_contain_text("Holding hands")
        expect(p.page.locator("#session-running")).to_be_visible()  # nothing stopped
        expect(p.page.locator("#pause-overlay")).to_be_hidden()
        expect(p.page.locator("#pause-button")).to_have_attribute("aria-pressed", "false")
    assert a.person.get("/signal").json()["state"] == "clear"
    check(a, "stepped-back-card", "light")
    check(b, "stepped-back-card", "dark")
    shot(a, "stepped-back-partner")
    # A keeps a private note from the card; it goes to A's journal only.
    card = a.page.locator("[data-stepped-back]")
    card.get_by_text("Write something down for yourself").click()
    card.get_by_label("A note just for you").fill("It was the song that was playing.")
    card.get_by_role("button", name="Keep it in my journal").click()
    expect(card).to_contain_text("Kept in your journal. Only you can read it.")
    assert [e["text"] for e in a.person.get("/me/journal").json()["items"]] == [
        "It was the song that was playing."]
    assert b.person.get("/me/journal").json()["items"] == []
    # The list says where things stand, for both: not now, since stepping back.
    a.page.get_by_role("navigation").get_by_role("link", name="Boundaries").click()
    kissed = a.page.locator(f"li[data-id='{kiss}']")
    expect(kissed).to_contain_text("since you stepped back")
    expect(kissed.locator(".state")).to_have_attribute("data-state", "no")
    kissed.scroll_into_view_if_needed()
    check(a, "stepped-back-list", "light")
