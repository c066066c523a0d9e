// An optional app lock on this device: a PIN kept only as a salted PBKDF2 hash in
// localStorage. It hides the screens from someone holding the phone; the pause bar
// stays usable while locked, because stopping must never wait for a PIN.
// A second PIN (optional, set in Settings) opens a plain Notes page instead and makes
// this device forget the app (exit.js). Both are checked with the same work, so which
// one was typed can't be told by how long the screen takes.

import { forgetThisDevice } from "./exit.js";
import { h, store } from "./lib.js";

const PIN_KEY = "attune.pin";
const SECOND_KEY = "attune.pin2";
const UNLOCKED = "attune.unlocked";
const RELOCK_AFTER_MS = 60000;

const hex = (/** @type {ArrayBuffer | Uint8Array} */ buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (/** @type {string} */ s) => new Uint8Array(/** @type {RegExpMatchArray} */ (s.match(/../g)).map((x) => parseInt(x, 16)));

/**
 * @param {string} pin
 * @param {Uint8Array<ArrayBuffer>} salt
 */
async function derive(pin, salt) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: 200000 }, key, 256);
  return hex(bits);
}

/** Whether this device has a PIN. */
export function hasPin() {
  return Boolean(store.get(PIN_KEY));
}

/**
 * Locks this device with `pin` (kept only as a salted hash); unlocked for now.
 * @param {string} pin
 */
export async function setPin(pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  store.set(PIN_KEY, { salt: hex(salt), hash: await derive(pin, salt), v: 1 });
  sessionStorage.setItem(UNLOCKED, "1");
}

/** Removes this device's PIN, and the second PIN with it. */
export function removePin() {
  store.set(PIN_KEY, null);
  store.set(SECOND_KEY, null);
}

/** Whether this device has a second PIN. */
export function hasSecondPin() {
  return Boolean(store.get(SECOND_KEY));
}

/**
 * Keeps `pin` as the second PIN; false (and nothing kept) when it is the app PIN itself.
 * @param {string} pin
 */
export async function setSecondPin(pin) {
  const saved = store.get(PIN_KEY);
  if (!saved || (await derive(pin, unhex(saved.salt))) === saved.hash) return false;
  const salt = crypto.getRandomValues(new Uint8Array(16));
  store.set(SECOND_KEY, { salt: hex(salt), hash: await derive(pin, salt), v: 1 });
  return true;
}

/** Removes the second PIN. */
export function removeSecondPin() {
  store.set(SECOND_KEY, null);
}

/**
 * Which PIN this is: "open" (the app PIN, or no PIN), "notes" (the second PIN) or
 * "wrong". Both hashes are always derived, the second against a random salt when there
 * is none, so every answer takes the same time.
 * @param {string} pin
 * @returns {Promise<"open" | "notes" | "wrong">}
 */
async function verify(pin) {
  const saved = store.get(PIN_KEY);
  if (!saved) return "open";
  const second = store.get(SECOND_KEY);
  const [mine, other] = await Promise.all([
    derive(pin, unhex(saved.salt)),
    derive(pin, second ? unhex(second.salt) : crypto.getRandomValues(new Uint8Array(16))),
  ]);
  if (mine === saved.hash) return "open";
  if (second && other === second.hash) return "notes";
  return "wrong";
}

/** Whether the screens may show: no PIN, or unlocked in this tab. */
export async function checkLock() {
  return !hasPin() || sessionStorage.getItem(UNLOCKED) === "1";
}

/**
 * Fills `main` with the PIN prompt; `onUnlock` runs once the PIN matches, and also after
 * the second PIN (the app then shows only Notes). In discreet mode, and on the way back
 * from the Notes page, it says nothing of what the app is: "Notes" and a PIN field.
 * @param {HTMLElement} main
 * @param {() => void} onUnlock
 */
export function lockScreen(main, onUnlock) {
  const discreet = Boolean(store.get("attune.discreet")) || document.documentElement.dataset.exited === "true";
  const error = h("p", { class: "error", role: "alert" });
  const input = h("input", { id: "pin", type: "password", inputmode: "numeric", autocomplete: "off", minlength: "4", maxlength: "12", required: true });
  const form = h("form", {
    class: "lock",
    onsubmit: async (e) => {
      e.preventDefault();
      const answer = await verify(input.value);
      if (answer === "open") {
        sessionStorage.setItem(UNLOCKED, "1");
        onUnlock();
      } else if (answer === "notes") {
        input.value = "";
        forgetThisDevice();
        onUnlock();
      } else {
        error.textContent = "That PIN doesn't match. Try again.";
        input.value = "";
        input.focus();
      }
    },
  },
  h("label", { for: "pin" }, "PIN"), input, error,
  h("button", { type: "submit" }, "Open"));
  /** @type {HTMLElement} */ (document.getElementById("nav")).hidden = true;
  main.replaceChildren(h("h1", {}, discreet ? "Notes" : "Locked"),
    h("p", {}, discreet ? "Enter your PIN." : "Enter the PIN you chose for this device."), form,
    h("p", { class: "muted" }, discreet ? "Forgot it? Clearing this site's data in the browser removes the PIN."
      : "Forgot it? Clearing this site's data in the browser removes the lock; you can sign in again."));
  document.title = discreet ? "Notes" : "Locked · Attune";
  input.focus();
}

let hiddenAt = 0;
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") hiddenAt = Date.now();
  else if (hasPin() && hiddenAt && Date.now() - hiddenAt > RELOCK_AFTER_MS) {
    sessionStorage.removeItem(UNLOCKED);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  }
});
