// Time together: suggest it, say yes, see the time left, answer check-ins, end it.

import { STATE_WORDS, action, api, fill, h, store } from "../lib.js";
import { FOR_THE_PARTNER, planList } from "../plan.js";
import { stepBackButton } from "./setbacks.js";
import { WISH_WORDS, retirePrompts, showCheckin } from "./shared.js";

/** @import { Child } from "../lib.js" */
/** @import { Shown } from "./shared.js" */
/** @typedef {{user_id: string, wishes?: string[], in_my_words?: string | null, if_i_freeze?: string | null}} Aftercare */
/** @typedef {{id: string, label: string, state: string}} ScopeItem */

// The API's names for the plan form's fields.
const PLAN_FIELDS = { length_seconds: "s-length", checkin_every_seconds: "s-checkin" };

/**
 * The session screen: the plan form, or the proposed or running session.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function session(main) {
  const box = h("div", { id: "session-box", "aria-live": "polite" });
  const error = h("p", { class: "error", role: "alert" });
  let ticker = 0;
  /**
   * Sends one step of the session, then redraws it.
   * @param {string} path
   * @param {unknown} [body]
   */
  const act = (path, body) => action(() => api("POST", path, body), { box: error, fields: PLAN_FIELDS, after: load });
  /**
   * What is on the menu for this time, each with a way off it: either of them, at once.
   * @param {any} cur
   */
  const menu = (cur) => h("section", { class: "menu", id: "session-menu", "aria-labelledby": "menu-h" },
    h("h3", { id: "menu-h" }, "On the menu"),
    cur.scope.length
      ? [h("p", { class: "muted" }, "Anything not on it means stop. Either of you can take something off at any moment; only a new plan puts it back."),
        h("ul", { class: "menu-list" }, cur.scope.map((/** @type {ScopeItem} */ s) => h("li", {},
          h("span", {}, s.state === "agreed" ? s.label : `${s.label} — ${STATE_WORDS[s.state] || s.state}`),
          h("button", {
            type: "button",
            class: "secondary",
            "aria-label": `Take "${s.label}" off the menu`,
            onclick: () => action(() => api("DELETE", `/sessions/${cur.id}/menu/${s.id}`), { box: error, after: load }),
          }, "Take off"))))]
      : h("p", { class: "muted" }, "Nothing is on the menu this time, so ask before anything at all."),
    h("p", { class: "muted" }, "If something comes up, either of you can step back to somewhere gentler: it takes everything beyond it off the menu, and pauses nothing."),
    stepBackButton(error, "session-step-back"));
  const load = async () => {
    clearInterval(ticker);
    const cur = (await api("GET", "/sessions/current")).session;
    const myId = store.get("attune.me")?.id;
    if (!cur) {
      const last = (await api("GET", "/sessions")).items[0];
      const endedLately = last && last.status === "ended" && Date.now() - Date.parse(last.ended_at) < 6 * 3600 * 1000;
      /** @type {{id: string, label: string}[]} */
      const agreed = (await api("GET", "/boundaries")).items.filter((/** @type {{state: string}} */ i) => i.state === "agreed");
      const form = h("form", {
        class: "card",
        "aria-labelledby": "plan-h",
        onsubmit: (e) => {
          e.preventDefault();
          const f = new FormData(form);
          const every = Number(f.get("s-checkin"));
          act("/sessions", {
            length_seconds: Number(f.get("s-length")) * 60,
            checkin_every_seconds: every ? every * 60 : null,
            scope: f.getAll("s-scope"),
            // "Not now" from the partner waits until tomorrow where this person lives.
            timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || null,
          });
        },
      },
      h("h2", { id: "plan-h" }, "Suggest time together"),
      h("label", { for: "s-length" }, "How long (minutes)"),
      h("input", { id: "s-length", name: "s-length", type: "number", min: "1", max: "480", value: "30", required: true }),
      h("label", { for: "s-checkin" }, "Check in with each other"),
      h("select", { id: "s-checkin", name: "s-checkin" },
        h("option", { value: "0" }, "No timed check-ins"),
        [5, 10, 15, 30].map((m) => h("option", { value: String(m), selected: m === 10 }, `Every ${m} minutes`))),
      h("fieldset", {}, h("legend", {}, "What's in (only things you both said yes to)"),
        agreed.length ? agreed.map((i) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: "s-scope", value: i.id }), i.label))
          : h("p", { class: "muted" }, "Nothing is agreed yet. You can still just be close and talk.")),
      h("button", { type: "submit" }, "Suggest it"));
      fill(box,
        endedLately ? h("section", { class: "card", id: "after-together", "aria-labelledby": "after-h" },
          h("h2", { id: "after-h" }, "Your time together has ended"),
          h("p", {}, "Nothing needs to happen next. Be gentle with yourselves."),
          h("ul", { class: "list" },
            h("li", {}, h("a", { href: "#/aftercare" }, "Aftercare: what helps each of you now")),
            h("li", {}, h("a", { href: "#/debrief" }, "Look back together, when you both want to")))) : null,
        h("p", {}, "Nothing planned. It starts only when you both say so, and either of you can stop it at any time."), form);
      return;
    }
    const mineProposal = cur.proposed_by === myId;
    /** @type {Child[]} */
    const parts = [
      h("p", {}, `${Math.round(cur.length_seconds / 60)} minutes${cur.checkin_every_seconds ? `, checking in every ${Math.round(cur.checkin_every_seconds / 60)} minutes` : ""}.`),
      menu(cur),
    ];
    if (cur.status === "proposed") {
      parts.unshift(h("h2", {}, mineProposal ? "Waiting for your partner" : "Your partner suggested time together"));
      parts.push(mineProposal
        ? h("button", { type: "button", class: "secondary", onclick: () => act(`/sessions/${cur.id}/cancel`) }, "Take it back")
        : h("div", { class: "row" },
          h("button", { type: "button", id: "accept-session", onclick: () => act(`/sessions/${cur.id}/accept`) }, "Yes, let's start"),
          h("button", { type: "button", class: "secondary", onclick: () => act(`/sessions/${cur.id}/decline`) }, "Not now")));
    } else if (cur.status === "active") {
      const left = h("p", { class: "remaining", id: "remaining" });
      const endsAt = Date.parse(cur.ends_at);
      const tick = () => {
        const s = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
        left.textContent = `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s left`;
      };
      tick();
      ticker = setInterval(tick, 1000);
      parts.unshift(h("h2", { id: "session-running" }, "You're together now"), left,
        h("p", { class: "muted" }, "Agreeing to time together isn't agreeing to any moment in it. Either of you can stop at any time."));
      const partner = (cur.aftercare || []).find((/** @type {Aftercare} */ a) => a.user_id !== myId);
      if (partner?.if_i_freeze) {
        parts.push(h("section", { class: "card freeze", "aria-labelledby": "freeze-h" },
          h("h3", { id: "freeze-h" }, "If your partner freezes or drifts away"),
          h("p", {}, partner.if_i_freeze)));
      }
      // What the partner shares of their safety plan stays in view while together.
      const card = await api("GET", "/pair/safety-card").catch(() => null);
      const shared = card && planList(card, "theirs", FOR_THE_PARTNER);
      if (shared) {
        parts.push(h("section", { class: "card", id: "session-plan-card", "aria-labelledby": "session-plan-h" },
          h("h3", { id: "session-plan-h" }, "From your partner's safety plan"), shared));
      }
      // The live check-in waits pinned above the pause bar, on whatever screen is open.
      const c = cur.checkin;
      const open = c && !c.my_answer && (!c.grace_until || Date.parse(c.grace_until) > Date.now());
      if (open) showCheckin(cur.id, c.id, c.grace_until);
      else retirePrompts("checkin");
      if (cur.extension && cur.extension.by === myId) {
        parts.push(h("p", { class: "muted" }, `You asked for ${Math.round(cur.extension.seconds / 60)} more minutes. It counts only if your partner agrees.`));
      } else if (cur.extension) {
        parts.push(h("p", {}, `Your partner would like ${Math.round(cur.extension.seconds / 60)} more minutes.`), h("div", { class: "row" },
          h("button", { type: "button", onclick: () => act(`/sessions/${cur.id}/extend/accept`) }, "Yes, a little longer"),
          h("button", { type: "button", class: "secondary", onclick: () => act(`/sessions/${cur.id}/extend/decline`) }, "No, let's finish")));
      } else {
        parts.push(h("button", { type: "button", class: "secondary", onclick: () => act(`/sessions/${cur.id}/extend`, { seconds: 600 }) }, "Ask for 10 more minutes"));
      }
      parts.push(h("button", { type: "button", class: "danger", onclick: () => act(`/sessions/${cur.id}/end`) }, "End it now"));
      window.dispatchEvent(new CustomEvent("attune:session-running", { detail: true }));
    }
    if (cur.aftercare?.length) {
      parts.push(h("h3", {}, "Aftercare"), cur.aftercare.map((/** @type {Aftercare} */ a) => h("p", {},
        `${a.user_id === myId ? "You" : "Your partner"}: ${[...(a.wishes || []).map((w) => WISH_WORDS[w] || w), a.in_my_words].filter(Boolean).join(", ") || "nothing written yet"}`)));
    }
    fill(box, h("section", { class: "card", dataset: { status: cur.status } }, parts));
  };
  fill(main, h("h1", {}, "Time together"), error, box);
  await load();
  return {
    refresh: (ev) => (!ev || ev.type.startsWith("session.") || ev.type.startsWith("checkin.") || ev.type === "safety_plan.updated" || ev.type === "welcome") && load(),
    cleanup: () => clearInterval(ticker),
  };
}
