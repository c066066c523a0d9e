// Phrases: short words both partners agree to use; saying one reaches the partner's screen.

import { action, api, field, fill, h } from "../lib.js";
import { rememberPhrases, sayPhrase } from "./shared.js";

/** @import { Phrase, Shown } from "./shared.js" */
/** @typedef {{key: string, text: string, added: boolean}} StarterPhrase */

/** @type {Record<string, string>} */
const MOMENT_WORDS = { before: "Before", during: "During", after: "After" };
/** @type {Record<string, string>} */
const KIND_WORDS = { question: "A question", answer: "An answer", request: "A request" };
/** @type {Record<string, string>} */
const TONE_WORDS = { green: "Green (yes, good)", yellow: "Yellow (slow down)", red: "Red (stop)" };

/**
 * The phrase deck: ready to use, suggested, the starter deck, and a form to suggest one.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function phrases(main) {
  const listBox = h("div", { id: "phrase-list" });
  const status = h("p", { class: "muted", role: "status", id: "phrase-status" });
  const error = h("p", { class: "error", role: "alert" });
  const starterBox = h("div", {});
  /**
   * Sends one change to the deck, then redraws it.
   * @param {string} path
   * @param {unknown} [body]
   */
  const change = (path, body) => action(() => api("POST", path, body), { box: error, after: load });
  const load = async () => {
    /** @type {Phrase[]} */
    const list = (await api("GET", "/phrases")).items;
    rememberPhrases(list);
    const active = list.filter((p) => p.status === "active");
    const proposed = list.filter((p) => p.status === "proposed");
    const row = (/** @type {Phrase} */ p) => h("li", { class: "phrase", dataset: { id: p.id, status: p.status } },
      h("p", { class: "phrase-text" }, `“${p.text}”`),
      h("p", { class: "muted" }, `${MOMENT_WORDS[p.moment]} · ${KIND_WORDS[p.kind]}${p.tone ? ` · ${TONE_WORDS[p.tone]}` : ""}`),
      h("div", { class: "row" },
        p.status === "active" ? h("button", { type: "button", class: "say", onclick: () => sayPhrase(p, null, status) }, "Say it") : null,
        p.status === "proposed" && p.awaiting_me
          ? h("button", { type: "button", class: "agree", onclick: () => change(`/phrases/${p.id}/agree`) }, "Agree to use it") : null,
        p.status === "proposed" && !p.awaiting_me ? h("span", { class: "muted" }, "Waiting for your partner") : null,
        h("button", { type: "button", class: "danger", "aria-label": `Withdraw “${p.text}”`, onclick: () => change(`/phrases/${p.id}/withdraw`) }, "Withdraw")));
    fill(listBox,
      h("h2", {}, "Ready to use"),
      active.length ? h("ul", { class: "list" }, active.map(row)) : h("p", {}, "None yet. A phrase is ready once you've both agreed to it."),
      h("h2", {}, "Suggested"),
      proposed.length ? h("ul", { class: "list" }, proposed.map(row)) : h("p", {}, "Nothing waiting."));
    /** @type {StarterPhrase[]} */
    const starter = (await api("GET", "/phrases/starter")).items.filter((/** @type {StarterPhrase} */ s) => !s.added);
    fill(starterBox, starter.length
      ? h("ul", { class: "list" }, starter.map((s) => h("li", { class: "row" }, h("span", {}, `“${s.text}”`),
        h("button", { type: "button", class: "secondary", "aria-label": `Suggest “${s.text}”`, onclick: () => change("/phrases/starter", { keys: [s.key] }) }, "Suggest"))))
      : h("p", {}, "You have all of them."));
  };
  const toneLabel = h("label", { for: "ph-tone" }, "Tone");
  const tone = h("select", { id: "ph-tone", name: "ph-tone" }, Object.entries(TONE_WORDS).map(([k, v]) => h("option", { value: k }, v)));
  // Only an answer has a tone.
  const showTone = (/** @type {boolean} */ shown) => { toneLabel.hidden = tone.hidden = !shown; };
  const kind = h("select", { id: "ph-kind", name: "ph-kind", onchange: () => { showTone(kind.value === "answer"); } },
    Object.entries(KIND_WORDS).map(([k, v]) => h("option", { value: k }, v)));
  showTone(false);
  const propose = h("form", {
    class: "card",
    "aria-labelledby": "propose-h",
    onsubmit: (e) => {
      e.preventDefault();
      const f = new FormData(propose);
      /** @type {Record<string, FormDataEntryValue | null>} */
      const body = { text: f.get("ph-text"), moment: f.get("ph-moment"), kind: f.get("ph-kind") };
      if (body.kind === "answer") body.tone = f.get("ph-tone");
      action(() => api("POST", "/phrases", body), {
        box: error,
        fields: { text: "ph-text", moment: "ph-moment", kind: "ph-kind", tone: "ph-tone" },
        after: () => { propose.reset(); showTone(false); return load(); },
      });
    },
  },
  h("h2", { id: "propose-h" }, "Suggest a phrase"),
  field("ph-text", "The words", { required: true, maxlength: "140", autocomplete: "off" }),
  h("label", { for: "ph-moment" }, "When"),
  h("select", { id: "ph-moment", name: "ph-moment" }, Object.entries(MOMENT_WORDS).map(([k, v]) => h("option", { value: k }, v))),
  h("label", { for: "ph-kind" }, "What it is"), kind, toneLabel, tone,
  h("button", { type: "submit" }, "Suggest it"));
  fill(main,
    h("h1", {}, "Phrases"),
    h("p", {}, "Short words you both agree to use. Saying one sends it to your partner's screen; they can answer with one tap."),
    status, error, listBox, propose,
    h("details", { class: "card" }, h("summary", {}, "Starter phrases"), starterBox));
  await load();
  return { refresh: (ev) => (!ev || ev.type.startsWith("phrase.") || ev.type === "welcome") && load() };
}
