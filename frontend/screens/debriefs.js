// Debriefs: each partner reflects alone; both reflections are shown at the same moment.

import { action, api, day, field, fill, h, store } from "../lib.js";

/** @import { Shown } from "./shared.js" */
/** @typedef {{at: string, mine: number | null, partner: number | null}} FeelingPoint */
/**
 * One partner's reflection (schemas/debriefs.py).
 * @typedef {object} Reflection
 * @property {number} feeling
 * @property {string | null} feeling_words
 * @property {string | null} felt_good
 * @property {string | null} did_not
 * @property {string | null} next_time
 */
/**
 * A debrief as this person sees it: their own reflection, the partner's once revealed.
 * @typedef {object} Debrief
 * @property {string} id
 * @property {string | null} session_id
 * @property {string} created_at
 * @property {string | null} revealed_at
 * @property {string | null} closed_at
 * @property {string} my_status
 * @property {string} partner_status
 * @property {Reflection | null} mine
 * @property {Reflection | null} partner
 */

/** @type {Record<string, string>} */
const PARTNER_STATUS = { not_finished: "Your partner hasn't finished yet.", finished: "Your partner has finished.", skipped: "Your partner chose to skip this one." };

// The API's names for the reflection form's fields.
const DRAFT_FIELDS = { feeling_words: "d-words", felt_good: "d-good", did_not: "d-not", next_time: "d-next" };

/**
 * How safe each partner felt, 1 to 5, over time; the points are also said in words.
 * @param {FeelingPoint[]} points
 */
export function chart(points) {
  const W = 320; const H = 140; const pad = 24;
  const n = points.length;
  const x = (/** @type {number} */ i) => pad + (n <= 1 ? (W - 2 * pad) / 2 : (i * (W - 2 * pad)) / (n - 1));
  const y = (/** @type {number} */ v) => H - pad - ((v - 1) * (H - 2 * pad)) / 4;
  /** @param {"mine" | "partner"} key */
  const line = (key) => {
    const pts = points.map((p, i) => (p[key] ? `${x(i)},${y(p[key])}` : null)).filter(Boolean);
    return pts.length ? h("svg:polyline", { class: key, points: pts.join(" ") }) : null;
  };
  /** @param {"mine" | "partner"} key */
  const dots = (key) => points.map((p, i) => {
    const v = p[key];
    if (!v) return null;
    return key === "mine" ? h("svg:circle", { class: key, cx: x(i), cy: y(v), r: 4 })
      : h("svg:rect", { class: key, x: x(i) - 4, y: y(v) - 4, width: 8, height: 8 });
  });
  const desc = points.map((p) => `${day(p.at)}: you ${p.mine ?? "–"}${p.partner ? `, your partner ${p.partner}` : ""}`).join("; ");
  const svg = h("svg:svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `How safe you felt, 1 to 5, over time. ${desc || "No points yet."}` },
    h("svg:line", { class: "axis", x1: pad, y1: H - pad, x2: W - pad, y2: H - pad }),
    h("svg:line", { class: "axis", x1: pad, y1: pad, x2: pad, y2: H - pad }),
    h("svg:text", { x: 2, y: y(5) + 4 }, "5"), h("svg:text", { x: 2, y: y(1) + 4 }, "1"),
    line("mine"), line("partner"), dots("mine"), dots("partner"));
  // The key says which line is whose: a solid line with round points is you, a dashed
  // line with square points your partner (not only colour tells them apart).
  const key = h("ul", { class: "chart-key" },
    h("li", {}, h("svg:svg", { viewBox: "0 0 36 12", width: 36, height: 12, "aria-hidden": "true" },
      h("svg:line", { class: "mine", x1: 0, y1: 6, x2: 36, y2: 6 }), h("svg:circle", { class: "mine", cx: 18, cy: 6, r: 4 })), "You"),
    points.some((p) => p.partner) ? h("li", {}, h("svg:svg", { viewBox: "0 0 36 12", width: 36, height: 12, "aria-hidden": "true" },
      h("svg:line", { class: "partner", x1: 0, y1: 6, x2: 36, y2: 6 }), h("svg:rect", { class: "partner", x: 14, y: 2, width: 8, height: 8 })), "Your partner (from what you've both shared)") : null);
  return h("figure", { class: "chart-figure" }, svg, key);
}

/**
 * "Something triggered me": a private note, kept in the journal or added to what can
 * bring it back in one's own safety plan. Never part of the shared debrief.
 * @returns {Promise<HTMLElement>}
 */
async function triggerNote() {
  const plan = await api("GET", "/me/safety-plan").catch(() => null);
  const status = h("p", { class: "muted", role: "status", id: "trigger-saved" });
  const error = h("p", { class: "error", role: "alert" });
  const [label, hint, input] = field("trigger-text", "What happened, in a few words", { tag: "textarea", rows: "3", maxlength: "1000" },
    "Only you see this. Nothing here goes into the shared debrief.");
  const text = () => {
    const words = /** @type {HTMLTextAreaElement} */ (input).value.trim();
    error.textContent = words ? "" : "Write a few words first; nothing was saved.";
    return words;
  };
  const done = (/** @type {string} */ words) => { /** @type {HTMLTextAreaElement} */ (input).value = ""; status.textContent = words; };
  const keep = () => text() && action(() => api("POST", "/me/journal", { text: `Something triggered me: ${text()}` }), {
    box: error, fields: { text: "trigger-text" }, after: () => done("Kept as a private note in your journal."),
  });
  const add = () => text() && action(async () => {
    // The plan as it is now, with this added to what can bring it back; a change made
    // meanwhile on another device is refused (409), never overwritten.
    const { user_id, shared, updated_at, ...plan } = await api("GET", "/me/safety-plan");
    await api("PUT", "/me/safety-plan", { ...plan, triggers: [plan.triggers, text()].filter(Boolean).join("\n") });
  }, {
    box: error, fields: { triggers: "trigger-text" },
    after: () => done("Added to your safety plan, under what can bring it back."),
  });
  return h("section", { class: "card", id: "trigger-note", "aria-labelledby": "trigger-h" },
    h("h2", { id: "trigger-h" }, "Something triggered me"), label, hint, input,
    plan?.shared.includes("triggers")
      ? h("p", { class: "muted", id: "trigger-shared" }, "You share \"What can bring it back for me\" with your partner, so what you add to your plan there, they'll see too. A private note stays yours.")
      : null,
    error, status,
    h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: keep }, "Keep it as a private note"),
      h("button", { type: "button", class: "secondary", onclick: add }, "Add it to my safety plan")));
}

/**
 * The debrief screen: the open debrief (a draft, waiting, or revealed) and the chart.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function debrief(main) {
  const box = h("div", { id: "debrief-box" });
  const chartBox = h("div", {});
  const error = h("p", { class: "error", role: "alert" });
  /** @type {string | null} */
  let openId = null;
  /** @param {{session_id: string} | {pause_seq: number}} body */
  const startOne = (body) => action(async () => { openId = (await api("POST", "/debriefs", body)).id; }, { box: error, after: load });
  /**
   * Sends one step of the open debrief, then redraws it.
   * @param {string} path
   * @param {unknown} [body]
   * @param {"POST" | "PUT"} [method]
   */
  const act = (path, body, method = "POST") => action(() => api(method, path, body), { box: error, fields: DRAFT_FIELDS, after: load });
  /**
   * @param {Reflection} c
   * @param {"mine" | "partner"} who
   */
  const content = (c, who) => h("div", { class: "card reveal", dataset: { who } },
    h("h3", {}, who === "mine" ? "You wrote" : "Your partner wrote"),
    h("p", {}, `Feeling safe: ${c.feeling} of 5${c.feeling_words ? ` — ${c.feeling_words}` : ""}`),
    c.felt_good ? h("p", {}, h("strong", {}, "Felt good: "), c.felt_good) : null,
    c.did_not ? h("p", {}, h("strong", {}, "Didn't feel good: "), c.did_not) : null,
    c.next_time ? h("p", {}, h("strong", {}, "Next time: "), c.next_time) : null);
  /** @param {Debrief} d */
  const editor = (d) => {
    const m = d.mine || /** @type {Partial<Reflection>} */ ({});
    const form = h("form", {
      class: "card",
      id: "debrief-form",
      "aria-labelledby": "draft-h",
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(form);
        const text = (/** @type {string} */ k) => String(f.get(k) || "").trim() || null;
        const saved = await act(`/debriefs/${d.id}/draft`, { feeling: Number(f.get("feeling")), feeling_words: text("d-words"), felt_good: text("d-good"), did_not: text("d-not"), next_time: text("d-next") }, "PUT");
        // Saving redrew the form: say so in the new one.
        const note = box.querySelector("#draft-saved");
        if (saved && note) note.textContent = "Draft saved. Only you can see it.";
      },
    },
    h("h2", { id: "draft-h" }, "Your reflection"),
    h("p", { class: "muted" }, "Only you can see this until you've both finished. Then you both see both, at the same moment."),
    h("fieldset", {}, h("legend", {}, "How safe do you feel now? (1 = not at all, 5 = completely)"),
      h("div", { class: "row" }, [1, 2, 3, 4, 5].map((v) => h("label", { class: "inline" }, h("input", { type: "radio", name: "feeling", value: String(v), required: true, checked: m.feeling === v }), String(v))))),
    field("d-words", "In a few words", { tag: "textarea", rows: "2", maxlength: "4000", value: m.feeling_words || "" }),
    field("d-good", "What felt good", { tag: "textarea", rows: "3", maxlength: "4000", value: m.felt_good || "" }),
    field("d-not", "What didn't", { tag: "textarea", rows: "3", maxlength: "4000", value: m.did_not || "" }),
    field("d-next", "Next time I'd like", { tag: "textarea", rows: "3", maxlength: "4000", value: m.next_time || "" }),
    h("p", { id: "draft-saved", class: "muted", role: "status" }),
    h("div", { class: "row" },
      h("button", { type: "submit", id: "save-draft" }, "Save draft"),
      d.mine ? h("button", { type: "button", id: "submit-debrief", onclick: () => act(`/debriefs/${d.id}/submit`) }, "I've finished") : null,
      h("button", { type: "button", class: "secondary", onclick: () => act(`/debriefs/${d.id}/skip`) }, "Skip this one")));
    return form;
  };
  const load = async () => {
    const [list, sessions, feel] = await Promise.all([api("GET", "/debriefs"), api("GET", "/sessions"), api("GET", "/debriefs/feelings")]);
    fill(chartBox, chart(feel.points));
    /** @type {Debrief[]} */
    const items = list.items;
    const d = items.find((x) => x.id === openId) || items.find((x) => !x.revealed_at && !x.closed_at) || items[0];
    const parts = [];
    if (d) {
      openId = d.id;
      parts.push(h("p", { class: "muted" }, `${d.session_id ? "About your time together" : "About a pause"}, opened ${day(d.created_at)}.`));
      if (d.revealed_at) {
        parts.push(h("h2", { id: "revealed-h" }, "You've both finished"), d.mine ? content(d.mine, "mine") : h("p", {}, "You skipped this one."),
          d.partner ? content(d.partner, "partner") : h("p", {}, PARTNER_STATUS[d.partner_status] || ""));
      } else if (d.closed_at) {
        // One of them skipped: nothing was shared, and each keeps their own words.
        parts.push(h("h2", { id: "closed-h" }, "This one stays with each of you"),
          h("p", {}, d.my_status === "skipped"
            ? "You chose to skip it, so nothing was shared. That's fine."
            : "Your partner chose to skip this one, so nothing was shared. What you wrote stays yours; only you can see it."),
          d.mine ? content(d.mine, "mine") : null);
      } else if (d.my_status === "draft") {
        parts.push(h("p", { id: "partner-status" }, PARTNER_STATUS[d.partner_status]), editor(d));
      } else {
        parts.push(h("p", { id: "my-status" }, d.my_status === "skipped" ? "You skipped this one." : "You've finished. It will be shared when your partner finishes too."),
          h("p", { id: "partner-status" }, PARTNER_STATUS[d.partner_status]),
          h("button", { type: "button", class: "secondary", onclick: () => act(`/debriefs/${d.id}/withdraw`) }, "Take mine back to change it"));
      }
    }
    const ended = sessions.items.find((/** @type {{status: string}} */ s) => s.status === "ended");
    const lastPause = store.get("attune.lastPauseSeq");
    parts.push(h("div", { class: "row" },
      ended ? h("button", { type: "button", class: "secondary", onclick: () => startOne({ session_id: ended.id }) }, "Talk about our last time together") : null,
      lastPause ? h("button", { type: "button", class: "secondary", id: "debrief-pause", onclick: () => startOne({ pause_seq: lastPause }) }, "Talk about the last pause") : null));
    fill(box, ...parts);
  };
  fill(main, h("h1", {}, "Debrief"), h("p", {}, "Looking back together, gently: what felt good, what didn't, what to change."), error, box,
    await triggerNote(),
    h("section", { class: "card", "aria-labelledby": "chart-h" }, h("h2", { id: "chart-h" }, "Feeling safe over time"), chartBox));
  await load();
  return {
    refresh: (ev) => {
      if (!ev || ev.type.startsWith("debrief.") || ev.type === "welcome") {
        // Never redraw under someone's fingers.
        if (document.activeElement && box.contains(document.activeElement) && document.activeElement.tagName === "TEXTAREA") return null;
        return load();
      }
      return null;
    },
  };
}
