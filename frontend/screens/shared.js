// What more than one screen uses: the app's name, notices, the phrase and check-in
// notices that show on any screen, and the words for aftercare wishes.

import { action, api, h, store } from "../lib.js";

/** @import { Child } from "../lib.js" */

/**
 * What app.js gives every screen.
 * @typedef {object} Ctx
 * @property {(name: string) => void} go  opens a route by its name
 * @property {() => Promise<void>} route  redraws the current route
 * @property {() => void} signedOut  forgets the person on this device
 * @property {Updates} updates
 */
/** @typedef {{waiting: ServiceWorker | null, asked?: boolean}} Updates  a new app version, waiting */
/** @typedef {{type: string, seq?: number, actor?: string, at?: string, data?: any}} LiveEvent */
/**
 * What a screen leaves behind: `refresh` redraws its live parts after an event.
 * @typedef {{refresh?: (ev: LiveEvent) => unknown, cleanup?: () => void}} Shown
 */
/**
 * A screen fills `main`; nothing a person is typing is redrawn by `refresh`.
 * @typedef {(main: HTMLElement, ctx: Ctx) => Promise<Shown | void>} Screen
 */
/**
 * A phrase of the pair's deck (schemas/phrases.py PhraseOut).
 * @typedef {object} Phrase
 * @property {string} id
 * @property {string} text
 * @property {string} moment
 * @property {string} kind
 * @property {string | null} tone
 * @property {"proposed" | "active" | "withdrawn"} status
 * @property {boolean} awaiting_me
 */
/**
 * The live channel pause.js offers on window.attuneLive.
 * @typedef {{send: (frame: object) => boolean, reconnect: () => void, me: string | null}} Live
 */

/** The live channel of pause.js, if it loaded. */
export const live = () => /** @type {Live | undefined} */ (/** @type {any} */ (window).attuneLive);

/** @type {Record<string, string>} */
export const WISH_WORDS = {
  closeness: "Being held close", quiet: "Quiet", talk: "Talking it through", water: "A glass of water",
  space: "Some space", blanket: "A blanket", food: "Something to eat", music: "Music",
  shower: "A shower", "alone-time": "Time alone",
};

/** The name the app shows: "Notes" when discreet. */
export function appName() {
  return store.get("attune.discreet") ? "Notes" : "Attune";
}

/** Shows the discreet or the usual name, manifest and icon. */
export function applyDiscreet() {
  const discreet = Boolean(store.get("attune.discreet"));
  const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  byId("brand").textContent = discreet ? "Notes" : "Attune";
  byId("manifest-link").setAttribute("href", discreet ? "/manifest-discreet.webmanifest" : "/manifest.webmanifest");
  byId("icon-link").setAttribute("href", discreet ? "/icons/discreet-192.png" : "/icons/icon-192.png");
}

/**
 * A card above every screen until its OK is pressed.
 * @param {string} text
 * @param {Child[]} [extra]
 * @param {(() => void) | null} [onDismiss]
 */
export function notice(text, extra = [], onDismiss = null) {
  const box = /** @type {HTMLElement} */ (document.getElementById("notices"));
  const card = h("div", { class: "card notice", role: "status" }, h("p", {}, text), extra,
    h("button", { type: "button", class: "secondary", onclick: () => { if (onDismiss) onDismiss(); card.remove(); } }, "OK"));
  box.append(card);
  return card;
}

/**
 * Connects the live channel and opens home (or pairing).
 * @param {Ctx} ctx
 * @param {boolean} paired
 */
export function start(ctx, paired) {
  window.dispatchEvent(new CustomEvent("attune:start"));
  ctx.go(paired ? "home" : "pair");
}

/** @type {Phrase[]} */
let phraseCache = [];

/**
 * Keeps the deck the phrases screen loaded, for answering a phrase on any screen.
 * @param {Phrase[]} list
 */
export function rememberPhrases(list) {
  phraseCache = list;
}

/** The phrases ready to use; the last list known when offline. */
async function activePhrases() {
  try {
    phraseCache = (await api("GET", "/phrases")).items;
  } catch {
    /* keep the last list */
  }
  return phraseCache.filter((p) => p.status === "active");
}

/**
 * Says a phrase to the partner (as an answer to `replyTo`, a seq) and shows how it went.
 * @param {Phrase} phrase
 * @param {number | null} replyTo
 * @param {HTMLElement} statusBox
 */
export function sayPhrase(phrase, replyTo, statusBox) {
  return action(() => api("POST", `/phrases/${phrase.id}/say`, { id: crypto.randomUUID(), reply_to: replyTo || null }), {
    box: statusBox,
    after: () => { statusBox.textContent = `Said: “${phrase.text}”`; },
  });
}

/**
 * Tells the partner this person has seen the event `seq`.
 * @param {number | undefined} seq
 */
function sendSeen(seq) {
  live()?.send({ type: "receipt", seq, status: "seen" });
}

/**
 * Green / yellow / red for a check-in; the answer's effect is said in `status`. Here, not
 * in sessions.js, because a check-in notice shows on any screen.
 * @param {string} sessionId
 * @param {string} checkinId
 * @param {HTMLElement} status
 */
export function checkinButtons(sessionId, checkinId, status) {
  /** @param {"green" | "yellow" | "red"} value */
  const answer = (value) => action(() => api("POST", `/sessions/${sessionId}/checkins/${checkinId}`, { answer: value }), {
    box: status,
    after: () => {
      status.textContent = value === "green" ? "Thank you. Carry on gently." : value === "yellow"
        ? "Slowing down. Your partner knows." : "Paused. Your partner knows.";
    },
  });
  return h("div", { class: "row", role: "group", "aria-label": "Check-in answer" },
    h("button", { type: "button", class: "checkin green", onclick: () => answer("green") }, "Green: all good"),
    h("button", { type: "button", class: "checkin yellow", onclick: () => answer("yellow") }, "Yellow: slow down"),
    h("button", { type: "button", class: "checkin red", onclick: () => answer("red") }, "Red: stop"));
}

/**
 * Shows what reaches this person on any screen: a phrase said to them, a check-in.
 * @param {LiveEvent} ev
 */
export async function globalNotice(ev) {
  const mine = ev.actor && ev.actor === live()?.me;
  if (ev.type === "phrase.said" && !mine && ev.data.phrase) {
    const answers = (await activePhrases()).filter((p) => p.kind === "answer");
    const status = h("p", { class: "muted", role: "status" });
    const card = notice(`Your partner says: “${ev.data.phrase.text}”`, [
      answers.length ? h("div", { class: "row", role: "group", "aria-label": "Answer with a phrase" },
        answers.map((p) => h("button", { type: "button", class: `tone-${p.tone}`, dataset: { tone: String(p.tone) },
          onclick: () => { sendSeen(ev.seq); sayPhrase(p, ev.seq ?? null, status); } }, p.text))) : null,
      status,
    ], () => sendSeen(ev.seq));
    card.classList.add("said");
  }
  if (ev.type === "checkin.prompt") {
    const status = h("p", { class: "muted", role: "status" });
    notice("Check-in: how is this for you right now?", [checkinButtons(ev.data.session_id, ev.data.checkin_id, status), status]);
  }
}
