// Leaving safely, on its own: quick exit (a button, or Shift three times within a second
// outside a text field), the neutral Notes page the app shows afterwards, and forgetting
// this device after the second PIN. It imports nothing and runs first, so nothing of the
// app's name shows while the rest loads when the app should look like Notes.
//
// Quick exit replaces this page in history, and the app keeps ONE history entry (app.js),
// so Back leaves it; it cannot erase the entries already there: Settings says so.

export const NEUTRAL_PAGE = "https://www.bbc.co.uk/weather";
// Set by quick exit: the app shows only the Notes page until the person comes back.
export const EXITED = "attune.exited";
// Set by the second PIN: "pending" while this device forgets the app, then "off"; only
// this neutral key stays, so the app opens as Notes again. The notes themselves are notes.pad.
export const NOTES_ONLY = "notes.sync";

const TOKEN = "attune.token";
const EDITABLE = "input, textarea, select, [contenteditable]:not([contenteditable='false'])";

/**
 * @param {string} key
 * @returns {string | null}
 */
const read = (key) => {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
};

/**
 * What this device shows instead of the app: "exited" after quick exit, "notes" after the
 * second PIN, or null (the app as usual).
 * @returns {"exited" | "notes" | null}
 */
export function neutralState() {
  if (read(EXITED)) return "exited";
  if (read(NOTES_ONLY)) return "notes";
  return null;
}

/** Whether the second PIN's forgetting was cut short (the page closed meanwhile). */
export function forgettingUnfinished() {
  return read(NOTES_ONLY) === "pending";
}

/** Gives the page the plain Notes look: no app name anywhere a glance can catch it. */
export function maskAsNotes() {
  document.documentElement.dataset.exited = "true";
  document.title = "Notes";
  const brand = document.getElementById("brand");
  if (brand) brand.textContent = "Notes";
  document.getElementById("icon-link")?.setAttribute("href", "/icons/discreet-192.png");
  document.getElementById("manifest-link")?.setAttribute("href", "/manifest-discreet.webmanifest");
}

/** Back to the app's own look (the person chose to come back). */
export function unmask() {
  delete document.documentElement.dataset.exited;
}

/** Clears the screen, stops the live channel and leaves for a neutral page, adding no history entry. */
export function quickExit() {
  // pause.js first, while the elements it tidies up are still there.
  window.dispatchEvent(new CustomEvent("attune:stop-quietly"));
  document.title = "Weather";
  document.body.replaceChildren();
  document.documentElement.style.background = "#ffffff";
  try {
    localStorage.setItem(EXITED, "true");
    sessionStorage.clear();
  } catch {
    /* leave regardless */
  }
  window.location.replace(NEUTRAL_PAGE);
}

/**
 * Whether this key press happens while the person is typing (or choosing) in a field.
 * @param {EventTarget | null} target
 */
const inField = (target) => target instanceof Element && Boolean(target.closest(EDITABLE));

/** @type {number[]} */
const presses = [];
document.addEventListener("keydown", (e) => {
  // Escape leaves a text field, so the shortcut can be used next without a mouse; inside
  // the pause takeover, Escape belongs to the takeover.
  if (e.key === "Escape" && inField(e.target) && !(/** @type {Element} */ (e.target).closest("dialog"))) {
    /** @type {HTMLElement} */ (e.target).blur();
    return;
  }
  if (e.key !== "Shift" || e.repeat) return;
  // Never while typing: "I Am OK" has three capitals and must not close the app.
  if (inField(e.target)) {
    presses.length = 0;
    return;
  }
  const now = performance.now();
  presses.push(now);
  while (presses.length && now - presses[0] > 1000) presses.shift();
  if (presses.length >= 3) quickExit();
});

// The takeover of an incoming pause has its own Quick exit (pause.js says so with an event).
window.addEventListener("attune:quick-exit", quickExit);

/**
 * A fetch that outlives the page (keepalive), with this device's token; never throws.
 * @param {string} method
 * @param {string} path
 * @param {string} token
 * @param {unknown} [body]
 */
async function send(method, path, token, body) {
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    await fetch(`/api/v1${path}`, { method, headers, keepalive: true, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    /* offline: the token is gone from this phone below, so nobody can use it from here */
  }
}

/** @type {Promise<void> | null} */
let forgetting = null;

/**
 * The second PIN: this device forgets the app. Shows as Notes at once; then, in the
 * background, the push subscription is dropped (here and on the server), this device is
 * signed out on the server, and every attune.* key, sessionStorage and Cache Storage are
 * cleared. Nothing is sent to the partner beyond what signing out does. Safe to run again
 * (app.js finishes an interrupted one when the app opens).
 * @returns {Promise<void>}
 */
export function forgetThisDevice() {
  if (forgetting) return forgetting;
  try {
    localStorage.setItem(NOTES_ONLY, "pending");
    sessionStorage.clear();
  } catch {
    /* storage unavailable */
  }
  // First, so the socket's close (4401) is not answered with "signed out" on screen.
  window.dispatchEvent(new CustomEvent("attune:stop-quietly"));
  forgetting = (async () => {
    let token = null;
    try {
      token = JSON.parse(read(TOKEN) || "null");
    } catch {
      token = null;
    }
    /** @type {PushSubscription | null} */
    let sub = null;
    try {
      const reg = "serviceWorker" in navigator ? await navigator.serviceWorker.getRegistration() : undefined;
      sub = reg ? await reg.pushManager.getSubscription() : null;
    } catch {
      sub = null;
    }
    if (token) {
      // The subscription first: it needs the token, which the sign-out ends.
      if (sub) await send("DELETE", "/push/subscriptions", token, { endpoint: sub.endpoint });
      await send("POST", "/auth/logout", token);
    }
    try {
      await sub?.unsubscribe();
    } catch {
      /* the server has forgotten it already */
    }
    try {
      for (const key of Object.keys(localStorage)) {
        if (key.startsWith("attune.")) localStorage.removeItem(key);
      }
      sessionStorage.clear();
      localStorage.setItem(NOTES_ONLY, "off");
    } catch {
      /* storage unavailable */
    }
    try {
      if ("caches" in window) await Promise.all((await caches.keys()).map((name) => caches.delete(name)));
    } catch {
      /* nothing cached */
    }
  })().finally(() => {
    forgetting = null;
  });
  return forgetting;
}

// Before anything else draws: the Notes look when the app must not show, and the
// discreet name while the rest loads.
let discreet = false;
try {
  discreet = JSON.parse(read("attune.discreet") || "false") === true;
} catch {
  discreet = false;
}
if (neutralState()) maskAsNotes();
else if (discreet) {
  document.title = "Notes";
  const brand = document.getElementById("brand");
  if (brand) brand.textContent = "Notes";
}
if (neutralState() || discreet) {
  const boot = document.querySelector("#main h1");
  if (boot) boot.textContent = "Notes";
}

function wire() {
  const btn = document.getElementById("quick-exit");
  if (btn) btn.addEventListener("click", quickExit);
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
else wire();
