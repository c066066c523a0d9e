// The service worker: a versioned shell cache so the app (and its pause control) opens
// without a network; never the API, never the live channel. Web Push shows a pause
// with neutral words, so a locked screen says nothing about what the app is.

const VERSION = "attune-shell-v3";
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

// An update waits until the page asks, so nobody's screen changes under them.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
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

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const words = NEUTRAL[data.type] || NEUTRAL.pause;
  event.waitUntil(self.registration.showNotification(words.title, {
    body: words.body,
    tag: data.type === "slow" ? "slow" : "pause",
    requireInteraction: true,
    renotify: true,
    icon: "/icons/icon-192.png",
    badge: "/icons/icon-192.png",
    data: { seq: data.seq || null, url: "/" },
  }));
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
