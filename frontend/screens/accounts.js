// Welcome: sign in, or create an account.

import { action, api, field, fill, h, store } from "../lib.js";
import { appName, start } from "./shared.js";

/** @import { Ctx } from "./shared.js" */

/**
 * Remembers who signed in, then goes on to home or pairing.
 * @param {Ctx} ctx
 */
async function afterSignIn(ctx) {
  const who = await api("GET", "/me");
  store.set("attune.me", who);
  store.set("attune.paired", who.pair_id);
  start(ctx, Boolean(who.pair_id));
}

/**
 * The welcome screen: sign in, or sign up.
 * @param {HTMLElement} main
 * @param {Ctx} ctx
 */
export async function welcome(main, ctx) {
  const signupError = h("p", { class: "error", role: "alert" });
  const loginError = h("p", { class: "error", role: "alert" });
  const signup = h("form", {
    class: "card",
    "aria-labelledby": "signup-h",
    onsubmit: (e) => {
      e.preventDefault();
      const f = new FormData(signup);
      /** @type {Record<string, FormDataEntryValue | null>} */
      const body = { username: f.get("su-username"), password: f.get("su-password") };
      if (f.get("su-name")) body.display_name = f.get("su-name");
      action(async () => {
        await api("POST", "/auth/register", body);
        const tok = await api("POST", "/auth/login", { username: body.username, password: body.password });
        store.set("attune.token", tok.token);
        await afterSignIn(ctx);
      }, { box: signupError, fields: { username: "su-username", display_name: "su-name", password: "su-password" } });
    },
  },
  h("h2", { id: "signup-h" }, "New here"),
  field("su-username", "Choose a username", { autocomplete: "username", required: true, autocapitalize: "none" }, "3 to 32 letters, numbers, dots, dashes or underscores."),
  field("su-name", "What should your partner see as your name? (optional)", { autocomplete: "nickname" }),
  field("su-password", "Choose a password", { type: "password", autocomplete: "new-password", required: true, minlength: "10" }, "At least 10 characters. A short sentence works well."),
  signupError,
  h("button", { type: "submit" }, "Create my account"));

  const login = h("form", {
    class: "card",
    "aria-labelledby": "login-h",
    onsubmit: (e) => {
      e.preventDefault();
      const f = new FormData(login);
      action(async () => {
        const tok = await api("POST", "/auth/login", { username: f.get("li-username"), password: f.get("li-password") });
        store.set("attune.token", tok.token);
        await afterSignIn(ctx);
      }, { box: loginError, fields: { username: "li-username", password: "li-password" } });
    },
  },
  h("h2", { id: "login-h" }, "Welcome back"),
  field("li-username", "Username", { autocomplete: "username", required: true, autocapitalize: "none" }),
  field("li-password", "Password", { type: "password", autocomplete: "current-password", required: true }),
  loginError,
  h("button", { type: "submit" }, "Sign in"));

  fill(main,
    h("h1", {}, `Welcome to ${appName()}`),
    h("p", {}, "A calm place for the two of you to agree what feels good, keep checking in, and stop the moment either of you needs to."),
    login, signup,
    h("section", { class: "card", "aria-labelledby": "no-account-h" },
      h("h2", { id: "no-account-h" }, "Without an account"),
      h("p", {}, "Breathe and ground yourself from the Breathe button at the top of every screen. You can also read and find support without signing in:"),
      h("ul", { class: "list" },
        h("li", {}, h("a", { href: "#/learn" }, "Learn what can happen after trauma")),
        h("li", {}, h("a", { href: "#/support" }, "Helplines and support")))));
}
