// The app shell and its screens. Plain DOM, no build step, no library: each screen is a
// function that fills <main>, and a `refresh` that redraws only its live parts when an
// event arrives, so nothing a person is typing is lost. The pause lives in pause.js.

import { ApiError, h, store } from "./lib.js";
import { checkLock, lockScreen } from "./lock.js";
import { welcome } from "./screens/accounts.js";
import { aftercare } from "./screens/aftercare.js";
import { boundaries } from "./screens/boundaries.js";
import { debrief } from "./screens/debriefs.js";
import { home } from "./screens/home.js";
import { pair } from "./screens/pairing.js";
import { phrases } from "./screens/phrases.js";
import { session } from "./screens/sessions.js";
import { settings } from "./screens/settings.js";
import { appName, applyDiscreet, globalNotice, notice } from "./screens/shared.js";

/** @import { LiveEvent, Screen, Shown, Updates } from "./screens/shared.js" */

/** @type {Record<string, Screen>} */
const ROUTES = { welcome, pair, home, boundaries, phrases, session, aftercare, debrief, settings };
const OPEN = new Set(["welcome"]);
const PAIRED_ONLY = new Set(["boundaries", "phrases", "session", "debrief"]);

/** @type {(Shown & {name: string, token: number}) | null} */
let current = null;
let routing = 0;
const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Opens the route `name` (or redraws it when it is already open).
 * @param {string} name
 */
export function go(name) {
  if (location.hash === `#/${name}`) route();
  else location.hash = `#/${name}`;
}

/** Shows the screen the address asks for, or the one this person may see instead. */
async function route() {
  const main = byId("main");
  if (!(await checkLock())) {
    lockScreen(main, route);
    return;
  }
  let name = (location.hash.match(/^#\/([a-z]+)/) || [])[1] || "home";
  const signedIn = Boolean(store.get("attune.token"));
  const paired = Boolean(store.get("attune.paired"));
  if (!ROUTES[name]) name = "home";
  if (!signedIn && !OPEN.has(name)) name = "welcome";
  if (signedIn && name === "welcome") name = paired ? "home" : "pair";
  if (signedIn && !paired && (PAIRED_ONLY.has(name) || name === "home")) name = "pair";
  current?.cleanup?.();
  byId("nav").hidden = !signedIn;
  for (const a of document.querySelectorAll("#nav a")) {
    const href = a.getAttribute("href") || "";
    if (href === `#/${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
    /** @type {HTMLElement} */ (a).hidden = !paired && PAIRED_ONLY.has(href.slice(2));
  }
  // Each screen is built off-page and shown only if no newer route started meanwhile.
  const token = ++routing;
  const view = document.createElement("div");
  const shown = { name, token };
  current = shown;
  try {
    const result = await ROUTES[name](view, { go, route, signedOut, updates });
    if (token !== routing) {
      result?.cleanup?.();
      return;
    }
    Object.assign(shown, result || {});
    main.replaceChildren(...view.childNodes);
  } catch (err) {
    if (token !== routing) return;
    if (err instanceof ApiError && err.status === 401) return signedOut();
    main.replaceChildren(
      h("h1", {}, "Something didn't load"),
      h("p", {}, err instanceof ApiError ? err.detail : navigator.onLine ? "Please try again in a moment." : "You're offline. This screen needs the network; the pause still works once you're back online."),
      h("button", { type: "button", onclick: route }, "Try again"),
    );
  }
  const heading = main.querySelector("h1");
  document.title = `${heading ? heading.textContent : "Attune"} · ${appName()}`;
}

// Device preferences outlive a sign-out; everything about the person does not.
const DEVICE_KEYS = new Set(["attune.pin", "attune.discreet", "attune.sound"]);

/** Forgets the person on this device (not its preferences) and shows the welcome. */
export function signedOut() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith("attune.") && !DEVICE_KEYS.has(key)) localStorage.removeItem(key);
  }
  window.dispatchEvent(new CustomEvent("attune:stop"));
  go("welcome");
}

/**
 * The `detail` of one of pause.js's attune:* events.
 * @param {Event} e
 * @returns {LiveEvent}
 */
const detail = (e) => /** @type {CustomEvent} */ (e).detail;

// Live events: the open screen redraws its live parts; a few things show everywhere.
let refreshTimer = 0;
window.addEventListener("attune:event", (e) => {
  const ev = detail(e);
  globalNotice(ev);
  if (ev.type === "pause") store.set("attune.lastPauseSeq", ev.seq);
  if (current?.refresh) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refresh(ev), 30);
  }
});

/**
 * Redraws the open screen's live parts; a redraw that fails (offline, a 404 after
 * unpairing) keeps what is on screen.
 * @param {LiveEvent} ev
 */
function refresh(ev) {
  const redraw = current?.refresh;
  if (!redraw) return;
  Promise.resolve().then(() => redraw(ev)).catch(() => {});
}
window.addEventListener("attune:resync", () => refresh({ type: "resync" }));
window.addEventListener("attune:welcome", () => refresh({ type: "welcome" }));
window.addEventListener("attune:frame", (e) => {
  const f = detail(e);
  if (f.type === "boundary.answered" || f.type === "aftercare.updated") refresh(f);
});
window.addEventListener("attune:signedout", signedOut);
window.addEventListener("attune:pair-ended", () => {
  notice("Your pair has ended. Everything you shared is gone for both of you; your own account, aftercare wishes and journal stay yours.");
  go("pair");
});

function online() {
  byId("offline-note").hidden = navigator.onLine !== false;
}
window.addEventListener("online", online);
window.addEventListener("offline", online);
window.addEventListener("hashchange", route);

// The service worker: the shell opens offline; an update waits until the person asks.
/** @type {Updates} */
export const updates = { waiting: null };
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then((reg) => {
    /** @param {ServiceWorker} worker */
    const watch = (worker) => {
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) {
          updates.waiting = worker;
          notice("A new version of the app is ready. Open Settings to use it.");
        }
      });
    };
    if (reg.waiting && navigator.serviceWorker.controller) updates.waiting = reg.waiting;
    reg.addEventListener("updatefound", () => reg.installing && watch(reg.installing));
  }).catch(() => {});
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (updates.asked && !reloading) {
      reloading = true;
      location.reload();
    }
  });
}

applyDiscreet();
online();
route();
