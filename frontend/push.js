// Web Push for a locked phone: the server sends a pause to every subscribed device,
// and sw.js shows it with neutral words. Everything here is opt-in from Settings.
// Discreet mode reaches the notifications too: the page tells the service worker whether
// to say "Notes" and the pause's agreed neutral name instead of "Attune".

import { api, store } from "./lib.js";

const DISCREET = "attune.discreet";
const LABEL = "attune.discreetLabel";

const b64urlToBytes = (/** @type {string} */ s) => {
  const pad = "=".repeat((4 - (s.length % 4)) % 4);
  const raw = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
};

/** Whether this browser can receive Web Push. */
export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** "unsupported", "denied", "on" or "off" for this device. */
export async function pushState() {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const reg = await navigator.serviceWorker.ready;
  return (await reg.pushManager.getSubscription()) ? "on" : "off";
}

/** Asks permission and subscribes this device; "on", or "denied". */
export async function turnPushOn() {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return "denied";
  const { public_key: key } = await api("GET", "/push/key");
  const reg = await navigator.serviceWorker.ready;
  const sub = (await reg.pushManager.getSubscription())
    || (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64urlToBytes(key) }));
  await api("POST", "/push/subscriptions", sub.toJSON());
  return "on";
}

/** Unsubscribes this device, here and on the server. */
export async function turnPushOff() {
  if (!pushSupported()) return "unsupported";
  const reg = await navigator.serviceWorker.ready;
  const sub = await reg.pushManager.getSubscription();
  if (sub) {
    try {
      await api("DELETE", "/push/subscriptions", { endpoint: sub.endpoint });
    } finally {
      await sub.unsubscribe();
    }
  }
  return "off";
}

/**
 * Tells the service worker (and pause.js) how discreet to be; the worker keeps it.
 * @param {boolean} [notesOnly]  the app shows only Notes now: discreet, whatever was chosen
 */
export async function tellDiscretion(notesOnly = false) {
  window.dispatchEvent(new CustomEvent("attune:discreet"));
  if (!("serviceWorker" in navigator)) return;
  const message = { type: "discreet", on: notesOnly || Boolean(store.get(DISCREET)), label: store.get(LABEL) || "Hold on" };
  try {
    const reg = await navigator.serviceWorker.ready;
    // Every worker that may show the next notification: the one in charge, and a newer one.
    for (const worker of new Set([navigator.serviceWorker.controller, reg.active, reg.waiting])) worker?.postMessage(message);
  } catch {
    /* no service worker: no notifications either */
  }
}

/**
 * Keeps the pause's agreed neutral name ("Hold on" until both agree) for the lock screen,
 * pause.js and the notifications, also offline.
 * @param {string | null | undefined} label
 */
export function keepDiscreetLabel(label) {
  if (!label || label === store.get(LABEL)) return;
  store.set(LABEL, label);
  tellDiscretion();
}

/** Asks the server for the pause's neutral name and keeps it; quiet when it can't. */
export async function refreshDiscreetLabel() {
  try {
    const { label } = await api("GET", "/pair/discreet");
    // Signed out while it was asked (a late answer): this phone keeps nothing of them.
    if (store.get("attune.token")) keepDiscreetLabel(label);
  } catch {
    /* offline, or no longer paired: keep the last one */
  }
}
