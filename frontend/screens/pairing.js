// Pairing: one partner makes a code, the other types it in.

import { action, api, clock, field, fill, h, store } from "../lib.js";
import { start } from "./shared.js";

/** @import { Ctx, Shown } from "./shared.js" */

/** @type {Record<string, string>} */
const SPOKEN = { 0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", "-": "dash" };

/**
 * The pairing screen; moves on by itself once the partner has joined.
 * @param {HTMLElement} main
 * @param {Ctx} ctx
 * @returns {Promise<Shown>}
 */
export async function pair(main, ctx) {
  const who = await api("GET", "/me");
  store.set("attune.me", who);
  if (who.pair_id) {
    store.set("attune.paired", who.pair_id);
    start(ctx, true);
    return {};
  }
  store.set("attune.paired", null);
  // Empty until a code is made: no bordered box with nothing in it.
  const codeBox = h("div", { class: "card", "aria-live": "polite", hidden: true });
  const inviteError = h("p", { class: "error", role: "alert" });
  const joinError = h("p", { class: "error", role: "alert" });
  let poll = 0;
  const makeCode = () => action(async () => {
    const inv = await api("POST", "/pair/invites");
    const spoken = inv.code.split("").map((/** @type {string} */ c) => SPOKEN[c] || c).join(" ");
    codeBox.hidden = false;
    fill(codeBox,
      h("p", {}, "Read this code to your partner, or show them the screen:"),
      h("p", { class: "code", id: "invite-code" }, inv.code),
      h("p", { class: "spoken" }, `Said aloud: ${spoken}`),
      h("p", { class: "muted" }, `It works until ${clock(inv.expires_at)}. A new code replaces this one.`));
    clearInterval(poll);
    poll = setInterval(async () => {
      try {
        const now = await api("GET", "/me");
        if (now.pair_id) {
          clearInterval(poll);
          store.set("attune.me", now);
          store.set("attune.paired", now.pair_id);
          start(ctx, true);
        }
      } catch {
        /* try again next tick */
      }
    }, 1500);
  }, { box: inviteError });
  const join = h("form", {
    class: "card",
    "aria-labelledby": "join-h",
    onsubmit: (e) => {
      e.preventDefault();
      const code = String(new FormData(join).get("join-code") ?? "").trim();
      action(async () => {
        const res = await api("POST", "/pair/join", { code });
        store.set("attune.paired", res.pair_id);
        start(ctx, true);
      }, { box: joinError, fields: { code: "join-code" } });
    },
  },
  h("h2", { id: "join-h" }, "Join with a code"),
  field("join-code", "Your partner's code", { autocomplete: "off", autocapitalize: "characters", required: true, class: "code-input" }),
  joinError,
  h("button", { type: "submit" }, "Join"));
  fill(main,
    h("h1", {}, "Pair with your partner"),
    h("p", {}, "One of you makes a code; the other types it in. Either of you can end the pairing at any time."),
    h("section", { class: "card", "aria-labelledby": "make-h" },
      h("h2", { id: "make-h" }, "Make a code"),
      h("button", { type: "button", id: "make-code", onclick: makeCode }, "Make a pairing code"),
      inviteError),
    codeBox,
    join,
    h("section", { class: "card", id: "on-my-own", "aria-labelledby": "own-h" },
      h("h2", { id: "own-h" }, "Just for you, any time"),
      h("p", {}, "You don't need a partner for these. They're private, and they stay yours whatever happens with a pair."),
      h("ul", { class: "list" },
        h("li", {}, h("a", { href: "#/solo" }, "My own answers"), ": what feels good, what's a maybe, what's not now, for yourself."),
        h("li", {}, h("a", { href: "#/journal" }, "My journal"), ": notes only you will see."),
        h("li", {}, h("a", { href: "#/plan" }, "My safety plan"), ": what can bring old hurt back, and what helps."),
        h("li", {}, h("a", { href: "#/summary" }, "A summary to share"), ": a page for someone who supports you, like a therapist."))));
  return { cleanup: () => clearInterval(poll) };
}
