// Settings: safety on this phone (quick exit, discreet mode and the pause's neutral name,
// the PIN and the second PIN), push, the pairing, my data, devices, deleting the account.

import { action, api, day, field, fill, h, store } from "../lib.js";
import { hasPin, hasSecondPin, removePin, removeSecondPin, setPin, setSecondPin } from "../lock.js";
import { keepDiscreetLabel, pushState, tellDiscretion, turnPushOff, turnPushOn } from "../push.js";
import { applyDiscreet } from "./shared.js";

/** @import { Ctx, Shown } from "./shared.js" */
/** @typedef {{id: string, current: boolean, created_at: string, last_used_at: string}} Device */
/** @typedef {{label: string, agreed: boolean, proposed: string | null, proposed_by_me: boolean | null}} DiscreetName */

/**
 * What this phone is told about a pause while the app is closed.
 * @param {string} now  unsupported | denied | on | off
 */
function pushWords(now) {
  const says = store.get("attune.discreet")
    ? `The notification only says “Notes” and “${store.get("attune.discreetLabel") || "Hold on"}”.`
    : "The notification only says “Your partner needs a moment”.";
  /** @type {Record<string, string>} */
  const words = {
    unsupported: "This browser can't show a pause while the app is closed. Keep the app open during time together.",
    denied: "Notifications are blocked for this site in the browser's settings, so a pause can only reach you while the app is open.",
    on: `This phone is told about a pause even when the app is closed or the screen is locked. ${says}`,
    off: `Turn this on so a pause reaches this phone even when the app is closed. ${says}`,
  };
  return words[now];
}

/**
 * The pause's neutral name in discreet mode: one of you suggests it, the other agrees,
 * either can go back to "Hold on". Redraws only the part above the form, so a live event
 * never wipes what is being typed.
 */
function discreetName() {
  const now = h("div", { id: "discreet-now" });
  const error = h("p", { class: "error", role: "alert" });
  const draw = async () => {
    /** @type {DiscreetName} */
    let d;
    try {
      d = await api("GET", "/pair/discreet");
    } catch {
      fill(now, h("p", {}, `It's “${store.get("attune.discreetLabel") || "Hold on"}” for now. The name can't be loaded right now.`));
      return;
    }
    keepDiscreetLabel(d.label);
    fill(now,
      h("p", {}, d.agreed ? `You both chose “${d.label}”.` : `Until you both choose one, it's “${d.label}”.`),
      d.proposed && d.proposed_by_me ? h("p", { class: "muted" }, `You suggested “${d.proposed}”. It's used once your partner agrees too.`) : null,
      d.proposed && !d.proposed_by_me ? [h("p", {}, `Your partner suggested “${d.proposed}”. If it works for you too:`),
        h("button", { type: "button", id: "discreet-agree", onclick: () => action(() => api("POST", "/pair/discreet/agree"), { box: error, after: draw }) }, `Use “${d.proposed}”`)] : null,
      d.agreed ? h("button", { type: "button", class: "secondary", id: "discreet-reset", onclick: () => action(() => api("DELETE", "/pair/discreet"), { box: error, after: draw }) }, "Go back to “Hold on”") : null);
  };
  const form = h("form", {
    class: "stack",
    onsubmit: (e) => {
      e.preventDefault();
      const input = /** @type {HTMLInputElement} */ (form.elements.namedItem("discreet-label"));
      action(() => api("PUT", "/pair/discreet", { label: input.value.trim() }), {
        box: error,
        fields: { label: "discreet-label" },
        after: () => { input.value = ""; return draw(); },
      });
    },
  }, field("discreet-label", "Suggest a name (up to 24 characters)", { maxlength: "24", required: true, autocomplete: "off" },
    "Something ordinary that means stop to both of you, like “Tea break”."),
  error,
  h("button", { type: "submit", class: "secondary" }, "Suggest it"));
  draw();
  return {
    box: h("div", {}, h("h3", {}, "The Pause button's name in discreet mode"),
      h("p", {}, "In discreet mode the Pause button shows a plain name you both agree on. It still pauses, at once."),
      now, form),
    draw,
  };
}

/**
 * The settings screen.
 * @param {HTMLElement} main
 * @param {Ctx} ctx
 * @returns {Promise<Shown>}
 */
export async function settings(main, ctx) {
  const who = await api("GET", "/me");
  const paired = Boolean(who.pair_id);
  const error = h("p", { class: "error", role: "alert" });
  const status = h("p", { class: "muted", role: "status" });
  const devicesBox = h("ul", { class: "list" });
  await action(async () => {
    /** @type {Device[]} */
    const devices = await api("GET", "/me/devices");
    fill(devicesBox, ...devices.map((d) => {
      const item = h("li", {}, `${d.current ? "This device" : "A device"}: signed in ${day(d.created_at)}, last used ${day(d.last_used_at)} `);
      if (!d.current) {
        item.append(h("button", { type: "button", class: "secondary revoke-device", onclick: () => action(() => api("DELETE", `/me/devices/${d.id}`), {
          box: error,
          after: () => {
            item.remove();
            status.textContent = "That device is signed out. It can no longer see or send anything.";
          },
        }) }, "Sign it out"));
      }
      return item;
    }));
  }, { box: error });

  const unpairConfirm = h("div", { hidden: true, class: "card" },
    h("p", {}, "This ends the pairing now, for both of you. Everything you shared — the list, phrases, sessions and debriefs — is deleted. Your own account, aftercare and journal stay yours."),
    h("button", { type: "button", class: "danger", id: "unpair-confirm", onclick: () => action(() => api("DELETE", "/pair"), {
      box: error,
      after: () => {
        store.set("attune.paired", null);
        window.dispatchEvent(new CustomEvent("attune:start"));
        ctx.go("pair");
      },
    }) }, "Yes, unpair now"));
  const exportData = () => action(async () => {
    const data = await api("GET", "/me/export");
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
    const a = h("a", { href: url, download: "my-data.json" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status.textContent = "Your data was saved as my-data.json.";
  }, { box: error });
  // Its own error box: a wrong password is said right under the field, not far above.
  const delError = h("p", { class: "error", role: "alert" });
  const del = h("form", {
    class: "card",
    "aria-labelledby": "delete-h",
    onsubmit: (e) => {
      e.preventDefault();
      const password = new FormData(del).get("del-password");
      action(() => api("DELETE", "/me", { password }), {
        box: delError,
        fields: { password: "del-password" },
        after: () => { localStorage.clear(); ctx.signedOut(); },
      });
    },
  },
  h("h2", { id: "delete-h" }, "Delete my account"),
  h("p", {}, "This deletes your account and everything only you own. It can't be undone. You may want to save your data first."),
  field("del-password", "Your password, to confirm", { type: "password", autocomplete: "current-password", required: true }),
  delError,
  h("button", { type: "submit", class: "danger" }, "Delete my account"));

  const pinError = h("p", { class: "error", role: "alert" });
  const pinForm = h("form", {
    class: "stack",
    onsubmit: async (e) => {
      e.preventDefault();
      const pin = String(new FormData(pinForm).get("new-pin") ?? "");
      if (!/^\d{4,12}$/.test(pin)) { pinError.textContent = "Use 4 to 12 digits."; return; }
      await setPin(pin);
      ctx.route();
    },
  }, field("new-pin", "A PIN for this device (4 to 12 digits)", { type: "password", inputmode: "numeric", autocomplete: "off" }), pinError,
  h("button", { type: "submit" }, "Lock with this PIN"));

  const secondError = h("p", { class: "error", role: "alert" });
  const secondForm = h("form", {
    class: "stack",
    onsubmit: async (e) => {
      e.preventDefault();
      const pin = String(new FormData(secondForm).get("second-pin") ?? "");
      if (!/^\d{4,12}$/.test(pin)) { secondError.textContent = "Use 4 to 12 digits."; return; }
      if (!(await setSecondPin(pin))) { secondError.textContent = "That's your PIN. Choose different digits for the second PIN."; return; }
      ctx.route();
    },
  }, field("second-pin", "A second PIN (4 to 12 digits, not your PIN)", { type: "password", inputmode: "numeric", autocomplete: "off" }), secondError,
  h("button", { type: "submit" }, "Keep this second PIN"));
  const secondPin = h("div", {},
    h("h3", {}, "A second PIN"),
    h("p", {}, "If someone ever pressures you to open the app, you can type this PIN instead. It opens an empty Notes page, and this phone forgets the app: you're signed out here, and everything the app kept on this phone is cleared."),
    h("p", {}, "Your partner isn't told, and nothing changes for them: a pause they send reaches you once you sign in again. To come back, tap “Sign in to sync” at the bottom of the Notes page."),
    hasSecondPin() ? [h("p", {}, "A second PIN is set on this phone."),
      h("button", { type: "button", class: "secondary", id: "remove-second-pin", onclick: () => { removeSecondPin(); ctx.route(); } }, "Remove the second PIN")]
      : secondForm);

  /**
   * A checkbox kept in localStorage under `key`.
   * @param {string} id
   * @param {string} key
   * @param {string} label
   * @param {() => void} [after]
   */
  const toggle = (id, key, label, after) => {
    const box = h("input", { id, type: "checkbox", checked: Boolean(store.get(key)), onchange: () => { store.set(key, box.checked || null); after?.(); } });
    return h("label", { class: "inline", for: id }, box, label);
  };

  const pushBox = h("div", {});
  /** @param {() => Promise<unknown>} change */
  const pushButton = (change) => async () => {
    await action(change, { box: error });
    drawPush();
  };
  const drawPush = async () => {
    let now = "unsupported";
    try { now = await pushState(); } catch { /* no service worker yet */ }
    fill(pushBox, h("p", {}, pushWords(now)),
      now === "off" ? h("button", { type: "button", class: "secondary", id: "push-on", onclick: pushButton(turnPushOn) }, "Notify this phone of a pause") : null,
      now === "on" ? h("button", { type: "button", class: "secondary", onclick: pushButton(turnPushOff) }, "Stop notifying this phone") : null);
  };
  drawPush();
  /** @param {string} path  logout or logout-all */
  const signOut = async (path) => {
    try { await turnPushOff(); } catch { /* the server forgets it with the device */ }
    try { await api("POST", path); } catch { /* signed out here regardless */ }
    ctx.signedOut();
  };
  const name = paired ? discreetName() : null;
  fill(main,
    h("h1", {}, "Settings"),
    error, status,
    h("section", { class: "card", "aria-labelledby": "safety-h" },
      h("h2", { id: "safety-h" }, "Safety on this phone"),
      h("h3", {}, "Quick exit"),
      h("p", { id: "exit-words" }, "Quick exit (the yellow button at the top) hides the app at once and opens a weather page. Back won't bring the app back. The next time you open it, you'll see a plain page called Notes: tap “Sign in to sync” at the bottom to come back (your PIN is asked first, if you set one)."),
      h("p", { id: "exit-keys" }, "On a keyboard, press Shift three times quickly. This never happens while you're typing in a box, so you won't lose what you wrote. To leave from a box, press Escape first."),
      h("p", { id: "exit-history" }, "Quick exit can't erase your browser's own history: it still shows that this site was visited. If that matters, use a private window, or clear your history."),
      h("h3", {}, "Discreet mode"),
      toggle("discreet", "attune.discreet", "Discreet name and icon (shows as “Notes”)", () => { applyDiscreet(); tellDiscretion(); ctx.route(); }),
      h("p", { class: "muted" }, "The name, the lock screen and the notifications then say only “Notes”. The screens behind your PIN keep their usual words. An installed app keeps the name it was installed with; to change it, remove it from the home screen and install again."),
      name ? name.box : null,
      h("h3", {}, "Sound"),
      toggle("sound", "attune.sound", "Play a soft sound with an incoming pause when the phone can't vibrate"),
      h("h3", {}, "App lock"),
      hasPin() ? h("button", { type: "button", class: "secondary", onclick: () => { removePin(); ctx.route(); } }, "Remove the PIN") : pinForm,
      h("p", { class: "muted" }, "The PIN stays on this device. The Pause button works even while the app is locked."),
      hasPin() ? secondPin : null),
    h("section", { class: "card", "aria-labelledby": "help-h" },
      h("h2", { id: "help-h" }, "Support and learning"),
      h("p", {}, "Helplines, therapists and groups, for you and for partners, and short reads about trauma responses. They work offline."),
      h("ul", { class: "list" },
        h("li", {}, h("a", { href: "#/support", id: "settings-support" }, "Helplines and support")),
        h("li", {}, h("a", { href: "#/learn" }, "Learn")))),
    paired ? h("section", { class: "card", "aria-labelledby": "push-h" }, h("h2", { id: "push-h" }, "When the app is closed"), pushBox) : null,
    h("section", { class: "card", "aria-labelledby": "pair-h" },
      h("h2", { id: "pair-h" }, "Your pairing"),
      paired ? [h("p", {}, "Either of you can end it at any time, without asking."),
        h("button", { type: "button", class: "danger", id: "unpair", onclick: () => { unpairConfirm.hidden = false; unpairConfirm.querySelector("button")?.focus(); } }, "Unpair"), unpairConfirm]
        : h("p", {}, h("a", { href: "#/pair" }, "Pair with your partner"))),
    h("section", { class: "card", "aria-labelledby": "data-h" },
      h("h2", { id: "data-h" }, "Your data"),
      h("button", { type: "button", class: "secondary", onclick: exportData }, "Save a copy of my data")),
    h("section", { class: "card", "aria-labelledby": "devices-h" },
      h("h2", { id: "devices-h" }, "Signed-in devices"), devicesBox,
      h("button", { type: "button", class: "secondary", id: "logout", onclick: () => signOut("/auth/logout") }, "Sign out on this device"),
      h("button", { type: "button", class: "secondary", id: "logout-all", onclick: () => signOut("/auth/logout-all") }, "Sign out on every device")),
    del);
  return {
    refresh: (ev) => {
      if (name && (ev.type.startsWith("discreet.") || ev.type === "resync" || ev.type === "welcome")) return name.draw();
    },
  };
}
