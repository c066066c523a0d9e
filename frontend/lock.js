// An optional app lock on this device: a PIN kept only as a salted PBKDF2 hash in
// localStorage. It hides the screens from someone holding the phone; the pause bar
// stays usable while locked, because stopping must never wait for a PIN.

import { h, store } from "./lib.js";

const PIN_KEY = "attune.pin";
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

/** Removes this device's PIN. */
export function removePin() {
  store.set(PIN_KEY, null);
}

/** @param {string} pin */
async function verify(pin) {
  const saved = store.get(PIN_KEY);
  if (!saved) return true;
  return (await derive(pin, unhex(saved.salt))) === saved.hash;
}

/** Whether the screens may show: no PIN, or unlocked in this tab. */
export async function checkLock() {
  return !hasPin() || sessionStorage.getItem(UNLOCKED) === "1";
}

/**
 * Fills `main` with the PIN prompt; `onUnlock` runs once the PIN matches.
 * @param {HTMLElement} main
 * @param {() => void} onUnlock
 */
export function lockScreen(main, onUnlock) {
  const error = h("p", { class: "error", role: "alert" });
  const input = h("input", { id: "pin", type: "password", inputmode: "numeric", autocomplete: "off", minlength: "4", maxlength: "12", required: true });
  const form = h("form", {
    class: "lock",
    onsubmit: async (e) => {
      e.preventDefault();
      if (await verify(input.value)) {
        sessionStorage.setItem(UNLOCKED, "1");
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
  main.replaceChildren(h("h1", {}, "Locked"), h("p", {}, "Enter the PIN you chose for this device."), form,
    h("p", { class: "muted" }, "Forgot it? Clearing this site's data in the browser removes the lock; you can sign in again."));
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
