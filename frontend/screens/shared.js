// What more than one screen uses: the app's name, notices, the phrase and check-in
// notices that show on any screen, and the words for aftercare wishes.

import { action, api, field, h, store } from "../lib.js";
import { steppedBack } from "./setbacks.js";

/** @import { Child } from "../lib.js" */

/**
 * What app.js gives every screen.
 * @typedef {object} Ctx
 * @property {(name: string) => void} go  opens a route by its name
 * @property {() => Promise<void>} route  redraws the current route
 * @property {() => void} signedOut  forgets the person on this device
 */
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
 * @typedef {{send: (frame: object) => boolean, reconnect: () => void, pause: () => void,
 *   slow: () => void, me: string | null}} Live
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

// ---------------------------------------------------------------- prompts, pinned in view

/** The dock above the pause bar where a check-in or a phrase waits, in view on any screen. */
const dock = () => /** @type {HTMLElement} */ (document.getElementById("prompt-dock"));

// The page leaves room for the dock, so what it covers can still be scrolled into view.
if ("ResizeObserver" in window) {
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--dock-height", `${dock().offsetHeight}px`);
  }).observe(dock());
}

/**
 * Puts a prompt in the dock (replacing an older one of the same kind, so only the live
 * one can be answered), vibrates where the phone can, and says it once to a screen reader.
 * @param {string} kind  "checkin" | "said"
 * @param {string} id  what it is about (the check-in id, or the said event's seq)
 * @param {HTMLElement} card
 * @param {string} spoken
 */
function pin(kind, id, card, spoken) {
  for (const old of dock().querySelectorAll(`[data-prompt="${kind}"]`)) retire(old);
  card.dataset.prompt = kind;
  card.dataset.about = id;
  dock().append(card);
  try {
    navigator.vibrate?.([150, 80, 150]);
  } catch {
    /* no vibration here */
  }
  const announce = document.getElementById("announce");
  if (announce) announce.textContent = spoken;
}

/**
 * Takes a prompt off the screen.
 * @param {Element} card
 */
function retire(card) {
  const timer = Number(/** @type {HTMLElement} */ (card).dataset.timer);
  if (timer) clearInterval(timer);
  card.remove();
}

/**
 * Retires the prompts of a kind (all, or the one about `id`).
 * @param {string} kind
 * @param {string} [id]
 */
export function retirePrompts(kind, id) {
  for (const card of dock().querySelectorAll(`[data-prompt="${kind}"]`)) {
    if (id === undefined || /** @type {HTMLElement} */ (card).dataset.about === id) retire(card);
  }
}

/**
 * The four answers to a check-in, stop first and never smaller: each differs in colour,
 * shape, words and place. "Not sure" counts as slowing down.
 * @typedef {"red" | "yellow" | "unsure" | "green"} CheckinAnswer
 */
/** @type {[CheckinAnswer, string, string][]} */
const CHECKIN_ANSWERS = [
  ["red", "stop", "I need to stop"],
  ["yellow", "slow", "Slower, please"],
  ["unsure", "unsure", "I'm not sure"],
  ["green", "go", "Yes, keep going"],
];
/** @type {Record<CheckinAnswer, string>} */
const CHECKIN_SAID = {
  red: "You stopped. Your partner is told. You're safe.",
  yellow: "Slowing down. Your partner is told.",
  unsure: "Not sure is a good answer: you're slowing down, and your partner is told.",
  green: "Thank you. Carry on gently; you can stop at any moment.",
};

/**
 * A check-in card: the four answers, and how long until silence becomes a pause.
 * @param {string} sessionId
 * @param {string} checkinId
 * @param {string | null} graceUntil
 * @returns {HTMLElement}
 */
function checkinCard(sessionId, checkinId, graceUntil) {
  const status = h("p", { class: "muted", role: "status" });
  const countdown = h("p", { class: "countdown" });
  const buttons = h("div", { class: "answers", role: "group", "aria-label": "Your answer" });
  const card = h("section", { class: "card prompt checkin-card", "aria-labelledby": `q-${checkinId}` },
    h("h2", { id: `q-${checkinId}`, class: "prompt-title" }, "Check-in: how is this for you right now?"),
    buttons, countdown, status);
  /** @param {CheckinAnswer} value */
  const answer = async (value) => {
    for (const b of buttons.querySelectorAll("button")) b.disabled = true;
    const sent = await action(() => api("POST", `/sessions/${sessionId}/checkins/${checkinId}`, { answer: value }), { box: status });
    if (sent) {
      status.textContent = CHECKIN_SAID[value];
      clearInterval(Number(card.dataset.timer));
      countdown.textContent = "";
      setTimeout(() => retire(card), value === "green" ? 2500 : 4000);
      return;
    }
    // A stop is never lost: offline, or when this check-in closed as it was tapped (a
    // newer one came), it goes through the pause path instead, which keeps trying.
    if (value !== "green" && live()) {
      if (value === "red") live()?.pause(); else live()?.slow();
      status.textContent = navigator.onLine
        ? "That check-in had just closed, so this went from the Pause button instead."
        : "You're offline, so this went as a pause from the Pause button. Say it out loud too.";
      return;
    }
    for (const b of buttons.querySelectorAll("button")) b.disabled = false;
  };
  for (const [value, kind, words] of CHECKIN_ANSWERS) {
    buttons.append(h("button", { type: "button", class: `answer ${kind}`, dataset: { answer: value }, onclick: () => answer(value) }, words));
  }
  if (graceUntil) {
    const until = Date.parse(graceUntil);
    const tick = () => {
      const left = Math.max(0, Math.round((until - Date.now()) / 1000));
      countdown.textContent = left
        ? `Can't answer right now? That's all right: in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} Attune pauses for you both.`
        : "No answer came, so Attune is pausing for you both. That's all right.";
    };
    tick();
    card.dataset.timer = String(setInterval(tick, 1000));
  }
  return card;
}

/**
 * Shows the live check-in, pinned in view; older ones are retired.
 * @param {string} sessionId
 * @param {string} checkinId
 * @param {string | null} graceUntil
 */
export function showCheckin(sessionId, checkinId, graceUntil) {
  if (dock().querySelector(`[data-prompt="checkin"][data-about="${checkinId}"]`)) return;
  pin("checkin", checkinId, checkinCard(sessionId, checkinId, graceUntil), "Check-in: how is this for you right now?");
}

/** After (re)connecting: the live check-in, if one waits for this person's answer. */
export async function syncPrompts() {
  try {
    const cur = (await api("GET", "/sessions/current")).session;
    const c = cur?.status === "active" ? cur.checkin : null;
    if (c && !c.my_answer && (!c.grace_until || Date.parse(c.grace_until) > Date.now())) {
      showCheckin(cur.id, c.id, c.grace_until);
    } else {
      retirePrompts("checkin");
    }
  } catch {
    /* offline or unpaired: keep what is shown */
  }
}

/** @type {Record<string, number>} Tone order for answer phrases: stop first, then slow, then go. */
const TONE_ORDER = { red: 0, yellow: 1, green: 2 };

/**
 * Shows what reaches this person on any screen: a phrase said to them, a check-in, the
 * end of time together, the next day's gentle question.
 * @param {LiveEvent} ev
 */
export async function globalNotice(ev) {
  const mine = ev.actor && ev.actor === live()?.me;
  if (ev.type === "phrase.said" && !mine && ev.data.phrase) {
    const answers = (await activePhrases()).filter((p) => p.kind === "answer")
      .sort((x, y) => (TONE_ORDER[String(x.tone)] ?? 3) - (TONE_ORDER[String(y.tone)] ?? 3));
    const status = h("p", { class: "muted", role: "status" });
    const said = `Your partner says: “${ev.data.phrase.text}”`;
    const card = h("section", { class: "card prompt said", "aria-label": "Your partner says" },
      h("p", { class: "prompt-title" }, said),
      answers.length ? h("div", { class: "answers", role: "group", "aria-label": "Answer with a phrase" },
        answers.map((p) => h("button", { type: "button", class: `answer ${{ red: "stop", yellow: "slow", green: "go" }[String(p.tone)] || "go"}`, dataset: { tone: String(p.tone) },
          onclick: async () => {
            sendSeen(ev.seq);
            // Answered: it says so for a moment, then leaves the way clear.
            if (await sayPhrase(p, ev.seq ?? null, status)) setTimeout(() => retire(card), 2500);
          } }, p.text))) : null,
      status,
      h("button", { type: "button", class: "secondary", onclick: () => { sendSeen(ev.seq); retire(card); } }, "OK"));
    pin("said", String(ev.seq), card, said);
  }
  if (ev.type === "checkin.prompt") showCheckin(ev.data.session_id, ev.data.checkin_id, ev.data.grace_until);
  // Its time ran out: silence became a pause, and the card has nothing left to ask.
  if (ev.type === "checkin.missed") retirePrompts("checkin", ev.data.checkin_id);
  if (ev.type === "session.ended") {
    retirePrompts("checkin");
    afterTogether(ev.data.end_reason);
  }
  if (ev.type === "session.next_day") nextDay(ev.data.session_id);
  if (ev.type === "pair.stepped_back" && ev.seq) steppedBack(ev.seq, ev.data.title);
}

/**
 * Time together has ended: lead gently to aftercare and, later, the debrief.
 * @param {string | null} reason
 */
export function afterTogether(reason) {
  notice(`${reason === "time" ? "Your time together is up." : "Your time together has ended."} Nothing needs to happen next. When you're ready:`, [
    h("ul", { class: "list" },
      h("li", {}, h("a", { href: "#/aftercare" }, "Aftercare: what helps each of you now")),
      h("li", {}, h("a", { href: "#/debrief" }, "Look back together, when you both want to"))),
  ]);
}

/**
 * The gentle next-day question about a session; the answer is only this person's.
 * @param {string} sessionId
 */
export function nextDay(sessionId) {
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", {
    class: "stack",
    onsubmit: (e) => {
      e.preventDefault();
      const f = new FormData(form);
      action(() => api("PUT", `/sessions/${sessionId}/next-day`, { feeling: Number(f.get("nd-feeling")), words: String(f.get("nd-words") || "").trim() || null }), {
        box: error, fields: { words: "nd-words" },
        after: () => { card.querySelector("form")?.replaceWith(h("p", {}, "Kept. Only you can see it.")); },
      });
    },
  },
  h("fieldset", {}, h("legend", {}, "How safe do you feel about it today? (1 = not at all, 5 = completely)"),
    h("div", { class: "row" }, [1, 2, 3, 4, 5].map((v) => h("label", { class: "inline" }, h("input", { type: "radio", name: "nd-feeling", value: String(v), required: true }), String(v))))),
  field("nd-words", "Anything you want to remember (optional)", { tag: "textarea", rows: "2", maxlength: "2000" }),
  error,
  h("button", { type: "submit" }, "Keep it for me"));
  const card = notice("A day has passed since your time together. How do you feel about it now? Only you will see this.", [form]);
}

/**
 * The partner asks to put shared parts in a summary of theirs: said once, where this
 * person is, with no hurry in it. The answer is given on the summary screen.
 */
export function summaryAsked() {
  if (document.querySelector("[data-summary-asked]")) return;
  const card = notice("Your partner is making a summary to share with someone who supports them, and asked whether some of what you share can go in. It's up to you, and there's no hurry.", [
    h("p", {}, h("a", { href: "#/summary", onclick: () => card.remove() }, "Look at what they asked")),
  ]);
  card.dataset.summaryAsked = "";
}
