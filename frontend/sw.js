// The service worker: a versioned shell cache so the app (and its pause control) opens
// without a network; never the API, never the live channel. Web Push shows a pause
// with neutral words, so a locked screen says nothing about what the app is.

const VERSION = "attune-shell-v4";
const SHELL = [
  "/",
  "/index.html",
  "/styles.css",
  "/pause.js",
  "/exit.js",
  "/app.js",
  "/lib.js",
  "/lock.js",
  "/screens/shared.js",
  "/screens/accounts.js",
  "/screens/pairing.js",
  "/screens/home.js",
  "/screens/boundaries.js",
  "/screens/phrases.js",
  "/screens/sessions.js",
  "/screens/aftercare.js",
  "/screens/debriefs.js",
  "/screens/settings.js",
  "/screens/notes.js",
  "/push.js",
  "/manifest.webmanifest",
  "/manifest-discreet.webmanifest",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/maskable-512.png",
  "/icons/discreet-192.png",
  "/icons/discreet-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)));
});

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

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/healthz" || url.pathname === "/readyz") return;
  if (req.mode === "navigate") {
    // The network first, so a deploy shows at once; the cached shell when offline.
    event.respondWith(fetch(req).catch(async () => (await caches.match("/index.html", { cacheName: VERSION })) || Response.error()));
    return;
  }
  // Stale-while-revalidate: the cached file at once (fast, and offline), a fresh copy
  // into the cache for next time. A release also bumps VERSION, which replaces it all.
  event.respondWith((async () => {
    const cache = await caches.open(VERSION);
    const cached = await cache.match(req);
    const fresh = fetch(req).then((res) => {
      if (res.ok && res.type === "basic") cache.put(req, res.clone());
      return res;
    });
    if (cached) {
      event.waitUntil(fresh.catch(() => undefined));
      return cached;
    }
    return fresh;
  })());
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
