"""My safety plan on two phones: written alone, shared part by part, unshared at once,
and shown where it helps: on the takeover, during time together, with aftercare."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Partner, paired_phones, shot
from tests.browser.test_screens import check
from tests.support import LiveServer

TRIGGERS = "Being held from behind"
AVOID = "Asking me why"
GROUNDING = "Say my name and that it's now, not then"


def write_plan(p: Partner) -> None:
    p.page.get_by_role("navigation").get_by_role("link", name="My plan").click()
    expect(p.page.get_by_role("heading", name="My safety plan")).to_be_visible()
    form = p.page.locator("#plan-form")
    form.get_by_label("What can bring it back for me").fill(TRIGGERS)
    form.get_by_label("Going more slowly").check()
    form.get_by_label("Please don't").fill(AVOID)
    form.get_by_label("Words that ground me").fill(GROUNDING)
    form.get_by_role("button", name="Save my plan").click()
    expect(p.page.locator("#plan-saved")).to_have_text("Saved. Only you can see it.")


def test_a_plan_is_written_alone_shared_by_part_and_unshared_at_once(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server)
    write_plan(a)
    check(a, "plan", "light")
    shot(a, "plan-written")
    # Nothing is shared yet: B's aftercare shows nothing of it, and neither does a pause.
    b.page.get_by_role("navigation").get_by_role("link", name="Aftercare").click()
    expect(b.page.get_by_role("heading", name="What helps your partner")).to_be_visible()
    expect(b.page.locator("body")).not_to_contain_text(TRIGGERS)

    sharing = a.page.locator("#plan-sharing")
    sharing.get_by_label('Share "Please don\'t"').check()
    sharing.get_by_label('Share "Words that ground me"').check()
    expect(a.page.locator("#share-summary")).to_contain_text("Shared with")
    # B's open screen shows it live, and only what was shared.
    card = b.page.locator("#their-plan-card")
    expect(card).to_contain_text(AVOID)
    expect(card).to_contain_text(GROUNDING)
    expect(b.page.locator("body")).not_to_contain_text(TRIGGERS)
    shot(b, "plan-shared-aftercare")

    # A pauses: B's takeover leads with what A shared; A's own calm screen shows what
    # grounds A (never A's own triggers).
    a.page.locator("#pause-button").click()
    expect(b.page.locator("#pause-overlay")).to_be_visible()
    theirs = b.page.locator("#their-plan-box")
    expect(theirs).to_be_visible()
    expect(theirs).to_contain_text("Please don't")
    expect(theirs).to_contain_text(AVOID)
    expect(b.page.locator("#pause-overlay")).not_to_contain_text(TRIGGERS)
    own = a.page.locator("#own-plan-box")
    expect(own).to_contain_text(GROUNDING)
    expect(own).to_contain_text("Going more slowly")
    expect(a.page.locator("#pause-overlay")).not_to_contain_text(TRIGGERS)
    shot(b, "plan-takeover-partner")
    shot(a, "plan-takeover-own")

    # A stops sharing, from another device, while B's takeover is open: it leaves B's
    # screen at once.
    assert a.person
    a.person.put("/me/safety-plan/sharing", json={"part": "avoid", "shared": False})
    expect(theirs).not_to_contain_text(AVOID)
    expect(theirs).to_contain_text(GROUNDING)
    a.person.put("/me/safety-plan/sharing", json={"part": "grounding", "shared": False})
    expect(theirs).to_be_hidden()
    b.page.locator("#pause-ack").click()
    a.page.locator("#own-lift").click()
    expect(b.page.locator("#pause-overlay")).to_be_hidden()
    expect(b.page.locator("body")).not_to_contain_text(GROUNDING)
    # A's own screen says who sees what, also after the change from the other device.
    expect(a.page.locator("#share-summary")).to_have_text("Nothing is shared with Sam.")


def test_the_card_stays_in_view_during_time_together(
        phone: Callable[..., Partner], app_server: LiveServer) -> None:
    a, b = paired_phones(phone, app_server, "dark")
    assert a.person and b.person
    version = a.person.put("/me/safety-plan", json={
        "avoid": AVOID, "helps": ["being-given-space"]}).json()["version"]
    a.person.put("/me/safety-plan/sharing",
                 json={"part": "helps", "shared": True, "version": version})
    proposed = a.person.post("/sessions", json={"length_seconds": 1800}).json()
    b.person.post(f"/sessions/{proposed['id']}/accept")
    b.page.get_by_role("navigation").get_by_role("link", name="Session").click()
    card = b.page.locator("#session-plan-card")
    expect(card).to_contain_text("Being given some space")
    expect(card).not_to_contain_text(AVOID)
    check(b, "session-plan", "dark")
    shot(b, "plan-session")


def test_unpaired_the_plan_is_mine_alone(phone: Callable[..., Partner],
                                         app_server: LiveServer) -> None:
    from tests.browser.conftest import sign_in_via_api

    alone = phone()
    sign_in_via_api(alone, app_server, "Robin")
    alone.page.goto(app_server.url + "/#/plan")
    expect(alone.page.get_by_role("heading", name="My safety plan")).to_be_visible()
    expect(alone.page.locator("#plan-sharing")).to_contain_text("Once you're paired")
    expect(alone.page.locator("#plan-sharing input")).to_have_count(0)
