"""Learn and support at phone size: the cards and the helplines open offline and signed
out, the country follows the browser's region or the person's choice (general guidance
when neither says), and support is one tap from the pause takeover, aftercare, the learn
cards, grounding and Settings."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Partner, offline_after_install, paired_phones, shot
from tests.browser.test_ground import breathe
from tests.browser.test_screens import check
from tests.support import LiveServer


def on_support(p: Partner) -> None:
    expect(p.page.get_by_role("heading", name="Support", exact=True)).to_be_visible()
    expect(p.page.locator("#support-lines")).to_be_visible()


def test_learn_and_support_work_offline_and_signed_out(phone: Callable[..., Partner],
                                                       app_server: LiveServer) -> None:
    p = phone()
    page = p.page
    page.goto(app_server.url + "/")
    failed = offline_after_install(p)
    page.get_by_role("link", name="Learn what can happen after trauma").click()
    expect(page.get_by_role("heading", name="Learn", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="What can happen after trauma")).to_be_visible()
    setbacks = page.locator("#learn-setbacks")
    setbacks.get_by_text("Setbacks are part of it").click()
    expect(setbacks).to_contain_text("setbacks are a normal part of healing")
    # The partner's own path, one tap from the top.
    page.get_by_role("link", name="For the partner who is supporting").click()
    expect(page.get_by_role("heading", name="For the partner who is supporting")).to_be_focused()
    own = page.locator("#learn-own-support")
    own.get_by_text("Support of your own").click()
    expect(own).to_contain_text("isn't disloyal")
    shot(p, "learn-offline")
    own.get_by_role("link", name="Helplines, therapists and groups").click()
    on_support(p)
    expect(page.locator("#support-lines a[href^='tel:']").first).to_be_visible()
    expect(page.get_by_role("heading", name="For partners, family and friends")).to_be_visible()
    page.get_by_role("link", name="Back to the start").click()
    expect(page.get_by_role("heading", name="Welcome to Attune")).to_be_visible()
    assert not [u for u in failed if "/api/" not in u], failed


def test_the_country_follows_the_browser_region_or_the_persons_choice(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    british = phone(locale="en-GB")
    page = british.page
    page.goto(app_server.url + "/#/support")
    on_support(british)
    expect(page.get_by_label("Show support for")).to_have_value("GB")
    lines = page.locator("#support-lines")
    expect(lines).to_contain_text("Rape Crisis 24/7 Support Line")
    expect(page.get_by_role("link", name="Call 0808 500 2222")).to_have_attribute(
        "href", "tel:08085002222")
    expect(page.locator("#support-danger")).to_have_text(
        "If you're in danger right now, call 999.")

    # A region we hold no list for: general guidance, and no number made up.
    elsewhere = phone(locale="pt-BR")
    page = elsewhere.page
    page.goto(app_server.url + "/#/support")
    on_support(elsewhere)
    expect(page.get_by_label("Show support for")).to_have_value("elsewhere")
    expect(page.locator("#support-danger")).to_contain_text("your local emergency number")
    expect(page.locator("#support-lines a[href^='tel:']")).to_have_count(0)
    shot(elsewhere, "support-elsewhere")
    page.get_by_label("Show support for").select_option(label="Ireland")
    expect(page.locator("#support-lines")).to_contain_text("National Rape Crisis Helpline")
    page.reload()  # the choice stays on this phone
    expect(page.get_by_label("Show support for")).to_have_value("IE")
    assert page.evaluate("localStorage.getItem('attune.supportCountry')") == '"IE"'


def test_support_is_one_tap_from_the_takeover_aftercare_learn_grounding_and_settings(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    for p in (a, b):
        p.page.evaluate("localStorage.setItem('attune.supportCountry', '\"US\"')")
        p.page.reload()
        p.page.wait_for_selector("#conn-status[data-state=connected]")
    b.page.locator("#pause-button").click()
    for p in (a, b):  # the partner's takeover, and the one who paused, on their own
        box = p.page.locator("#takeover-support")
        expect(box).to_be_visible()
        expect(box).to_contain_text("RAINN National Sexual Assault Hotline")
        expect(box).to_contain_text("If you're in danger right now, call 911.")
        expect(box.get_by_role("link", name="Call 800-656-4673")).to_have_attribute(
            "href", "tel:8006564673")
    a.page.locator("#takeover-support").scroll_into_view_if_needed()
    shot(a, "pause-incoming-support")
    a.page.locator("#pause-ack").click()
    a.page.locator("#pause-close").click()
    b.page.locator("#own-lift").click()
    expect(a.page.locator("#pause-overlay")).to_be_hidden()

    page = a.page
    page.get_by_role("navigation").get_by_role("link", name="Aftercare").click()
    page.locator("#aftercare-support").click()
    on_support(a)
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    page.get_by_role("link", name="Learn", exact=True).click()
    card = page.locator("#learn-help")
    card.get_by_text("Help from people who know").click()
    card.get_by_role("link", name="Helplines, therapists and groups").click()
    on_support(a)
    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    page.locator("#settings-support").click()
    on_support(a)
    page.get_by_role("navigation").get_by_role("link", name="Home").click()
    breathe(page)
    page.locator("#ground-support").click()
    on_support(a)
    expect(page.locator("#ground")).to_be_hidden()

    # Discreet mode: the takeover comes unasked, so it names no sexual assault line.
    page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    page.get_by_label("Discreet name and icon").check()
    expect(page.locator("#brand")).to_have_text("Notes")
    b.page.locator("#pause-button").click()
    expect(page.locator("#pause-overlay")).to_be_visible()
    expect(page.locator("#takeover-support")).to_be_hidden()
    expect(page.locator("#pause-overlay")).not_to_contain_text("Sexual Assault")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_learn_and_support_are_accessible_in_light_and_dark(
        phone: Callable[..., Partner], app_server: LiveServer, scheme: str) -> None:
    a, _ = paired_phones(phone, app_server, scheme)
    page = a.page
    page.get_by_role("link", name="Learn", exact=True).click()  # from home
    expect(page.get_by_role("heading", name="Learn", exact=True)).to_be_visible()
    check(a, "learn", scheme)
    card = page.locator("#learn-freeze-fawn")
    card.get_by_text("Freezing, or going along").click()
    card.scroll_into_view_if_needed()
    check(a, "learn-card", scheme)
    page.goto(app_server.url + "/#/support")
    on_support(a)
    page.get_by_label("Show support for").select_option("GB")
    check(a, "support", scheme)
