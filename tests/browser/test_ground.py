"""Grounding any time, at phone size: the Breathe button opens the exercises in one tap
from every screen, signed out, unpaired, paired and on the lock screen, without touching
the pause bar or what was typed; it works offline, honours reduced motion, says the
pacer's phase in words, and never outlives quick exit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    Partner,
    lock_with_pin,
    offline_after_install,
    paired_phones,
    shot,
    sign_in_via_api,
)
from tests.browser.test_screens import check
from tests.support import LiveServer

PAIRED_SCREENS = [("home", "Hello"), ("boundaries", "Boundary list"), ("phrases", "Phrases"),
                  ("session", "Time together"), ("aftercare", "Aftercare"),
                  ("plan", "My safety plan"), ("debrief", "Debrief"), ("learn", "Learn"),
                  ("support", "Support"), ("settings", "Settings")]
# Long enough for a phase to turn on a loaded machine; the pacer itself needs 4 s.
PHASE_DEADLINE = 15_000


def breathe(page: Any) -> None:
    """One tap on Breathe, and the exercises are on screen in place of the screen."""
    page.locator("#ground-open").click()
    expect(page.locator("#ground")).to_be_visible()
    expect(page.get_by_role("heading", name="Breathe and ground")).to_be_focused()
    expect(page.locator("#main")).to_be_hidden()


def back(page: Any) -> None:
    page.locator("#ground-done").click()
    expect(page.locator("#ground")).to_be_hidden()
    expect(page.locator("#main")).to_be_visible()
    expect(page.locator("#ground-open")).to_be_focused()


def test_breathe_is_one_tap_from_every_screen_and_keeps_what_was_typed(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    alone = phone()
    page = alone.page
    page.goto(app_server.url + "/")
    page.get_by_label("Username", exact=True).fill("robin.k")
    breathe(page)
    expect(page.locator("#ground")).to_contain_text("Slow breathing")
    expect(page.locator("#ground-support")).to_be_visible()
    back(page)
    # Nothing underneath was redrawn.
    expect(page.get_by_label("Username", exact=True)).to_have_value("robin.k")
    for route, heading in (("learn", "Learn"), ("support", "Support")):  # signed out
        page.goto(f"{app_server.url}/#/{route}")
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        breathe(page)
        back(page)
    sign_in_via_api(alone, app_server, "Robin")  # signed in, not paired yet
    expect(page.get_by_role("heading", name="Pair with your partner")).to_be_visible()
    breathe(page)
    back(page)

    a, b = paired_phones(phone, app_server)
    bar = a.page.locator("#pause-button")
    for route, heading in PAIRED_SCREENS:
        a.page.goto(f"{app_server.url}/#/{route}")
        expect(a.page.get_by_role("heading", name=heading).first).to_be_visible()
        before = bar.bounding_box()
        breathe(a.page)
        # The pause bar is untouched: same place, same size, still a button to press.
        expect(bar).to_be_visible()
        assert bar.bounding_box() == before, route
        back(a.page)
        expect(a.page.get_by_role("heading", name=heading).first).to_be_visible()
    # Grounding never stands between a person and the Pause button.
    breathe(a.page)
    bar.click()
    expect(b.page.locator("#pause-overlay")).to_be_visible()
    expect(a.page.locator("#pause-overlay")).to_be_visible()  # my own calm screen, on top
    a.page.locator("#own-close").click()
    expect(a.page.locator("#ground")).to_be_visible()  # still where I left it


def test_breathe_from_the_lock_screen_offers_grounding_only(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, _ = paired_phones(phone, app_server)
    page = a.page
    lock_with_pin(a, "2468")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    expect(page.get_by_role("heading", name="Locked")).to_be_visible()
    breathe(page)
    expect(page.locator("#ground")).to_contain_text("5-4-3-2-1")
    # Behind the lock, nothing leads on into the app.
    expect(page.locator("#ground a")).to_have_count(0)
    check(a, "ground-locked", "light")
    back(page)
    expect(page.get_by_role("heading", name="Locked")).to_be_visible()
    page.get_by_label("PIN").fill("2468")
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()


def test_grounding_works_offline_and_signed_out(phone: Callable[..., Partner],
                                                app_server: LiveServer) -> None:
    p = phone()
    page = p.page
    page.goto(app_server.url + "/")
    failed = offline_after_install(p)
    expect(page.get_by_role("heading", name="Welcome to Attune")).to_be_visible()
    breathe(page)
    words = page.locator("#pacer-words")
    expect(words).to_have_text("Ready when you are.")
    toggle = page.get_by_role("button", name="Start breathing")
    toggle.click()
    expect(words).to_have_text("Breathe in")
    expect(words).to_have_attribute("aria-live", "polite")
    expect(page.locator("#pacer-count")).to_contain_text("1")
    expect(words).to_have_text("Breathe out", timeout=PHASE_DEADLINE)
    expect(words).to_have_text("Breathe in", timeout=PHASE_DEADLINE)  # and round again
    page.get_by_role("button", name="Stop").click()
    expect(words).to_contain_text("Stopped")
    # The exercises, one tap each; "here and now" says today's date.
    page.locator("#ground-senses summary").click()
    expect(page.locator("#ground-senses li")).to_have_count(5)
    page.locator("#ground-now summary").click()
    today = page.evaluate("new Date().toLocaleDateString([], "
                          "{weekday: 'long', day: 'numeric', month: 'long'})")
    expect(page.locator("#ground-now")).to_contain_text(f"Today is {today}.")
    for key in ("room", "cool"):
        page.locator(f"#ground-{key} summary").click()
        expect(page.locator(f"#ground-{key} li").first).to_be_visible()
    shot(p, "ground-offline")
    assert not [u for u in failed if "/api/" not in u], failed


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_grounding_is_accessible_in_light_and_dark(
        phone: Callable[..., Partner], app_server: LiveServer, scheme: str) -> None:
    a, _ = paired_phones(phone, app_server, scheme)
    breathe(a.page)
    a.page.get_by_role("button", name="Start breathing").click()
    expect(a.page.locator("#pacer-words")).to_have_text("Breathe in")
    check(a, "ground", scheme)
    a.page.locator("#ground-senses summary").click()
    a.page.locator("#ground-senses").scroll_into_view_if_needed()
    check(a, "ground-senses", scheme)
    # Only the pacer speaks up, and only its phase.
    assert a.page.locator("#ground [aria-live]").count() == 1


def test_reduced_motion_has_no_animation_and_the_phases_in_words(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    calm = phone(reduced_motion="reduce")
    page = calm.page
    page.goto(app_server.url + "/")
    breathe(page)
    expect(page.locator("#pacer-circle")).to_be_hidden()
    page.get_by_role("button", name="Start breathing").click()
    words = page.locator("#pacer-words")
    expect(words).to_have_text("Breathe in")
    expect(words).to_have_text("Breathe out", timeout=PHASE_DEADLINE)
    assert page.evaluate("document.getAnimations().length") == 0
    shot(calm, "ground-reduced-motion")

    moving = phone()
    page = moving.page
    page.goto(app_server.url + "/")
    breathe(page)
    page.get_by_role("button", name="Start breathing").click()
    circle = page.locator("#pacer-circle")
    expect(circle).to_be_visible()
    expect(circle).to_have_attribute("data-phase", "in")
    # The circle grows over the in-breath's own length.
    assert circle.evaluate("el => getComputedStyle(el).transitionDuration") == "4s"


def test_quick_exit_leaves_no_grounding_on_screen(phone: Callable[..., Partner],
                                                  app_server: LiveServer) -> None:
    p = phone()
    page = p.page
    sign_in_via_api(p, app_server, "Robin")
    breathe(page)
    page.get_by_role("button", name="Start breathing").click()
    page.locator("#quick-exit").click()  # the top bar's, in view above the panel
    page.wait_for_url("https://www.bbc.co.uk/weather")
    page.goto(app_server.url + "/")  # opened again: plain Notes, nothing of grounding
    expect(page.get_by_role("heading", name="Notes")).to_be_visible()
    expect(page.locator("#ground")).to_be_hidden()
    expect(page.locator("#ground-open")).to_be_hidden()
    expect(page.locator("#pacer-words")).to_have_count(0)

    # Shift three times, from inside the panel (not a text field), leaves too.
    other = phone()
    page = other.page
    page.goto(app_server.url + "/")
    breathe(page)
    page.get_by_role("button", name="Start breathing").focus()
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url("https://www.bbc.co.uk/weather")
    page.go_back()
    assert page.url == "about:blank"  # the app's page was replaced, not kept
