// The boundary list: each partner answers alone; only the combined state is shown.

import { ANSWER_WORDS, STATE_WORDS, action, api, day, field, fill, h } from "../lib.js";
import { stepBackButton } from "./setbacks.js";

/** @import { Shown } from "./shared.js" */
/**
 * An activity as this person sees it (schemas/boundaries.py BoundaryOut).
 * @typedef {object} Boundary
 * @property {string} id
 * @property {string} label
 * @property {string} category
 * @property {string} state
 * @property {number} version
 * @property {"yes" | "maybe" | "no" | null} my_answer
 * @property {boolean} stepped_back
 */
/** @typedef {{label: string, state: string, previous_state: string | null}} ReviewChange */
/** @typedef {{key: string, label: string, added: boolean}} CatalogueItem  a suggestion */

/** @type {Record<string, string>} */
const CATEGORY_WORDS = { closeness: "Closeness", touch: "Touch", affection: "Affection", kissing: "Kissing", undressing: "Undressing", erotic: "Erotic", sex: "Sex", words: "Words", other: "Other" };

/**
 * The boundary list, its suggestions and what changed since the last look together.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function boundaries(main) {
  let filter = "all";
  /** @type {Boundary[]} */
  let items = [];
  const listBox = h("ul", { class: "list", id: "boundary-list", "aria-live": "polite" });
  const listError = h("p", { class: "error", role: "alert" });
  const changedBox = h("div", {});
  const catalogueBox = h("div", {});
  const addError = h("p", { class: "error", role: "alert" });

  /**
   * @param {Boundary} item
   * @param {"yes" | "maybe" | "no"} value
   */
  const answer = (item, value) => action(() => api("PUT", `/boundaries/${item.id}/answer`, { answer: value, version: item.version }), {
    box: listError,
    after: load,
    conflict: "This changed a moment ago. Here is the latest; answer again if you still want to.",
  });

  const drawList = () => {
    const shown = items.filter((i) => filter === "all" || i.state === filter);
    fill(listBox, ...shown.map((item) => h("li", { dataset: { id: item.id, state: item.state }, class: "boundary" },
      h("h3", { class: "boundary-label" }, item.label),
      h("p", {}, h("span", { class: "state", dataset: { state: item.state } }, STATE_WORDS[item.state]),
        h("span", { class: "muted" }, ` · ${CATEGORY_WORDS[item.category] || item.category}${item.stepped_back ? " · since you stepped back" : ""}`)),
      h("div", { class: "row", role: "group", "aria-label": `My answer for ${item.label}` },
        /** @type {const} */ (["yes", "maybe", "no"]).map((value) => h("button", {
          type: "button",
          class: "choice secondary",
          "aria-pressed": String(item.my_answer === value),
          dataset: { answer: value },
          onclick: () => answer(item, value),
        }, ANSWER_WORDS[value]))))));
    if (!shown.length) {
      listBox.append(h("li", { class: "muted" }, items.length ? "Nothing here with that filter." : "Your list is empty. Add something below, or look through the suggestions."));
    }
  };

  const load = async () => {
    const [list, review] = await Promise.all([api("GET", "/boundaries"), api("GET", "/boundaries/review")]);
    items = list.items;
    drawList();
    fill(changedBox,
      h("p", { class: "muted" }, review.last_review_at ? `Since you last looked together (${day(review.last_review_at)}):` : "Since you started:"),
      review.changed.length
        ? h("ul", {}, review.changed.map((/** @type {ReviewChange} */ c) => h("li", {}, `${c.label}: ${c.previous_state ? `${STATE_WORDS[c.previous_state]} → ` : ""}${STATE_WORDS[c.state]}`)))
        : h("p", {}, "Nothing has changed."),
      review.every_days ? h("p", { class: "muted" }, `You planned to look every ${review.every_days} days.`) : null,
      h("button", { type: "button", class: "secondary", onclick: () => action(
        () => api("POST", review.in_progress ? "/boundaries/review/finish" : "/boundaries/review/start"),
        { box: listError, after: load },
      ) }, review.in_progress ? "We've looked it over" : "Look it over together"));
  };

  const loadCatalogue = async () => {
    const cat = await api("GET", "/boundaries/catalogue");
    const open = cat.items.filter((/** @type {CatalogueItem} */ i) => !i.added);
    fill(catalogueBox,
      open.length ? h("ul", { class: "list" }, open.map((/** @type {CatalogueItem} */ i) => h("li", { class: "row" },
        h("span", {}, i.label), h("button", { type: "button", class: "secondary", "aria-label": `Add ${i.label}`, onclick: () => action(
          () => api("POST", "/boundaries/catalogue", { keys: [i.key] }),
          { box: addError, after: () => Promise.all([load(), loadCatalogue()]) },
        ) }, "Add")))) : h("p", {}, "Every suggestion is already on your list."),
    );
  };

  // The gradual path, from their own list: where they are, never where to get to.
  const pathBox = h("section", { class: "card", id: "path", "aria-labelledby": "path-h" });
  const loadPath = async () => {
    const path = await api("GET", "/boundaries/path");
    /** @type {{key: string, title: string, on_list: number, agreed: number}[]} */
    const steps = path.steps;
    const here = steps.find((s) => s.key === path.current);
    fill(pathBox, h("h2", { id: "path-h" }, "A gentle path"),
      h("p", {}, "Many people find it helps to go step by step, from closeness without touch onwards. Every step is optional, skipping one is fine, and there is no step you should be on."),
      h("p", { id: "path-here" }, here
        ? `Where you are now: ${here.title}. Everything on your list up to here, you've both agreed.`
        : "Nothing on the path is agreed by you both yet, and that's fine."),
      h("ol", { class: "path" }, steps.map((s) => h("li", { "aria-current": s.key === path.current ? "step" : null },
        h("span", {}, s.title),
        h("span", { class: "muted" }, s.on_list ? ` (${s.agreed} of ${s.on_list} on your list agreed by you both)` : " (nothing of yours here)")))));
  };

  // Where to step back to: my own choice (the partner's is never shown), and ours.
  const stepBox = h("section", { class: "card", id: "step-back", "aria-labelledby": "step-back-h" });
  const stepError = h("p", { class: "error", role: "alert" });
  const loadBaseline = async () => {
    const [choice, path] = await Promise.all([api("GET", "/boundaries/baseline"), api("GET", "/boundaries/path")]);
    /** @type {{key: string, title: string}[]} */
    const steps = path.steps;
    /** @type {HTMLSelectElement} */
    const select = h("select", {
      id: "baseline",
      onchange: () => action(() => api("PUT", "/boundaries/baseline", { step: select.value }), { box: stepError, after: loadBaseline }),
    }, steps.map((s) => h("option", { value: s.key, selected: s.key === choice.mine }, s.title)));
    fill(stepBox, h("h2", { id: "step-back-h" }, "If we need to step back"),
      h("p", {}, "Sometimes something hurts, or an old feeling comes back. Either of you can step back at once, alone, to somewhere gentler you chose beforehand. Everything beyond it becomes “not now” for both of you, and nothing is paused."),
      h("label", { for: "baseline" }, "The step I'd want us to go back to"),
      select,
      h("p", { id: "baseline-ours" }, `We'd go back to: ${choice.title}. It's the gentler of your two choices, so a higher step needs you both.`),
      stepError,
      stepBackButton(stepError, "step-back-now"));
  };

  const filterSelect = h("select", { id: "filter", onchange: () => { filter = filterSelect.value; drawList(); } },
    h("option", { value: "all" }, "Everything"), ["agreed", "maybe", "no", "open"].map((s) => h("option", { value: s }, STATE_WORDS[s])));

  const add = h("form", {
    class: "card",
    "aria-labelledby": "add-h",
    onsubmit: (e) => {
      e.preventDefault();
      const f = new FormData(add);
      action(() => api("POST", "/boundaries", { label: f.get("b-label"), category: f.get("b-category") }), {
        box: addError,
        fields: { label: "b-label", category: "b-category" },
        after: () => { add.reset(); return load(); },
      });
    },
  },
  h("h2", { id: "add-h" }, "Add something"),
  field("b-label", "What is it?", { required: true, maxlength: "120", autocomplete: "off" }),
  h("label", { for: "b-category" }, "Kind"),
  h("select", { id: "b-category", name: "b-category" }, Object.entries(CATEGORY_WORDS).map(([k, v]) => h("option", { value: k, selected: k === "other" }, v))),
  addError,
  h("button", { type: "submit" }, "Add to our list"));

  fill(main,
    h("h1", {}, "Boundary list"),
    h("p", {}, "Each of you answers on your own. Something is agreed only while you both say yes; a “not now” from either of you always counts. Your partner never sees your answer, only where you both stand."),
    h("p", { class: "muted", id: "not-consent" }, "Agreeing to something here is not agreeing to any moment. Either of you can say stop at any time, whatever the list says."),
    h("p", { class: "muted", id: "own-answers-note" }, "Answered some things on your own? They stay yours. You can bring any of them in, one at a time, from ", h("a", { href: "#/solo" }, "My answers"), "."),
    h("h2", { id: "list-h" }, "Your list"),
    h("label", { for: "filter" }, "Show"), filterSelect,
    listError,
    listBox,
    add,
    pathBox,
    stepBox,
    h("details", { class: "card" }, h("summary", {}, "Suggestions to start from"), h("p", { class: "muted" }, "Take only what you want to talk about."), catalogueBox),
    h("section", { class: "card", "aria-labelledby": "changed-h" }, h("h2", { id: "changed-h" }, "What changed"), changedBox));
  await Promise.all([load(), loadCatalogue(), loadPath(), loadBaseline()]);
  return {
    refresh: (ev) => ev?.type === "baseline.changed" ? loadBaseline()
      : (!ev || ev.type.startsWith("boundary") || ev.type.startsWith("review") || ["welcome", "resync", "pair.stepped_back"].includes(ev.type))
        && Promise.all([load(), loadPath()]),
  };
}
