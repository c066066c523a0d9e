// Web Push for a locked phone: the server sends a pause to every subscribed device,
// and sw.js shows it with neutral words. Everything here is opt-in from Settings.

import { api } from "./lib.js";

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
