// Grounding, any time: the Breathe button in the top bar opens a panel in place of the
// screen, on every screen, signed out and on the lock screen too. The screen underneath is
// only hidden, never redrawn, so nothing a person was typing is lost, and the pause bar and
// Quick exit stay where they always are. Its own module, loaded by the page, so a screen
// that fails to load can't take grounding with it.
//
// The pacer says each phase in words (one polite live region, only while it runs); the
// circle that grows and shrinks is decoration, and is not drawn at all under reduced motion.

import { content } from "./content.js";
import { fill, h } from "./lib.js";

/** @import { Grounding } from "./content.js" */

const FALLBACK = "The exercises couldn't be opened just now. Breathe in gently, then breathe out a little longer than you breathed in. Look around and name five things you can see.";

const byId = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

/** The page's title before the panel opened, to give back. */
let titleBefore = "";
/** @type {Promise<void> | null} */
let opening = null;

// ---------------------------------------------------------------- the breathing pacer

/** The pacer that runs now, if any: at most one, and it stops when the panel closes.
 * @type {{timer: number, running: boolean, stop?: () => void}} */
const pacer = { timer: 0, running: false };

/**
 * The pacer: a button to start and stop it, the phase in words, a quiet count.
 * @param {Grounding["breathing"]} breathing
 */
function pacerCard(breathing) {
  const words = h("p", { class: "pacer-words", id: "pacer-words", "aria-live": "polite" }, breathing.ready);
  const count = h("p", { class: "pacer-count", id: "pacer-count", "aria-hidden": "true" });
  const circle = h("div", { class: "breath-circle pacer-circle", id: "pacer-circle", "aria-hidden": "true" });
  const toggle = h("button", { type: "button", id: "pacer-toggle", class: "pacer-toggle" }, "Start breathing");
  const stop = () => {
    clearInterval(pacer.timer);
    pacer.running = false;
    toggle.textContent = "Start breathing";
    words.textContent = breathing.stopped;
    count.textContent = "";
    delete circle.dataset.phase;
  };
  const start = () => {
    pacer.running = true;
    toggle.textContent = "Stop";
    let phase = 0;
    let second = 0;
    const show = () => {
      const { words: said, seconds } = breathing.phases[phase];
      if (second === 0) {
        words.textContent = said;
        circle.dataset.phase = phase === 0 ? "in" : "out";
        // How long the circle takes to grow or shrink is the phase's own length.
        if (!reducedMotion()) circle.style.transitionDuration = `${seconds}s`;
      }
      second += 1;
      count.textContent = Array.from({ length: second }, (_, i) => String(i + 1)).join(" · ");
      if (second >= seconds) {
        second = 0;
        phase = (phase + 1) % breathing.phases.length;
      }
    };
    show();
    pacer.timer = setInterval(show, 1000);
  };
  toggle.addEventListener("click", () => (pacer.running ? stop() : start()));
  pacer.stop = stop;
  return h("section", { class: "card pacer", "aria-labelledby": "pacer-h" },
    h("h2", { id: "pacer-h" }, breathing.title),
    h("p", { class: "muted when" }, breathing.when),
    // What to press comes first; how it works, after.
    circle, words, count, toggle,
    h("p", {}, breathing.intro),
    h("p", { class: "muted" }, breathing.note));
}

function stopPacer() {
  if (pacer.running) pacer.stop?.();
  clearInterval(pacer.timer);
  pacer.running = false;
}

// ---------------------------------------------------------------- the panel

/** Today, said plainly: "Wednesday 3 December". */
const today = () => new Date().toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" });

/**
 * One exercise, folded until the person opens it.
 * @param {Grounding["exercises"][number]} exercise
 */
function exerciseCard(exercise) {
  return h("details", { class: "card exercise", id: `ground-${exercise.key}` },
    h("summary", {}, h("span", { class: "exercise-title" }, exercise.title, h("span", { class: "muted when" }, exercise.when))),
    h("p", {}, exercise.intro),
    h("ol", { class: "steps" }, exercise.steps.map((step) => h("li", {}, step.replace("{today}", today())))),
    h("p", { class: "muted" }, exercise.after));
}

/** The way back to the screen underneath, at the top and the bottom of the panel. */
const backButton = (/** @type {string} */ id) => h("button", { type: "button", class: "secondary", id, onclick: () => closeGround() }, "Back to where I was");

/**
 * Fills the panel. Behind the lock screen it offers grounding only: nothing that leads on
 * into the app.
 * @param {HTMLElement} panel
 * @param {boolean} locked
 */
async function draw(panel, locked) {
  /** @type {Grounding | null} */
  let data = null;
  try {
    data = await content("grounding");
  } catch {
    data = null;
  }
  if (!data) {
    fill(panel, backButton("ground-back"), h("h1", { id: "ground-h", tabindex: "-1" }, "Breathe and ground"), h("p", {}, FALLBACK));
    return;
  }
  fill(panel,
    h("div", { class: "ground-top" }, backButton("ground-back")),
    h("h1", { id: "ground-h", tabindex: "-1" }, data.title),
    h("p", {}, data.intro),
    pacerCard(data.breathing),
    h("h2", {}, "More ways to come back to now"),
    data.exercises.map(exerciseCard),
    locked ? null : h("section", { class: "card", "aria-labelledby": "ground-more-h" },
      h("h2", { id: "ground-more-h" }, "Someone to talk to"),
      h("p", {}, data.more),
      h("ul", { class: "list" },
        h("li", {}, h("a", { href: "#/support", id: "ground-support" }, "Helplines and support")),
        h("li", {}, h("a", { href: "#/learn", id: "ground-learn" }, "Learn what can happen after trauma")))),
    backButton("ground-done"));
}

/** Whether the panel is showing. */
export function groundShowing() {
  return !byId("ground").hidden;
}

/** Opens the grounding panel in place of the screen (or brings it into view again). */
export function openGround() {
  if (opening) return opening;
  const panel = byId("ground");
  const main = byId("main");
  if (!panel.hidden) {
    window.scrollTo(0, 0);
    byId("ground-h")?.focus();
    return Promise.resolve();
  }
  opening = (async () => {
    await draw(panel, Boolean(main.querySelector(".lock")));
    // Quick exit may have come while it loaded: then nothing opens.
    if (document.documentElement.dataset.exited === "true" || !document.body.contains(panel)) return;
    titleBefore = document.title;
    main.hidden = true;
    panel.hidden = false;
    byId("skip-main")?.setAttribute("href", "#ground");
    const heading = byId("ground-h");
    document.title = `${heading.textContent} · ${byId("brand").textContent}`;
    window.scrollTo(0, 0);
    heading.focus({ preventScroll: true });
  })().finally(() => {
    opening = null;
  });
  return opening;
}

/**
 * Closes the panel: the screen underneath shows again, as it was.
 * @param {{focusBack?: boolean}} [options]  focusBack: put focus back on the Breathe button
 */
export function closeGround({ focusBack = true } = {}) {
  stopPacer();
  const panel = byId("ground");
  if (!panel || panel.hidden) return;
  panel.hidden = true;
  panel.replaceChildren();
  byId("main").hidden = false;
  byId("skip-main")?.setAttribute("href", "#main");
  if (titleBefore) document.title = titleBefore;
  if (focusBack) byId("ground-open")?.focus();
}

function wire() {
  byId("ground-open")?.addEventListener("click", () => openGround());
  // Quick exit and the second PIN: the panel goes with everything else.
  window.addEventListener("attune:stop-quietly", () => closeGround({ focusBack: false }));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && groundShowing() && !document.querySelector("dialog[open]")) closeGround();
  });
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
else wire();
