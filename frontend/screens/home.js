// Home: where the pair stands right now, and the way to every screen.

import { api, fill, h, store } from "../lib.js";
import { stepBackButton } from "./setbacks.js";

/** @import { Shown } from "./shared.js" */

/**
 * The home screen; "Right now" redraws with every signal and session event.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function home(main) {
  const [who, pairInfo] = await Promise.all([api("GET", "/me"), api("GET", "/pair")]);
  store.set("attune.me", who);
  const status = h("div", {});
  const stepError = h("p", { class: "error", role: "alert" });
  const draw = async () => {
    const [sig, cur] = await Promise.all([api("GET", "/signal"), api("GET", "/sessions/current")]);
    const words = sig.state === "clear" ? "No pause right now." : sig.state === "slow" ? "Someone asked to slow down." : "Paused. Nothing needs to happen next.";
    fill(status,
      h("p", {}, words),
      cur.session ? h("p", {}, h("a", { href: "#/session" }, cur.session.status === "active" ? "You're in a session together" : "A session is waiting for an answer")) : null);
  };
  await draw();
  fill(main,
    h("h1", {}, `Hello, ${who.display_name}`),
    h("p", {}, `You're paired with ${pairInfo.partner.display_name}.`),
    h("section", { class: "card", "aria-labelledby": "now-h" }, h("h2", { id: "now-h" }, "Right now"), status,
      h("p", { class: "muted" }, "If something came up, either of you can step back to somewhere gentler, at once."),
      stepError, stepBackButton(stepError, "home-step-back")),
    h("section", { class: "card", "aria-labelledby": "go-h" },
      h("h2", { id: "go-h" }, "Where to"),
      h("ul", { class: "list" },
        h("li", {}, h("a", { href: "#/boundaries" }, "Your boundary list"), " — what feels good, what's a maybe, what's not now."),
        h("li", {}, h("a", { href: "#/phrases" }, "Phrases"), " — the words you've agreed to use."),
        h("li", {}, h("a", { href: "#/session" }, "Time together"), " — with check-ins at your pace."),
        h("li", {}, h("a", { href: "#/aftercare" }, "Aftercare"), " — what helps you afterwards."),
        h("li", {}, h("a", { href: "#/learn" }, "Learn"), " — short reads on trauma responses, for each of you."),
        h("li", {}, h("a", { href: "#/support" }, "Support"), " — helplines, therapists and groups."))),
    h("p", { class: "muted" }, "The Pause button below works on every screen. One tap, and your partner's screen says stop."));
  return { refresh: (ev) => (!ev || ["pause", "slow", "resume", "welcome"].includes(ev.type) || ev.type.startsWith("session.")) && draw() };
}
