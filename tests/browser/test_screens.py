"""Every screen, light and dark, at phone size: axe-core finds nothing, nothing scrolls
sideways, targets are large enough, and a screenshot of each is kept.

The dark scheme changes colours only (test_the_colour_schemes_change_colours_only), so
each screen is laid out and measured once, in light, and axe checks it in both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from api.config import FRONTEND
from tests.browser.conftest import Partner, lock_with_pin, paired_phones, shot, sign_in_via_api
from tests.support import LiveServer

AXE_OPTIONS = {
    "runOnly": {"type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
# Buttons, fields and the screen menu: at least 44 x 44 CSS px (links inside sentences
# are exempt, as WCAG allows; a checkbox's target is its whole label).
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, input, select, textarea, summary, nav a, .skip')].filter(el => {
  const box = ['checkbox', 'radio'].includes(el.type) && el.closest('label') || el;
  const r = box.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && (r.width < 44 || r.height < 44);
}).map(el => el.id || el.textContent.trim().slice(0, 30) || el.outerHTML.slice(0, 60))"""
SIDEWAYS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"

# At 200 % text: nothing a person reads or taps spills out of its box, leaves the screen,
# or lies on top of another control in the same layer (the page, the fixed header and
# pause bar, or an open dialog, where only the dialog counts).
CRAMPED = """() => {
  const dialog = document.querySelector('dialog[open]');
  const scope = dialog || document;
  // checkVisibility: not inside a closed <details> (its content keeps a layout box).
  const seen = el => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && el.checkVisibility({visibilityProperty: true}); };
  const name = el => el.id || el.textContent.trim().slice(0, 40) || el.tagName;
  const layer = el => { for (let e = el; e; e = e.parentElement) {
    const p = getComputedStyle(e).position; if (p === 'fixed' || p === 'sticky') return e; }
    return null; };
  const problems = [];
  const texts = 'button, a, label, summary, select, .conn, .brand, h1, h2, h3, p, li';
  // Wholly off the screen on purpose (a skip link until it has focus) is not "cut off".
  const away = el => { const r = el.getBoundingClientRect();
    return r.right <= 0 || r.left >= innerWidth; };
  for (const el of scope.querySelectorAll(texts)) {
    if (!seen(el) || away(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > innerWidth + 1 || r.left < -1) problems.push(['cut off', name(el)]);
    if (getComputedStyle(el).display !== 'inline' && el.scrollWidth > el.clientWidth + 1)
      problems.push(['spills out of its box', name(el)]);
  }
  const taps = 'button, a, input, select, textarea, summary, .conn, .brand';
  const controls = [...scope.querySelectorAll(taps)].filter(el => seen(el) && !away(el));
  for (let i = 0; i < controls.length; i++) for (let j = i + 1; j < controls.length; j++) {
    const [a, b] = [controls[i], controls[j]];
    if (a.contains(b) || b.contains(a) || layer(a) !== layer(b)) continue;
    const [p, q] = [a.getBoundingClientRect(), b.getBoundingClientRect()];
    const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
    const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
    if (w > 1 && h > 1) problems.push(['overlaps', name(a), name(b)]);
  }
  return problems;
}"""

# Resolves once the page has drawn a frame after the change (two: the first may already
# have been under way), a condition rather than a fixed wait.
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
axe = Axe()


def check(p: Partner, name: str, scheme: str) -> None:
    """Runs axe, the size checks, the same at 200 % text, and keeps screenshots of both."""
    page = p.page
    results = axe.run(page, options=AXE_OPTIONS)
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:5])
                  for v in results.response["violations"]]
    assert violations == [], f"{name} ({scheme}): {violations}"
    assert page.evaluate(SMALL_TARGETS) == [], f"{name} ({scheme}) has small targets"
    assert not page.evaluate(SIDEWAYS), f"{name} ({scheme}) scrolls sideways"
    shot(p, f"{name}-{scheme}")
    # Style set through the DOM (the CSP refuses an injected <style>): 200 % text.
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    try:
        page.evaluate(NEXT_FRAME)  # laid out and painted at the new size
        assert page.evaluate(CRAMPED) == [], f"{name} ({scheme}) at 200 % text"
        assert not page.evaluate(SIDEWAYS), f"{name} ({scheme}) scrolls sideways at 200 %"
        shot(p, f"{name}-{scheme}-200")
    finally:
        page.evaluate("document.documentElement.style.fontSize = ''")


def check_both(p: Partner, name: str) -> None:
    """`check` in light, then in dark what a scheme can change: axe (its contrast rules
    among the rest) and a screenshot. A scheme sets colours only
    (test_the_colour_schemes_change_colours_only), so sizes and layout are measured once."""
    check(p, name, "light")
    page = p.page
    page.emulate_media(color_scheme="dark")
    try:
        results = axe.run(page, options=AXE_OPTIONS)
        violations = [(v["id"], [n["target"] for n in v["nodes"]][:5])
                      for v in results.response["violations"]]
        assert violations == [], f"{name} (dark): {violations}"
        shot(p, f"{name}-dark")
    finally:
        page.emulate_media(color_scheme="light")


# The rules a colour scheme's media query holds, and what they set that is not a custom
# property (the colour variables the stylesheet reads): anything there would need the
# layout checks run in dark too.
SCHEME_RULES = """() => {
  const media = [...document.styleSheets].flatMap(sheet => [...sheet.cssRules])
    .filter(rule => rule instanceof CSSMediaRule
            && /prefers-color-scheme/.test(rule.conditionText));
  const inside = media.flatMap(m => [...m.cssRules]);
  return [inside.length, inside.flatMap(rule => rule instanceof CSSStyleRule
    ? [...rule.style].filter(p => !p.startsWith('--')) : [rule.cssText])];
}"""


def test_the_colour_schemes_change_colours_only(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    p = phone()
    p.page.goto(app_server.url + "/")
    expect(p.page.get_by_role("heading", name="Welcome to Attune")).to_be_visible()
    rules, not_colours = p.page.evaluate(SCHEME_RULES)
    assert rules >= 1  # the positive control: the dark rules are found
    assert not_colours == []
    # No script asks for the scheme either (it could lay a screen out otherwise).
    scripts = [path.name for path in FRONTEND.rglob("*.js")
               if "prefers-color-scheme" in path.read_text()]
    assert scripts == []
    backgrounds = []
    for scheme in ("light", "dark"):
        p.page.emulate_media(color_scheme=scheme)
        backgrounds.append(p.page.evaluate("getComputedStyle(document.body).backgroundColor"))
    assert backgrounds[0] != backgrounds[1]  # emulate_media switches the scheme in place


def visit(p: Partner, server: LiveServer, route: str, heading: str) -> None:
    p.page.goto(f"{server.url}/#/{route}")
    expect(p.page.get_by_role("heading", name=heading, exact=False).first).to_be_visible()


def test_every_screen_is_accessible_in_light_and_dark(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    # Signed out, and signed in but not paired.
    alone = phone()
    alone.page.goto(app_server.url + "/")
    expect(alone.page.get_by_role("heading", name="Welcome to Attune")).to_be_visible()
    check_both(alone, "welcome")
    sign_in_via_api(alone, app_server, "Robin")
    visit(alone, app_server, "pair", "Pair with your partner")
    alone.page.get_by_role("button", name="Make a pairing code").click()
    expect(alone.page.locator("#invite-code")).to_be_visible()
    check_both(alone, "pair")

    a, b = paired_phones(phone, app_server)
    pa, pb = a.person, b.person
    assert pa and pb
    for label in ("Holding hands", "A long hug", "Kissing on the neck"):
        item = pa.post("/boundaries", json={"label": label, "category": "touch"}).json()
        pa.put(f"/boundaries/{item['id']}/answer", json={"answer": "yes"})
        pb.put(f"/boundaries/{item['id']}/answer",
               json={"answer": "maybe" if label == "A long hug" else "yes"})
    pa.post("/phrases/starter", json={"all": True})
    pb.put("/me/aftercare", json={"wishes": ["blanket", "water", "quiet"],
                                  "in_my_words": "Sit with me and hold my hand."})

    screens = [("home", "Hello"), ("boundaries", "Boundary list"), ("phrases", "Phrases"),
               ("aftercare", "Aftercare"), ("settings", "Settings")]
    for route, heading in screens:
        visit(a, app_server, route, heading)
        check_both(a, route)

    pa.post("/sessions", json={"length_seconds": 1800, "checkin_every_seconds": 600})
    visit(b, app_server, "session", "Time together")
    expect(b.page.get_by_role("button", name="Yes, let's start")).to_be_visible()
    check_both(b, "session")

    # The incoming pause, as the partner sees it, and the one who paused, on their own.
    b.page.locator("#pause-button").click()
    expect(a.page.locator("#pause-overlay")).to_be_visible()
    expect(a.page.locator("#pause-aftercare")).to_contain_text("A blanket")
    check_both(a, "pause-incoming")
    a.page.locator("#pause-ack").click()
    expect(b.page.locator("#own-status strong")).to_have_text("Seen")
    expect(b.page.locator("#own-care")).to_contain_text("A blanket")
    check_both(b, "pause-own")
    b.page.locator("#own-close").click()
    expect(b.page.locator("#pause-status strong")).to_have_text("Seen")
    check_both(b, "pause-sent")
    b.page.locator("#resume-button").click()
    expect(a.page.locator("#pause-overlay")).to_be_hidden()

    visit(a, app_server, "debrief", "Debrief")
    a.page.get_by_role("button", name="Talk about the last pause").click()
    expect(a.page.locator("#debrief-form")).to_be_visible()
    check_both(a, "debrief")


def test_app_lock_pin(phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, _ = paired_phones(phone, app_server)
    page = a.page
    lock_with_pin(a, "2468")
    saved: Any = page.evaluate("JSON.parse(localStorage.getItem('attune.pin'))")
    assert set(saved) == {"salt", "hash", "v"} and "2468" not in str(saved)
    page.evaluate("sessionStorage.clear()")
    page.reload()
    expect(page.get_by_role("heading", name="Locked")).to_be_visible()
    expect(page.locator("#pause-button")).to_be_visible()  # stopping never waits for a PIN
    page.get_by_label("PIN").fill("1111")
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("alert").filter(has_text="doesn't match")).to_be_visible()
    page.get_by_label("PIN").fill("2468")
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()


def test_discreet_name(phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, _ = paired_phones(phone, app_server)
    page = a.page
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Discreet name and icon").check()
    expect(page.locator("#brand")).to_have_text("Notes")
    expect(page).to_have_title("Settings · Notes")
    assert page.locator("#manifest-link").get_attribute("href") == \
        "/manifest-discreet.webmanifest"
    page.reload()
    expect(page.locator("#brand")).to_have_text("Notes")
