// My safety plan: mine alone, shared with my partner only part by part, by my choice.

import { HELP_WORDS, PART_WORDS, PARTS } from "../plan.js";
import { action, api, field, fill, h, store } from "../lib.js";

/** @import { Shown } from "./shared.js" */

// The API's names for the plan's free-text fields, and their inputs' ids.
const TEXT_FIELDS = { triggers: "sp-triggers", helps_words: "sp-helps-words", avoid: "sp-avoid", grounding: "sp-grounding", topics: "sp-topics" };

/**
 * A few words under each part's heading: what to write, never what one should feel.
 * @type {Record<string, string>}
 */
const HINTS = {
  triggers: "Sounds, words, kinds of touch, places, times of day. Only as much as you want to write; a word or two is enough.",
  helps: "Choose any that help, and add your own.",
  avoid: "What makes it harder, said plainly.",
  grounding: "What you'd like to hear to come back to the here and now.",
  topics: "Ordinary, easy things to talk about while you settle.",
};

/**
 * The plan screen: the form, then who can see which part.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function plan(main) {
  let mine = await api("GET", "/me/safety-plan");
  const paired = Boolean(store.get("attune.paired"));
  const partner = store.get("attune.partnerName") || "your partner";
  const status = h("p", { class: "muted", role: "status", id: "plan-saved" });
  const error = h("p", { class: "error", role: "alert" });
  const part = (/** @type {string} */ name, /** @type {import("../lib.js").Child[]} */ ...inside) =>
    h("fieldset", { class: "plan-part", dataset: { part: name } }, h("legend", { id: `sp-${name}-h` }, PART_WORDS[name][0]),
      h("p", { class: "muted", id: `sp-${name}-hint` }, HINTS[name]), ...inside);
  // A part's box is named by its legend and described by its hint.
  const textPart = (/** @type {string} */ name) => part(name, h("textarea", {
    id: TEXT_FIELDS[/** @type {keyof typeof TEXT_FIELDS} */ (name)], name: TEXT_FIELDS[/** @type {keyof typeof TEXT_FIELDS} */ (name)], rows: "3", maxlength: "1000", value: mine[name] || "",
    "aria-labelledby": `sp-${name}-h`, "aria-describedby": `sp-${name}-hint`,
  }));
  const form = h("form", {
    class: "card",
    id: "plan-form",
    "aria-labelledby": "myplan-h",
    onsubmit: (e) => {
      e.preventDefault();
      const f = new FormData(form);
      const value = (/** @type {string} */ id) => String(f.get(id) ?? "").trim() || null;
      const body = {
        triggers: value("sp-triggers"), helps: f.getAll("sp-help"), helps_words: value("sp-helps-words"),
        avoid: value("sp-avoid"), grounding: value("sp-grounding"), topics: value("sp-topics"), version: mine.version,
      };
      action(async () => { mine = await api("PUT", "/me/safety-plan", body); }, {
        box: error,
        fields: TEXT_FIELDS,
        conflict: "Your plan changed on another device since this screen opened. Nothing here was saved: open My plan again to see the latest, then make your change.",
        after: () => {
          status.textContent = mine.shared.length ? `Saved. ${partner} sees only the parts you share.` : "Saved. Only you can see it.";
          drawSharing();
        },
      });
    },
  },
  h("h2", { id: "myplan-h" }, "What I know about myself"),
  textPart("triggers"),
  part("helps",
    h("div", { class: "choices" }, Object.entries(HELP_WORDS).map(([k, v]) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: "sp-help", value: k, checked: mine.helps.includes(k) }), v))),
    ...field("sp-helps-words", "In my own words", { tag: "textarea", rows: "3", maxlength: "1000", value: mine.helps_words || "" })),
  textPart("avoid"), textPart("grounding"), textPart("topics"),
  error, status,
  h("button", { type: "submit" }, "Save my plan"));

  const sharingBox = h("section", { class: "card", "aria-labelledby": "share-h", id: "plan-sharing" });
  const shareError = h("p", { class: "error", role: "alert" });
  const drawSharing = () => {
    if (!paired) {
      fill(sharingBox, h("h2", { id: "share-h" }, "Sharing"),
        h("p", {}, "Your plan is yours alone. Once you're paired, you can choose parts of it to share with your partner, one at a time."));
      return;
    }
    fill(sharingBox, h("h2", { id: "share-h" }, `What ${partner} can see`),
      h("p", {}, `Nothing is shared until you choose. What you share shows on ${partner}'s screen when either of you pauses, during time together, and with aftercare. You can stop sharing any part at any moment; it leaves their screen at once.`),
      h("ul", { class: "share-list" }, PARTS.map((name) => h("li", {}, h("label", { class: "inline" },
        h("input", {
          type: "checkbox",
          name: "share",
          value: name,
          checked: mine.shared.includes(name),
          onchange: (/** @type {Event} */ e) => {
            const on = /** @type {HTMLInputElement} */ (e.target).checked;
            action(async () => { mine = await api("PUT", "/me/safety-plan/sharing", { part: name, shared: on, version: mine.version }); }, {
              box: shareError,
              conflict: "Your plan changed on another device, so nothing new was shared. Open My plan again to see what you'd be sharing.",
              after: drawSharing,
            });
          },
        }),
        `Share "${PART_WORDS[name][0]}"`)))),
      shareError,
      h("p", { class: "muted", id: "share-summary" }, mine.shared.length ? `Shared with ${partner}: ${mine.shared.map((/** @type {string} */ n) => `"${PART_WORDS[n][0]}"`).join(", ")}.` : `Nothing is shared with ${partner}.`));
  };
  drawSharing();
  fill(main, h("h1", {}, "My safety plan"),
    h("p", {}, "What can bring old hurt back for you, and what helps when it does. Write as much or as little as you like, and change it any time. It's private: it stays yours even if a pair ends."),
    form, sharingBox);
  return {
    // Another of my devices changed what is shared: redraw who sees what (never the
    // form, which may hold words being written).
    refresh: async (ev) => {
      if (ev.type !== "safety_plan.updated" && ev.type !== "welcome") return;
      const latest = await api("GET", "/me/safety-plan");
      mine = { ...mine, shared: latest.shared };
      drawSharing();
    },
  };
}
