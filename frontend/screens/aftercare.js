// Aftercare: what helps each partner afterwards, or if something feels wrong.

import { action, api, field, fill, h } from "../lib.js";
import { planList } from "../plan.js";
import { WISH_WORDS } from "./shared.js";

/** @import { Shown } from "./shared.js" */

/**
 * My aftercare wishes (a form) and my partner's (to read).
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function aftercare(main) {
  const [mine, theirs, card] = await Promise.all([api("GET", "/me/aftercare"), api("GET", "/pair/aftercare").catch(() => null),
    api("GET", "/pair/safety-card").catch(() => null)]);
  const status = h("p", { class: "muted", role: "status" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", {
    class: "card",
    "aria-labelledby": "mine-h",
    onsubmit: (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const text = (/** @type {string} */ name) => String(f.get(name) ?? "").trim() || null;
      const body = { wishes: f.getAll("wish"), in_my_words: text("ac-words"), if_i_freeze: text("ac-freeze") };
      action(() => api("PUT", "/me/aftercare", body), {
        box: error,
        fields: { in_my_words: "ac-words", if_i_freeze: "ac-freeze" },
        after: () => { status.textContent = "Saved. Your partner sees this during time together and after a pause."; },
      });
    },
  },
  h("h2", { id: "mine-h" }, "What helps me"),
  h("fieldset", {}, h("legend", {}, "Afterwards I'd like"),
    Object.entries(WISH_WORDS).map(([k, v]) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: "wish", value: k, checked: mine.wishes.includes(k) }), v))),
  field("ac-words", "In my own words", { tag: "textarea", rows: "3", maxlength: "1000", value: mine.in_my_words || "" }),
  field("ac-freeze", "If I freeze or drift away, this helps", { tag: "textarea", rows: "3", maxlength: "1000", value: mine.if_i_freeze || "" }),
  error, status,
  h("button", { type: "submit" }, "Save"));
  const partnerBox = h("section", { class: "card", "aria-labelledby": "theirs-h" });
  const drawPartner = (/** @type {any} */ care, /** @type {any} */ card) => {
    const shared = card ? planList(card, "theirs") : null;
    fill(partnerBox, h("h2", { id: "theirs-h" }, "What helps your partner"),
      care && (care.wishes.length || care.in_my_words || care.if_i_freeze)
        ? [h("ul", {}, care.wishes.map((/** @type {string} */ w) => h("li", {}, WISH_WORDS[w] || w))),
          care.in_my_words ? h("p", {}, care.in_my_words) : null,
          care.if_i_freeze ? h("p", {}, `If they freeze: ${care.if_i_freeze}`) : null]
        : h("p", { class: "muted" }, "Nothing written yet."),
      shared ? h("section", { id: "their-plan-card", "aria-labelledby": "their-plan-card-h" }, h("h3", { id: "their-plan-card-h" }, "From their safety plan"), shared) : null);
  };
  drawPartner(theirs, card);
  fill(main, h("h1", {}, "Aftercare"), h("p", {}, "What each of you needs afterwards, or if something feels wrong. You can change it any time."), form, partnerBox,
    h("section", { class: "card", "aria-labelledby": "aftercare-support-h" },
      h("h2", { id: "aftercare-support-h" }, "If it feels heavy"),
      h("p", {}, "Some things are easier to carry with someone outside the two of you. A helpline can listen tonight; a therapist or a group can help over time."),
      h("ul", { class: "list" },
        h("li", {}, h("a", { href: "#/support", id: "aftercare-support" }, "Helplines and support")),
        h("li", {}, h("a", { href: "#/learn" }, "Learn what can happen after trauma")))));
  return {
    // The partner changed what they share, or their wishes: redraw theirs, never my form.
    refresh: async (ev) => {
      if (ev.type !== "safety_plan.updated" && ev.type !== "aftercare.updated" && ev.type !== "welcome") return;
      // A failed read keeps what is shown (app.js); unpairing leaves this screen anyway.
      const [care, shared] = await Promise.all([api("GET", "/pair/aftercare"), api("GET", "/pair/safety-card")]);
      drawPartner(care, shared);
    },
  };
}
