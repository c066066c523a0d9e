"""The installable shell: offline start, the manifest, quick exit, push notifications."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.config import FRONTEND
from api.main import create_app
from api.shell import LEFT_OUT, SHELL_SLOT, read_shell, shell_paths
from tests.browser.conftest import (
    ARGS,
    CHROMIUM,
    Partner,
    offline_after_install,
    paired_phones,
    shot,
)
from tests.support import LiveServer, server_settings

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


# Looks for a new version and waits until it is installed (or has failed to install).
# The cap only keeps a broken test from hanging: every caller changed a file first.
INSTALL_UPDATE = """(async () => {
  const reg = await navigator.serviceWorker.ready;
  const found = new Promise(ok => reg.addEventListener('updatefound',
    () => ok(reg.installing), {once: true}));
  await reg.update().catch(() => undefined);
  const worker = await Promise.race([found,
    new Promise(ok => setTimeout(() => ok(null), 30000))]);
  if (!worker) return 'no new version';
  while (worker.state !== 'installed' && worker.state !== 'redundant')
    await new Promise(ok => worker.addEventListener('statechange', ok, {once: true}));
  return worker.state;
})()"""
# What the page gets for each address now (through the service worker), as SHA-256.
SERVED = """async (paths) => Object.fromEntries(await Promise.all(paths.map(async (p) => {
  const digest = await crypto.subtle.digest('SHA-256', await (await fetch(p)).arrayBuffer());
  return [p, Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('')];
})))"""
STORED = "caches.keys().then(ns => ns.filter(n => n.startsWith('attune-')).sort())"


def controlled(page: Any) -> None:
    """Waits until the service worker controls the page."""
    assert page.evaluate(CONTROLLED)


def served(page: Any, files: dict[str, str]) -> dict[str, str]:
    """The SHA-256 of what the page is given for each of these addresses."""
    result: dict[str, str] = page.evaluate(SERVED, list(files))
    return result


class Doorway:
    """A test server's front door: notes every path asked for, and gives the answer a
    test has set for a path instead of the file (one that fails to arrive, or arrives
    as some other version, while a release installs)."""

    def __init__(self, app: ASGIApp, *, seen: list[str],
                 answers: dict[str, tuple[int, str]]) -> None:
        self.app, self.seen, self.answers = app, seen, answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(scope["path"])
            if scope["path"] in self.answers:
                status, body = self.answers[scope["path"]]
                await PlainTextResponse(body, status_code=status)(scope, receive, send)
                return
        await self.app(scope, receive, send)


@dataclass
class Release:
    """A server over its own copy of frontend/, which a test changes as a deploy would."""

    server: LiveServer
    frontend: Path
    seen: list[str]
    answers: dict[str, tuple[int, str]]

    def change(self, name: str, addition: str) -> None:
        """Adds to one file of the app, as a new release of it."""
        path = self.frontend / name
        path.write_text(path.read_text() + addition)


@pytest.fixture
def release(tmp_path: Path) -> Iterator[Release]:
    """A fresh server whose frontend/ is a copy this test may change."""
    frontend = tmp_path / "frontend"
    shutil.copytree(FRONTEND, frontend)
    (tmp_path / "data").mkdir()
    live = LiveServer(server_settings(data_dir=tmp_path / "data", frontend_dir=frontend,
                                      register_per_minute=1000, login_per_minute=1000))
    seen: list[str] = []
    answers: dict[str, tuple[int, str]] = {}
    live.app.add_middleware(Doorway, seen=seen, answers=answers)
    live.start()
    yield Release(live, frontend, seen, answers)
    live.stop()


def referenced_files() -> set[str]:
    """Every address of a file that the app's own files name: the page's scripts, styles
    and links, the modules' imports, the manifests' icons, the icons and manifests the
    scripts switch to."""
    found: set[str] = set()
    index = (FRONTEND / "index.html").read_text()
    found |= set(re.findall(r'(?:src|href)="(/[^"#?]+)"', index))
    for script in [*FRONTEND.glob("*.js"), *FRONTEND.glob("screens/*.js")]:
        text = script.read_text()
        for spec in re.findall(r'(?:from|import)\s*\(?\s*"(\.{1,2}/[^"]+)"', text):
            found.add("/" + (script.parent / spec).resolve().relative_to(FRONTEND).as_posix())
        found |= set(re.findall(r'"(/[\w./-]+\.(?:png|webmanifest|css|js|html))"', text))
    for manifest in FRONTEND.glob("*.webmanifest"):
        data = json.loads(manifest.read_text())
        found |= {item["src"] for item in data["icons"] + data.get("screenshots", [])}
    found |= set(re.findall(r'url\("?(/[^")]+)"?\)', (FRONTEND / "styles.css").read_text()))
    return found - {"/sw.js"}


def test_the_shell_is_every_file_of_the_app() -> None:
    shell = read_shell(FRONTEND)
    named = referenced_files()
    assert {"/index.html", "/pause.js", "/app.js", "/styles.css"} <= named
    assert named <= set(shell.files), f"named but not in the shell: {named - set(shell.files)}"
    for path in FRONTEND.rglob("*"):
        relative = path.relative_to(FRONTEND).as_posix()
        if path.is_file():
            assert f"/{relative}" in shell.files or relative in LEFT_OUT, \
                f"frontend/{relative} is not in the shell: add it or say why in LEFT_OUT"
    assert not {f"/{name}" for name in LEFT_OUT} & named, "the app loads a file left out"


def test_the_version_comes_from_the_content(tmp_path: Path) -> None:
    frontend = tmp_path / "frontend"
    shutil.copytree(FRONTEND, frontend)
    before = read_shell(frontend)
    assert before == read_shell(FRONTEND)  # the same files make the same version anywhere
    for name in ("icons/icon-192.png", "sw.js"):
        path = frontend / name
        path.write_bytes(path.read_bytes() + b" ")
        after = read_shell(frontend)
        assert after.version != before.version
        before = after
    (frontend / "screens" / "later.js").write_text("export {};\n")
    assert "/screens/later.js" in read_shell(frontend).files
    assert [p.name for p in shell_paths(frontend)].count("later.js") == 1


def test_a_worker_without_its_slots_stops_the_start(tmp_path: Path) -> None:
    frontend = tmp_path / "frontend"
    shutil.copytree(FRONTEND, frontend)
    worker = frontend / "sw.js"
    worker.write_text(worker.read_text().replace(SHELL_SLOT, "{}"))
    with pytest.raises(RuntimeError, match="exactly once"):
        create_app(server_settings(frontend_dir=frontend))


def test_the_worker_is_sent_with_the_shell_it_installs(app_server: LiveServer) -> None:
    res = httpx.get(app_server.url + "/sw.js")
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/javascript")
    assert res.headers["cache-control"] == "no-cache"
    shell = read_shell(FRONTEND)
    assert f'const VERSION = "{shell.version}";' in res.text
    listed = re.search(r"const SHELL = (\{.*?\});", res.text, re.DOTALL)
    assert listed is not None and json.loads(listed.group(1)) == shell.files
    for url, digest in shell.files.items():
        got = httpx.get(app_server.url + url)
        assert got.status_code == 200, url
        assert hashlib.sha256(got.content).hexdigest() == digest, url


def test_shell_and_pause_control_open_offline_after_one_visit(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    page = a.page
    failed = offline_after_install(a)
    expect(page.locator("#pause-button")).to_be_visible()
    expect(page.locator("#offline-note")).to_be_visible()
    expect(page.locator("#offline-note")).to_contain_text("You're offline")
    expect(page.locator("#conn-status")).not_to_contain_text("Connected")
    expect(page.locator("#conn-status")).to_contain_text("Offline")
    expect(page.locator("#quick-exit")).to_be_visible()
    assert not [u for u in failed if "/api/" not in u], failed
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
    shell = {app_server.url + url for url in read_shell(FRONTEND).files}
    # The shell and the discreet-mode note for notifications, nothing else.
    assert set(cached) - shell <= {app_server.url + "/device-prefs/discreet"}, cached
    assert shell <= set(cached)
    a.context.set_offline(True)
    for path in ("/api/v1/signal", "/healthz", "/readyz", "/metrics"):
        status = a.page.evaluate("(p) => fetch(p).then(r => r.status, () => 'failed')", path)
        assert status == "failed", path


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


def test_the_app_opens_from_the_phone_not_the_network(phone: Callable[..., Partner],
                                                       release: Release) -> None:
    page = phone(server=release.server).page
    page.goto(release.server.url + "/")
    controlled(page)
    release.seen.clear()
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.get_by_role("heading", name="Welcome to Attune")).to_be_visible()
    # Only the browser's own look for a new worker reaches the server.
    assert {p for p in release.seen if not p.startswith("/api/")} <= {"/sw.js"}, release.seen


def test_a_new_version_installs_whole_and_waits_for_the_persons_word(
        phone: Callable[..., Partner], release: Release) -> None:
    a, b = paired_phones(phone, release.server)
    page = a.page
    controlled(page)
    old = read_shell(release.frontend)
    page.evaluate("window.stillHere = true")  # gone if the page ever reloads
    b.page.locator("#pause-button").click()
    expect(page.locator("#pause-overlay")).to_be_visible()

    # A release changes the styles, the pause path and the app.
    release.change("styles.css", "\n.release-two { color: inherit; }\n")
    release.change("pause.js", "\n// release two\n")
    release.change("app.js", '\ndocument.documentElement.dataset.release = "two";\n')
    new = read_shell(release.frontend)
    assert page.evaluate(INSTALL_UPDATE) == "installed"
    assert page.evaluate(STORED) == sorted([old.version, new.version])

    # It waits: the pause screen stays, nothing reloads, every file is the old one.
    expect(page.locator("#pause-overlay")).to_be_visible()
    assert page.evaluate("window.stillHere") is True
    assert served(page, old.files) == old.files
    page.locator("#pause-ack").click()
    page.locator("#pause-close").click()
    update = page.get_by_role("button", name="Update")
    expect(update).to_be_visible()
    expect(page.locator("#update-ready")).to_contain_text("A new version is ready.")
    assert page.evaluate("window.stillHere") is True
    page.set_viewport_size({"width": 390, "height": 844})
    shot(a, "update-ready-light")

    # Opening the app again (a reload) still gives the whole old version.
    page.reload()
    expect(update).to_be_visible()
    assert page.evaluate("document.documentElement.dataset.release") is None
    assert served(page, old.files) == old.files
    expect(page.locator("#pause-button")).to_be_visible()

    # The person's word: the whole new version, and the old one is gone.
    with page.expect_navigation():
        update.click()
    expect(page.locator("html")).to_have_attribute("data-release", "two")
    assert served(page, new.files) == new.files
    assert page.evaluate(STORED) == [new.version]
    expect(page.locator("#update-ready")).to_have_count(0)
    expect(page.locator("#pause-button")).to_be_visible()


def test_a_version_that_cannot_install_whole_leaves_the_old_one(
        phone: Callable[..., Partner], release: Release) -> None:
    page = phone(server=release.server).page
    page.goto(release.server.url + "/")
    controlled(page)
    old = read_shell(release.frontend)
    release.change("app.js", '\ndocument.documentElement.dataset.release = "two";\n')
    release.change("styles.css", "\n.release-two { color: inherit; }\n")
    # A file that doesn't arrive, or arrives as another version than the list says (a
    # second instance not yet updated): nothing is kept, the old version stays whole.
    for answer in ((503, "Not now"), (200, ".an-older-release { color: inherit; }")):
        release.answers["/styles.css"] = answer
        assert page.evaluate(INSTALL_UPDATE) == "redundant"
        assert page.evaluate(STORED) == [old.version]
        assert served(page, old.files) == old.files
        expect(page.locator("#update-ready")).to_have_count(0)

    # The next look, with every file there, installs the new version whole.
    release.answers.clear()
    new = read_shell(release.frontend)
    assert page.evaluate(INSTALL_UPDATE) == "installed"
    assert page.evaluate(STORED) == sorted([old.version, new.version])
    expect(page.get_by_role("button", name="Update")).to_be_visible()
    assert served(page, old.files) == old.files
