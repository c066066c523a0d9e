// A summary to share with someone who supports me, like a therapist: a page I print or
// save as a PDF myself (Attune sends it nowhere). My own parts are mine to include; our
// shared parts only while my partner says yes to this summary. And, for the partner:
// what they were asked, with "no" first and a yes that can be taken back at any time.

import { PART_WORDS, PARTS, partLines } from "../plan.js";
import { action, api, day, fill, h, store } from "../lib.js";
import { chart } from "./debriefs.js";

/** @import { Child } from "../lib.js" */
/** @import { Shown } from "./shared.js" */
/**
 * @typedef {object} Summary
 * @property {string} id
 * @property {string[]} parts
 * @property {"not_asked" | "asked" | "agreed" | "declined" | "pair_ended"} partner
 * @property {string} created_at
 */
/** @typedef {{id: string, parts: string[], answer: "asked" | "agreed" | "declined"}} Ask */
/**
 * What a summary shows now (schemas/summaries.py SummaryView).
 * @typedef {object} SummaryView
 * @property {string} id
 * @property {string[]} parts
 * @property {Summary["partner"]} partner
 * @property {string[]} shown
 * @property {string} display_name
 * @property {any} plan
 * @property {{at: string, feeling: number}[] | null} feelings
 * @property {{about: string, written_at: string, content: any}[] | null} reflections
 * @property {{label: string, category: string}[] | null} agreed
 * @property {{steps: {key: string, title: string, on_list: number, agreed: number, reached: boolean}[], current: string | null,
 *   step_backs: {at: string, title: string, activities: number}[]} | null} path
 */

/** The parts, in words, for the one choosing them. @type {Record<string, string>} */
const PART_CHOICES = {
  plan: "My safety plan",
  feelings: "How safe I've felt, over time",
  reflections: "What I wrote looking back",
  agreed: "What we both agree to now",
  path: "Our steps, and the times we stepped back",
};
/** The shared parts, in words, for the partner who is asked. @type {Record<string, string>} */
const ASK_WORDS = { agreed: "what you both agree to now", path: "your steps together, and the times you stepped back" };
const OWN = ["plan", "feelings", "reflections"];
const SHARED = ["agreed", "path"];

/**
 * Where the partner stands on a summary's shared parts, said plainly.
 * @param {Summary["partner"]} partner
 */
function partnerWords(partner) {
  return {
    not_asked: "Only your own parts are in it.",
    asked: "Your partner hasn't answered yet, so only your own parts are in it for now. There's no hurry, and no reminder is sent.",
    agreed: "Your partner said yes: the shared parts are in it. They can take that back at any time, and then they leave it at once.",
    declined: "Your partner said no, so only your own parts are in it.",
    pair_ended: "Your pair has ended, so only your own parts are in it.",
  }[partner];
}

/** @type {Record<string, string>} */
const CATEGORY_TITLES = {};

/**
 * A heading and the lines under it, for the printed page.
 * @param {string} id
 * @param {string} title
 * @param {...Child} body
 */
const part = (id, title, ...body) => h("section", { class: "summary-part", "aria-labelledby": id }, h("h3", { id }, title), body);

/**
 * The page itself: what is shown now, in the maker's own voice. Nothing of it is dated
 * but the times felt safety was noted and the step backs (limits only became stricter).
 * @param {SummaryView} v
 */
function page(v) {
  /** @type {Child[]} */
  const parts = [];
  if (v.plan) {
    const lines = PARTS.flatMap((p) => {
      const said = partLines(v.plan, p);
      return said.length ? [h("dt", {}, PART_WORDS[p][0]), said.map((line) => h("dd", {}, line))] : [];
    });
    parts.push(part("sp-plan-h", "My safety plan", lines.length ? h("dl", { class: "plan-list" }, lines) : h("p", {}, "I haven't written anything in my plan yet.")));
  }
  if (v.feelings) {
    parts.push(part("sp-feel-h", "How safe I've felt",
      h("p", {}, "After a time together or a pause, from 1 (not at all) to 5 (completely)."),
      v.feelings.length ? [
        chart(v.feelings.map((f) => ({ at: f.at, mine: f.feeling, partner: null }))),
        h("table", { class: "summary-table" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "How safe"))),
          h("tbody", {}, v.feelings.map((f) => h("tr", {}, h("td", {}, day(f.at)), h("td", {}, `${f.feeling} of 5`))))),
      ] : h("p", {}, "Nothing noted yet.")));
  }
  if (v.reflections) {
    parts.push(part("sp-refl-h", "What I wrote looking back",
      v.reflections.length ? h("ul", { class: "list" }, v.reflections.map((r) => h("li", { class: "summary-reflection" },
        h("p", {}, h("strong", {}, `${day(r.written_at)}, ${r.about === "session" ? "after a time together" : "after a pause"}`)),
        h("p", {}, `How safe I felt: ${r.content.feeling} of 5${r.content.feeling_words ? ` (${r.content.feeling_words})` : ""}`),
        r.content.felt_good ? h("p", {}, h("strong", {}, "What felt good: "), r.content.felt_good) : null,
        r.content.did_not ? h("p", {}, h("strong", {}, "What didn't: "), r.content.did_not) : null,
        r.content.next_time ? h("p", {}, h("strong", {}, "Next time I'd like: "), r.content.next_time) : null)))
        : h("p", {}, "Nothing written yet.")));
  }
  if (v.agreed) {
    /** @type {Map<string, string[]>} */
    const byStep = new Map();
    for (const item of v.agreed) byStep.set(item.category, [...(byStep.get(item.category) || []), item.label]);
    parts.push(part("sp-agreed-h", "What we both agree to now",
      h("p", {}, "Agreeing to something on this list is not agreeing to any moment: either of us can stop at any time, whatever it says. It shows where we stand, not when either of us said yes."),
      v.agreed.length ? h("dl", { class: "plan-list" }, [...byStep].map(([key, labels]) => [h("dt", {}, CATEGORY_TITLES[key] || key), labels.map((l) => h("dd", {}, l))]))
        : h("p", {}, "Nothing yet, and that's fine.")));
  }
  if (v.path) {
    const here = v.path.steps.find((s) => s.key === v.path?.current);
    parts.push(part("sp-path-h", "Our steps, and the times we stepped back",
      h("p", {}, here ? `Where our list puts us now: ${here.title}. Every step is optional; none is somewhere we should be.` : "Nothing on the gentle path is agreed by us both yet, and that's fine."),
      h("ol", { class: "path" }, v.path.steps.map((s) => h("li", {}, `${s.title}${s.on_list ? ` (${s.agreed} of ${s.on_list} on our list agreed)` : " (nothing of ours here)"}`))),
      h("h4", {}, "Stepping back"),
      v.path.step_backs.length
        ? [h("p", {}, "Setbacks are a normal part of healing. Each time, everything beyond that step became “not now” for both of us, at once."),
          h("ul", { class: "list" }, v.path.step_backs.map((b) => h("li", {}, `${day(b.at)}: back to “${b.title}” (${b.activities} ${b.activities === 1 ? "thing" : "things"} became “not now”)`)))]
        : h("p", {}, "We haven't stepped back.")));
  }
  return h("article", { class: "summary-doc", id: "summary-doc", "aria-labelledby": "summary-doc-h" },
    h("h2", { id: "summary-doc-h" }, `${v.display_name}: what I'd like to share`),
    h("p", { class: "muted" }, `${v.display_name} chose what is on this page. It was made with Attune, which keeps it nowhere else and sent it to no one.`),
    parts.length ? parts : h("p", {}, "Nothing is in it right now."));
}

/**
 * The summary screen: what my partner asked of me; making one; my summaries; one open.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function summary(main) {
  const paired = Boolean(store.get("attune.paired"));
  const partnerName = store.get("attune.partnerName") || "your partner";
  if (!Object.keys(CATEGORY_TITLES).length) {
    // The steps' own titles, as the pair's list shows them; the catalogue is the same
    // for everyone, so this person's own list gives it unpaired too.
    try {
      for (const c of (await api("GET", "/me/solo-answers")).categories) CATEGORY_TITLES[c.key] = c.title;
    } catch {
      /* the keys are shown instead */
    }
  }
  const error = h("p", { class: "error", role: "alert", id: "summary-error" });
  const askedBox = h("section", { class: "card", id: "summary-asked", "aria-labelledby": "asked-h", hidden: true });
  const listBox = h("section", { class: "card", id: "summary-list", "aria-labelledby": "mine-h" });
  const openBox = h("div", { id: "summary-open" });
  const chooseBox = h("div", {});
  /** @type {string | null} */
  let openId = null;

  const drawAsked = async () => {
    if (!paired) return;
    /** @type {Ask[]} */
    const asks = (await api("GET", "/pair/summaries")).items;
    askedBox.hidden = !asks.length;
    const askError = h("p", { class: "error", role: "alert" });
    /** @param {Ask} a @param {boolean} agree */
    const reply = (a, agree) => action(() => api("POST", `/pair/summaries/${a.id}/${agree ? "agree" : "decline"}`), { box: askError, after: drawAsked });
    fill(askedBox, h("h2", { id: "asked-h" }, `What ${partnerName} asked you`),
      h("p", {}, `${partnerName} is making a summary to share with someone who supports them, like a therapist. Their own parts are theirs. These shared parts go in only if you say yes, and only in that one summary. It's up to you, and you can change your mind at any time.`),
      h("ul", { class: "list" }, asks.map((a) => h("li", { class: "card", dataset: { ask: a.id } },
        h("p", {}, "They'd like to include: ", a.parts.map((p) => ASK_WORDS[p]).join(", and "), "."),
        a.answer === "asked" ? h("div", { class: "row" },
          h("button", { type: "button", class: "secondary", onclick: () => reply(a, false) }, "No, keep them out"),
          h("button", { type: "button", class: "secondary", onclick: () => reply(a, true) }, "Yes, they can go in"))
          : a.answer === "agreed" ? [h("p", {}, "You said yes."), h("button", { type: "button", class: "secondary", onclick: () => reply(a, false) }, "Take my yes back")]
            : [h("p", {}, "You said no. They can't ask you about a summary again for a while; you can change your mind yourself at any time."), h("button", { type: "button", class: "secondary", onclick: () => reply(a, true) }, "I've changed my mind: yes")]))),
      askError);
  };

  const openOne = async () => {
    if (!openId) {
      fill(openBox);
      return;
    }
    /** @type {SummaryView} */
    let v;
    try {
      v = await api("GET", `/me/summaries/${openId}`);
    } catch {
      openId = null;
      fill(openBox);
      return;
    }
    const printError = h("p", { class: "error", role: "alert" });
    fill(openBox, h("section", { class: "card no-print", id: "summary-controls", "aria-label": "This summary" },
      h("p", { id: "summary-partner" }, partnerWords(v.partner)),
      h("p", { class: "muted" }, "Print it, or choose “Save as PDF” when your phone asks where to print. What your partner agreed to is checked again as you press Print."),
      printError,
      h("div", { class: "row" },
        h("button", { type: "button", id: "summary-print", onclick: () => action(openOne, { box: printError, after: () => { if (openId) window.print(); } }) }, "Print or save as PDF"),
        h("button", { type: "button", class: "secondary", onclick: () => { openId = null; fill(openBox); listBox.scrollIntoView(); } }, "Close it"))),
    page(v));
  };

  const drawList = async () => {
    /** @type {Summary[]} */
    const mine = (await api("GET", "/me/summaries")).items;
    fill(listBox, h("h2", { id: "mine-h" }, "Your summaries"),
      mine.length ? h("ul", { class: "list" }, mine.map((s) => h("li", { class: "boundary", dataset: { summary: s.id } },
        h("p", {}, h("strong", {}, `Made ${day(s.created_at)}: `), s.parts.map((p) => PART_CHOICES[p]).join(", ")),
        h("p", { class: "muted" }, partnerWords(s.partner)),
        h("div", { class: "row" },
          h("button", { type: "button", class: "secondary", "aria-label": `Open the summary made ${day(s.created_at)}`, onclick: async () => { openId = s.id; await openOne(); openBox.scrollIntoView(); } }, "Open"),
          h("button", { type: "button", class: "secondary", "aria-label": `Delete the summary made ${day(s.created_at)}`, onclick: () => action(() => api("DELETE", `/me/summaries/${s.id}`), {
            box: error,
            after: async () => { if (openId === s.id) openId = null; await Promise.all([drawList(), openOne()]); },
          }) }, "Delete")))))
        : h("p", { class: "muted" }, "None yet."));
  };

  const form = h("form", {
    class: "card",
    id: "summary-form",
    "aria-labelledby": "make-h",
    onsubmit: (e) => {
      e.preventDefault();
      const parts = new FormData(form).getAll("summary-part").map(String);
      if (!parts.length) {
        error.textContent = "Choose at least one part; nothing was made.";
        return;
      }
      /** @type {Summary | null} */
      let made = null;
      action(async () => { made = await api("POST", "/me/summaries", { parts }); }, {
        box: error,
        after: async () => {
          form.reset();
          if (made) openId = /** @type {Summary} */ (made).id;
          await Promise.all([drawList(), openOne()]);
          openBox.scrollIntoView();
        },
      });
    },
  },
  h("h2", { id: "make-h" }, "Make a summary"),
  chooseBox,
  error,
  h("button", { type: "submit" }, "Make the summary"));
  const choice = (/** @type {string} */ p) => h("li", {}, h("label", { class: "inline" }, h("input", { type: "checkbox", name: "summary-part", value: p }), PART_CHOICES[p]));
  fill(chooseBox,
    h("fieldset", {}, h("legend", {}, "Your own parts"), h("ul", { class: "share-list" }, OWN.map(choice))),
    paired
      ? h("fieldset", {}, h("legend", {}, "Shared parts"),
        h("p", { class: "muted", id: "summary-shared-hint" }, `These belong to you both, so ${partnerName} is asked first, and can say no or change their mind at any time. Their own words (their answers, their plan, what they wrote) are never in it.`),
        h("ul", { class: "share-list" }, SHARED.map(choice)))
      : h("p", { class: "muted" }, "Once you're paired, you could also ask to include what you both agree to, if your partner says yes."));

  await Promise.all([drawAsked(), drawList()]);
  fill(main,
    h("h1", {}, "A summary to share"),
    h("p", {}, "A page you can show someone who supports you, like a therapist or a counsellor. You choose what goes in. Attune sends it nowhere: you print it, or save it as a PDF, and share it yourself."),
    askedBox, form, listBox, openBox);
  return {
    refresh: (ev) => (ev.type === "summary.changed" || ev.type === "summary.asked" || ev.type === "welcome")
      && Promise.all([drawAsked(), drawList(), openOne()]),
  };
}
