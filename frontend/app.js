// The app shell and its screens. Plain DOM, no build step, no library: each screen is a
// function that fills <main>, and a `refresh` that redraws only its live parts when an
// event arrives, so nothing a person is typing is lost. The pause lives in pause.js.

import { h, ApiError, store } from "./lib.js";
import { checkLock, lockScreen } from "./lock.js";
import * as screens from "./screens.js";

const ROUTES = {
  welcome: screens.welcome,
  pair: screens.pair,
  home: screens.home,
  boundaries: screens.boundaries,
  phrases: screens.phrases,
  session: screens.session,
  aftercare: screens.aftercare,
  debrief: screens.debrief,
  settings: screens.settings,
};
const OPEN = new Set(["welcome"]);
const PAIRED_ONLY = new Set(["boundaries", "phrases", "session", "debrief"]);

let current = null; // {name, token, refresh?, cleanup?}
let routing = 0;

export function go(name) {
  if (location.hash === `#/${name}`) route();
  else location.hash = `#/${name}`;
}

async function route() {
  const main = document.getElementById("main");
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
  if (current && current.cleanup) current.cleanup();
  document.getElementById("nav").hidden = !signedIn;
  for (const a of document.querySelectorAll("#nav a")) {
    const here = a.getAttribute("href") === `#/${name}`;
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
    a.hidden = !paired && PAIRED_ONLY.has(a.getAttribute("href").slice(2));
  }
  // Each screen is built off-page and shown only if no newer route started meanwhile.
  const token = ++routing;
  const view = document.createElement("div");
  current = { name, token };
  try {
    const result = await ROUTES[name](view, { go, route, signedOut, updates });
    if (token !== routing) {
      if (result && result.cleanup) result.cleanup();
      return;
    }
    Object.assign(current, result || {});
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
  document.title = `${heading ? heading.textContent : "Attune"} · ${screens.appName()}`;
}

// Device preferences outlive a sign-out; everything about the person does not.
const DEVICE_KEYS = new Set(["attune.pin", "attune.discreet", "attune.sound"]);

export function signedOut() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith("attune.") && !DEVICE_KEYS.has(key)) localStorage.removeItem(key);
  }
  window.dispatchEvent(new CustomEvent("attune:stop"));
  go("welcome");
}

// Live events: the open screen redraws its live parts; a few things show everywhere.
let refreshTimer = 0;
window.addEventListener("attune:event", (e) => {
  const ev = e.detail;
  screens.globalNotice(ev);
  if (ev.type === "pause") store.set("attune.lastPauseSeq", ev.seq);
  if (current && current.refresh) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => refresh(ev), 30);
  }
});

// A live redraw that fails (offline, a 404 after unpairing) keeps what is on screen.
function refresh(ev) {
  if (!current || !current.refresh) return;
  Promise.resolve().then(() => current.refresh(ev)).catch(() => {});
}
window.addEventListener("attune:resync", () => refresh({ type: "resync" }));
window.addEventListener("attune:welcome", () => refresh({ type: "welcome" }));
window.addEventListener("attune:frame", (e) => {
  const f = e.detail;
  if (f.type === "boundary.answered" || f.type === "aftercare.updated") refresh(f);
});
window.addEventListener("attune:signedout", signedOut);
window.addEventListener("attune:pair-ended", () => {
  screens.notice("Your pair has ended. Everything you shared is gone for both of you; your own account, aftercare wishes and journal stay yours.");
  go("pair");
});

function online() {
  document.getElementById("offline-note").hidden = navigator.onLine !== false;
}
window.addEventListener("online", online);
window.addEventListener("offline", online);
window.addEventListener("hashchange", route);

// The service worker: the shell opens offline; an update waits until the person asks.
export const updates = { waiting: null };
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then((reg) => {
    const watch = (worker) => {
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) {
          updates.waiting = worker;
          screens.notice("A new version of the app is ready. Open Settings to use it.");
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

screens.applyDiscreet();
online();
route();

