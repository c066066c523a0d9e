// Notes: a plain notes pad, kept only on this phone (localStorage "notes.pad"). It is what
// the app shows after quick exit and after the second PIN, so it says nothing about the
// app; a small "Sign in to sync" at the bottom is the way back in.

import { h } from "../lib.js";

const PAD = "notes.pad";

/**
 * Fills `main` with the notes pad.
 * @param {HTMLElement} main
 * @param {{onSync: () => void}} options  what "Sign in to sync" does
 */
export function notes(main, { onSync }) {
  let saved = "";
  try {
    saved = localStorage.getItem(PAD) || "";
  } catch {
    saved = "";
  }
  const status = h("p", { class: "muted", id: "notes-status", role: "status" });
  let timer = 0;
  const pad = h("textarea", {
    id: "notes-pad",
    rows: "12",
    spellcheck: "true",
    "aria-describedby": "notes-status",
    value: saved,
    oninput: () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        try {
          localStorage.setItem(PAD, pad.value);
          status.textContent = "Saved on this phone.";
        } catch {
          status.textContent = "This couldn't be saved.";
        }
      }, 400);
    },
  });
  main.replaceChildren(
    h("h1", {}, "Notes"),
    h("label", { for: "notes-pad" }, "Your notes"),
    pad,
    status,
    h("p", { class: "notes-sync" }, h("button", { type: "button", class: "link", id: "notes-sync", onclick: onSync }, "Sign in to sync")),
  );
  document.title = "Notes";
}
