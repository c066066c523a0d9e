"""The gentle path on the boundary list: where the pair is, live, never where to get to."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Partner, paired_phones, shot
from tests.browser.test_menu import agreed
from tests.browser.test_screens import check
from tests.support import LiveServer


def test_the_path_says_where_the_pair_is_and_follows_a_no_at_once(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server, "dark")
    assert a.person and b.person
    b.page.get_by_role("navigation").get_by_role("link", name="Boundaries").click()
    here = b.page.locator("#path-here")
    expect(here).to_have_text("Nothing on the path is agreed by you both yet, and that's fine.")
    item = agreed(a.person, b.person, "Breathing together")
    expect(here).to_contain_text("Where you are now: Close, without touch.")
    expect(b.page.locator("#path li[aria-current=step]")).to_contain_text("Close, without touch")
    expect(b.page.locator("#path")).to_contain_text("there is no step you should be on")
    check(b, "path", "dark")
    shot(b, "path-here")
    a.person.put(f"/boundaries/{item}/answer", json={"answer": "no"})
    expect(here).to_have_text("Nothing on the path is agreed by you both yet, and that's fine.")
