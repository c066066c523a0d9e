// The pause path, on its own: the live channel, the PAUSE / slow down / go-on
// controls, the takeover (the one who stopped is cared for first, on their own screen;
// the partner's screen says stop) and the sender's delivery status.
// It imports nothing and needs nothing from app.js, so a pause still works when the
// rest of the interface fails to load. The app listens to `attune:*` window events
// and may call `window.attuneLive`.

const API = "/api/v1";
const KEY = {
  token: "attune.token",
  live: "attune.live", // {me, pair, seq}: the highest contiguous seq we hold
  paired: "attune.paired",
  outbox: "attune.outbox", // a pause/slow/resume not yet acknowledged by the server
  seenPause: "attune.seenPause", // the partner's pause seq this person acknowledged
  partnerPause: "attune.partnerPause", // {seq, at, type, cause} of the partner's standing signal
  ownSeen: "attune.ownSeen", // the seq of my own signal whose calm screen I closed
  sound: "attune.sound",
  discreet: "attune.discreet",
  discreetLabel: "attune.discreetLabel", // the pause's neutral name, agreed by both
};
// The client pings every few seconds and counts a socket that answers nothing for
// DEAD_AFTER_MS as gone, so "Connected" is never shown long after it stopped being true
// (the server's own heartbeat is 10 s).
const PING_EVERY_MS = 3000;
const DEAD_AFTER_MS = 7000;
const RECEIPT_WAIT_MS = 3000;
const WELCOME_WAIT_MS = 8000;
const PROBE_WAIT_MS = 4000; // back from the background: the socket must answer a ping soon
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 10000;
const NOT_DELIVERED = "Not delivered yet — say it out loud";

/** @typedef {Record<string, any>} Frame  a parsed server frame (schemas/realtime.py) */
/**
 * My own signal until the partner has seen it.
 * @typedef {object} Pending
 * @property {string | null} id
 * @property {string} type  pause | slow | resume
 * @property {number | null} seq
 * @property {string | null} receipt  null (sent) | delivered | seen
 * @property {number} sentAt
 * @property {boolean} acked
 */

// Every id it asks for is in index.html.
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
/**
 * @param {string} key
 * @param {any} [fallback]
 * @returns {any}
 */
const read = (key, fallback = null) => {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
};
/**
 * @param {string} key
 * @param {unknown} value
 */
const write = (key, value) => {
  try {
    if (value === null || value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* private mode or full: the live state still works in memory */
  }
};
/**
 * @param {string} name
 * @param {unknown} detail
 */
const emit = (name, detail) => window.dispatchEvent(new CustomEvent(`attune:${name}`, { detail }));
const clock = (/** @type {string | null | undefined} */ iso) => {
  const d = iso ? new Date(iso) : new Date();
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
};
const SIGNALS = new Set(["pause", "slow", "resume"]);

/**
 * A standing signal as the takeover tells it: when, and what set it.
 * @typedef {{seq: number, at: string | null, type: string, cause?: string}} SignalInfo
 */
const NOTICE_MS = 8000;

/**
 * @type {{
 *   ws: WebSocket | null, status: string, attempts: number, retryTimer: number,
 *   lastFrameAt: number, lastPingAt: number, probeAt?: number, me: string | null,
 *   partner: string | null, partnerName: string, lastSeq: number, resyncing?: boolean,
 *   ahead: Set<number>, actorSeq: Record<string, number>, mine: string, theirs: string,
 *   own: SignalInfo | null, ownOpen: boolean, theirOpen: boolean,
 *   pending: Pending | null, receiptTimer: number, sessionRunning: boolean,
 *   wakeLock: WakeLockSentinel | null, stopped: boolean,
 *   notice: { text: string, until: number },
 * }}
 */
const state = {
  // A word from the server for the status line (e.g. a lift refused), and until when.
  notice: { text: "", until: 0 },
  ws: null,
  status: "offline", // connected | reconnecting | offline | signedout | unpaired
  attempts: 0,
  retryTimer: 0,
  lastFrameAt: 0,
  lastPingAt: 0,
  me: null,
  partner: null,
  partnerName: read("attune.partnerName", "Your partner"),
  lastSeq: 0,
  ahead: new Set(),
  actorSeq: {}, // user id -> seq of the signal event that set their state
  mine: "clear",
  theirs: "clear",
  own: null, // my own standing signal, for my calm screen
  ownOpen: false, // my calm screen is showing
  theirOpen: false, // the partner's takeover is showing
  pending: null, // {id, type, seq?, receipt?, sentAt}
  receiptTimer: 0,
  sessionRunning: false,
  wakeLock: null,
  stopped: false,
};

// ---------------------------------------------------------------- the socket

function token() {
  return read(KEY.token);
}

/** @param {string} status */
function setStatus(status) {
  state.status = status;
  const el = $("conn-status");
  if (el) {
    /** @type {Record<string, string>} */
    const words = {
      connected: "Connected",
      reconnecting: "Reconnecting…",
      connecting: "Connecting…",
      offline: read(KEY.discreet) ? "Offline" : "Offline — a pause can't reach your partner, say it out loud",
      signedout: "Signed out",
      unpaired: "Not paired",
    };
    el.textContent = words[status] || status;
    el.dataset.state = status;
  }
  document.documentElement.dataset.live = status;
  emit("live", { status });
}

function connect() {
  clearTimeout(state.retryTimer);
  state.retryTimer = 0;
  if (state.stopped || !token() || !read(KEY.paired)) return;
  if (state.ws && (state.ws.readyState === WebSocket.OPEN || state.ws.readyState === WebSocket.CONNECTING)) return;
  const stored = read(KEY.live, {});
  state.lastSeq = stored && stored.pair === read(KEY.paired) ? stored.seq || 0 : 0;
  let ws;
  try {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${scheme}//${location.host}${API}/ws`);
  } catch {
    scheduleReconnect();
    return;
  }
  state.ws = ws;
  state.lastFrameAt = Date.now();
  // Until the welcome arrives nothing is connected, whatever the old socket said.
  setStatus(navigator.onLine === false ? "offline" : state.me ? "reconnecting" : "connecting");
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: "hello", token: token(), last_seq: state.lastSeq }));
  };
  ws.onmessage = (msg) => {
    if (ws !== state.ws) return;
    state.lastFrameAt = Date.now();
    let frame;
    try {
      frame = JSON.parse(msg.data);
    } catch {
      return;
    }
    onFrame(frame);
  };
  ws.onclose = (ev) => {
    if (ws !== state.ws) return;
    state.ws = null;
    onClosed(ev.code);
  };
  ws.onerror = () => {
    /* onclose follows */
  };
}

/** @param {number} code */
function onClosed(code) {
  if (code === 4401) {
    write(KEY.token, null);
    setStatus("signedout");
    emit("signedout", { code });
    return;
  }
  if (code === 4403) {
    forgetPair();
    emit("pair-ended", { code });
    return;
  }
  if (code === 4429) {
    // Too many sockets for this sign-in: a newer tab or window of this phone holds the
    // live one. This one comes back when it is looked at again (visibilitychange), or
    // at once when PAUSE is pressed here; it never fights the other for the socket.
    setStatus("reconnecting");
    return;
  }
  scheduleReconnect();
}

function scheduleReconnect() {
  if (state.stopped || !token() || !read(KEY.paired)) return;
  setStatus(navigator.onLine === false ? "offline" : "reconnecting");
  refreshPendingStatus();
  clearTimeout(state.retryTimer);
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** state.attempts);
  state.attempts += 1;
  const delay = ceiling / 2 + Math.random() * (ceiling / 2);
  state.retryTimer = setTimeout(connect, delay);
}

function reconnectNow() {
  state.attempts = 0;
  if (state.ws) {
    const ws = state.ws;
    state.ws = null;
    try {
      ws.close(4000, "reconnect");
    } catch {
      /* already closing */
    }
  }
  connect();
}

/** @param {object} frame */
function send(frame) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN && state.status === "connected") {
    state.ws.send(JSON.stringify(frame));
    return true;
  }
  return false;
}

// A ping every few seconds; nothing heard for DEAD_AFTER_MS: the socket is dead, and the
// header says so at once. An open socket with no welcome after 8 s (a lost hello) is
// just as dead.
setInterval(() => {
  if (!state.ws) return;
  if (state.status === "connected" && Date.now() - state.lastPingAt >= PING_EVERY_MS) {
    state.lastPingAt = Date.now();
    send({ type: "ping" });
  }
  const quiet = Date.now() - state.lastFrameAt;
  const probed = state.probeAt && state.lastFrameAt < state.probeAt && Date.now() - state.probeAt > PROBE_WAIT_MS;
  if (quiet > DEAD_AFTER_MS || probed || (state.status !== "connected" && quiet > WELCOME_WAIT_MS)) {
    state.probeAt = 0;
    reconnectNow();
  }
}, 1000);

// ---------------------------------------------------------------- frames

/** @param {Frame} frame */
function onFrame(frame) {
  switch (frame.type) {
    case "ping":
      state.ws && state.ws.send(JSON.stringify({ type: "pong" }));
      return;
    case "pong":
      return;
    case "welcome":
      return onWelcome(frame);
    case "ack":
      return onAck(frame);
    case "receipt":
      return onReceipt(frame);
    case "error":
      if (state.pending && frame.id === state.pending.id && frame.code !== "unavailable") {
        clearPending();
        // Changed too often in a short while: it stays as it was, and says so. What is
        // on screen may have moved ahead of it, so the welcome tells the truth again.
        if (frame.code === "rate_limited") {
          showStatus(String(frame.detail || ""));
          reconnectNow();
        }
      }
      emit("frame", frame);
      return;
    default:
      if (typeof frame.seq === "number") return onPairEvent(frame);
      if (frame.type === "safety_plan.updated") {
        // What the partner shares may have changed: what is no longer shared leaves now.
        if (state.theirOpen) loadTheirPlan();
        if (state.ownOpen) loadOwnPlan();
      }
      emit("frame", frame);
  }
}

/** @param {Frame} frame */
function onWelcome(frame) {
  state.attempts = 0;
  state.me = frame.me;
  state.partner = frame.partner_id;
  if (frame.pair_id !== read(KEY.paired)) write(KEY.paired, frame.pair_id);
  if (frame.resync || frame.seq < state.lastSeq) {
    state.lastSeq = 0;
    state.ahead.clear();
    state.resyncing = true;
    emit("resync", {});
  }
  saveSeq();
  applyWelcomeSignal(frame);
  setStatus("connected");
  emit("welcome", frame);
  loadPartnerName();
  flushOutbox();
  checkSession();
}

/** @param {Frame} frame */
function applyWelcomeSignal(frame) {
  const sig = frame.signal || { state: "clear", by: [] };
  const seq = frame.seq;
  const mine = sig.mine ? sig.mine.state : "clear";
  const theirs = sig.theirs ? sig.theirs.state : "clear";
  state.actorSeq[/** @type {string} */ (state.me)] = seq;
  state.actorSeq[/** @type {string} */ (state.partner)] = seq;
  const inFlight = state.pending && !state.pending.acked && state.pending.type !== "resume";
  state.mine = inFlight ? (/** @type {Pending} */ (state.pending).type === "pause" ? "paused" : "slow") : mine;
  if (sig.mine && (!state.pending || state.pending.type !== "resume")) {
    const receipt = sig.mine.receipt;
    state.pending = {
      id: state.pending && state.pending.id,
      type: mine === "paused" ? "pause" : "slow",
      seq: sig.mine.seq,
      receipt: receipt === "sent" ? null : receipt,
      sentAt: Date.parse(sig.mine.set_at) || Date.now(),
      acked: true,
    };
    setOwn({ seq: sig.mine.seq, at: sig.mine.set_at, type: state.pending.type, cause: sig.mine.cause });
  } else if (!sig.mine && state.pending && state.pending.acked) {
    clearPending();
    setOwn(null);
  }
  // The welcome says when the partner's standing signal was set, its seq (for "seen")
  // and what set it.
  const info = sig.theirs
    ? { seq: sig.theirs.seq, at: sig.theirs.set_at, type: theirs === "paused" ? "pause" : "slow", cause: sig.theirs.cause }
    : null;
  if (info) write(KEY.partnerPause, info);
  setTheirs(theirs, info || read(KEY.partnerPause));
  renderMine();
  refreshPendingStatus();
}

/** @param {Frame} ev */
function onPairEvent(ev) {
  if (state.resyncing && ev.seq > state.lastSeq + 1) state.lastSeq = ev.seq - 1;
  state.resyncing = false;
  if (ev.seq <= state.lastSeq || state.ahead.has(ev.seq)) return;
  state.ahead.add(ev.seq);
  while (state.ahead.has(state.lastSeq + 1)) {
    state.ahead.delete(state.lastSeq + 1);
    state.lastSeq += 1;
  }
  saveSeq();
  // Delivery receipts exist for stop signals only: nothing else tells the partner that
  // this device has something of theirs.
  if (ev.actor && ev.actor === state.partner && (ev.type === "pause" || ev.type === "slow")) {
    send({ type: "receipt", seq: ev.seq, status: "delivered" });
  }
  if (SIGNALS.has(ev.type)) onSignal(ev);
  if (ev.type === "session.started") setSessionRunning(true);
  if (ev.type === "session.ended" || ev.type === "session.cancelled") setSessionRunning(false);
  emit("event", ev);
  if (ev.type === "pair.ended") {
    forgetPair();
    emit("pair-ended", { seq: ev.seq });
  }
}

function saveSeq() {
  write(KEY.live, { pair: read(KEY.paired), seq: state.lastSeq });
}

/** @param {Frame} ev */
function onSignal(ev) {
  const actor = ev.actor;
  const own = ev.data && ev.data.state;
  if ((state.actorSeq[actor] || 0) >= ev.seq) {
    // Older than what we show (replayed, or overtaken): it may still tell us when the
    // partner's standing signal was set, which the welcome does not carry.
    const known = read(KEY.partnerPause);
    if (actor === state.partner && own === state.theirs && own !== "clear" && (!known || known.seq < ev.seq)) {
      const info = { seq: ev.seq, at: ev.at, type: ev.type, cause: causeOf(ev) };
      write(KEY.partnerPause, info);
      setTheirs(own, info);
    }
    return;
  }
  state.actorSeq[actor] = ev.seq;
  if (actor === state.me) {
    state.mine = own;
    if (own === "clear") {
      clearPending();
      setOwn(null);
    } else {
      // Whatever set it (the button, a phrase, a check-in answer, a silence), the one
      // who stopped sees whether it arrived.
      if (!state.pending || (state.pending.id !== ev.id && state.pending.seq !== ev.seq)) {
        state.pending = { id: ev.id, type: ev.type, seq: ev.seq, receipt: null, sentAt: Date.parse(ev.at) || Date.now(), acked: true };
        clearTimeout(state.receiptTimer);
        state.receiptTimer = setTimeout(refreshPendingStatus, RECEIPT_WAIT_MS);
      } else {
        state.pending.seq = ev.seq;
      }
      setOwn({ seq: ev.seq, at: ev.at, type: ev.type, cause: causeOf(ev) });
    }
    renderMine();
    refreshPendingStatus();
  } else if (actor === state.partner) {
    const info = { seq: ev.seq, at: ev.at, type: ev.type, cause: causeOf(ev) };
    if (own !== "clear") write(KEY.partnerPause, info);
    setTheirs(own, info);
  }
  emit("signal", { mine: state.mine, theirs: state.theirs, pair: ev.data && ev.data.signal });
}

/**
 * What set a signal event: button, phrase, checkin (with its answer) or silence.
 * @param {Frame} ev
 * @returns {string}
 */
function causeOf(ev) {
  const cause = ev.data && ev.data.cause;
  if (!cause) return "button";
  return cause.kind === "checkin" && cause.answer === "unsure" ? "unsure" : cause.kind;
}

// ---------------------------------------------------------------- my own signal

/** @param {string} type  pause | slow | resume */
function command(type) {
  const id = crypto.randomUUID();
  state.pending = { id, type, seq: null, receipt: null, sentAt: Date.now(), acked: false };
  write(KEY.outbox, { id, type });
  if (type !== "resume") {
    state.mine = type === "pause" ? "paused" : "slow";
    setOwn({ seq: 0, at: new Date().toISOString(), type, cause: "button" });
    renderMine();
  }
  if (!send({ type, id })) reconnectNow();
  refreshPendingStatus();
  clearTimeout(state.receiptTimer);
  state.receiptTimer = setTimeout(refreshPendingStatus, RECEIPT_WAIT_MS);
  emit("command", { type, id });
}

function flushOutbox() {
  const box = read(KEY.outbox);
  if (box && box.id) send({ type: box.type, id: box.id }); // same id: never a second event
}

/** @param {Frame} frame */
function onAck(frame) {
  const box = read(KEY.outbox);
  if (box && box.id === frame.id) write(KEY.outbox, null);
  if (state.pending && state.pending.id === frame.id) {
    state.pending.seq = frame.seq;
    state.pending.acked = true;
    if (state.pending.type === "resume") clearPending();
  }
  refreshPendingStatus();
  emit("frame", frame);
}

/** @param {Frame} frame */
function onReceipt(frame) {
  if (state.pending && state.pending.seq === frame.seq) {
    /** @type {Record<string, number>} */
    const rank = { delivered: 1, seen: 2 };
    if ((rank[frame.status] || 0) > (rank[/** @type {string} */ (state.pending.receipt)] || 0)) state.pending.receipt = frame.status;
    refreshPendingStatus();
  }
  emit("frame", frame);
}

function clearPending() {
  state.pending = null;
  write(KEY.outbox, null);
  clearTimeout(state.receiptTimer);
  refreshPendingStatus();
}

/** @param {string} text  shown in the status line for a few seconds */
function showStatus(text) {
  state.notice = { text, until: Date.now() + NOTICE_MS };
  refreshPendingStatus();
  setTimeout(refreshPendingStatus, NOTICE_MS + 50);
}

function refreshPendingStatus() {
  const el = $("pause-status");
  if (!el) return;
  const p = state.pending;
  // A notice (a lift refused for coming too often) shows on the pause bar and, where
  // the person is looking if their own calm screen is open, there too.
  const notice = Date.now() < state.notice.until ? state.notice.text : "";
  const ownNotice = $("own-notice");
  if (ownNotice) {
    ownNotice.textContent = notice;
    ownNotice.hidden = !notice;
  }
  if (!p || p.type === "resume") {
    el.textContent = notice;
    el.hidden = !notice;
    delete el.dataset.status;
    return;
  }
  if (p.type === "pause" || p.type === "slow") {
    // The receipt wait runs out later: say so when it does.
    clearTimeout(state.receiptTimer);
    const left = RECEIPT_WAIT_MS - (Date.now() - p.sentAt);
    if (left > 0 && !p.receipt) state.receiptTimer = setTimeout(refreshPendingStatus, left + 50);
  }
  let status;
  const fresh = Date.now() - p.sentAt < RECEIPT_WAIT_MS;
  if (p.receipt === "seen") status = "Seen";
  else if (p.receipt === "delivered") status = "Delivered";
  else if (p.acked && state.status === "connected" && fresh) status = "Sent";
  else if (!p.acked && state.status === "connected" && fresh) status = "Sending…";
  // Nothing says it arrived: the truth is that it has not, yet.
  else status = NOT_DELIVERED;
  const label = p.type === "pause" ? "Your pause" : "Your slow-down";
  for (const box of [el, $("own-status")]) {
    if (!box) continue;
    box.hidden = false;
    box.dataset.status = status;
    box.textContent = "";
    const strong = document.createElement("strong");
    strong.textContent = status;
    box.append(`${label}: `, strong);
  }
}

function renderMine() {
  const resume = $("resume-button");
  const pauseBtn = $("pause-button");
  const slow = $("slow-button");
  if (resume) {
    resume.hidden = state.mine === "clear";
    resume.textContent = state.mine === "paused" ? "Lift my pause" : "Lift my slow-down";
  }
  if (pauseBtn) {
    pauseBtn.setAttribute("aria-pressed", String(state.mine === "paused"));
    // In discreet mode the button wears the neutral name the two chose; it still pauses.
    const name = read(KEY.discreet) ? discreetLabel() : "Pause";
    pauseBtn.textContent = name;
    $("pause-bar").setAttribute("aria-label", name);
    const skip = document.getElementById("skip-pause");
    if (skip) skip.textContent = `Skip to ${name}`;
  }
  if (slow) slow.setAttribute("aria-pressed", String(state.mine === "slow"));
  document.documentElement.dataset.mine = state.mine;
}

// ---------------------------------------------------------------- the takeover

/** @returns {string} */
function discreetLabel() {
  return read(KEY.discreetLabel) || "Hold on";
}

/**
 * What my own screen says, by what set my signal; the one who stopped comes first.
 * @param {SignalInfo} own
 */
function ownWords(own) {
  const when = clock(own.at);
  const name = state.partnerName;
  if (own.type === "slow") {
    return own.cause === "unsure"
      ? `You weren't sure, so you're slowing down (${when}). That's a good answer. ${name} knows.`
      : `You asked to slow down at ${when}. ${name} knows. Take the time you need.`;
  }
  const why = {
    silence: `The check-in went unanswered, so Attune paused for you both at ${when}. That's all right.`,
    phrase: `You said your stop words at ${when}, and that paused things for you both.`,
    checkin: `You answered the check-in with stop at ${when}.`,
  }[own.cause || "button"] || `You paused at ${when}.`;
  return `${why} You're safe. Nothing needs to happen next.`;
}

/**
 * What the partner's takeover says: honestly what caused it.
 * @param {SignalInfo} info
 */
function theirWords(info) {
  const when = clock(info.at);
  const name = state.partnerName;
  if (state.theirs !== "paused") {
    return info.cause === "unsure"
      ? `${name} isn't sure, so you're slowing down (${when}). Check in gently.`
      : `${name} asked to slow down at ${when}. Check in with each other.`;
  }
  const why = {
    silence: `${name} didn't answer the check-in, so Attune paused for you both (${when}). They may have frozen: stay near, speak softly, and let them come back in their own time.`,
    phrase: `${name} said their stop words at ${when}.`,
    checkin: `${name} answered the check-in with stop at ${when}.`,
  }[info.cause || "button"] || `${name} paused at ${when}.`;
  return `${why} Stop what you're doing; nothing needs to happen next.`;
}

/**
 * My own standing signal changed (null: lifted). A new one opens my calm screen, unless
 * I already closed it for this signal.
 * @param {SignalInfo | null} own
 */
function setOwn(own) {
  const before = state.own;
  state.own = own;
  if (!own) {
    state.ownOpen = false;
  } else if (!before || before.type !== own.type || (before.seq && before.seq !== own.seq)) {
    state.ownOpen = read(KEY.ownSeen) !== own.seq || !own.seq;
    if (state.ownOpen) {
      loadOwnCare();
      loadOwnPlan();
    }
  }
  renderTakeover();
}

/**
 * @param {string} theirs  clear | slow | paused
 * @param {SignalInfo | null} info  the partner's standing signal
 */
function setTheirs(theirs, info) {
  const before = state.theirs;
  state.theirs = theirs;
  document.documentElement.dataset.theirs = theirs;
  const alert = $("alert");
  if (theirs === "clear") {
    state.theirOpen = false;
    if (alert) alert.textContent = "";
    if (before !== "clear") calmNotice(`${state.partnerName} has lifted their pause. Go gently, and check in with each other.`);
    write(KEY.partnerPause, null);
    renderTakeover();
    return;
  }
  const when = clock(info && info.at);
  const acknowledged = Boolean(info && read(KEY.seenPause) === info.seq);
  if (alert) {
    alert.textContent = theirs === "paused"
      ? `${read(KEY.discreet) ? discreetLabel() : "Pause"}. ${state.partnerName} needs to stop now (${when}).`
      : `${state.partnerName} would like to slow down (${when}).`;
  }
  // A signal this person already acknowledged doesn't take over again (after a reload,
  // say): the alert line keeps saying it stands until the partner lifts it.
  const isNew = before !== theirs || !state.theirOpen;
  if (isNew && !acknowledged) {
    state.theirOpen = true;
    loadAftercare();
    loadTheirPlan();
    if (theirs === "paused") buzz();
    else if (before === "clear") buzz(true);
  }
  const overlay = $("pause-overlay");
  overlay.dataset.seq = info && info.seq ? String(info.seq) : "";
  $("pause-who").textContent = info ? theirWords(info) : "";
  $("pause-ack").textContent = theirs === "paused" ? "I've seen it — I'm stopping" : "I've seen it — slowing down";
  $("pause-ack").hidden = acknowledged;
  $("pause-ack-done").hidden = !acknowledged;
  renderTakeover();
}

/** Shows, updates or closes the one takeover dialog: my part first, then theirs. */
function renderTakeover() {
  const overlay = /** @type {HTMLDialogElement} */ ($("pause-overlay"));
  if (!overlay) return;
  const mine = state.ownOpen && state.own && state.mine !== "clear";
  const theirs = state.theirOpen && state.theirs !== "clear";
  const name = state.partnerName;
  const discreet = Boolean(read(KEY.discreet));
  $("own-part").hidden = !mine;
  $("their-part").hidden = !theirs;
  $("own-care-box").hidden = !mine;
  $("their-care-box").hidden = !theirs;
  $("own-plan-box").hidden = !mine || !$("own-plan").childElementCount;
  $("their-plan-box").hidden = !theirs || !$("their-plan").childElementCount;
  // Already paused myself: "pause too" has nothing left to do.
  $("pause-too").hidden = state.mine === "paused";
  overlay.dataset.kind = theirs ? (state.theirs === "paused" ? "pause" : "slow") : "own";
  let title = "";
  if (mine && state.own) {
    $("own-words").textContent = ownWords(state.own);
    $("own-lift").textContent = state.mine === "paused" ? "Lift my pause" : "Lift my slow-down";
    title = state.mine === "paused" ? "You paused." : "Slowing down.";
    if (theirs) title += state.theirs === "paused" ? ` ${name} paused too.` : ` ${name} asked to slow down too.`;
  } else if (theirs) {
    title = state.theirs === "paused"
      ? (discreet ? `${discreetLabel()}. ${name} needs a moment.` : `Stop. ${name} paused.`)
      : "Slow down, gently.";
  }
  $("pause-title").textContent = title;
  const open = Boolean(mine || theirs);
  if (open && !overlay.open) {
    overlay.showModal();
    startBreathing();
    const ack = $("pause-ack");
    // The first thing to reach: my own calm words, or "I've seen it".
    if (theirs && !mine && !ack.hidden) ack.focus();
    else $("pause-title").focus();
  } else if (!open && overlay.open) {
    overlay.close();
  }
  if (!open) stopBreathing();
  refreshPendingStatus();
}

function acknowledge() {
  const overlay = $("pause-overlay");
  const seq = Number(overlay.dataset.seq) || (read(KEY.partnerPause) || {}).seq;
  const told = Boolean(seq) && send({ type: "receipt", seq, status: "seen" });
  if (seq) write(KEY.seenPause, seq);
  $("ack-words").textContent = told
    ? `${state.partnerName} will see that you've seen it. Take all the time you need.`
    : `Your phone isn't connected, so ${state.partnerName} can't see that you've seen it. Tell them out loud.`;
  $("pause-ack").hidden = true;
  $("pause-ack-done").hidden = false;
  $("pause-close").focus();
  emit("acknowledged", { seq });
}

/** Closes the partner's part of the takeover; their pause stands until they lift it. */
function closeTakeover() {
  state.theirOpen = false;
  renderTakeover();
  if (!$("pause-overlay").hasAttribute("open")) $("pause-button").focus();
}

/** Closes my own calm screen; my pause stays until I lift it. */
function closeOwn() {
  if (state.own) write(KEY.ownSeen, state.own.seq);
  state.ownOpen = false;
  renderTakeover();
  if (!$("pause-overlay").hasAttribute("open")) $("pause-button").focus();
}

/**
 * A calm, dismissible card (never alarm-coloured): said politely, once.
 * @param {string} text
 */
function calmNotice(text) {
  const box = document.getElementById("notices");
  if (!box) return;
  const card = document.createElement("div");
  card.className = "card notice calm";
  const words = document.createElement("p");
  words.textContent = text;
  const ok = document.createElement("button");
  ok.type = "button";
  ok.className = "secondary";
  ok.textContent = "OK";
  ok.addEventListener("click", () => card.remove());
  card.append(words, ok);
  box.append(card);
}

function buzz(soft = false) {
  let vibrated = false;
  try {
    if (navigator.vibrate) vibrated = navigator.vibrate(soft ? [200] : [400, 150, 400, 150, 400]);
  } catch {
    vibrated = false;
  }
  if (!vibrated && read(KEY.sound, false)) chime(soft);
}

/** @param {boolean} soft */
function chime(soft) {
  try {
    const Ctx = window.AudioContext || /** @type {any} */ (window).webkitAudioContext;
    const ctx = new Ctx();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = soft ? 440 : 523;
    gain.gain.setValueAtTime(0.0001, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.05);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 1.2);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 1.3);
  } catch {
    /* no audio: the screen itself is the signal */
  }
}

let breathTimer = 0;
function startBreathing() {
  const words = $("breath-words");
  if (!words) return;
  let phase = 0;
  /** @type {[string, number][]} */
  const steps = [["Breathe in", 4000], ["Hold", 2000], ["Breathe out", 6000]];
  const step = () => {
    const [text, ms] = steps[phase % steps.length];
    words.textContent = text;
    $("breath-circle").dataset.phase = String(phase % steps.length);
    phase += 1;
    breathTimer = setTimeout(step, ms);
  };
  clearTimeout(breathTimer);
  step();
}
function stopBreathing() {
  clearTimeout(breathTimer);
}

/**
 * @param {string} path
 * @returns {Promise<any>}
 */
async function authed(path) {
  const res = await fetch(API + path, { headers: { Authorization: `Bearer ${token()}` } });
  if (!res.ok) throw new Error(String(res.status));
  return res.json();
}

async function loadPartnerName() {
  try {
    const pair = await authed("/pair");
    const name = pair.partner.display_name || "Your partner";
    write("attune.partnerName", name);
    if (name !== state.partnerName) {
      state.partnerName = name;
      if (state.theirs !== "clear") setTheirs(state.theirs, read(KEY.partnerPause));
    }
  } catch {
    /* keep "Your partner" */
  }
}

/** @type {Record<string, string>} */
const WISHES = {
  closeness: "Being held close", quiet: "Quiet", talk: "Talking it through", water: "A glass of water",
  space: "Some space", blanket: "A blanket", food: "Something to eat", music: "Music",
  shower: "A shower", "alone-time": "Time alone",
};

/**
 * Fills a "what helps" box from an aftercare body (schemas/aftercare.py).
 * @param {HTMLElement} box
 * @param {any} care
 * @param {string} freezeLabel
 * @param {string} empty
 */
function showCare(box, care, freezeLabel, empty) {
  box.replaceChildren();
  const items = (care.wishes || []).map((/** @type {string} */ w) => WISHES[w] || w);
  if (care.in_my_words) items.push(care.in_my_words);
  if (care.if_i_freeze) items.push(`${freezeLabel} ${care.if_i_freeze}`);
  if (!items.length) {
    box.textContent = empty;
    return;
  }
  const ul = document.createElement("ul");
  for (const text of items) {
    const li = document.createElement("li");
    li.textContent = text;
    ul.append(li);
  }
  box.append(ul);
}

async function loadAftercare() {
  const box = $("pause-aftercare");
  try {
    showCare(box, await authed("/pair/aftercare"), "If they freeze:",
      "They haven't written aftercare wishes yet. Ask gently what would help.");
  } catch {
    box.textContent = "Their aftercare wishes can't be loaded right now. Ask gently what would help.";
  }
}

async function loadOwnCare() {
  const box = $("own-care");
  try {
    showCare(box, await authed("/me/aftercare"), "If I freeze:",
      "Whatever you need right now is fine: water, a blanket, quiet, or some space.");
  } catch {
    box.textContent = "Whatever you need right now is fine: water, a blanket, quiet, or some space.";
  }
}

/**
 * Fills a plan box from the API. plan.js is loaded only here, so that nothing it does
 * can keep the pause from working. A refusal (unpaired, signed out) empties the box; a
 * lost connection keeps what is shown (no news can have come meanwhile either).
 * @param {string} id
 * @param {string} path
 * @param {"mine" | "theirs"} whose  mine on my own calm screen, theirs on the takeover
 */
async function loadPlan(id, path, whose) {
  let list = null;
  try {
    const [words, plan] = await Promise.all([import("./plan.js"), authed(path)]);
    list = words.planList(plan, whose, whose === "mine" ? words.FOR_MYSELF : words.FOR_THE_PARTNER);
  } catch (err) {
    if (err instanceof TypeError) return;
  }
  $(id).replaceChildren(...(list ? [list] : []));
  renderTakeover();
}
const loadOwnPlan = () => loadPlan("own-plan", "/me/safety-plan", "mine");
const loadTheirPlan = () => loadPlan("their-plan", "/pair/safety-card", "theirs");

// ---------------------------------------------------------------- sessions keep the screen on

async function checkSession() {
  try {
    const cur = await authed("/sessions/current");
    setSessionRunning(Boolean(cur.session && cur.session.status === "active"));
  } catch {
    /* leave as it was */
  }
}

/** @param {boolean} running */
async function setSessionRunning(running) {
  state.sessionRunning = running;
  if (!running) {
    if (state.wakeLock) state.wakeLock.release().catch(() => {});
    state.wakeLock = null;
    document.documentElement.dataset.wake = "off";
    return;
  }
  if (state.wakeLock || !("wakeLock" in navigator) || document.visibilityState !== "visible") return;
  try {
    state.wakeLock = await navigator.wakeLock.request("screen");
    document.documentElement.dataset.wake = "on";
    state.wakeLock.addEventListener("release", () => {
      state.wakeLock = null;
      document.documentElement.dataset.wake = "off";
    });
  } catch {
    state.wakeLock = null;
  }
}

// ---------------------------------------------------------------- start, stop, lifecycle

function forgetPair() {
  write(KEY.paired, null);
  write("attune.partnerName", null);
  state.partnerName = "Your partner";
  write(KEY.live, null);
  write(KEY.outbox, null);
  write(KEY.partnerPause, null);
  state.pending = null;
  state.mine = "clear";
  state.own = null;
  state.ownOpen = false;
  if (state.ws) {
    const ws = state.ws;
    state.ws = null;
    try { ws.close(1000); } catch { /* closing */ }
  }
  state.theirs = "clear";
  state.theirOpen = false;
  renderTakeover();
  showBar();
  setStatus(token() ? "unpaired" : "signedout");
}

function showBar() {
  const bar = $("pause-bar");
  if (bar) bar.hidden = !(token() && read(KEY.paired));
  document.documentElement.dataset.paired = String(Boolean(token() && read(KEY.paired)));
}

function start() {
  // After quick exit the app shows only a neutral page: nothing connects until the
  // person comes back in (app.js starts it again then).
  if (document.documentElement.dataset.exited === "true") return;
  state.stopped = false;
  const box = read(KEY.outbox);
  if (box && box.id && !state.pending) {
    state.pending = { id: box.id, type: box.type, seq: null, receipt: null, sentAt: Date.now(), acked: false };
    if (box.type !== "resume") state.mine = box.type === "pause" ? "paused" : "slow";
    renderMine();
    refreshPendingStatus();
  }
  showBar();
  if (!token()) return setStatus("signedout");
  if (!read(KEY.paired)) return setStatus("unpaired");
  connect();
}

function stop() {
  state.stopped = true;
  clearTimeout(state.retryTimer);
  forgetPair();
  setStatus("signedout");
}

/** Quick exit: drop the socket and what is on screen, without signing out. */
function stopQuietly() {
  state.stopped = true;
  clearTimeout(state.retryTimer);
  if (state.ws) {
    const ws = state.ws;
    state.ws = null;
    try { ws.close(1000); } catch { /* closing */ }
  }
  state.ownOpen = state.theirOpen = false;
  renderTakeover();
  const bar = $("pause-bar");
  if (bar) bar.hidden = true;
}

function wire() {
  const on = (/** @type {string} */ id, /** @type {() => void} */ fn) => {
    const el = $(id);
    if (el) el.addEventListener("click", fn);
  };
  on("pause-button", () => command("pause"));
  on("slow-button", () => command("slow"));
  on("resume-button", () => command("resume"));
  on("pause-ack", acknowledge);
  on("pause-close", closeTakeover);
  on("pause-too", () => command("pause"));
  on("own-close", closeOwn);
  on("own-lift", () => command("resume"));
  on("overlay-exit", () => emit("quick-exit", {}));
  on("skip-pause", () => $("pause-button").focus());
  const skip = document.getElementById("skip-pause");
  if (skip) skip.addEventListener("click", (e) => e.preventDefault());
  // Prompts are pinned just above the pause bar, whatever its height (text size, status).
  const bar = $("pause-bar");
  if (bar && "ResizeObserver" in window) {
    new ResizeObserver(() => {
      document.documentElement.style.setProperty("--bar-height", `${bar.hidden ? 0 : bar.offsetHeight}px`);
    }).observe(bar);
  }
  // Escape must not close an unacknowledged pause: it closes only what the person could
  // close with a button (their own calm screen, or a pause they have said they've seen).
  $("pause-overlay").addEventListener("cancel", (e) => {
    e.preventDefault();
    if (state.ownOpen) closeOwn();
    else if ($("pause-ack").hidden) closeTakeover();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    if (state.sessionRunning) setSessionRunning(true);
    if (!state.ws || state.status !== "connected") reconnectNow();
    else if (send({ type: "ping" })) state.probeAt = Date.now();
  });
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) reconnectNow();
  });
  window.addEventListener("online", () => {
    if (!state.stopped) reconnectNow();
  });
  window.addEventListener("offline", () => {
    // The network is gone: say so at once, whatever the socket last said.
    if (state.ws || state.status === "connected") {
      setStatus("offline");
      refreshPendingStatus();
    }
  });
  window.addEventListener("attune:start", start);
  window.addEventListener("attune:stop", stop);
  window.addEventListener("attune:stop-quietly", stopQuietly);
  window.addEventListener("attune:session-running", (e) => setSessionRunning(Boolean(/** @type {CustomEvent} */ (e).detail)));
  window.addEventListener("storage", (e) => {
    if (e.key === KEY.token || e.key === KEY.paired) start();
    if (e.key === KEY.discreet || e.key === KEY.discreetLabel) renderMine();
  });
  window.addEventListener("attune:discreet", renderMine);
}

/** @type {any} */ (window).attuneLive = {
  send,
  start,
  stop,
  pause: () => command("pause"),
  slow: () => command("slow"),
  reconnect: reconnectNow,
  get status() { return state.status; },
  get lastSeq() { return state.lastSeq; },
  get me() { return state.me; },
  get partner() { return state.partner; },
  get signal() { return { mine: state.mine, theirs: state.theirs }; },
  get screenKeptOn() { return Boolean(state.wakeLock); },
};

wire();
start();
emit("ready", {});
