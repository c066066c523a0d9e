// My journal: notes only I will ever see, paired or not.

import { action, api, day, field, fill, h } from "../lib.js";

/** @import { Shown } from "./shared.js" */
/** @typedef {{id: string, text: string, created_at: string, updated_at: string}} Note */

/**
 * One note: its words, and quiet ways to change or delete it.
 * @param {Note} note
 * @param {() => Promise<void>} load
 */
function noteCard(note, load) {
  const error = h("p", { class: "error", role: "alert" });
  const inputId = `note-${note.id}`;
  const edit = h("form", {
    class: "stack",
    onsubmit: (e) => {
      e.preventDefault();
      const text = String(new FormData(edit).get(inputId) ?? "").trim();
      action(() => api("PUT", `/me/journal/${note.id}`, { text }), { box: error, fields: { text: inputId }, after: load });
    },
  },
  field(inputId, "Your note", { tag: "textarea", rows: "5", maxlength: "4000", value: note.text, required: true }),
  h("button", { type: "submit", class: "secondary" }, "Save the change"));
  const sure = h("div", { class: "row", hidden: true },
    h("p", {}, "Delete this note for good? It can't be brought back."),
    h("button", { type: "button", class: "secondary", onclick: () => { sure.hidden = true; } }, "Keep it"),
    h("button", { type: "button", class: "secondary", onclick: () => action(() => api("DELETE", `/me/journal/${note.id}`), { box: error, after: load }) }, "Delete it"));
  // Written and saved in the same moment is not "changed".
  const edited = Date.parse(note.updated_at) - Date.parse(note.created_at) > 60_000 ? ` · changed ${day(note.updated_at)}` : "";
  return h("li", { class: "card note", dataset: { id: note.id } },
    h("p", { class: "muted" }, `${day(note.created_at)}${edited}`),
    h("p", { class: "note-text" }, note.text),
    h("details", {}, h("summary", {}, "Change it"), edit),
    sure,
    h("button", { type: "button", class: "secondary", onclick: () => { sure.hidden = false; } }, "Delete"),
    error);
}

/**
 * The journal screen: a new note first, then every note, newest first.
 * @param {HTMLElement} main
 * @returns {Promise<Shown>}
 */
export async function journal(main) {
  const list = h("ul", { class: "list", id: "journal-list", "aria-labelledby": "notes-h" });
  const load = async () => {
    /** @type {Note[]} */
    const notes = (await api("GET", "/me/journal")).items;
    fill(list, notes.length ? notes.map((n) => noteCard(n, load)) : h("li", { class: "muted" }, "Nothing here yet. Whatever you write stays here, for you."));
  };
  const error = h("p", { class: "error", role: "alert" });
  const saved = h("p", { class: "muted", role: "status", id: "journal-saved" });
  const form = h("form", {
    class: "card",
    id: "journal-form",
    "aria-labelledby": "write-h",
    onsubmit: (e) => {
      e.preventDefault();
      const text = String(new FormData(form).get("journal-text") ?? "").trim();
      saved.textContent = "";
      action(() => api("POST", "/me/journal", { text }), {
        box: error,
        fields: { text: "journal-text" },
        after: async () => { form.reset(); saved.textContent = "Kept. Only you can read it."; await load(); },
      });
    },
  },
  h("h2", { id: "write-h" }, "Write something"),
  field("journal-text", "Anything you want to remember, think through or let out", { tag: "textarea", rows: "5", maxlength: "4000", required: true },
    "A word or a page: there's no right way to do it."),
  error, saved,
  h("button", { type: "submit" }, "Keep it in my journal"));
  await load();
  fill(main,
    h("h1", {}, "My journal"),
    h("p", {}, "Notes only you will ever see. Nothing here is shared with anyone, a partner included, and it stays yours if a pair ends."),
    form,
    h("h2", { id: "notes-h" }, "Your notes"),
    list);
  return {};
}
