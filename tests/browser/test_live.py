"""What arrives live besides a pause: check-ins, the end of a pair, a silent socket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Partner, paired_phones
from tests.support import LiveServer


def test_check_in_prompt_answered_with_one_tap(
        make_server: Callable[..., LiveServer], phone: Callable[..., Partner]) -> None:
    # make_server comes first so that its server outlives the phones' last requests.
    server = make_server(min_session_seconds=1, min_checkin_seconds=1, min_grace_seconds=1,
                         register_per_minute=100, login_per_minute=100)
    a, b = paired_phones(phone, server)
    assert a.person and b.person
    proposed = a.person.post("/sessions", json={"length_seconds": 600,
                                                "checkin_every_seconds": 2,
                                                "grace_seconds": 30}).json()
    # The nav's own link (a notice of the proposal may offer another "session" link).
    b.page.get_by_role("navigation").get_by_role("link", name="Session", exact=True).click()
    b.page.get_by_role("button", name="Yes, let's start").click()
    # Rounds come every 2 s: on a busy machine a tap can reach a round just superseded,
    # which the server refuses (409) and the app answers in words; the browser logs it.
    for p in (a, b):
        p.expect_console_error("status of 409")
    prompt_a = a.page.locator(".prompt.checkin-card")
    expect(prompt_a).to_be_visible(timeout=10_000)
    answered = prompt_a.get_attribute("data-about")
    prompt_a.get_by_role("button", name="Yes, keep going").click()
    # Answered: that card goes (newer rounds keep coming every 2 s here).
    expect(a.page.locator(f'.prompt[data-about="{answered}"]')).to_have_count(0)
    prompt_b = b.page.locator(".prompt.checkin-card")
    expect(prompt_b).to_be_visible(timeout=10_000)
    prompt_b.get_by_role("button", name="Slower, please").click()
    # A slow-down from B: B's own calm screen first, A told at once.
    expect(b.page.locator("#pause-title")).to_have_text("Slowing down.")
    expect(a.page.locator("#alert")).to_contain_text("Sam would like to slow down")
    expect(a.page.locator("#pause-who")).to_contain_text("Sam asked to slow down")
    a.page.locator("#pause-ack").click()
    a.page.locator("#pause-close").click()
    b.page.locator("#own-close").click()
    # More time needs both: A asks, B sees the question live and agrees. (Check-ins keep
    # coming every 2 s here and their dock sits over the page, as it should: the taps
    # below go to the buttons themselves, not to whatever is on top at that moment.)
    a.page.get_by_role("navigation").get_by_role("link", name="Session", exact=True).click()
    a.page.get_by_role("button", name="Ask for 10 more minutes").dispatch_event("click")
    expect(a.page.get_by_text("It counts only if your partner agrees")).to_be_visible()
    expect(b.page.get_by_text("Your partner would like 10 more minutes")).to_be_visible()
    b.page.get_by_role("button", name="Yes, a little longer").dispatch_event("click")
    expect(a.page.get_by_text("It counts only if your partner agrees")).to_be_hidden()
    a.person.post(f"/sessions/{proposed['id']}/end")


def test_unpairing_reaches_the_partner_at_once(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    a.page.get_by_role("link", name="Settings").click()
    a.page.get_by_role("button", name="Unpair").click()
    a.page.get_by_role("button", name="Yes, unpair now").click()
    expect(a.page.get_by_role("heading", name="Pair with your partner")).to_be_visible()
    expect(b.page.locator(".notice")).to_contain_text("Your pair has ended")
    expect(b.page.get_by_role("heading", name="Pair with your partner")).to_be_visible()
    for p in (a, b):
        expect(p.page.locator("#pause-bar")).to_be_hidden()
        expect(p.page.locator("#conn-status")).to_contain_text("Not paired")


def test_a_silent_socket_is_told_as_not_connected_within_the_heartbeat_window(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    silent = {"on": False}

    def relay(ws: Any) -> None:
        server = ws.connect_to_server()
        # Forward both ways, except that a "silent" network swallows everything.
        ws.on_message(lambda m: None if silent["on"] else server.send(m))
        server.on_message(lambda m: None if silent["on"] else ws.send(m))

    b.page.route_web_socket("**/api/v1/ws", relay)
    b.page.reload()
    expect(b.page.locator("#conn-status")).to_contain_text("Connected")
    silent["on"] = True
    expect(b.page.locator("#conn-status")).to_contain_text("Reconnecting", timeout=20_000)
    silent["on"] = False
    b.page.evaluate("window.dispatchEvent(new Event('online'))")  # the network is back
    expect(b.page.locator("#conn-status")).to_contain_text("Connected", timeout=15_000)
    a.page.locator("#pause-button").click()
    expect(b.page.locator("#pause-overlay")).to_be_visible()


def test_sign_out_forgets_the_person_and_sign_in_brings_the_pair_back(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    from tests.support import PASSWORD

    a, b = paired_phones(phone, app_server)
    assert a.person
    a.page.get_by_role("link", name="Settings").click()
    a.page.get_by_role("button", name="Sign out on this device").click()
    expect(a.page.get_by_role("heading", name="Welcome to Attune")).to_be_visible()
    expect(a.page.locator("#pause-bar")).to_be_hidden()
    left = a.page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('attune.'))")
    assert left == [], left
    a.page.get_by_label("Username", exact=True).fill(a.person.username.upper())
    a.page.get_by_label("Password", exact=True).fill("not the password")
    a.expect_console_error("status of 401")  # Chromium logs the refused sign-in itself
    a.page.get_by_role("button", name="Sign in").click()
    refused = a.page.locator("form[aria-labelledby=login-h] .error")
    expect(refused).not_to_be_empty()  # the server's own problem+json detail
    assert "not the password" not in refused.inner_text()
    a.page.get_by_label("Password", exact=True).fill(PASSWORD)
    a.page.get_by_role("button", name="Sign in").click()
    expect(a.page.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    expect(a.page.locator("#conn-status")).to_contain_text("Connected")
    a.page.locator("#pause-button").click()
    expect(b.page.locator("#pause-overlay")).to_be_visible()


def test_coming_back_to_the_app_checks_the_socket_at_once(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    silent = {"on": False}

    def relay(ws: Any) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda m: None if silent["on"] else server.send(m))
        server.on_message(lambda m: None if silent["on"] else ws.send(m))

    b.page.route_web_socket("**/api/v1/ws", relay)
    b.page.reload()
    expect(b.page.locator("#conn-status")).to_contain_text("Connected")
    silent["on"] = True  # like a phone whose socket died while the screen was off
    b.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(b.page.locator("#conn-status")).to_contain_text("Reconnecting", timeout=20_000)
    silent["on"] = False
    b.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(b.page.locator("#conn-status")).to_contain_text("Connected", timeout=10_000)
    a.page.locator("#slow-button").click()
    expect(b.page.locator("#alert")).to_contain_text("would like to slow down")
