"""Settings: sign one other device out, or every device."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Partner, sign_in_via_api
from tests.support import PASSWORD, LiveServer, client


def test_sign_another_device_out_then_every_device(phone: Callable[..., Partner],
                                                   app_server: LiveServer) -> None:
    partner = phone()
    person = sign_in_via_api(partner, app_server, "Kit")
    other = client(app_server)
    token = other.post("/auth/login", json={"username": person.username,
                                            "password": PASSWORD}).json()["token"]
    other.headers["Authorization"] = f"Bearer {token}"
    page = partner.page
    page.goto(app_server.url + "/#/settings")
    revoke = page.locator("button.revoke-device")
    expect(revoke).to_have_count(1)
    revoke.click()
    expect(revoke).to_have_count(0)
    assert other.get("/me").status_code == 401  # that device is out, at once
    page.locator("#logout-all").click()
    expect(page.locator("#li-username")).to_be_visible()  # back to signing in
    assert client(app_server, person.token).get("/me").status_code == 401
