"""Leaving is safe: quick exit that Back can't undo, a shortcut that never fires while
typing, a second PIN that shows only Notes and makes the phone forget the app, and a
discreet mode that says nothing of the app on the lock screen or in a notification."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import Partner, paired_phones, shot
from tests.browser.test_screens import AXE_OPTIONS, SIDEWAYS, SMALL_TARGETS
from tests.support import PASSWORD, LiveServer, Person, client, pair_up, register, sensitive

WEATHER = "https://www.bbc.co.uk/weather"
axe = Axe()


def accessible(p: Partner, name: str) -> None:
    """axe (WCAG 2.2 AA), target sizes and no sideways scroll, light then dark, with a
    screenshot of each."""
    page = p.page
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        violations = [(v["id"], [n["target"] for n in v["nodes"]][:5])
                      for v in axe.run(page, options=AXE_OPTIONS).response["violations"]]
        assert violations == [], f"{name} ({scheme}): {violations}"
        assert page.evaluate(SMALL_TARGETS) == [], f"{name} ({scheme}) has small targets"
        assert not page.evaluate(SIDEWAYS), f"{name} ({scheme}) scrolls sideways"
        shot(p, f"leave-{name}-{scheme}")
    page.emulate_media(color_scheme="light")


def until(check: Callable[[], Any], what: str, seconds: float = 30,
          page: Any = None) -> Any:
    """Polls `check` until it returns something truthy (`seconds` is a deadline for a
    hang, not a speed). With `page`, it waits in the page between polls, so Playwright
    takes in its events meanwhile (a CDP session's too; time.sleep would not)."""
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            assert got, f"never happened: {what}"
            return got
        if page is not None:
            page.wait_for_timeout(100)  # a poll interval
        else:
            time.sleep(0.1)


def open_app(p: Partner, server: LiveServer, person: Person, pair_id: str | None) -> None:
    """Puts a person's sign-in in the phone's storage and opens home, connected."""
    page = p.page
    page.goto(server.url + "/")
    me = client(server, person.token).get("/me").json()
    page.evaluate("([t, p, me]) => { localStorage.setItem('attune.token', JSON.stringify(t));"
                  " localStorage.setItem('attune.paired', JSON.stringify(p));"
                  " localStorage.setItem('attune.me', JSON.stringify(me)); }",
                  [person.token, pair_id, me])
    p.person = person
    page.goto(server.url + "/#/home")
    page.reload()
    if pair_id:
        page.wait_for_selector("#conn-status[data-state=connected]")


def shows_only_notes(page: Any, secrets: list[str]) -> None:
    """The neutral page: Notes, nothing of the app on screen or in the page at all."""
    expect(page.get_by_role("heading", name="Notes", exact=True)).to_be_visible()
    expect(page).to_have_title("Notes")
    for hidden in ("#pause-bar", "#nav", "#quick-exit", "#conn-status"):
        expect(page.locator(hidden)).to_be_hidden()
    seen = page.locator("body").inner_text()
    for word in ("Attune", "Pause", "PAUSE", "partner", "Debrief", "Locked", "Welcome"):
        assert word not in seen, f"{word!r} is on the neutral screen: {seen!r}"
    html = page.content()
    for secret in secrets:
        assert secret not in html, f"{secret!r} is still in the page"


def centre(locator: Any) -> None:
    """Scrolls so the element sits mid-screen, clear of the sticky bars, for a screenshot."""
    locator.evaluate("e => e.scrollIntoView({block: 'center'})")


def lift_my_pause(p: Partner) -> None:
    """Lifts this phone's own pause, from the calm screen if it shows, else the bar."""
    own = p.page.locator("#own-lift")
    (own if own.is_visible() else p.page.locator("#resume-button")).click()


def local_keys(page: Any) -> list[str]:
    return sorted(page.evaluate("Object.keys(localStorage)"))


def test_after_quick_exit_back_a_new_tab_and_a_reload_show_only_notes(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    pa = register(app_server, display_name="Alex")
    pb = register(app_server, display_name=sensitive("Wren Halloway"))
    pair_id = pair_up(pa, pb)
    with pa.live() as live:  # a pause, then a debrief about it that both have finished
        seq = live.command("pause")["seq"]
        live.command("resume")
    debrief = pa.post("/debriefs", json={"pause_seq": seq}).json()["id"]
    mine, theirs = sensitive("You stopped the moment I asked"), sensitive("Being asked first")
    for person, words in ((pa, mine), (pb, theirs)):
        got = person.put(f"/debriefs/{debrief}/draft", json={"feeling": 4, "felt_good": words})
        assert got.status_code == 200, got.text
        assert person.post(f"/debriefs/{debrief}/submit").status_code == 200
    secrets = [mine, theirs, "Wren Halloway"]

    a = phone()
    page = a.page
    open_app(a, app_server, pa, pair_id)
    # Some browsing, then the app again: Back after quick exit reaches that earlier visit.
    page.goto(WEATHER)
    page.goto(app_server.url + "/#/home")
    page.wait_for_selector("#conn-status[data-state=connected]")
    entries = page.evaluate("history.length")

    page.locator("#nav").get_by_role("link", name="Debrief").click()
    expect(page.locator(".reveal[data-who=partner]")).to_contain_text(theirs)
    shot(a, "leave-exit-1-debrief")
    page.locator("#nav").get_by_role("link", name="Boundaries").click()
    expect(page.get_by_role("heading", name="Boundary list")).to_be_visible()
    assert page.evaluate("history.length") == entries, "moving between screens adds history"

    page.locator("#quick-exit").click()
    page.wait_for_url(WEATHER)
    assert page.evaluate("history.length") == entries

    # Back, all the way: every entry of the app shows Notes, never the debrief.
    app_entries = 0
    for _ in range(8):
        if page.go_back() is None and page.url in ("about:blank", ""):
            break
        if page.url.startswith(app_server.url):
            app_entries += 1
            shows_only_notes(page, secrets)
            shot(a, f"leave-exit-2-back-{app_entries}")
        if page.url == "about:blank":
            break
    assert app_entries >= 1, "Back never reached the earlier visit"

    tab = a.context.new_page()  # a reopened tab (or the installed app)
    tab.goto(app_server.url + "/")
    shows_only_notes(tab, secrets)
    tab.close()
    page.goto(app_server.url + "/#/debrief")
    page.reload()
    shows_only_notes(page, secrets)
    shot(a, "leave-exit-3-reopened")
    accessible(a, "neutral")

    # Coming back is one tap without a PIN ...
    page.get_by_role("button", name="Sign in to sync").click()
    expect(page.get_by_role("heading", name="Hello", exact=False)).to_be_visible()
    expect(page.locator("#pause-bar")).to_be_visible()
    expect(page.locator("#conn-status")).to_have_attribute("data-state", "connected")
    assert "attune.exited" not in local_keys(page)
    shot(a, "leave-exit-4-back-in")

    # ... and asks for the PIN when there is one.
    page.locator("#nav").get_by_role("link", name="Settings").click()
    page.get_by_label("A PIN for this device").fill("2468")
    page.get_by_role("button", name="Lock with this PIN").click()
    expect(page.get_by_role("button", name="Remove the PIN")).to_be_visible()
    page.locator("#nav").get_by_role("link", name="Debrief").click()
    expect(page.locator(".reveal[data-who=partner]")).to_contain_text(theirs)
    page.locator("#quick-exit").click()
    page.wait_for_url(WEATHER)
    page.goto(app_server.url + "/")
    shows_only_notes(page, secrets)
    page.get_by_role("button", name="Sign in to sync").click()
    expect(page.get_by_label("PIN", exact=True)).to_be_visible()
    shows_only_notes(page, secrets)  # the PIN prompt on the way back is plain too
    shot(a, "leave-exit-5-pin")
    page.get_by_label("PIN").fill("2468")
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("heading", name="Hello", exact=False)).to_be_visible()
    expect(page.locator("#pause-bar")).to_be_visible()


def type_with_shift(page: Any, text: str) -> None:
    """Types as a person does: Shift held down for every capital."""
    for char in text:
        if char.isupper():
            page.keyboard.down("Shift")
            page.keyboard.press(char)
            page.keyboard.up("Shift")
        else:
            page.keyboard.press(char)


def test_shift_three_times_never_fires_while_typing(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, _ = paired_phones(phone, app_server)
    page = a.page
    page.locator("#nav").get_by_role("link", name="Aftercare").click()
    words = page.get_by_label("In my own words")
    words.click()
    type_with_shift(page, "I Am OK")
    for _ in range(3):
        page.keyboard.press("Shift")
    # The positive control: a key pressed after them still lands in the field. Quick exit
    # runs within the third Shift's own keydown (it empties the page and marks this phone
    # as exited before it leaves), so had it fired, the field would be gone by now.
    page.keyboard.press(".")
    expect(words).to_have_value("I Am OK.")
    assert "attune.exited" not in local_keys(page), "quick exit fired while typing"
    assert page.url.startswith(app_server.url), "quick exit fired while typing"
    shot(a, "leave-shift-1-typing")

    # The words in Settings say so.
    page.locator("#nav").get_by_role("link", name="Settings").click()
    expect(page.locator("#exit-keys")).to_contain_text("never happens while you're typing")
    expect(page.locator("#exit-history")).to_contain_text("can't erase your browser's own history")
    centre(page.locator("#exit-keys"))
    shot(a, "leave-shift-2-settings-words")
    # The keyboard way out: Escape leaves a field, then Shift three times.
    page.get_by_label("A PIN for this device").fill("12")
    page.keyboard.press("Escape")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(WEATHER)

    # Quick exit is the first control a keyboard reaches (after the skip links).
    page.goto(app_server.url + "/")
    page.get_by_role("button", name="Sign in to sync").click()
    expect(page.get_by_role("heading", name="Hello", exact=False)).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Hello", exact=False)).to_be_visible()
    reached = []
    for _ in range(4):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "document.activeElement.id || document.activeElement.className"))
        if reached[-1] == "quick-exit":
            break
    assert reached[-1] == "quick-exit" and all("skip" in r for r in reached[:-1]), reached


FAKE_PUSH = """(() => {
  if (!window.PushManager) return;
  const sub = {endpoint: %s, unsubscribe: async () => {
    localStorage.setItem('test.unsubscribed', '1'); return true; },
    toJSON() { return {endpoint: this.endpoint, keys: %s}; }};
  PushManager.prototype.getSubscription = async function () {
    return localStorage.getItem('test.unsubscribed') ? null : sub; };
})()"""


def test_second_pin_shows_notes_and_this_phone_forgets_the_app(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    pa, pb = a.person, b.person
    assert pa and pb
    page = a.page
    # This phone's push subscription, as a push service would have made it.
    endpoint = "http://127.0.0.1:9/push/leave-" + pa.username
    keys = {"p256dh": "BOr3Xg0c1k9Zq2c8fA0n5YxM3o4U2t2m9w1bS5p7cR0", "auth": "q1w2e3r4t5y6u7i8"}
    assert pa.post("/push/subscriptions", json={"endpoint": endpoint, "keys": keys}
                   ).status_code == 204
    a.context.add_init_script(FAKE_PUSH % (json.dumps(endpoint), json.dumps(keys)))
    calls: list[tuple[str, str, str | None, int]] = []
    page.on("response", lambda r: calls.append(
        (r.request.method, r.url.split("/api/v1")[-1], r.request.post_data, r.status))
        if "/api/v1/" in r.url else None)
    page.reload()

    page.locator("#nav").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="A second PIN")).to_have_count(0)  # PIN first
    page.get_by_label("A PIN for this device").fill("2468")
    page.get_by_role("button", name="Lock with this PIN").click()
    second = page.get_by_label("A second PIN")
    second.fill("2468")
    page.get_by_role("button", name="Keep this second PIN").click()
    expect(page.get_by_text("That's your PIN.")).to_be_visible()
    second.fill("1357")
    page.get_by_role("button", name="Keep this second PIN").click()
    expect(page.get_by_text("A second PIN is set on this phone.")).to_be_visible()
    centre(page.get_by_role("heading", name="A second PIN"))
    shot(a, "leave-second-1-settings")
    # Salts, hashes and tokens are long hex or base64 runs that may hold any four digits
    # by chance (one CI run's salt held "1357"); the PIN must not be there outside them.
    storage = page.evaluate("({...localStorage})")
    assert "attune.pin2" in storage
    assert "1357" not in re.sub(r"[0-9A-Za-z_-]{16,}", "", json.dumps(storage))

    page.evaluate("sessionStorage.clear()")
    page.reload()
    expect(page.get_by_role("heading", name="Locked")).to_be_visible()
    page.get_by_label("PIN").fill("1357")
    page.get_by_role("button", name="Open").click()
    shows_only_notes(page, ["Sam", "Alex"])
    shot(a, "leave-second-2-notes")

    # Everything of the app is gone from this phone; only the neutral Notes key stays.
    until(lambda: not [k for k in local_keys(page) if k.startswith("attune.")],
          "every attune.* key removed")
    assert [k for k in local_keys(page) if not k.startswith("test.")] == ["notes.sync"]
    assert page.evaluate("sessionStorage.length") == 0
    until(lambda: page.evaluate("caches.keys()") == [], "Cache Storage emptied")
    assert page.evaluate("localStorage.getItem('test.unsubscribed')") == "1"
    # The subscription was dropped on the server first, then this device signed out.
    done = [(m, path, status) for m, path, _, status in calls
            if (m, path) in (("DELETE", "/push/subscriptions"), ("POST", "/auth/logout"))]
    assert done == [("DELETE", "/push/subscriptions", 204), ("POST", "/auth/logout", 204)]
    assert endpoint in str(next(body for m, path, body, _ in calls if m == "DELETE"))
    until(lambda: pa.get("/me").status_code == 401, "the token no longer works")

    # The partner: still paired, still connected, and their pause still works.
    assert pb.get("/pair").status_code == 200
    expect(b.page.locator("#conn-status")).to_have_attribute("data-state", "connected")
    b.page.locator("#pause-button").click()
    until(lambda: pb.get("/signal").json()["state"] == "paused", "the partner's pause")
    expect(b.page.locator("#pause-status")).to_be_visible()
    lift_my_pause(b)

    # Reopened, the app is Notes again; notes typed there stay on the phone.
    page.get_by_label("Your notes").fill("milk, bread")
    expect(page.locator("#notes-status")).to_have_text("Saved on this phone.")
    tab = a.context.new_page()
    tab.goto(a.origin + "/")
    shows_only_notes(tab, ["Sam", "Alex"])
    expect(tab.get_by_label("Your notes")).to_have_value("milk, bread")
    tab.close()
    page.reload()
    shows_only_notes(page, ["Sam", "Alex"])
    accessible(a, "notes")

    # The way back in: a small "Sign in to sync", then signing in as usual.
    page.get_by_role("button", name="Sign in to sync").click()
    page.get_by_label("Username", exact=True).fill(pa.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Hello", exact=False)).to_be_visible()
    assert "notes.sync" not in local_keys(page)
    expect(page.locator("#pause-bar")).to_be_visible()


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
    if (shown.length) return shown.map(n => ({title: n.title, body: n.body, icon: n.icon}));
    await new Promise(r => setTimeout(r, 50));
  }
  return [];
})()"""
WORKER_KNOWS = """caches.match('/device-prefs/discreet', {cacheName: 'device-prefs'})
  .then(r => r ? r.json() : null)"""


def push_to(p: Partner, origin: str) -> list[dict[str, Any]]:
    """Runs the service worker's push handler with a pause; returns what it showed."""
    page = p.page
    cdp = p.context.new_cdp_session(page)
    versions: list[dict[str, Any]] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda e: versions.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    until(lambda: any(r["scopeURL"] == scope for r in versions), "the registration",
          page=page)
    reg_id = next(r["registrationId"] for r in versions if r["scopeURL"] == scope)
    shown: list[dict[str, Any]] = []
    for _ in range(3):  # DevTools may drop a push that races the worker's start-up
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": origin, "registrationId": reg_id,
            "data": json.dumps({"type": "pause", "seq": 7, "at": "2026-01-01T00:00:00Z"})})
        shown = page.evaluate(NOTIFICATIONS)
        if shown:
            break
    return shown


def test_discreet_mode_hides_the_app_on_the_lock_screen_and_in_notifications(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    page = a.page
    assert page.evaluate(CONTROLLED)

    # The two of them choose the pause's plain name: one suggests, the other agrees.
    page.locator("#nav").get_by_role("link", name="Settings").click()
    page.get_by_label("Discreet name and icon").check()
    expect(page.locator("#brand")).to_have_text("Notes")
    expect(page).to_have_title("Settings · Notes")  # redrawn
    page.get_by_label("Suggest a name").fill("Time for tea")
    page.get_by_role("button", name="Suggest it").click()
    expect(page.locator("#discreet-now")).to_contain_text("You suggested “Time for tea”")
    b.page.locator("#nav").get_by_role("link", name="Settings").click()
    agree = b.page.get_by_role("button", name="Use “Time for tea”")
    expect(agree).to_be_visible()
    centre(agree)
    shot(b, "leave-discreet-1-partner-agrees")
    agree.click()
    expect(page.locator("#discreet-now")).to_contain_text("You both chose “Time for tea”")
    until(lambda: page.evaluate("localStorage.getItem('attune.discreetLabel')")
          == json.dumps("Time for tea"), "the agreed name kept on A's phone (from the live event)")
    centre(page.locator("#discreet-now"))
    shot(a, "leave-discreet-2-settings")

    # The lock screen says nothing of the app; the pause is still one tap away.
    page.get_by_label("A PIN for this device").fill("2468")
    page.get_by_role("button", name="Lock with this PIN").click()
    expect(page.get_by_role("button", name="Remove the PIN")).to_be_visible()
    page.evaluate("sessionStorage.clear()")
    page.reload()
    expect(page.get_by_role("heading", name="Notes", exact=True)).to_be_visible()
    expect(page.get_by_label("PIN", exact=True)).to_be_visible()
    expect(page).to_have_title("Notes")
    seen = " ".join(page.locator(s).inner_text() for s in (".topbar", "#main", "#pause-bar"))
    label = "Time for tea"
    for word in ("Attune", "Pause", "PAUSE", "Locked"):
        assert word not in seen.replace(label, ""), f"{word!r} on the lock screen: {seen!r}"
    assert page.evaluate("localStorage.getItem('attune.discreetLabel')") == json.dumps(label)
    shot(a, "leave-discreet-3-lock")
    accessible(a, "discreet-lock")
    # The label itself is drawn by pause.js (changed in parallel): named so it's found.
    expect(page.locator("#pause-button"), "pause_button_wears_the_agreed_label"
           ).to_have_text("Time for tea")
    page.locator("#pause-button").click()
    expect(b.page.locator("#pause-overlay")).to_be_visible()
    shot(a, "leave-discreet-4-paused-from-lock")
    shot(b, "leave-discreet-5-partner-sees")
    lift_my_pause(a)
    expect(b.page.locator("#pause-overlay")).to_be_hidden()

    # A notification in discreet mode says "Notes" and the agreed name, nothing more.
    until(lambda: (page.evaluate(WORKER_KNOWS) or {}).get("label") == "Time for tea",
          "the service worker knows discreet mode")
    a.context.grant_permissions(["notifications"], origin=a.origin)
    shown = push_to(a, a.origin)
    assert [(n["title"], n["body"]) for n in shown] == [("Notes", "Time for tea")], shown
    assert shown[0]["icon"].endswith("/icons/discreet-192.png")
