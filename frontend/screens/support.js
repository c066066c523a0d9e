// Support: helplines per country, how to find a therapist or a group, and support for
// partners, from content/support.json. The country comes from the person's choice, kept on
// this phone, or else from the region the browser's languages name (en-GB: the United
// Kingdom); with neither, general guidance and never an invented number. Nothing is asked
// of any server: the list is a file of the app.

import { content } from "../content.js";
import { fill, h, store } from "../lib.js";

/** @import { Country, Line, Support } from "../content.js" */
/** @import { Shown } from "./shared.js" */

export const COUNTRY_KEY = "attune.supportCountry";
/** The choice for "none of these": general guidance. */
const ELSEWHERE = "elsewhere";

/**
 * The country to show: the person's choice, or the first region their browser's
 * languages name that the list knows, or null (general guidance).
 * @param {Support} data
 * @returns {Country | null}
 */
export function chosenCountry(data) {
  const byCode = new Map(data.countries.map((c) => [c.code, c]));
  const chosen = store.get(COUNTRY_KEY);
  if (chosen === ELSEWHERE) return null;
  if (typeof chosen === "string" && byCode.has(chosen)) return byCode.get(chosen) || null;
  for (const tag of navigator.languages || [navigator.language]) {
    let region;
    try {
      // Only a region the browser states: "en" alone says nothing about where someone is.
      region = new Intl.Locale(tag).region;
    } catch {
      region = undefined;
    }
    const found = region && byCode.get(region === "UK" ? "GB" : region);
    if (found) return found;
  }
  return null;
}

/** @param {string} phone */
const dial = (phone) => `tel:${phone.replace(/[^0-9+]/g, "")}`;

/** @param {string} web */
const shortWeb = (web) => web.replace(/^https:\/\/(www\.)?/, "").replace(/\/$/, "");

/**
 * One helpline: what it is for, how to reach it, when.
 * @param {Line} line
 * @param {Support} data
 * @param {"full" | "short"} size  short: in the takeover, only the name, the call and when
 */
function lineCard(line, data, size) {
  return h("li", { class: "line" },
    h(size === "full" ? "h3" : "p", { class: size === "full" ? null : "line-name" }, h("strong", {}, line.name)),
    size === "full" ? h("p", {}, line.about) : null,
    h("p", {},
      h("a", { class: "button call", href: dial(line.phone) }, `Call ${line.phone}`),
      line.sms ? h("a", { class: "button secondary call", href: `sms:${line.sms}` }, `Text ${line.sms}`) : null),
    h("p", { class: "muted" }, line.hours),
    size === "full" && line.web ? h("p", {}, h("a", { href: line.web, target: "_blank", rel: "noopener noreferrer" }, shortWeb(line.web))) : null,
    size === "full" && line.partners ? h("p", {}, h("span", { class: "mark" }, data.partners_mark)) : null);
}

/**
 * What to do in danger now: the country's emergency number, or the general words.
 * @param {Country | null} country
 * @param {Support} data
 * @param {string} id
 */
function dangerNow(country, data, id) {
  return h("p", { class: "danger-now", id }, country ? `If you're in danger right now, call ${country.emergency}.` : data.default.danger);
}

/**
 * The short version for the pause takeover: danger now, then the country's lines. Not in
 * discreet mode: the takeover comes unasked, on top of anything, even the lock screen,
 * and a sexual assault line there would say what the app is to anyone looking.
 * @param {HTMLElement} box
 * @param {Support} data
 */
function drawTakeoverSupport(box, data) {
  if (store.get("attune.discreet")) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  const country = chosenCountry(data);
  fill(box,
    h("h3", { id: "takeover-support-h" }, "Someone to talk to"),
    dangerNow(country, data, "takeover-danger"),
    country
      ? h("ul", { class: "list" }, country.lines.map((line) => lineCard(line, data, "short")))
      : h("p", {}, data.default.find[0]),
    h("p", { class: "muted" }, "More ways to find support are in Support, from Settings or Learn."));
  box.hidden = false;
}

/** Fills the takeover's "Someone to talk to" (it stays hidden if the list can't be read). */
export async function fillTakeoverSupport() {
  const box = document.getElementById("takeover-support");
  if (!box) return;
  try {
    drawTakeoverSupport(box, await content("support"));
  } catch {
    /* the takeover keeps everything else */
  }
}

/**
 * The support screen, with its country chooser.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function support(main) {
  const data = await content("support");
  const lines = h("section", { id: "support-lines", "aria-label": "Helplines" });
  const draw = () => {
    const country = chosenCountry(data);
    select.value = country ? country.code : ELSEWHERE;
    fill(lines,
      dangerNow(country, data, "support-danger"),
      country
        ? [h("h2", {}, `Helplines in ${country.the ? "the " : ""}${country.name}`),
          h("ul", { class: "list" }, country.lines.map((line) => lineCard(line, data, "full"))),
          h("h3", {}, "Near you"), country.find.map((text) => h("p", {}, text))]
        : [h("h2", {}, "Finding a helpline"), data.default.find.map((text) => h("p", {}, text))]);
  };
  const select = h("select", {
    id: "support-country",
    "aria-describedby": "support-country-hint",
    onchange: () => {
      store.set(COUNTRY_KEY, select.value);
      draw();
      fillTakeoverSupport();
    },
  },
  data.countries.map((c) => h("option", { value: c.code }, c.name)),
  h("option", { value: ELSEWHERE }, data.default.name));
  draw();
  const section = (/** @type {string} */ id, /** @type {{title: string, body: string[]}} */ part) =>
    h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, part.title), part.body.map((text) => h("p", {}, text)));
  const signedOut = !store.get("attune.token");
  fill(main,
    h("h1", {}, data.title),
    h("p", {}, data.intro),
    h("label", { for: "support-country" }, data.chooser.label),
    select,
    h("p", { class: "muted", id: "support-country-hint" }, data.chooser.hint),
    lines,
    h("p", {}, data.reassure),
    h("p", { class: "muted", id: "support-safety" }, data.safety),
    section("support-therapist-h", data.therapist),
    section("support-groups-h", data.groups),
    section("support-partners-h", data.partners),
    h("p", {}, h("a", { href: "#/learn" }, "Learn what can happen after trauma")),
    signedOut ? h("p", {}, h("a", { href: "#/welcome" }, "Back to the start")) : null);
  return {};
}

// Discreet mode turned on or off (Settings): the takeover follows at once.
window.addEventListener("attune:discreet", () => fillTakeoverSupport());
