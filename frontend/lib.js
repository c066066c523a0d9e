// Small helpers shared by the screens: DOM building, the API client, words for states.

export const store = {
  get(key, fallback = null) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      if (value === null || value === undefined) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* storage unavailable */
    }
  },
};

// h("button", {type: "button", onclick}, "text", child...) -> Element. No innerHTML anywhere:
// everything a person wrote is set as text.
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (!svg && (key === "value" || key === "checked")) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// Replaces an element's children, skipping the null/false left by conditionals.
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.detail ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.detail = (body && body.detail) || (status === 0
      ? "You're offline, so this wasn't saved. It will work when you're back online."
      : "Something went wrong; nothing was changed.");
    this.errors = (body && body.errors) || [];
  }
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const token = store.get("attune.token");
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, null);
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
    throw new ApiError(res.status, data);
  }
  return data;
}

// Shows an API error next to a form: the detail, and each field's message.
export function formError(box, err) {
  if (!(err instanceof ApiError)) {
    box.textContent = "Something went wrong; nothing was changed.";
    return;
  }
  const lines = [err.detail];
  for (const e of err.errors) {
    if (e && e.message) lines.push(`${e.field ? `${e.field.split(".").pop().replace(/_/g, " ")}: ` : ""}${e.message}`);
  }
  box.textContent = lines.join(" ");
}

export function show(box, text) {
  box.textContent = text;
}

export function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function day(iso) {
  return new Date(iso).toLocaleDateString([], { day: "numeric", month: "short" });
}

export const STATE_WORDS = {
  agreed: "Agreed by both of you",
  maybe: "Maybe: talk first",
  no: "Not now",
  open: "Waiting for both answers",
  removed: "Removed",
};
export const ANSWER_WORDS = { yes: "Yes", maybe: "Maybe", no: "Not now" };
