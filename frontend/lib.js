// Small helpers shared by the screens: DOM building, the API client, showing its errors
// by the field they are about, words for states.

/** @typedef {Node | string | number | null | undefined | false | Child[]} Child */
/**
 * Attributes for h(): `on*` functions become listeners, `dataset` fills data-*, `value`
 * and `checked` are set as properties, null / undefined / false leave the attribute out.
 * @typedef {{
 *   [key: string]: unknown,
 *   onclick?: (e: MouseEvent) => unknown,
 *   onsubmit?: (e: SubmitEvent) => unknown,
 *   onchange?: (e: Event) => unknown,
 *   dataset?: Record<string, string>,
 * }} Attrs
 */
/** @typedef {{field?: string, message?: string}} FieldProblem */
/** @typedef {{detail?: string, errors?: FieldProblem[]}} Problem  the API's problem+json body */
/** @typedef {"GET" | "POST" | "PUT" | "DELETE"} Method */

export const store = {
  /**
   * Reads the JSON value saved under `key`, or `fallback`.
   * @param {string} key
   * @param {any} [fallback]
   * @returns {any}
   */
  get(key, fallback = null) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  /**
   * Saves `value` as JSON under `key`; null or undefined removes it.
   * @param {string} key
   * @param {unknown} value
   */
  set(key, value) {
    try {
      if (value === null || value === undefined) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* storage unavailable */
    }
  },
};

/**
 * Builds an element: h("button", {type: "button", onclick}, "text", child...); "svg:tag" for SVG.
 * No innerHTML anywhere: everything a person wrote is set as text.
 * @template {string} T
 * @param {T} tag
 * @param {Attrs | null} [attrs]
 * @param {...Child} children
 * @returns {T extends keyof HTMLElementTagNameMap ? HTMLElementTagNameMap[T] : Element}
 */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === "dataset") Object.assign(/** @type {HTMLElement} */ (el).dataset, value);
    else if (!svg && (key === "value" || key === "checked")) /** @type {any} */ (el)[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of /** @type {unknown[]} */ (children).flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return /** @type {any} */ (el);
}

/**
 * Replaces an element's children, skipping the null/false left by conditionals.
 * @template {Element} E
 * @param {E} el
 * @param {...Child} children
 * @returns {E}
 */
export function fill(el, ...children) {
  const nodes = /** @type {unknown[]} */ (children).flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false);
  el.replaceChildren(.../** @type {(Node | string)[]} */ (nodes));
  return el;
}

/**
 * A labelled input (or textarea, with `tag`) and its hint; showError() puts messages under it.
 * @param {string} id
 * @param {string} label
 * @param {Attrs & {tag?: "input" | "textarea"}} [attrs]
 * @param {string} [hint]
 * @returns {Child[]}
 */
export function field(id, label, attrs = {}, hint) {
  const input = h(attrs.tag || "input", { id, name: id, ...attrs, tag: null, "aria-describedby": hint ? `${id}-hint` : null });
  return [h("label", { for: id }, label), hint ? h("p", { class: "muted", id: `${id}-hint` }, hint) : null, input];
}

const OFFLINE_LOAD = "You're offline, so this can't be loaded right now.";
const OFFLINE_SAVE = "You're offline, so this wasn't saved. It will work when you're back online.";

/** A refused or failed API call: its status, the detail in plain words, each field's problem. */
export class ApiError extends Error {
  /**
   * @param {number} status  0 when the request never reached the server
   * @param {Problem | null} body
   * @param {Method} [method]
   */
  constructor(status, body, method = "GET") {
    super(body?.detail ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    /** @type {string} */
    this.detail = body?.detail || (status === 0
      ? (method === "GET" ? OFFLINE_LOAD : OFFLINE_SAVE)
      : "Something went wrong; nothing was changed.");
    // A cooling-off time: say when it opens, in this person's own time.
    const opensAt = /** @type {{opens_at?: string} | null} */ (body)?.opens_at;
    if (opensAt) {
      const when = new Date(opensAt).toLocaleString([], { weekday: "long", hour: "2-digit", minute: "2-digit" });
      this.detail = `${this.detail} (From ${when}.)`;
    }
    /** @type {FieldProblem[]} */
    this.errors = body?.errors || [];
  }
}

/**
 * Calls the API under /api/v1; resolves to the JSON body (null for 204), throws ApiError.
 * @param {Method} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  const token = store.get("attune.token");
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, null, method);
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    if (res.status === 401 && token) window.dispatchEvent(new CustomEvent("attune:signedout"));
    throw new ApiError(res.status, data, method);
  }
  return data;
}

/**
 * An API field name as words: "current_password" -> "current password", "wishes.0" -> "0".
 * @param {string} name
 */
const fieldWords = (name) => (name.split(".").pop() || "").replace(/_/g, " ");

/**
 * Shows `message` under the input (linked by aria-describedby), or clears it when null.
 * @param {HTMLElement} input
 * @param {string | null} message
 */
function markField(input, message) {
  const noteId = `${input.id}-error`;
  const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== noteId);
  document.getElementById(noteId)?.remove();
  if (message === null) {
    input.removeAttribute("aria-invalid");
  } else {
    input.after(h("p", { class: "error", id: noteId }, message));
    input.setAttribute("aria-invalid", "true");
    described.push(noteId);
  }
  if (described.length) input.setAttribute("aria-describedby", described.join(" "));
  else input.removeAttribute("aria-describedby");
}

/**
 * Empties `box` and the messages under the inputs named in `fields`.
 * @param {HTMLElement} box
 * @param {Record<string, string>} [fields]
 */
export function clearError(box, fields = {}) {
  box.textContent = "";
  for (const id of Object.values(fields)) {
    const input = document.getElementById(id);
    if (input) markField(input, null);
  }
}

/**
 * Shows an error: each field's message under its input (`fields` maps the API's field
 * names to input ids), the rest in `box`; the general detail only when no field matched.
 * @param {HTMLElement} box
 * @param {unknown} err
 * @param {Record<string, string>} [fields]
 */
export function showError(box, err, fields = {}) {
  if (!(err instanceof ApiError)) {
    box.textContent = "Something went wrong; nothing was changed.";
    return;
  }
  /** @type {Map<HTMLElement, string[]>} */
  const byInput = new Map();
  const rest = [];
  for (const e of err.errors) {
    if (!e?.message) continue;
    const name = e.field || "";
    const input = document.getElementById(fields[name] || fields[name.split(".")[0]] || "");
    const words = fieldWords(name);
    if (!input) {
      rest.push(`${words ? `${words}: ` : ""}${e.message}`);
      continue;
    }
    // A fragment ("is too easy to guess") is said with its field's name; a sentence as it is.
    const said = words && /^[a-z]/.test(e.message) ? `${words[0].toUpperCase()}${words.slice(1)} ${e.message}` : e.message;
    byInput.set(input, [...(byInput.get(input) || []), said]);
  }
  for (const [input, messages] of byInput) markField(input, messages.join(" "));
  // The detail often repeats a lone field's message ("password: That password doesn't
  // match."): say it once.
  box.textContent = (byInput.size ? rest : [err.detail, ...rest.filter((line) => !err.detail.includes(line))]).join(" ");
  // Focus reads the field's message aloud, as the alert box does for the rest.
  [...byInput.keys()][0]?.focus();
}

/**
 * Runs an API call, then `after` (the refresh); on failure shows the error by its field
 * (see showError). Resolves to true when both worked.
 * @param {() => Promise<unknown>} call
 * @param {object} options
 * @param {HTMLElement} options.box  where an error no field shows goes
 * @param {Record<string, string>} [options.fields]  the API's field names -> input ids
 * @param {() => unknown} [options.after]  runs once the call worked (not `then`, which
 *   would make the options a thenable)
 * @param {string} [options.conflict]  on a 409 (changed meanwhile): say this, and run `after` anyway
 * @returns {Promise<boolean>}
 */
export async function action(call, { box, fields = {}, after, conflict }) {
  clearError(box, fields);
  let worked = true;
  try {
    try {
      await call();
    } catch (err) {
      if (!(conflict && err instanceof ApiError && err.status === 409)) throw err;
      box.textContent = conflict;
      worked = false;
    }
    if (after) await after();
  } catch (err) {
    showError(box, err, fields);
    return false;
  }
  return worked;
}

/**
 * A time of day, like 21:05.
 * @param {string} iso
 */
export function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/**
 * A short date, like 3 Dec.
 * @param {string} iso
 */
export function day(iso) {
  return new Date(iso).toLocaleDateString([], { day: "numeric", month: "short" });
}

/** @type {Record<string, string>} */
export const STATE_WORDS = {
  agreed: "Agreed by both of you",
  maybe: "Maybe: talk first",
  no: "Not now",
  open: "Waiting for both answers",
  removed: "Removed",
};
/** @type {Record<string, string>} */
export const ANSWER_WORDS = { yes: "Yes", maybe: "Maybe", no: "Not now" };
