"""Two partners on two phones: sign up, pair, answer, speak, plan time together."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Partner
from tests.support import PASSWORD, LiveServer, unique_name


def sign_up(partner: Partner, server: LiveServer, name: str) -> str:
    page = partner.page
    page.goto(server.url + "/")
    username = unique_name("u")
    page.get_by_label("Choose a username").fill(username)
    page.get_by_label("What should your partner see").fill(name)
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Pair with your partner")).to_be_visible()
    return username


def test_sign_up_pair_answer_live_phrase_and_session(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = phone(), phone()
    sign_up(a, app_server, "Alex")
    sign_up(b, app_server, "Sam")

    a.page.get_by_role("button", name="Make a pairing code").click()
    code = a.page.locator("#invite-code").inner_text()
    assert len(code) == 9 and code[4] == "-"
    b.page.get_by_label("Your partner's code").fill(code)
    b.page.get_by_role("button", name="Join").click()
    for p in (a, b):  # the inviter notices the join by itself
        expect(p.page.get_by_role("heading", name="Hello")).to_be_visible(timeout=10_000)
        expect(p.page.locator("#conn-status")).to_contain_text("Connected")
        expect(p.page.locator("#pause-button")).to_be_visible()

    # A adds an activity; B sees it arrive, live, and both answer.
    a.page.get_by_role("link", name="Boundaries").click()
    b.page.get_by_role("link", name="Boundaries").click()
    a.page.get_by_label("What is it?").fill("Holding hands on the sofa")
    a.page.get_by_role("button", name="Add to our list").click()
    item_b = b.page.locator("li.boundary", has_text="Holding hands on the sofa")
    expect(item_b.locator(".state")).to_have_text("Waiting for both answers")
    item_a = a.page.locator("li.boundary", has_text="Holding hands on the sofa")
    item_a.get_by_role("button", name="Yes").click()
    expect(item_a.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    item_b.get_by_role("button", name="Yes").click()
    expect(item_a.locator(".state")).to_have_text("Agreed by both of you")  # live on A
    # "Not now" from either partner wins at once, on the other screen too.
    item_b.get_by_role("button", name="Not now").click()
    expect(item_a.locator(".state")).to_have_text("Not now")
    expect(item_a.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    item_b.get_by_role("button", name="Yes").click()
    expect(item_a.locator(".state")).to_have_text("Agreed by both of you")

    # Phrases: A suggests, B agrees, A says it, B sees it and answers with one tap.
    a.page.get_by_role("link", name="Phrases").click()
    b.page.get_by_role("link", name="Phrases").click()
    a.page.get_by_label("The words").fill("Is this still good?")
    a.page.get_by_role("button", name="Suggest it").click()
    b.page.get_by_role("button", name="Agree to use it").click()
    b.page.get_by_label("The words").fill("Yes, keep going")
    b.page.get_by_label("What it is").select_option("answer")
    b.page.get_by_label("Tone").select_option("green")
    b.page.get_by_role("button", name="Suggest it").click()
    a.page.get_by_role("button", name="Agree to use it").click()
    a.page.locator("li.phrase", has_text="Is this still good?").get_by_role(
        "button", name="Say it").click()
    said = b.page.locator(".prompt.said")
    expect(said).to_contain_text("Your partner says: “Is this still good?”")
    said.get_by_role("button", name="Yes, keep going").click()
    reply = a.page.locator(".prompt.said")
    expect(reply).to_contain_text("“Yes, keep going”")
    reply.get_by_role("button", name="OK").click()
    expect(reply).to_have_count(0)

    # A suggests time together with the agreed activity; B accepts; both see it running.
    a.page.get_by_role("link", name="Session").click()
    b.page.get_by_role("link", name="Session").click()
    a.page.get_by_label("How long (minutes)").fill("20")
    a.page.get_by_label("Holding hands on the sofa").check()
    a.page.get_by_role("button", name="Suggest it").click()
    expect(a.page.get_by_role("heading", name="Waiting for your partner")).to_be_visible()
    expect(b.page.get_by_role("heading", name="Your partner suggested time together")
           ).to_be_visible()
    b.page.get_by_role("button", name="Yes, let's start").click()
    for p in (a, b):
        expect(p.page.locator("#session-running")).to_be_visible()
        expect(p.page.locator("#remaining")).to_contain_text("left")
    # The running session keeps the screen awake (Chromium offers the wake lock here).
    assert a.page.evaluate("'wakeLock' in navigator")
    expect(a.page.locator("html")).to_have_attribute("data-wake", "on")
    a.page.get_by_role("button", name="End it now").click()
    expect(b.page.get_by_role("heading", name="Suggest time together")).to_be_visible()
    expect(b.page.get_by_role("heading", name="Your time together has ended")).to_be_visible()
    expect(b.page.locator("html")).to_have_attribute("data-wake", "off")
