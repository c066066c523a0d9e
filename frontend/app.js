// The app shell and its screens. Plain DOM, no build step, no library: each screen is a
// function that fills <main>, and a `refresh` that redraws only its live parts when an
// event arrives, so nothing a person is typing is lost. The pause lives in pause.js.

import { EXITED, forgetThisDevice, forgettingUnfinished, maskAsNotes, NOTES_ONLY, neutralState, unmask } from "./exit.js";
import { closeGround } from "./ground.js";
import { ApiError, h, store } from "./lib.js";
import { checkLock, lockScreen } from "./lock.js";
import { keepDiscreetLabel, refreshDiscreetLabel, tellDiscretion } from "./push.js";
import { welcome } from "./screens/accounts.js";
import { aftercare } from "./screens/aftercare.js";
import { boundaries } from "./screens/boundaries.js";
import { debrief } from "./screens/debriefs.js";
import { home } from "./screens/home.js";
import { journal } from "./screens/journal.js";
import { learn } from "./screens/learn.js";
import { notes } from "./screens/notes.js";
import { pair } from "./screens/pairing.js";
import { phrases } from "./screens/phrases.js";
import { plan } from "./screens/safety.js";
import { session } from "./screens/sessions.js";
import { settings } from "./screens/settings.js";
import { solo } from "./screens/solo.js";
import { summary } from "./screens/summaries.js";
import { fillTakeoverSupport, support } from "./screens/support.js";
import { appName, applyDiscreet, globalNotice, notice, retirePrompts, summaryAsked, syncPrompts } from "./screens/shared.js";

/** @import { LiveEvent, Screen, Shown } from "./screens/shared.js" */

/** @type {Record<string, Screen>} */
const ROUTES = { welcome, pair, home, boundaries, phrases, session, aftercare, plan, solo, journal, debrief, summary, settings, learn, support };
// Open signed out as well: nothing in them is anyone's, and they help before an account.
const OPEN = new Set(["welcome", "learn", "support"]);
const PAIRED_ONLY = new Set(["boundaries", "phrases", "session", "debrief"]);

/** @type {(Shown & {name: string, token: number, shown?: boolean}) | null} */
let current = null;
let routing = 0;
/**
 * Events the open screen has not redrawn for yet. While a screen is still loading they
 * wait for it: what it fetched may be older than they are (a partner opening a
 * debrief while this screen's GET was on its way).
 * @type {LiveEvent[]}
 */
let held = [];
let refreshTimer = 0;
/** The route last shown, to tell a new screen from a redraw of the same one. */
let shownBefore = "";
const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * Opens the route `name` (or redraws it when it is already open).
 * @param {string} name
 */
export function go(name) {
  // replace, never push: the whole app is ONE history entry, so after quick exit Back
  // has no screen of it to go back to.
  if (location.hash === `#/${name}`) route();
  else {
    byApp = true;
    location.replace(`#/${name}`);
  }
}
/** Whether the coming hashchange is the app's own go() (a pair that ended, a sign-out),
 * which leaves the grounding panel open over the new screen. */
let byApp = false;

// ---- leaving safely: after quick exit or the second PIN, only Notes shows (exit.js)
let comingBack = false;

/**
 * The plain Notes page instead of the app; its "Sign in to sync" is the way back.
 * @param {HTMLElement} main
 */
function showNotes(main) {
  ++routing;
  current?.cleanup?.();
  current = null;
  maskAsNotes();
  closeGround({ focusBack: false });
  // Not even the address names a screen of the app.
  if (location.hash) history.replaceState(null, "", location.pathname);
  byId("nav").hidden = true;
  notes(main, { onSync: () => { comingBack = true; route(); } });
}

/**
 * Whether the person may leave the Notes page now: after quick exit, with the PIN if one
 * is set; after the second PIN, once this device has forgotten the app (to sign in).
 * @param {HTMLElement} main
 * @param {"exited" | "notes"} neutral
 */
async function mayLeaveNotes(main, neutral) {
  if (neutral === "notes") {
    if (forgettingUnfinished()) await forgetThisDevice();
    unmask();
    return true;
  }
  if (!(await checkLock())) {
    lockScreen(main, async () => {
      if (!(await checkLock())) comingBack = false; // the second PIN: Notes, for good
      route();
    });
    return false;
  }
  store.set(EXITED, null);
  unmask();
  applyDiscreet();
  tellDiscretion();
  window.dispatchEvent(new CustomEvent("attune:start"));
  return true;
}
// ---- end of leaving safely

/** Shows the screen the address asks for, or the one this person may see instead. */
async function route() {
  const main = byId("main");
  const neutral = neutralState();
  if (neutral && !comingBack) return showNotes(main);
  if (neutral && !(await mayLeaveNotes(main, neutral))) return;
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
  if (signedIn) store.set(NOTES_ONLY, null); // signed in again after the second PIN
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
  held = []; // what the new screen loads already includes them
  try {
    const result = await ROUTES[name](view, { go, route, signedOut });
    if (token !== routing) {
      result?.cleanup?.();
      return;
    }
    Object.assign(shown, result || {}, { shown: true });
    main.replaceChildren(...view.childNodes);
    // Events that came while it loaded may be newer than what it loaded.
    if (held.length) redrawSoon();
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
  if (name !== shownBefore) {
    // A new screen starts at its top, and its heading takes the focus, so a screen
    // reader says where the person now is and Tab goes on from there. (Not when the app
    // opens: then Tab starts at the skip links and Quick exit.)
    window.scrollTo(0, 0);
    if (heading && shownBefore) {
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
  }
  shownBefore = name;
}

// Device preferences outlive a sign-out; everything about the person does not.
const DEVICE_KEYS = new Set(["attune.pin", "attune.pin2", "attune.discreet", "attune.sound", "attune.supportCountry"]);

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
window.addEventListener("attune:event", (e) => {
  const ev = detail(e);
  globalNotice(ev);
  if (ev.type === "pause") store.set("attune.lastPauseSeq", ev.seq);
  if (ev.type === "discreet.agreed") keepDiscreetLabel(ev.data?.label);
  refresh(ev);
});

/**
 * Redraws the open screen's live parts for this event, a moment later so a burst of
 * events redraws once per kind; a redraw that fails (offline, a 404 after unpairing)
 * keeps what is on screen.
 * @param {LiveEvent} ev
 */
function refresh(ev) {
  if (!current || (current.shown && !current.refresh)) return; // nothing here redraws
  held.push(ev);
  if (current.refresh) redrawSoon();
}

function redrawSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    const redraw = current?.refresh;
    const events = held;
    held = [];
    if (!redraw) return;
    // The newest event of each kind: a screen redraws for the kinds it shows.
    const newest = new Map(events.map((ev) => [ev.type, ev]));
    for (const ev of newest.values()) Promise.resolve().then(() => redraw(ev)).catch(() => {});
  }, 30);
}
window.addEventListener("attune:resync", () => refresh({ type: "resync" }));
window.addEventListener("attune:welcome", () => {
  refresh({ type: "welcome" });
  syncPrompts();
});
// Frames that are not pair events (nothing of them is kept in the log): redraw, or
// retire a check-in this person answered on another device.
const REDRAWN_BY = new Set(["boundary.answered", "boundary.refresh", "review.summary", "aftercare.updated", "safety_plan.updated", "baseline.changed", "summary.asked", "summary.changed"]);
window.addEventListener("attune:frame", (e) => {
  const f = detail(e);
  if (REDRAWN_BY.has(f.type)) refresh(f);
  if (f.type === "summary.asked") summaryAsked();
  if (f.type === "checkin.answered") retirePrompts("checkin", /** @type {any} */ (f).checkin_id);
});
window.addEventListener("attune:signedout", signedOut);
window.addEventListener("attune:pair-ended", () => {
  notice("Your pair has ended. What you shared together is gone for both of you. You keep your own words: your reflections, journal, next-day notes and aftercare wishes.");
  go("pair");
});

function online() {
  byId("offline-note").hidden = navigator.onLine !== false;
}
window.addEventListener("online", online);
window.addEventListener("offline", online);
window.addEventListener("hashchange", () => {
  // Any other change of address (typed, or the lock coming back) shows what it asks for.
  if (!byApp) closeGround({ focusBack: false });
  byApp = false;
  route();
});

// In-app links change the screen without a new history entry (see go()); a link to a
// part of the page (the skip link) moves focus there instead of changing the route.
document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const link = e.target instanceof Element ? e.target.closest("a[href^='#']") : null;
  if (!link) return;
  const href = link.getAttribute("href") || "";
  const name = (href.match(/^#\/([a-z]+)/) || [])[1];
  const target = name ? null : document.getElementById(href.slice(1));
  if (!name && !target) return;
  e.preventDefault();
  // A link to a screen, from the grounding panel or the menu, leaves the panel for it.
  if (name) {
    closeGround({ focusBack: false });
    go(name);
  } else target?.focus();
});

// Back into a page kept in memory, or quick exit / the second PIN in another tab: nothing
// of the app may stay on screen; a fresh load shows Notes.
window.addEventListener("pageshow", (e) => {
  if (e.persisted && neutralState()) {
    document.body.replaceChildren();
    location.reload();
  }
});
window.addEventListener("storage", (e) => {
  if ((e.key === EXITED || e.key === NOTES_ONLY) && e.newValue && !document.documentElement.dataset.exited) {
    document.body.replaceChildren();
    location.reload();
  }
});

// The service worker: the shell opens offline, every file from one version. A new version
// installs whole in the background and waits; only the person's "Update" swaps it in and
// reloads, so nothing on screen (a session, a pause) changes under anyone.
/** A new version of the app, installed and waiting for the person's word.
 * @type {{waiting: ServiceWorker | null, asked?: boolean, reloading?: boolean}} */
const updates = { waiting: null };

/** Reloads once, into whichever version is in charge now. */
function reloadOnce() {
  if (updates.reloading) return;
  updates.reloading = true;
  location.reload();
}

/** Swaps in the waiting version; the page reloads once that version is in charge. */
function useNewVersion() {
  const worker = updates.waiting;
  if (!worker) return;
  updates.asked = true;
  // Another window of the app may have said "Update" already (the version is taking
  // charge or has): then only this one reloads.
  if (worker.state === "activating" || worker.state === "activated") reloadOnce();
  else worker.postMessage({ type: "skip-waiting" });
}

/**
 * A small line above any notices, until the person uses it: nothing reloads before.
 * @param {ServiceWorker} worker
 */
function offerUpdate(worker) {
  updates.waiting = worker;
  if (document.getElementById("update-ready")) return;
  byId("notices").prepend(h("div", { id: "update-ready", class: "update-ready", role: "status" },
    h("span", {}, "A new version is ready."),
    h("button", { type: "button", class: "secondary", onclick: useNewVersion }, "Update")));
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then((reg) => {
    /** @param {ServiceWorker} worker */
    const watch = (worker) => {
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
      });
    };
    if (reg.waiting && navigator.serviceWorker.controller) offerUpdate(reg.waiting);
    if (reg.installing) watch(reg.installing);
    reg.addEventListener("updatefound", () => reg.installing && watch(reg.installing));
    // An installed app can stay open for days: look for a new version when it comes back.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") reg.update().catch(() => {});
    });
  }).catch(() => {});
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (updates.asked) reloadOnce();
  });
}

const neutralAtStart = neutralState();
if (neutralAtStart) {
  // pause.js started before this module: it stops again, without signing out.
  window.dispatchEvent(new CustomEvent("attune:stop-quietly"));
  if (forgettingUnfinished()) forgetThisDevice();
} else {
  applyDiscreet();
  if (store.get("attune.token") && store.get("attune.paired")) refreshDiscreetLabel();
}
tellDiscretion(Boolean(neutralAtStart));
online();
route();
if (!neutralAtStart) fillTakeoverSupport();
