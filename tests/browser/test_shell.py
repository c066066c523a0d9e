"""The installable shell: offline start, the manifest, quick exit, push notifications."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARGS, CHROMIUM, Partner, paired_phones
from tests.support import LiveServer

# Chromium refuses page.wait_for_function's string evaluation under the app's CSP (no
# 'unsafe-eval', as it should be), so waits are promises given to page.evaluate.
CONTROLLED = """(async () => {
  if (!navigator.serviceWorker.controller) await new Promise(ok =>
    navigator.serviceWorker.addEventListener('controllerchange', ok));
  const reg = await navigator.serviceWorker.ready;
  while (reg.active.state !== 'activated') await new Promise(r => setTimeout(r, 20));
  return true;
})()"""
NOTIFICATIONS = """(async () => {
  const reg = await navigator.serviceWorker.ready;
  for (let i = 0; i < 40; i++) {
    const shown = await reg.getNotifications();
    if (shown.length) return shown.map(n => ({title: n.title, body: n.body, tag: n.tag,
      requireInteraction: n.requireInteraction, renotify: n.renotify}));
    await new Promise(r => setTimeout(r, 50));
  }
  return [];
})()"""


def controlled(page: Any) -> None:
    """Waits until the service worker controls the page."""
    assert page.evaluate(CONTROLLED)


def test_shell_and_pause_control_open_offline_after_one_visit(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    page = a.page
    controlled(page)
    a.context.set_offline(True)
    page.reload()
    expect(page.locator("#pause-button")).to_be_visible()
    expect(page.locator("#offline-note")).to_be_visible()
    expect(page.locator("#offline-note")).to_contain_text("You're offline")
    expect(page.locator("#conn-status")).not_to_contain_text("Connected")
    expect(page.locator("#conn-status")).to_contain_text("Offline")
    expect(page.locator("#quick-exit")).to_be_visible()
    # A tap while offline is honest, kept, and sent once the network is back.
    page.locator("#pause-button").click()
    expect(page.locator("#pause-status strong")).to_have_text(
        "Not delivered yet — say it out loud")
    a.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(b.page.locator("#pause-overlay")).to_be_visible(timeout=15_000)


def test_api_is_never_cached_by_the_service_worker(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, _ = paired_phones(phone, app_server)
    controlled(a.page)
    cached = a.page.evaluate(
        "caches.keys().then(ns => Promise.all(ns.map(n => caches.open(n)"
        ".then(c => c.keys())))).then(all => all.flat().map(r => r.url))")
    assert cached, "the shell is cached"
    assert not [u for u in cached if "/api/" in u], cached
    a.context.set_offline(True)
    status = a.page.evaluate("fetch('/api/v1/signal').then(r => r.status, () => 'failed')")
    assert status == "failed"


def test_quick_exit_button_and_shortcut_leave_without_adding_history(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    p = phone()
    page = p.page
    page.goto(app_server.url + "/")
    expect(page.locator("#quick-exit")).to_be_visible()
    before = page.evaluate("history.length")
    page.locator("#quick-exit").click()
    page.wait_for_url("https://www.bbc.co.uk/weather")
    assert page.evaluate("history.length") == before
    page.go_back()  # the app's entry was replaced, not kept: back leaves the app entirely
    assert page.url == "about:blank"

    page.goto(app_server.url + "/#/welcome")
    before = page.evaluate("history.length")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url("https://www.bbc.co.uk/weather")
    assert page.evaluate("history.length") == before


def test_shift_pressed_slowly_does_not_exit(phone: Callable[..., Partner],
                                            app_server: LiveServer) -> None:
    page = phone().page
    page.goto(app_server.url + "/")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_timeout(1100)  # the shortcut needs three presses within one second
    page.keyboard.press("Shift")
    assert page.url.startswith(app_server.url)


def test_manifest_and_static_headers(app_server: LiveServer) -> None:
    res = httpx.get(app_server.url + "/manifest.webmanifest")
    assert res.headers["content-type"].startswith("application/manifest+json")
    manifest = res.json()
    for key in ("id", "name", "short_name", "start_url", "scope", "description",
                "theme_color", "background_color"):
        assert manifest[key]
    assert manifest["display"] == "standalone"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert any(s["form_factor"] == "narrow" for s in manifest["screenshots"])
    for icon in manifest["icons"] + manifest["screenshots"]:
        got = httpx.get(app_server.url + icon["src"])
        assert got.status_code == 200 and got.content[:8] == b"\x89PNG\r\n\x1a\n"
    index = httpx.get(app_server.url + "/")
    assert "script-src 'self'" in index.headers["content-security-policy"]
    assert "<style" not in index.text and "style=" not in index.text
    assert "<script>" not in index.text


@pytest.fixture
def persistent(pw: Any, app_server: LiveServer, tmp_path: Path) -> Iterator[Any]:
    """A persistent context: the only kind in which Chromium reports installability."""
    ctx = pw.chromium.launch_persistent_context(str(tmp_path / "profile"),
                                                executable_path=CHROMIUM, args=ARGS)
    yield ctx
    ctx.close()


def test_manifest_has_no_errors_and_app_is_installable(persistent: Any,
                                                       app_server: LiveServer) -> None:
    page = persistent.new_page()
    page.goto(app_server.url + "/")
    controlled(page)
    cdp = persistent.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == [], manifest["errors"]
    parsed = json.loads(manifest["data"])
    assert parsed["name"] == "Attune"
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == [], errors


def test_push_shows_a_neutral_notification(persistent: Any, app_server: LiveServer) -> None:
    page = persistent.new_page()
    page.goto(app_server.url + "/")
    controlled(page)
    persistent.grant_permissions(["notifications"], origin=app_server.url)
    cdp = persistent.new_cdp_session(page)
    versions: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda e: versions.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    for _ in range(50):
        if any(r["scopeURL"] == scope for r in versions):
            break
        page.wait_for_timeout(50)  # the registrations arrive as CDP events
    reg_id = next(r["registrationId"] for r in versions if r["scopeURL"] == scope)
    shown: list[dict[str, Any]] = []
    for _ in range(3):  # DevTools may drop a push that races the worker's start-up
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": app_server.url, "registrationId": reg_id,
            "data": json.dumps({"type": "pause", "seq": 7, "at": "2026-01-01T00:00:00Z"})})
        shown = page.evaluate(NOTIFICATIONS)
        if shown:
            break
    assert shown == [{"title": "Attune", "body": "Your partner needs a moment. Open the app.",
                      "tag": "pause", "requireInteraction": True, "renotify": True}]
