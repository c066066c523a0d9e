"""Errors are said where they belong: by the field they are about, once, and honestly
when the phone is offline."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Partner, paired_phones, sign_in_via_api
from tests.support import PASSWORD, LiveServer, client, unique_name


def test_a_wrong_password_is_said_once_right_under_the_field(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    partner = phone()
    person = sign_in_via_api(partner, app_server, "Kit")
    page = partner.page
    page.goto(app_server.url + "/#/settings")
    password = page.get_by_label("Your password, to confirm")
    password.fill("not the password")
    partner.expect_console_error("status of 403")  # Chromium logs the refusal itself
    page.get_by_role("button", name="Delete my account").click()
    note = page.locator("#del-password-error")
    expect(note).to_have_text("That password doesn't match.")
    assert page.evaluate("document.getElementById('del-password').nextElementSibling.id") \
        == "del-password-error"
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", "del-password-error")
    expect(password).to_be_focused()
    expect(page.get_by_text("match")).to_have_count(1)
    expect(page.locator("#main > p.error")).to_be_empty()
    expect(page.locator("form[aria-labelledby=delete-h] > p.error[role=alert]")).to_be_empty()

    password.fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Welcome to Attune")).to_be_visible()
    assert client(app_server, person.token).get("/me").status_code == 401


def test_a_field_the_api_refuses_is_named_under_it_and_cleared_on_the_next_try(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    partner = phone()
    page = partner.page
    page.goto(app_server.url + "/")
    username = unique_name("u")
    page.get_by_label("Choose a username").fill(username)
    password = page.get_by_label("Choose a password")
    password.fill(f"hello {username}")
    partner.expect_console_error("status of 422")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("#su-password-error")).to_have_text(
        "Password is too easy to guess; try a few unrelated words")
    expect(password).to_have_attribute("aria-describedby", "su-password-hint su-password-error")
    expect(page.locator("form[aria-labelledby=signup-h] > p.error[role=alert]")).to_be_empty()

    password.fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Pair with your partner")).to_be_visible()


def test_offline_a_screen_is_not_loaded_and_a_change_is_not_saved(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, _ = paired_phones(phone, app_server)
    page = a.page
    page.get_by_role("link", name="Boundaries").click()
    expect(page.get_by_role("heading", name="Boundary list")).to_be_visible()
    a.context.set_offline(True)
    page.get_by_label("What is it?").fill("A slow dance")
    page.get_by_role("button", name="Add to our list").click()
    expect(page.locator("form[aria-labelledby=add-h] > p.error[role=alert]")).to_have_text(
        "You're offline, so this wasn't saved. It will work when you're back online.")

    page.get_by_role("link", name="Phrases").click()
    expect(page.get_by_role("heading", name="Something didn't load")).to_be_visible()
    expect(page.locator("#main")).to_contain_text(
        "You're offline, so this can't be loaded right now.")
    expect(page.locator("#main")).not_to_contain_text("saved")
    a.context.set_offline(False)
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("heading", name="Phrases")).to_be_visible()
