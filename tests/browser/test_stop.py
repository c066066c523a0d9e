"""Safe to stop: the moment of pausing, checking in and going silent, on two phones.

Each test keeps screenshots of both partners' screens in test-output/screenshots/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Partner, paired_phones, shot
from tests.browser.test_screens import check_both
from tests.support import LiveServer

FAST = {"min_session_seconds": 1, "min_checkin_seconds": 1, "min_grace_seconds": 1,
        "register_per_minute": 100, "login_per_minute": 100, "scheduler_tick_seconds": 0.1}
SCHEMES = ("light", "dark")
IN_VIEW = """el => { const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth; }"""


def style(page: Any, selector: str, prop: str) -> str:
    return str(page.locator(selector).evaluate(f"el => getComputedStyle(el).{prop}"))


def start_session(a: Partner, b: Partner, **plan: Any) -> dict[str, Any]:
    assert a.person and b.person
    proposed = a.person.post("/sessions", json={"length_seconds": 600, **plan}).json()
    accepted = b.person.post(f"/sessions/{proposed['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    return dict(accepted.json())


def test_silence_is_named_honestly_and_the_silent_one_is_cared_for_first(
        make_server: Callable[..., LiveServer], phone: Callable[..., Partner]) -> None:
    server = make_server(**FAST)
    a, b = paired_phones(phone, server)
    assert a.person and b.person
    b.person.put("/me/aftercare", json={"wishes": ["blanket"],
                                        "if_i_freeze": "Say my name and sit beside me"})
    # B is scrolled down a long screen when the check-in comes.
    b.page.get_by_role("navigation").get_by_role("link", name="Settings").click()
    b.page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    # Headless Chromium has no motor: note each call the app makes.
    b.page.evaluate("""window.buzzes = []; navigator.vibrate = (p) => {
        window.buzzes.push(p); return true; }""")
    # Round 2 would come a second after B's grace runs out: the pause holds it. The grace
    # is long enough for A's answer and B's checks on a busy machine; A answers first.
    start_session(a, b, checkin_every_seconds=9, grace_seconds=8)
    card_a = a.page.locator(".prompt.checkin-card")
    expect(card_a).to_be_visible(timeout=20_000)
    card_a.get_by_role("button", name="Yes, keep going").click()

    card_b = b.page.locator(".prompt.checkin-card")
    expect(card_b).to_be_visible(timeout=15_000)
    assert card_b.evaluate(IN_VIEW), "the check-in must land where the person is looking"
    expect(b.page.locator("#announce")).to_have_text("Check-in: how is this for you right now?")
    assert b.page.evaluate("window.buzzes.length") >= 1  # it vibrates where it can
    expect(card_b.locator(".countdown")).to_contain_text("Attune pauses for you both")
    expect(card_b.locator(".countdown")).to_contain_text("That's all right")
    shot(b, "stop-checkin-card-b")

    # B says nothing: when the grace runs out, it is B's pause, named as silence.
    expect(a.page.locator("#pause-overlay")).to_be_visible(timeout=15_000)
    expect(a.page.locator("#pause-who")).to_contain_text(
        "Sam didn't answer the check-in, so Attune paused for you both")
    expect(a.page.locator("#pause-aftercare")).to_contain_text("Say my name")
    own = b.page.locator("#own-part")
    expect(own).to_be_visible()
    expect(b.page.locator("#pause-title")).to_have_text("You paused.")
    expect(b.page.locator("#own-words")).to_contain_text("The check-in went unanswered")
    expect(b.page.locator("#own-words")).to_contain_text("You're safe")
    expect(b.page.locator("#own-care")).to_contain_text("If I freeze: Say my name")
    expect(b.page.locator("#breath-words")).to_be_visible()
    # The silent one sees the truth about delivery too.
    expect(b.page.locator("#own-status strong")).to_have_text("Delivered")
    a.page.locator("#pause-ack").click()
    expect(b.page.locator("#own-status strong")).to_have_text("Seen")
    shot(a, "stop-silence-partner")
    shot(b, "stop-silence-own")
    # No more check-ins while the pause stands: the dock stays empty.
    expect(b.page.locator(".prompt.checkin-card")).to_have_count(0)
    b.page.locator("#own-lift").click()
    expect(b.page.locator("#pause-overlay")).to_be_hidden()


def test_check_in_answers_look_like_what_they_do_and_only_the_live_one_shows(
        make_server: Callable[..., LiveServer], phone: Callable[..., Partner]) -> None:
    server = make_server(**FAST)
    a, b = paired_phones(phone, server)
    start_session(a, b, checkin_every_seconds=2, grace_seconds=None)
    card = a.page.locator(".prompt.checkin-card")
    expect(card).to_be_visible(timeout=15_000)
    answers = card.locator("button.answer")
    expect(answers).to_have_text(["I need to stop", "Slower, please", "I'm not sure",
                                  "Yes, keep going"])  # stop first
    for scheme in SCHEMES:
        a.page.emulate_media(color_scheme=scheme)
        colours = {name: style(a.page, f".prompt.checkin-card button.{name}",
                               "backgroundColor") for name in ("stop", "slow", "unsure", "go")}
        assert colours["stop"] not in (colours["slow"], colours["go"]), (scheme, colours)
    a.page.emulate_media(color_scheme="light")
    shapes = {name: style(a.page, f".prompt.checkin-card button.{name}", "borderTopLeftRadius")
              for name in ("stop", "slow", "unsure", "go")}
    assert len(set(shapes.values())) == 4, shapes  # four shapes
    stop, go = (card.locator(f"button.{n}").bounding_box() for n in ("stop", "go"))
    assert stop and go and stop["height"] >= go["height"] and stop["width"] >= go["width"]
    assert (stop["y"], stop["x"]) < (go["y"], go["x"])  # stop comes first, never later
    check_both(a, "checkin")  # axe in both schemes, target sizes, and 200 % text
    first = card.get_attribute("data-about")
    # The next round retires the older card: only the live check-in can be answered.
    # (Answered at once: a round comes every 2 s here.)
    expect(a.page.locator(f'.prompt[data-about="{first}"]')).to_have_count(0, timeout=15_000)
    expect(card).to_have_count(1)
    card.get_by_role("button", name="I'm not sure").click()
    expect(a.page.locator("#pause-title")).to_have_text("Slowing down.")
    expect(a.page.locator("#own-words")).to_contain_text("You weren't sure")
    expect(b.page.locator("#pause-who")).to_contain_text("Alex isn't sure")
    for scheme in SCHEMES:
        for p, whose in ((a, "own"), (b, "partner")):
            p.page.emulate_media(color_scheme=scheme)
            shot(p, f"stop-unsure-{whose}-{scheme}")


def test_a_stop_tapped_as_its_check_in_closes_still_stops(
        make_server: Callable[..., LiveServer], phone: Callable[..., Partner]) -> None:
    server = make_server(**FAST)
    a, b = paired_phones(phone, server)
    start_session(a, b, checkin_every_seconds=4, grace_seconds=None)
    card = a.page.locator(".prompt.checkin-card")
    expect(card).to_be_visible(timeout=15_000)
    # The server answers as it does when a newer check-in came as the person tapped.
    a.expect_console_error("409")
    a.page.route("**/checkins/**", lambda route: route.fulfill(
        status=409, content_type="application/problem+json",
        body='{"type":"/problems/conflict","title":"Conflict","status":409,'
             '"detail":"That check-in has closed."}'))
    card.get_by_role("button", name="I need to stop").click()
    expect(card.locator("[role=status]")).to_contain_text("went from the Pause button")
    expect(a.page.locator("#pause-title")).to_have_text("You paused.")
    expect(b.page.locator("#pause-overlay")).to_be_visible()
    assert a.person
    assert a.person.get("/signal").json()["state"] == "paused"


def test_a_red_phrase_shows_its_sender_the_receipts_and_their_own_screen(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    assert a.person and b.person
    deck = a.person.get("/phrases/starter").json()["items"]
    red = next(p for p in deck if p["tone"] == "red" and p["moment"] == "during")
    a.person.post("/phrases/starter", json={"keys": [red["key"]]})
    phrase = a.person.get("/phrases").json()["items"][0]
    b.person.post(f"/phrases/{phrase['id']}/agree")
    a.page.get_by_role("navigation").get_by_role("link", name="Phrases").click()
    a.page.locator("li.phrase", has_text=red["text"]).get_by_role("button", name="Say it").click()
    expect(a.page.locator("#pause-title")).to_have_text("You paused.")
    expect(a.page.locator("#own-words")).to_contain_text("You said your stop words")
    expect(a.page.locator("#own-status strong")).to_have_text("Delivered")
    expect(b.page.locator("#pause-who")).to_contain_text("Alex said their stop words")
    b.page.locator("#pause-ack").click()
    expect(a.page.locator("#own-status strong")).to_have_text("Seen")
    shot(a, "stop-phrase-own")
    shot(b, "stop-phrase-partner")


def test_pausing_too_is_one_tap_in_view_on_the_takeover(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    a.page.locator("#pause-button").click()
    overlay = b.page.locator("#pause-overlay")
    expect(overlay).to_be_visible()
    too = b.page.locator("#pause-too")
    assert too.evaluate(IN_VIEW), "I need to pause too must be in view"
    assert b.page.evaluate("document.querySelector('#pause-overlay').tagName") == "DIALOG"
    # A native modal dialog: Tab never reaches anything behind it.
    for _ in range(12):
        b.page.keyboard.press("Tab")
        assert b.page.evaluate("""() => { const el = document.activeElement;
            return el === document.body
                || document.querySelector('#pause-overlay').contains(el); }""")
    # Quick exit stays within reach while the rest of the app is inert.
    expect(b.page.locator("#overlay-exit")).to_be_visible()
    too.click()
    expect(a.page.locator("#alert")).to_contain_text("Sam needs to stop now")
    expect(b.page.locator("#pause-title")).to_contain_text("You paused. Alex paused too.")
    expect(b.page.locator("#pause-too")).to_be_hidden()
    shot(a, "stop-pause-too-alex")
    shot(b, "stop-pause-too-sam")


def test_the_header_tells_the_truth_when_the_network_goes(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, _ = paired_phones(phone, app_server)
    status = a.page.locator("#conn-status")
    expect(status).to_have_text("Connected")
    a.context.set_offline(True)
    expect(status).not_to_have_text("Connected", timeout=10_000)  # within the heartbeat
    expect(status).to_contain_text("say it out loud")
    shot(a, "stop-offline-header")
    a.context.set_offline(False)
    a.page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_have_text("Connected", timeout=15_000)


def test_after_time_together_both_are_led_gently_to_aftercare_and_the_debrief(
        make_server: Callable[..., LiveServer], phone: Callable[..., Partner]) -> None:
    server = make_server(**FAST, next_day_hours=0.002)  # the next day, seven seconds on
    a, b = paired_phones(phone, server)
    assert a.person and b.person
    a.person.put("/me/aftercare", json={"if_i_freeze": "Ask me to name three colours"})
    b.page.get_by_role("navigation").get_by_role("link", name="Session").click()
    expect(b.page.get_by_role("heading", name="Suggest time together")).to_be_visible()
    start_session(a, b, length_seconds=4)
    # During the time together, the partner's words for a freeze are on the screen.
    expect(b.page.locator(".freeze")).to_contain_text("Ask me to name three colours",
                                                      timeout=10_000)
    check_both(b, "session-running")
    for p in (a, b):
        ended = p.page.locator(".notice", has_text="Your time together is up")
        expect(ended).to_be_visible(timeout=15_000)
        expect(ended.get_by_role("link", name="Aftercare: what helps each of you now")
               ).to_be_visible()
        expect(ended.get_by_role("link", name="Look back together, when you both want to")
               ).to_be_visible()
    expect(b.page.get_by_role("heading", name="Your time together has ended")).to_be_visible()
    check_both(b, "session-ended")
    for scheme in SCHEMES:
        a.page.emulate_media(color_scheme=scheme)
        shot(a, f"session-ended-alex-{scheme}")
    a.page.emulate_media(color_scheme="light")
    nxt = a.page.locator(".notice", has_text="A day has passed")
    expect(nxt).to_be_visible(timeout=20_000)
    check_both(a, "next-day")
    nxt.get_by_label("4").check()
    nxt.get_by_label("Anything you want to remember").fill("Calmer than I expected")
    nxt.get_by_role("button", name="Keep it for me").click()
    expect(nxt).to_contain_text("Only you can see it")


def test_a_new_screen_starts_at_its_top_with_its_heading_in_focus(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    alone = phone()
    from tests.browser.conftest import sign_in_via_api

    sign_in_via_api(alone, app_server, "Robin")
    alone.page.goto(app_server.url + "/#/pair")
    expect(alone.page.get_by_role("heading", name="Pair with your partner")).to_be_visible()
    # No empty bordered box before a code is made.
    empty = alone.page.evaluate("""[...document.querySelectorAll('#main .card')]
        .filter(c => c.checkVisibility() && !c.textContent.trim()).length""")
    assert empty == 0
    a, _ = paired_phones(phone, app_server)
    nav = a.page.get_by_role("navigation")
    nav.get_by_role("link", name="Settings").click()
    expect(a.page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    # Scrolled down (once the screen is long enough to scroll: it may still be filling).
    a.page.wait_for_function(
        "() => { window.scrollTo(0, document.body.scrollHeight); return window.scrollY > 0 }")
    nav.get_by_role("link", name="Boundaries").click()
    heading = a.page.get_by_role("heading", name="Boundary list", level=1)
    expect(heading).to_be_focused()
    assert a.page.evaluate("window.scrollY") == 0
    shot(a, "stop-new-screen")
