"""The menu for a time together: chosen from what both agreed, on screen while it runs,
and either partner takes something off it at once."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Partner, paired_phones, shot
from tests.browser.test_screens import check
from tests.support import LiveServer, Person


def agreed(a: Person, b: Person, label: str) -> str:
    item = a.post("/boundaries", json={"label": label, "category": "closeness"}).json()["id"]
    a.put(f"/boundaries/{item}/answer", json={"answer": "yes"})
    b.put(f"/boundaries/{item}/answer", json={"answer": "yes"})
    return str(item)


def test_either_partner_takes_something_off_the_menu_and_both_see_it(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    assert a.person and b.person
    hands = agreed(a.person, b.person, "Holding hands")
    breathe = agreed(a.person, b.person, "Breathing together")
    a.person.post("/sessions", json={"length_seconds": 1800, "scope": [hands, breathe]})
    for p in (a, b):
        p.page.get_by_role("navigation").get_by_role("link", name="Session").click()
    menu_a, menu_b = a.page.locator("#session-menu"), b.page.locator("#session-menu")
    expect(menu_b).to_contain_text("Holding hands")
    expect(menu_b).to_contain_text("Anything not on it means stop")
    # B trims the proposal before saying yes; A's screen follows at once.
    b.page.get_by_role("button", name='Take "Holding hands" off the menu').click()
    expect(menu_b).not_to_contain_text("Holding hands")
    expect(menu_a).not_to_contain_text("Holding hands")
    expect(menu_a).to_contain_text("Breathing together")
    b.page.locator("#accept-session").click()
    expect(a.page.locator("#session-running")).to_be_visible()
    expect(menu_a).to_contain_text("Breathing together")
    check(a, "session-menu", "light")
    shot(b, "menu-running")
    # While it runs, A takes the last thing off: nothing is left, and both are told to ask.
    a.page.get_by_role("button", name='Take "Breathing together" off the menu').click()
    for menu in (menu_a, menu_b):
        expect(menu).to_contain_text("Nothing is on the menu this time")
    shot(a, "menu-empty")
