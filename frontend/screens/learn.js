// Learn: short cards about trauma responses, pacing and setbacks, and a path of its own
// for the partner who is supporting, from content/learn.json. Each card is folded until
// opened, so the screen is a short list of plain titles. Open signed out too.

import { content } from "../content.js";
import { openGround } from "../ground.js";
import { fill, h, store } from "../lib.js";

/** @import { Card, LearnPath } from "../content.js" */
/** @import { Shown } from "./shared.js" */

/**
 * Where a card leads on: grounding (the same panel as the Breathe button), or support.
 * @param {Card["links"][number]} link
 */
function onward(link) {
  return link === "ground"
    ? h("button", { type: "button", class: "secondary", onclick: () => openGround() }, "Breathe and ground now")
    : h("a", { href: "#/support" }, "Helplines, therapists and groups");
}

/**
 * One card, folded.
 * @param {Card} card
 */
function learnCard(card) {
  return h("details", { class: "card learn-card", id: `learn-${card.key}` },
    h("summary", {}, card.title),
    card.body.map((text) => h("p", {}, text)),
    card.also_called ? h("p", { class: "muted also" }, card.also_called) : null,
    card.links.length ? h("p", { class: "row" }, card.links.map(onward)) : null);
}

/**
 * One path: its heading (reached from the choice at the top), its words, its cards.
 * @param {LearnPath} path
 */
function pathSection(path) {
  const id = `path-${path.key}`;
  return h("section", { class: "learn-path", "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h`, tabindex: "-1" }, path.title),
    h("p", {}, path.intro),
    path.cards.map(learnCard));
}

/**
 * The learn screen.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function learn(main) {
  const data = await content("learn");
  const signedOut = !store.get("attune.token");
  fill(main,
    h("h1", {}, data.title),
    h("p", {}, data.intro),
    h("ul", { class: "list", "aria-label": "Two paths" },
      data.paths.map((path) => h("li", {}, h("a", { href: `#path-${path.key}-h` }, path.title)))),
    data.paths.map(pathSection),
    h("section", { class: "card", "aria-labelledby": "learn-support-h" },
      h("h2", { id: "learn-support-h" }, "Someone to talk to"),
      h("p", {}, "Helplines, and ways to find a therapist or a group, for you and for partners."),
      h("p", {}, h("a", { href: "#/support", id: "learn-support" }, "Helplines and support"))),
    signedOut ? h("p", {}, h("a", { href: "#/welcome" }, "Back to the start")) : null);
  return {};
}
