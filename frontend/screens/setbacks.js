// Stepping back after a setback: one tap by either partner, and the same calm words on
// both screens. Nothing on screen says who pressed it.

import { action, api, field, h } from "../lib.js";
import { notice } from "./shared.js";

/**
 * The one-tap step back. Nothing to confirm: it only makes limits stricter, like a pause.
 * @param {HTMLElement} box  where an error shows
 * @param {string} id
 */
export function stepBackButton(box, id) {
  return h("button", {
    type: "button",
    class: "secondary step-back",
    id,
    onclick: () => {
      /** @type {{seq: number, title: string} | null} */
      let done = null;
      action(async () => { done = await api("POST", "/boundaries/step-back", {}); }, {
        box,
        after: () => done && steppedBack(done.seq, done.title),
      });
    },
  }, "Step back to somewhere gentler");
}

/**
 * The card both partners see once a step back is stored (once per step back, whether
 * it came over the live channel or as this device's own answer).
 * @param {number} seq
 * @param {string} title  the step they are back at
 */
export function steppedBack(seq, title) {
  if (document.querySelector(`[data-stepped-back="${seq}"]`)) return;
  const saved = h("p", { class: "muted", role: "status" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", {
    class: "stack",
    onsubmit: (e) => {
      e.preventDefault();
      const text = String(new FormData(form).get("step-note") || "");
      action(() => api("POST", "/me/journal", { text }), {
        box: error,
        fields: { text: "step-note" },
        after: () => { form.replaceWith(saved); saved.textContent = "Kept in your journal. Only you can read it."; },
      });
    },
  },
  field("step-note", "A note just for you, if you want one (only you will ever see it)", { tag: "textarea", maxlength: "2000" }),
  error,
  h("button", { type: "submit", class: "secondary" }, "Keep it in my journal"));
  const card = notice("You've stepped back together, to somewhere gentler.", [
    h("p", {}, "Setbacks are a normal part of healing. Nobody did anything wrong, and nothing has to happen now."),
    h("p", {}, `You're back at “${title}” for now. Everything beyond it is “not now” for both of you, and it's off the menu of any time together.`),
    h("p", {}, "Nothing was paused. If either of you needs to stop, the Pause button is always there."),
    h("p", {}, "When you both feel ready, you can look at your list together, one thing at a time. There's no hurry. ", h("a", { href: "#/boundaries" }, "Our list")),
    h("details", {}, h("summary", {}, "Write something down for yourself"), form),
  ]);
  card.dataset.steppedBack = String(seq);
  card.setAttribute("aria-label", "You stepped back together");
  // Both see it where they are, the one who pressed it too (the button may be far below).
  card.setAttribute("tabindex", "-1");
  card.focus({ preventScroll: true });
  const bar = document.querySelector(".topbar");
  window.scrollTo({ top: card.getBoundingClientRect().top + window.scrollY - (bar ? bar.getBoundingClientRect().height : 0) - 8 });
}
