"""Browser tests: Debian's Chromium, driven by Playwright, against a real uvicorn server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support import LiveServer, Person, client, register, server_settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
# Phones draw at 1 pixel per CSS pixel in tests: an iPhone's 3x triples the pixels
# Chromium paints (a third of the browser tests' CPU) and changes nothing a test reads.
# `make screenshots` takes the README's pictures at the phone's own 3x.
SCALE = float(os.environ.get("ATTUNE_SCREENSHOT_SCALE", "1"))
# The browser's own reports of failed connections while offline are not the app's errors.
OFFLINE_NOISE = ("net::ERR_INTERNET_DISCONNECTED", "WebSocket connection to")


def need_chromium() -> None:
    """Skips outside CI when Chromium or Playwright is missing; fails under CI=true."""
    from tests.support import need

    if not Path(CHROMIUM).exists():
        need("Chromium", CHROMIUM)
    try:
        import playwright  # noqa: F401
    except ImportError:
        need("Playwright", "pip install playwright")


@pytest.fixture(scope="package")
def pw() -> Iterator[Any]:
    """One Playwright for the browser tests (its event loop must not outlive them)."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(pw: Any) -> Iterator[Any]:
    """Debian's Chromium, headless."""
    b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield b
    b.close()


@pytest.fixture(scope="package")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The service on the embedded default, serving the PWA at /."""
    need_chromium()
    live = LiveServer(server_settings(
        data_dir=tmp_path_factory.mktemp("browser-data"),
        register_per_minute=1000, login_per_minute=1000,
    )).start()
    yield live
    live.stop()


@dataclass
class Partner:
    """One person's phone: a browser context and its page, watched for stray requests."""

    context: Any
    page: Any
    origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    person: Person | None = None
    expected: list[str] = field(default_factory=list)

    def expect_console_error(self, text: str) -> None:
        """A test that provokes an error on purpose (a refused sign-in) names it here."""
        self.expected.append(text)

    def foreign_requests(self) -> list[str]:
        """Every request that went anywhere but the app's own origin."""
        return [u for u in self.requests
                if not u.startswith(("data:", "blob:"))
                and f"{urlsplit(u).scheme.replace('ws', 'http')}://{urlsplit(u).netloc}"
                != self.origin]


def watch(partner: Partner) -> None:
    """Records every request (pages and service worker) and every console error."""
    partner.context.on("request", lambda r: partner.requests.append(r.url))
    partner.page.on("websocket", lambda ws: partner.requests.append(ws.url))

    def on_console(msg: Any) -> None:
        if msg.type == "error" and not any(n in msg.text for n in OFFLINE_NOISE):
            partner.console_errors.append(msg.text)

    partner.page.on("console", on_console)
    partner.page.on("pageerror", lambda e: partner.console_errors.append(f"pageerror: {e}"))


@pytest.fixture
def phone(browser: Any, pw: Any, app_server: LiveServer) -> Iterator[Callable[..., Partner]]:
    """Opens phones (iPhone 13 size); at the end, asserts nothing left the origin and the
    console stayed clean."""
    opened: list[Partner] = []

    def open_phone(color_scheme: str = "light", server: LiveServer | None = None,
                   **kw: Any) -> Partner:
        origin = (server or app_server).url
        device = {**pw.devices["iPhone 13"], "device_scale_factor": SCALE}
        ctx = browser.new_context(**device, color_scheme=color_scheme,
                                  service_workers=kw.pop("service_workers", "allow"), **kw)
        page = ctx.new_page()
        partner = Partner(ctx, page, origin)
        watch(partner)
        # Quick exit goes to a real outside page: never load it, answer it here.
        ctx.route("https://www.bbc.co.uk/**", lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Weather</title><p>Weather</p>"))
        opened.append(partner)
        return partner

    yield open_phone
    problems = []
    for partner in opened:
        stray = [u for u in partner.foreign_requests() if "bbc.co.uk" not in u]
        if stray:
            problems.append(f"requests off the app's origin: {stray}")
        errors = [e for e in partner.console_errors
                  if not any(x in e for x in partner.expected)]
        if errors:
            problems.append(f"console errors: {errors}")
        partner.context.close()
    assert not problems, problems


def _signed_in(partner: Partner, server: LiveServer, person: Person, at: str = "/") -> None:
    """Puts `person`'s sign-in in the phone's storage (faster than typing) and opens `at`
    as after signing in: pause.js reads the token when the page starts."""
    partner.person = person
    page = partner.page
    page.goto(server.url + "/")
    me = client(server, person.token).get("/me").json()
    page.evaluate("([t, me]) => { localStorage.setItem('attune.token', JSON.stringify(t));"
                  " localStorage.setItem('attune.paired', JSON.stringify(me.pair_id));"
                  " localStorage.setItem('attune.me', JSON.stringify(me)); }",
                  [person.token, me])
    if at != "/":
        page.goto(server.url + at)
    page.reload()


def sign_in_via_api(partner: Partner, server: LiveServer, display_name: str) -> Person:
    """Registers over the API and signs this phone in."""
    person = register(server, display_name=display_name)
    _signed_in(partner, server, person)
    return person


def paired_phones(phone: Callable[..., Partner], server: LiveServer,
                  color_scheme: str = "light",
                  second_scheme: str | None = None) -> tuple[Partner, Partner]:
    """Two phones, signed in and paired over the API, both on the home screen and connected
    (the second in `second_scheme` when given)."""
    from tests.support import pair_up

    a = phone(color_scheme, server=server)
    b = phone(second_scheme or color_scheme, server=server)
    pa = register(server, display_name="Alex")
    pb = register(server, display_name="Sam")
    pair_up(pa, pb)
    for partner, person in ((a, pa), (b, pb)):
        _signed_in(partner, server, person, at="/#/home")
        partner.page.wait_for_selector("#conn-status[data-state=connected]")
    return a, b


def lock_with_pin(partner: Partner, pin: str) -> None:
    """Sets this phone's PIN in Settings, as a person would."""
    from playwright.sync_api import expect

    page = partner.page
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("A PIN for this device").fill(pin)
    page.get_by_role("button", name="Lock with this PIN").click()
    expect(page.get_by_role("button", name="Remove the PIN")).to_be_visible()


def offline_after_install(partner: Partner) -> list[str]:
    """Once the service worker controls the page, takes this phone offline and opens the
    app again from the phone; returns the list that collects every request that fails."""
    from tests.browser.test_shell import controlled

    page = partner.page
    controlled(page)
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    partner.context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    return failed


# Screenshots go to an ignored folder on every run; `make screenshots` copies the ones
# the README shows into docs/screenshots. A test never writes a tracked file.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def shot(partner: Partner, name: str) -> Path:
    """Saves what this phone shows now as test-output/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    partner.page.screenshot(path=str(path))
    return path

