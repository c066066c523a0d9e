"""The pause path: one tap, the partner's screen says stop, and the sender sees the truth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Partner, paired_phones, shot
from tests.support import LiveServer


def test_pause_reaches_partner_and_is_seen(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    # How fast is measured in bench/ (pause_latency.py), not asserted here.
    a, b = paired_phones(phone, app_server)
    expect(b.page.locator("#alert")).to_have_attribute("role", "alert")
    expect(b.page.locator("#alert")).to_have_text("")

    a.page.locator("#pause-button").click()
    expect(b.page.locator("#alert")).to_contain_text("Pause. Alex needs to stop now")
    overlay = b.page.locator("#pause-overlay")
    expect(overlay).to_be_visible()
    expect(overlay.locator("#pause-who")).to_contain_text("Alex paused at")
    expect(overlay.locator("#pause-aftercare")).to_contain_text("haven't written aftercare")
    expect(b.page.locator("#pause-ack")).to_be_focused()
    # A's own screen comes first on A's phone, with the truth about delivery.
    expect(a.page.locator("#pause-overlay")).to_be_visible()
    expect(a.page.locator("#pause-title")).to_have_text("You paused.")
    expect(a.page.locator("#own-status")).to_contain_text("Delivered")

    b.page.locator("#pause-ack").click()
    expect(a.page.locator("#own-status strong")).to_have_text("Seen")
    expect(b.page.locator("#pause-ack-done")).to_be_visible()

    # Only the one who paused can lift it; B's own controls offer no way to.
    expect(b.page.locator("#resume-button")).to_be_hidden()
    expect(b.page.locator("#own-lift")).to_be_hidden()
    a.page.locator("#own-lift").click()
    expect(overlay).to_be_hidden()
    expect(a.page.locator("#pause-overlay")).to_be_hidden()
    # Gently, never in alarm red, and B can put it away.
    lifted = b.page.locator(".notice.calm", has_text="Alex has lifted their pause")
    expect(lifted).to_be_visible()
    expect(b.page.locator("#alert")).to_have_text("")
    lifted.get_by_role("button", name="OK").click()
    expect(lifted).to_be_hidden()
    expect(a.page.locator("#pause-status")).to_be_hidden()

    # B slows down: A gets the softer takeover, and B sees it delivered.
    b.page.locator("#slow-button").click()
    expect(a.page.locator("#alert")).to_contain_text("Sam would like to slow down")
    expect(a.page.locator("#pause-ack")).to_have_text("I've seen it — slowing down")
    expect(b.page.locator("#pause-status strong")).to_have_text("Delivered")


def test_pause_survives_a_dropped_socket(phone: Callable[..., Partner],
                                         app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    blocked = {"on": False}
    routes: list[Any] = []

    def relay(ws: Any) -> None:
        if blocked["on"]:
            ws.close(code=4000, reason="dropped by the test")
            return
        server = ws.connect_to_server()
        routes.append((ws, server))

    b.page.route_web_socket("**/api/v1/ws", relay)
    b.page.reload()
    expect(b.page.locator("#conn-status")).to_contain_text("Connected")
    assert routes, "the page's socket went through the test's relay"

    blocked["on"] = True
    for ws, server in routes:
        server.close()
        ws.close(code=4000, reason="dropped by the test")
    expect(b.page.locator("#conn-status")).to_contain_text("Reconnecting")

    a.page.locator("#pause-button").click()
    # B is gone: A is told the truth at once, never "delivered".
    expect(a.page.locator("#pause-status strong")).to_have_text(
        "Not delivered yet — say it out loud", timeout=5000)
    expect(b.page.locator("#pause-overlay")).to_be_hidden()

    blocked["on"] = False
    expect(b.page.locator("#conn-status")).to_contain_text("Connected", timeout=15_000)
    expect(b.page.locator("#pause-overlay")).to_be_visible()
    expect(b.page.locator("#alert")).to_contain_text("Pause. Alex needs to stop now")
    expect(a.page.locator("#pause-status strong")).to_have_text("Delivered")
    b.page.locator("#pause-ack").click()
    expect(a.page.locator("#pause-status strong")).to_have_text("Seen")


def test_pause_waits_in_the_outbox_while_offline(phone: Callable[..., Partner],
                                                 app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    a.context.set_offline(True)
    a.page.evaluate("window.attuneLive.reconnect()")  # an open socket survives set_offline
    expect(a.page.locator("#conn-status")).not_to_contain_text("Connected")
    a.page.locator("#pause-button").click()
    expect(a.page.locator("#pause-status strong")).to_have_text(
        "Not delivered yet — say it out loud")
    a.context.set_offline(False)
    a.page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(b.page.locator("#pause-overlay")).to_be_visible(timeout=15_000)
    expect(a.page.locator("#pause-status strong")).to_have_text("Delivered")


def test_takeover_holds_still_under_reduced_motion_and_is_keyboard_reachable(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    b.page.emulate_media(reduced_motion="reduce")
    a.page.locator("#pause-button").click()
    circle = b.page.locator("#breath-circle")
    expect(circle).to_be_visible()
    assert circle.evaluate("el => getComputedStyle(el).transitionDuration") == "0s"
    assert circle.evaluate("el => getComputedStyle(el).animationName") == "none"
    # The acknowledge button has the focus, with a visible ring, and Enter presses it.
    ack = b.page.locator("#pause-ack")
    expect(ack).to_be_focused()
    assert ack.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    b.page.keyboard.press("Enter")
    expect(a.page.locator("#pause-status strong")).to_have_text("Seen")
    expect(b.page.locator("#pause-close")).to_be_focused()
    b.page.keyboard.press("Enter")
    expect(b.page.locator("#pause-overlay")).to_be_hidden()
    b.page.reload()
    expect(b.page.locator("#conn-status")).to_contain_text("Connected")
    # Acknowledged already: no second takeover, but the pause still shows until lifted,
    # and the sender's phone, reloaded too, still knows it was seen.
    expect(b.page.locator("#alert")).to_contain_text("Pause. Alex needs to stop now")
    expect(b.page.locator("#pause-overlay")).to_be_hidden()
    a.page.reload()
    expect(a.page.locator("#pause-status strong")).to_have_text("Seen")
    expect(a.page.locator("#resume-button")).to_be_visible()
    # From the top of any page: the skip link, then "Skip to Pause", which takes one Enter
    # to the PAUSE button; quick exit comes right after.
    b.page.keyboard.press("Tab")
    expect(b.page.locator(".skip").first).to_be_focused()
    b.page.keyboard.press("Tab")
    expect(b.page.locator("#skip-pause")).to_be_focused()
    b.page.keyboard.press("Enter")
    expect(b.page.locator("#pause-button")).to_be_focused()


def test_lifting_too_often_says_so_and_the_pause_stays(
        make_server: Callable[..., LiveServer], phone: Callable[..., Partner]) -> None:
    server = make_server(signal_easing_burst=1, signal_easing_per_minute=1,
                         register_per_minute=100, login_per_minute=100)
    a, b = paired_phones(phone, server)
    assert a.person
    a.page.locator("#pause-button").click()
    expect(a.page.locator("#own-lift")).to_be_visible()
    a.page.locator("#own-lift").click()  # the one lift the burst allows
    expect(b.page.locator("#pause-overlay")).to_be_hidden()
    a.page.locator("#pause-button").click()  # a stop always goes through
    expect(b.page.locator("#pause-overlay")).to_be_visible()
    a.page.locator("#own-lift").click()  # past the burst: refused, and said
    expect(a.page.locator("#pause-status")).to_contain_text("changed many times")
    # Where A is looking too: their own calm screen, open again as the pause stands.
    expect(a.page.locator("#own-notice")).to_contain_text("changed many times")
    # It stays as it was, stopped, on the server and on both screens.
    assert a.person.get("/signal").json()["state"] == "paused"
    expect(b.page.locator("#pause-overlay")).to_be_visible()
    expect(a.page.locator("#resume-button")).to_be_visible()
    shot(a, "pause-rate-limited")
