// My own answers: the list answered for myself alone, paired or not; brought into our
// list only by my choice, one item at a time.

import { ANSWER_WORDS, action, api, field, fill, h } from "../lib.js";

/** @import { Shown } from "./shared.js" */
/**
 * An activity as I answered it for myself (schemas/solo.py SoloItem).
 * @typedef {object} SoloItem
 * @property {string | null} id
 * @property {string | null} catalogue_key
 * @property {string} label
 * @property {string} category
 * @property {"yes" | "maybe" | "no" | null} answer
 * @property {{boundary_id: string, my_answer: "yes" | "maybe" | "no" | null} | null} on_our_list
 */
/** @typedef {{key: string, title: string, description: string}} Category */

/** @type {Record<string, string>} */
const KIND_WORDS = { closeness: "Closeness", touch: "Touch", affection: "Affection", kissing: "Kissing", undressing: "Undressing", erotic: "Erotic", sex: "Sex", words: "Words", other: "Other" };
/** @type {("yes" | "maybe" | "no")[]} */
const ANSWERS = ["yes", "maybe", "no"];

/**
 * The answer buttons for one item (the same three as on a shared list).
 * @param {SoloItem} item
 * @param {(value: "yes" | "maybe" | "no") => unknown} choose
 */
function answerButtons(item, choose) {
  return h("div", { class: "row", role: "group", "aria-label": `My own answer for ${item.label}` },
    ANSWERS.map((value) => h("button", {
      type: "button",
      class: "choice secondary",
      "aria-pressed": String(item.answer === value),
      dataset: { answer: value },
      onclick: () => choose(value),
    }, ANSWER_WORDS[value])));
}

/**
 * Where one of my answers stands beside our list, and the way to bring it in.
 * @param {SoloItem} item
 * @param {(item: SoloItem) => unknown} bring
 */
function beside(item, bring) {
  const ours = item.on_our_list;
  const same = ours && ours.my_answer === item.answer;
  const where = !ours ? "Not on your shared list."
    : !ours.my_answer ? "On your shared list; you haven't answered it there."
      : same ? "On your shared list, with the same answer." : `On your shared list; your answer there is “${ANSWER_WORDS[ours.my_answer]}”.`;
  return h("li", { class: "boundary", dataset: { id: String(item.id) } },
    h("h3", { class: "boundary-label" }, item.label),
    h("p", {}, `Your own answer: “${ANSWER_WORDS[String(item.answer)]}”. `, h("span", { class: "muted" }, where)),
    same ? null : h("button", {
      type: "button",
      class: "secondary",
      "aria-label": `Bring in my answer for ${item.label}`,
      onclick: () => bring(item),
    }, ours ? "Use my own answer there" : "Bring it into our list"));
}

/**
 * The screen: when paired, my answers beside our list; then every suggestion by step,
 * and my own words.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function solo(main) {
  const error = h("p", { class: "error", role: "alert", id: "solo-error" });
  const status = h("p", { class: "muted", role: "status", id: "solo-status" });
  const besideBox = h("section", { class: "card", id: "solo-beside", "aria-labelledby": "beside-h", hidden: true });
  const stepsBox = h("div", { id: "solo-steps" });
  const ownBox = h("ul", { class: "list", id: "solo-own" });
  /** Which steps the person has opened, so a redraw keeps them open. @type {Set<string>} */
  const open = new Set();

  /**
   * @param {SoloItem} item
   * @param {"yes" | "maybe" | "no"} value
   */
  const choose = (item, value) => action(() => item.id
    ? api("PUT", `/me/solo-answers/${item.id}`, { answer: value })
    : api("PUT", `/me/solo-answers/catalogue/${item.catalogue_key}`, { answer: value }), {
    box: error,
    after: async () => { status.textContent = `Kept: “${ANSWER_WORDS[value]}” for ${item.label}. Only you can see it.`; await load(); },
  });
  /** @param {SoloItem} item */
  const forget = (item) => action(() => api("DELETE", `/me/solo-answers/${item.id}`), {
    box: error,
    after: async () => { status.textContent = `Your answer for ${item.label} is gone.`; await load(); },
  });
  /** @param {SoloItem} item */
  const bring = (item) => action(() => api("POST", `/me/solo-answers/${item.id}/bring-in`), {
    box: error,
    after: async () => { status.textContent = `${item.label} is on your shared list now, with your own answer.`; await load(); },
  });

  /** @param {SoloItem} item */
  const row = (item) => h("li", { class: "boundary", dataset: { key: item.catalogue_key || "", id: item.id || "" } },
    h("h3", { class: "boundary-label" }, item.label),
    answerButtons(item, (value) => choose(item, value)),
    item.id ? h("button", { type: "button", class: "link", "aria-label": `Clear my answer for ${item.label}`, onclick: () => forget(item) },
      item.catalogue_key ? "Clear my answer" : "Remove it") : null);

  const load = async () => {
    const listing = await api("GET", "/me/solo-answers");
    /** @type {SoloItem[]} */
    const items = listing.items;
    /** @type {Category[]} */
    const categories = listing.categories;
    const answered = items.filter((i) => i.answer);
    besideBox.hidden = !listing.paired;
    if (listing.paired) {
      fill(besideBox, h("h2", { id: "beside-h" }, "Your answers and your shared list"),
        h("p", {}, "Nothing you answered here is on your shared list unless you bring it in yourself, one at a time. It then counts as your answer there, like any other: something is agreed only if your partner says yes too. Your partner isn't told an answer came from here."),
        answered.length ? h("ul", { class: "list" }, answered.map((i) => beside(i, bring)))
          : h("p", { class: "muted" }, "You haven't answered anything here yet."));
    }
    fill(stepsBox, categories.map((c) => {
      const mine = items.filter((i) => i.catalogue_key && i.category === c.key);
      if (!mine.length) return null;
      const done = mine.filter((i) => i.answer).length;
      const details = h("details", { class: "card", open: open.has(c.key), ontoggle: () => {
        if (details.open) open.add(c.key); else open.delete(c.key);
      } },
      h("summary", {}, `${c.title} (${done ? `${done} of ${mine.length} answered` : `${mine.length} to look at`})`),
      h("p", { class: "muted" }, c.description),
      h("ul", { class: "list" }, mine.map(row)));
      return details;
    }));
    const own = items.filter((i) => !i.catalogue_key);
    fill(ownBox, own.length ? own.map(row) : h("li", { class: "muted" }, "Nothing of your own yet."));
  };

  const add = h("form", {
    class: "card",
    id: "solo-add",
    "aria-labelledby": "solo-add-h",
    onsubmit: (e) => {
      e.preventDefault();
      const f = new FormData(add);
      action(() => api("POST", "/me/solo-answers", { label: String(f.get("solo-label") ?? "").trim(), category: f.get("solo-category"), answer: f.get("solo-answer") }), {
        box: addError,
        fields: { label: "solo-label", category: "solo-category", answer: "solo-answer-no" },
        conflict: "You've answered that one already; it's in your list.",
        after: async () => { add.reset(); await load(); },
      });
    },
  },
  h("h2", { id: "solo-add-h" }, "Something in your own words"),
  field("solo-label", "What is it?", { required: true, maxlength: "120", autocomplete: "off" }),
  h("label", { for: "solo-category" }, "Kind"),
  h("select", { id: "solo-category", name: "solo-category" }, Object.entries(KIND_WORDS).map(([k, v]) => h("option", { value: k, selected: k === "other" }, v))),
  h("fieldset", {}, h("legend", {}, "Your answer"),
    h("div", { class: "row" }, ANSWERS.map((value) => h("label", { class: "inline" },
      h("input", { type: "radio", name: "solo-answer", id: `solo-answer-${value}`, value, required: true }), ANSWER_WORDS[value])))),
  h("button", { type: "submit" }, "Keep my answer"));
  const addError = h("p", { class: "error", role: "alert" });
  add.querySelector("button[type=submit]")?.before(addError);

  await load();
  fill(main,
    h("h1", {}, "My own answers"),
    h("p", {}, "What feels good to you, what's a maybe, and what's not now: for yourself, at your own pace. Nobody else sees these, not even a partner. Change them whenever you like."),
    h("p", { class: "muted", id: "solo-not-consent" }, "An answer here is not agreeing to anything with anyone."),
    status, error,
    besideBox,
    h("h2", { id: "solo-steps-h" }, "Suggestions, gentlest first"),
    h("p", { class: "muted" }, "Open any step to look at it. Skip whatever you like; there's nothing you should answer."),
    stepsBox,
    h("h2", { id: "solo-own-h" }, "In your own words"),
    ownBox,
    add);
  return {
    refresh: (ev) => (ev.type.startsWith("boundary") || ["welcome", "resync", "pair.stepped_back"].includes(ev.type)) && load(),
  };
}
