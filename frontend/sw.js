// The service worker: keeps the app shell (and so its pause control) on the phone, so the
// app opens at once and without a network; never the API, never the live channel. Web
// Push shows a pause with neutral words, so a locked screen says nothing about the app.

// Written in by the server from the files themselves (api/shell.py), never by hand: each
// shell file's address and SHA-256, and the version they make together.
const VERSION = /* version */ "";
/** @type {Record<string, string>} */
const SHELL = /* shell */ {};

/** @param {ArrayBuffer} digest */
const hex = (digest) => Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");

// All or nothing: every file is fetched past the browser's HTTP cache and checked against
// its hash before any is stored, so a version holds exactly its own files. If one fails,
// this worker is dropped and the phone keeps the version it has.
self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const fetched = await Promise.all(Object.entries(SHELL).map(async ([path, hash]) => {
      const res = await fetch(path, { cache: "reload" });
      if (!res.ok) throw new Error(`${path} answered ${res.status}`);
      if (hex(await crypto.subtle.digest("SHA-256", await res.clone().arrayBuffer())) !== hash) {
        throw new Error(`${path} changed while this version was installing`);
      }
      return /** @type {[string, Response]} */ ([path, res]);
    }));
    try {
      const cache = await caches.open(VERSION);
      await Promise.all(fetched.map(([path, res]) => cache.put(path, res)));
    } catch (err) {
      await caches.delete(VERSION);
      throw err;
    }
  })());
});

// Only once the person has said "Update" (or every window of the app has closed): the
// old versions go, and this one serves every open window.
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("attune-") && n !== VERSION).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

// An update waits until the page asks, so nobody's screen changes under them. The page
// also says whether the app is in discreet mode, for the notifications.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
  if (event.data && event.data.type === "discreet") event.waitUntil(keepDiscretion(event.data));
});

// Always the network's: the API, health and metrics (the live channel never comes here).
const NEVER_KEPT = /^\/(api\/|healthz$|readyz$|metrics$)/;

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || NEVER_KEPT.test(url.pathname)) return;
  const path = url.pathname === "/" ? "/index.html" : url.pathname;
  if (!Object.hasOwn(SHELL, path)) return;
  // Cache first, pages too: this version's own copy, at once and offline, so every file
  // a window loads comes from one version. The network only if the copy has gone (the
  // second PIN clears Cache Storage).
  event.respondWith((async () => (await caches.match(path, { cacheName: VERSION })) || fetch(req))());
});

const NEUTRAL = {
  pause: { title: "Attune", body: "Your partner needs a moment. Open the app." },
  slow: { title: "Attune", body: "Your partner would like to check in. Open the app." },
};

// Discreet mode, as the page last said: kept outside the shell cache (whose "attune-"
// names are replaced on every release) so it survives restarts of this worker.
const PREFS = "device-prefs";
const DISCRETION = "/device-prefs/discreet";
let discretion = null;

async function keepDiscretion(data) {
  discretion = { on: Boolean(data.on), label: typeof data.label === "string" ? data.label.slice(0, 24) : "" };
  const cache = await caches.open(PREFS);
  await cache.put(DISCRETION, new Response(JSON.stringify(discretion), { headers: { "Content-Type": "application/json" } }));
}

async function readDiscretion() {
  if (discretion) return discretion;
  try {
    const saved = await caches.match(DISCRETION, { cacheName: PREFS });
    discretion = saved ? await saved.json() : { on: false, label: "" };
  } catch {
    discretion = { on: false, label: "" };
  }
  return discretion;
}

/** What a notification says: in discreet mode, nothing of what the app is. */
async function wordsFor(type) {
  const prefs = await readDiscretion();
  if (!prefs.on) return { ...(NEUTRAL[type] || NEUTRAL.pause), icon: "/icons/icon-192.png" };
  // The pause wears the name the two of them agreed; anything else is just "a note".
  const body = type === "slow" ? "You have a new note." : prefs.label || "You have a new note.";
  return { title: "Notes", body, icon: "/icons/discreet-192.png" };
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  event.waitUntil(wordsFor(data.type).then((words) => self.registration.showNotification(words.title, {
    body: words.body,
    tag: data.type === "slow" ? "slow" : "pause",
    requireInteraction: true,
    renotify: true,
    icon: words.icon,
    badge: words.icon,
    data: { seq: data.seq || null, url: "/" },
  })));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (new URL(client.url).origin === self.location.origin) return client.focus();
    }
    return self.clients.openWindow("/");
  })());
});
