// Every screen: (main, ctx) -> {refresh?, cleanup?}. Words are plain and warm; nothing
// here counts, ranks or nudges anyone toward yes.

import { h, fill, api, ApiError, formError, clock, day, store, STATE_WORDS, ANSWER_WORDS } from "./lib.js";
import { hasPin, setPin, removePin } from "./lock.js";
import { pushState, turnPushOn, turnPushOff } from "./push.js";

const me = () => store.get("attune.me") || {};
const uuid = () => crypto.randomUUID();
const live = () => window.attuneLive;

// ---------------------------------------------------------------- shared bits

export function appName() {
  return store.get("attune.discreet") ? "Notes" : "Attune";
}

export function applyDiscreet() {
  const discreet = Boolean(store.get("attune.discreet"));
  document.getElementById("brand").textContent = discreet ? "Notes" : "Attune";
  document.getElementById("manifest-link").setAttribute("href", discreet ? "/manifest-discreet.webmanifest" : "/manifest.webmanifest");
  document.getElementById("icon-link").setAttribute("href", discreet ? "/icons/discreet-192.png" : "/icons/icon-192.png");
}

export function notice(text, extra = [], onDismiss = null) {
  const box = document.getElementById("notices");
  const card = h("div", { class: "card notice", role: "status" }, h("p", {}, text), extra,
    h("button", { type: "button", class: "secondary", onclick: () => { if (onDismiss) onDismiss(); card.remove(); } }, "OK"));
  box.append(card);
  return card;
}

let phraseCache = [];
async function activePhrases() {
  try {
    phraseCache = (await api("GET", "/phrases")).items;
  } catch {
    /* keep the last list */
  }
  return phraseCache.filter((p) => p.status === "active");
}

async function sayPhrase(phrase, replyTo, statusBox) {
  try {
    await api("POST", `/phrases/${phrase.id}/say`, { id: uuid(), reply_to: replyTo || null });
    if (statusBox) statusBox.textContent = `Said: “${phrase.text}”`;
  } catch (err) {
    if (statusBox) formError(statusBox, err);
  }
}

// Things that show on any screen: a phrase said to me, a check-in asking me.
export async function globalNotice(ev) {
  const mine = ev.actor && ev.actor === (live() && live().me);
  if (ev.type === "phrase.said" && !mine && ev.data.phrase) {
    const answers = (await activePhrases()).filter((p) => p.kind === "answer");
    const status = h("p", { class: "muted", role: "status" });
    const card = notice(`Your partner says: “${ev.data.phrase.text}”`, [
      answers.length ? h("div", { class: "row", role: "group", "aria-label": "Answer with a phrase" },
        answers.map((p) => h("button", { type: "button", class: `tone-${p.tone}`, dataset: { tone: p.tone },
          onclick: () => { sendSeen(ev.seq); sayPhrase(p, ev.seq, status); } }, p.text))) : null,
      status,
    ], () => sendSeen(ev.seq));
    card.classList.add("said");
  }
  if (ev.type === "checkin.prompt") {
    const status = h("p", { class: "muted", role: "status" });
    notice("Check-in: how is this for you right now?", [checkinButtons(ev.data.session_id, ev.data.checkin_id, status), status]);
  }
}

function sendSeen(seq) {
  if (live()) live().send({ type: "receipt", seq, status: "seen" });
}

function checkinButtons(sessionId, checkinId, status) {
  const answer = async (value) => {
    try {
      await api("POST", `/sessions/${sessionId}/checkins/${checkinId}`, { answer: value });
      status.textContent = value === "green" ? "Thank you. Carry on gently." : value === "yellow"
        ? "Slowing down. Your partner knows." : "Paused. Your partner knows.";
    } catch (err) {
      formError(status, err);
    }
  };
  return h("div", { class: "row", role: "group", "aria-label": "Check-in answer" },
    h("button", { type: "button", class: "checkin green", onclick: () => answer("green") }, "Green: all good"),
    h("button", { type: "button", class: "checkin yellow", onclick: () => answer("yellow") }, "Yellow: slow down"),
    h("button", { type: "button", class: "checkin red", onclick: () => answer("red") }, "Red: stop"));
}

function field(id, label, attrs = {}, hint) {
  const input = h(attrs.tag || "input", { id, name: id, ...attrs, tag: null, "aria-describedby": hint ? `${id}-hint` : null });
  return [h("label", { for: id }, label), hint ? h("p", { class: "muted", id: `${id}-hint` }, hint) : null, input];
}

function start(ctx, paired) {
  window.dispatchEvent(new CustomEvent("attune:start"));
  ctx.go(paired ? "home" : "pair");
}

async function afterSignIn(ctx) {
  const who = await api("GET", "/me");
  store.set("attune.me", who);
  store.set("attune.paired", who.pair_id);
  start(ctx, Boolean(who.pair_id));
}

// ---------------------------------------------------------------- sign up / sign in

export async function welcome(main, ctx) {
  const signupError = h("p", { class: "error", role: "alert" });
  const loginError = h("p", { class: "error", role: "alert" });
  const signup = h("form", {
    class: "card",
    "aria-labelledby": "signup-h",
    onsubmit: async (e) => {
      e.preventDefault();
      signupError.textContent = "";
      const f = new FormData(signup);
      const body = { username: f.get("su-username"), password: f.get("su-password") };
      if (f.get("su-name")) body.display_name = f.get("su-name");
      try {
        await api("POST", "/auth/register", body);
        const tok = await api("POST", "/auth/login", { username: body.username, password: body.password });
        store.set("attune.token", tok.token);
        await afterSignIn(ctx);
      } catch (err) {
        formError(signupError, err);
      }
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
    onsubmit: async (e) => {
      e.preventDefault();
      loginError.textContent = "";
      const f = new FormData(login);
      try {
        const tok = await api("POST", "/auth/login", { username: f.get("li-username"), password: f.get("li-password") });
        store.set("attune.token", tok.token);
        await afterSignIn(ctx);
      } catch (err) {
        formError(loginError, err);
      }
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
    login, signup);
}

// ---------------------------------------------------------------- pairing

const SPOKEN = { 0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", "-": "dash" };

export async function pair(main, ctx) {
  const who = await api("GET", "/me");
  store.set("attune.me", who);
  if (who.pair_id) {
    store.set("attune.paired", who.pair_id);
    start(ctx, true);
    return {};
  }
  store.set("attune.paired", null);
  const codeBox = h("div", { class: "card", "aria-live": "polite" });
  const inviteError = h("p", { class: "error", role: "alert" });
  const joinError = h("p", { class: "error", role: "alert" });
  let poll = 0;
  const makeCode = async () => {
    inviteError.textContent = "";
    try {
      const inv = await api("POST", "/pair/invites");
      const spoken = inv.code.split("").map((c) => SPOKEN[c] || c).join(" ");
      fill(codeBox, 
        h("p", {}, "Read this code to your partner, or show them the screen:"),
        h("p", { class: "code", id: "invite-code" }, inv.code),
        h("p", { class: "spoken" }, `Said aloud: ${spoken}`),
        h("p", { class: "muted" }, `It works until ${clock(inv.expires_at)}. A new code replaces this one.`));
      clearInterval(poll);
      poll = setInterval(async () => {
        try {
          const now = await api("GET", "/me");
          if (now.pair_id) {
            clearInterval(poll);
            store.set("attune.me", now);
            store.set("attune.paired", now.pair_id);
            start(ctx, true);
          }
        } catch {
          /* try again next tick */
        }
      }, 1500);
    } catch (err) {
      formError(inviteError, err);
    }
  };
  const join = h("form", {
    class: "card",
    "aria-labelledby": "join-h",
    onsubmit: async (e) => {
      e.preventDefault();
      joinError.textContent = "";
      try {
        const res = await api("POST", "/pair/join", { code: new FormData(join).get("join-code").trim() });
        store.set("attune.paired", res.pair_id);
        start(ctx, true);
      } catch (err) {
        formError(joinError, err);
      }
    },
  },
  h("h2", { id: "join-h" }, "Join with a code"),
  field("join-code", "Your partner's code", { autocomplete: "off", autocapitalize: "characters", required: true, class: "code-input" }),
  joinError,
  h("button", { type: "submit" }, "Join"));
  fill(main, 
    h("h1", {}, "Pair with your partner"),
    h("p", {}, "One of you makes a code; the other types it in. Either of you can end the pairing at any time."),
    h("section", { class: "card", "aria-labelledby": "make-h" },
      h("h2", { id: "make-h" }, "Make a code"),
      h("button", { type: "button", id: "make-code", onclick: makeCode }, "Make a pairing code"),
      inviteError),
    codeBox,
    join);
  return { cleanup: () => clearInterval(poll) };
}

// ---------------------------------------------------------------- home

export async function home(main) {
  const [who, pairInfo] = await Promise.all([api("GET", "/me"), api("GET", "/pair")]);
  store.set("attune.me", who);
  const status = h("div", {});
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
    h("section", { class: "card", "aria-labelledby": "now-h" }, h("h2", { id: "now-h" }, "Right now"), status),
    h("section", { class: "card", "aria-labelledby": "go-h" },
      h("h2", { id: "go-h" }, "Where to"),
      h("ul", { class: "list" },
        h("li", {}, h("a", { href: "#/boundaries" }, "Your boundary list"), " — what feels good, what's a maybe, what's not now."),
        h("li", {}, h("a", { href: "#/phrases" }, "Phrases"), " — the words you've agreed to use."),
        h("li", {}, h("a", { href: "#/session" }, "Time together"), " — with check-ins at your pace."),
        h("li", {}, h("a", { href: "#/aftercare" }, "Aftercare"), " — what helps you afterwards."))),
    h("p", { class: "muted" }, "The Pause button below works on every screen. One tap, and your partner's screen says stop."));
  return { refresh: (ev) => (!ev || ["pause", "slow", "resume", "welcome"].includes(ev.type) || ev.type.startsWith("session.")) && draw() };
}

// ---------------------------------------------------------------- boundaries

const CATEGORY_WORDS = { closeness: "Closeness", touch: "Touch", affection: "Affection", kissing: "Kissing", undressing: "Undressing", erotic: "Erotic", sex: "Sex", words: "Words", other: "Other" };

export async function boundaries(main) {
  let filter = "all";
  let items = [];
  const listBox = h("ul", { class: "list", id: "boundary-list", "aria-live": "polite" });
  const listError = h("p", { class: "error", role: "alert" });
  const changedBox = h("div", {});
  const catalogueBox = h("div", {});
  const addError = h("p", { class: "error", role: "alert" });

  const answer = async (item, value) => {
    listError.textContent = "";
    try {
      await api("PUT", `/boundaries/${item.id}/answer`, { answer: value, version: item.version });
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        listError.textContent = "This changed a moment ago. Here is the latest; answer again if you still want to.";
        await load();
      } else formError(listError, err);
    }
  };

  const drawList = () => {
    const shown = items.filter((i) => filter === "all" || i.state === filter);
    fill(listBox, ...shown.map((item) => h("li", { dataset: { id: item.id, state: item.state }, class: "boundary" },
      h("h3", { class: "boundary-label" }, item.label),
      h("p", {}, h("span", { class: "state", dataset: { state: item.state } }, STATE_WORDS[item.state]),
        h("span", { class: "muted" }, ` · ${CATEGORY_WORDS[item.category] || item.category}`)),
      h("div", { class: "row", role: "group", "aria-label": `My answer for ${item.label}` },
        ["yes", "maybe", "no"].map((value) => h("button", {
          type: "button",
          class: "choice secondary",
          "aria-pressed": String(item.my_answer === value),
          dataset: { answer: value },
          onclick: () => answer(item, value),
        }, ANSWER_WORDS[value]))))));
    if (!shown.length) {
      listBox.append(h("li", { class: "muted" }, items.length ? "Nothing here with that filter." : "Your list is empty. Add something below, or look through the suggestions."));
    }
  };

  const load = async () => {
    const [list, review] = await Promise.all([api("GET", "/boundaries"), api("GET", "/boundaries/review")]);
    items = list.items;
    drawList();
    fill(changedBox, 
      h("p", { class: "muted" }, review.last_review_at ? `Since you last looked together (${day(review.last_review_at)}):` : "Since you started:"),
      review.changed.length
        ? h("ul", {}, review.changed.map((c) => h("li", {}, `${c.label}: ${c.previous_state ? `${STATE_WORDS[c.previous_state]} → ` : ""}${STATE_WORDS[c.state]}`)))
        : h("p", {}, "Nothing has changed."),
      review.every_days ? h("p", { class: "muted" }, `You planned to look every ${review.every_days} days.`) : null,
      h("button", { type: "button", class: "secondary", onclick: async () => {
        try {
          await api("POST", review.in_progress ? "/boundaries/review/finish" : "/boundaries/review/start");
          await load();
        } catch (err) { formError(listError, err); }
      } }, review.in_progress ? "We've looked it over" : "Look it over together"));
  };

  const loadCatalogue = async () => {
    const cat = await api("GET", "/boundaries/catalogue");
    const open = cat.items.filter((i) => !i.added);
    fill(catalogueBox, 
      open.length ? h("ul", { class: "list" }, open.map((i) => h("li", { class: "row" },
        h("span", {}, i.label), h("button", { type: "button", class: "secondary", "aria-label": `Add ${i.label}`, onclick: async () => {
          try { await api("POST", "/boundaries/catalogue", { keys: [i.key] }); await Promise.all([load(), loadCatalogue()]); } catch (err) { formError(addError, err); }
        } }, "Add")))) : h("p", {}, "Every suggestion is already on your list."),
    );
  };

  const filterSelect = h("select", { id: "filter", onchange: (e) => { filter = e.target.value; drawList(); } },
    h("option", { value: "all" }, "Everything"), ["agreed", "maybe", "no", "open"].map((s) => h("option", { value: s }, STATE_WORDS[s])));

  const add = h("form", {
    class: "card",
    "aria-labelledby": "add-h",
    onsubmit: async (e) => {
      e.preventDefault();
      addError.textContent = "";
      const f = new FormData(add);
      try {
        await api("POST", "/boundaries", { label: f.get("b-label"), category: f.get("b-category") });
        add.reset();
        await load();
      } catch (err) { formError(addError, err); }
    },
  },
  h("h2", { id: "add-h" }, "Add something"),
  field("b-label", "What is it?", { required: true, maxlength: "120", autocomplete: "off" }),
  h("label", { for: "b-category" }, "Kind"),
  h("select", { id: "b-category", name: "b-category" }, Object.entries(CATEGORY_WORDS).map(([k, v]) => h("option", { value: k, selected: k === "other" }, v))),
  addError,
  h("button", { type: "submit" }, "Add to our list"));

  fill(main, 
    h("h1", {}, "Boundary list"),
    h("p", {}, "Each of you answers on your own. Something is agreed only while you both say yes; a “not now” from either of you always counts. Your partner never sees your answer, only where you both stand."),
    h("label", { for: "filter" }, "Show"), filterSelect,
    listError,
    listBox,
    add,
    h("details", { class: "card" }, h("summary", {}, "Suggestions to start from"), h("p", { class: "muted" }, "Take only what you want to talk about."), catalogueBox),
    h("section", { class: "card", "aria-labelledby": "changed-h" }, h("h2", { id: "changed-h" }, "What changed"), changedBox));
  await Promise.all([load(), loadCatalogue()]);
  live() && live().send({ type: "viewing", screen: "boundaries" });
  return {
    refresh: (ev) => (!ev || ev.type.startsWith("boundary") || ev.type.startsWith("review") || ["welcome", "resync"].includes(ev.type)) && load(),
    cleanup: () => live() && live().send({ type: "viewing", screen: null }),
  };
}

// ---------------------------------------------------------------- phrases

const MOMENT_WORDS = { before: "Before", during: "During", after: "After" };
const KIND_WORDS = { question: "A question", answer: "An answer", request: "A request" };
const TONE_WORDS = { green: "Green (yes, good)", yellow: "Yellow (slow down)", red: "Red (stop)" };

export async function phrases(main) {
  const listBox = h("div", { id: "phrase-list" });
  const status = h("p", { class: "muted", role: "status", id: "phrase-status" });
  const error = h("p", { class: "error", role: "alert" });
  const starterBox = h("div", {});
  const load = async () => {
    const list = (await api("GET", "/phrases")).items;
    phraseCache = list;
    const active = list.filter((p) => p.status === "active");
    const proposed = list.filter((p) => p.status === "proposed");
    const row = (p) => h("li", { class: "phrase", dataset: { id: p.id, status: p.status } },
      h("p", { class: "phrase-text" }, `“${p.text}”`),
      h("p", { class: "muted" }, `${MOMENT_WORDS[p.moment]} · ${KIND_WORDS[p.kind]}${p.tone ? ` · ${TONE_WORDS[p.tone]}` : ""}`),
      h("div", { class: "row" },
        p.status === "active" ? h("button", { type: "button", class: "say", onclick: () => sayPhrase(p, null, status) }, "Say it") : null,
        p.status === "proposed" && p.awaiting_me ? h("button", { type: "button", class: "agree", onclick: async () => {
          try { await api("POST", `/phrases/${p.id}/agree`); await load(); } catch (err) { formError(error, err); }
        } }, "Agree to use it") : null,
        p.status === "proposed" && !p.awaiting_me ? h("span", { class: "muted" }, "Waiting for your partner") : null,
        h("button", { type: "button", class: "danger", "aria-label": `Withdraw “${p.text}”`, onclick: async () => {
          try { await api("POST", `/phrases/${p.id}/withdraw`); await load(); } catch (err) { formError(error, err); }
        } }, "Withdraw")));
    fill(listBox, 
      h("h2", {}, "Ready to use"),
      active.length ? h("ul", { class: "list" }, active.map(row)) : h("p", {}, "None yet. A phrase is ready once you've both agreed to it."),
      h("h2", {}, "Suggested"),
      proposed.length ? h("ul", { class: "list" }, proposed.map(row)) : h("p", {}, "Nothing waiting."));
    const starter = (await api("GET", "/phrases/starter")).items.filter((s) => !s.added);
    fill(starterBox, starter.length
      ? h("ul", { class: "list" }, starter.map((s) => h("li", { class: "row" }, h("span", {}, `“${s.text}”`),
        h("button", { type: "button", class: "secondary", "aria-label": `Suggest “${s.text}”`, onclick: async () => {
          try { await api("POST", "/phrases/starter", { keys: [s.key] }); await load(); } catch (err) { formError(error, err); }
        } }, "Suggest"))))
      : h("p", {}, "You have all of them."));
  };
  const toneLabel = h("label", { for: "ph-tone" }, "Tone");
  const tone = h("select", { id: "ph-tone", name: "ph-tone" }, Object.entries(TONE_WORDS).map(([k, v]) => h("option", { value: k }, v)));
  const kind = h("select", { id: "ph-kind", name: "ph-kind", onchange: () => { toneLabel.hidden = tone.hidden = kind.value !== "answer"; } },
    Object.entries(KIND_WORDS).map(([k, v]) => h("option", { value: k }, v)));
  toneLabel.hidden = tone.hidden = true;
  const propose = h("form", {
    class: "card",
    "aria-labelledby": "propose-h",
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = "";
      const f = new FormData(propose);
      const body = { text: f.get("ph-text"), moment: f.get("ph-moment"), kind: f.get("ph-kind") };
      if (body.kind === "answer") body.tone = f.get("ph-tone");
      try { await api("POST", "/phrases", body); propose.reset(); toneLabel.hidden = tone.hidden = true; await load(); } catch (err) { formError(error, err); }
    },
  },
  h("h2", { id: "propose-h" }, "Suggest a phrase"),
  field("ph-text", "The words", { required: true, maxlength: "140", autocomplete: "off" }),
  h("label", { for: "ph-moment" }, "When"),
  h("select", { id: "ph-moment", name: "ph-moment" }, Object.entries(MOMENT_WORDS).map(([k, v]) => h("option", { value: k }, v))),
  h("label", { for: "ph-kind" }, "What it is"), kind, toneLabel, tone,
  h("button", { type: "submit" }, "Suggest it"));
  fill(main, 
    h("h1", {}, "Phrases"),
    h("p", {}, "Short words you both agree to use. Saying one sends it to your partner's screen; they can answer with one tap."),
    status, error, listBox, propose,
    h("details", { class: "card" }, h("summary", {}, "Starter phrases"), starterBox));
  await load();
  return { refresh: (ev) => (!ev || ev.type.startsWith("phrase.") || ev.type === "welcome") && load() };
}

// ---------------------------------------------------------------- sessions and check-ins

const REASON_WORDS = { time: "Time was up.", ended: "One of you ended it.", pause: "It ended with a pause." };

export async function session(main) {
  const box = h("div", { id: "session-box", "aria-live": "polite" });
  const error = h("p", { class: "error", role: "alert" });
  let ticker = 0;
  const act = async (path, body) => {
    error.textContent = "";
    try { await api("POST", path, body); await load(); } catch (err) { formError(error, err); }
  };
  const load = async () => {
    clearInterval(ticker);
    const cur = (await api("GET", "/sessions/current")).session;
    const myId = (store.get("attune.me") || {}).id;
    if (!cur) {
      const agreed = (await api("GET", "/boundaries")).items.filter((i) => i.state === "agreed");
      const form = h("form", {
        class: "card",
        "aria-labelledby": "plan-h",
        onsubmit: (e) => {
          e.preventDefault();
          const f = new FormData(form);
          const every = Number(f.get("s-checkin"));
          act("/sessions", {
            length_seconds: Number(f.get("s-length")) * 60,
            checkin_every_seconds: every ? every * 60 : null,
            scope: f.getAll("s-scope"),
          });
        },
      },
      h("h2", { id: "plan-h" }, "Suggest time together"),
      h("label", { for: "s-length" }, "How long (minutes)"),
      h("input", { id: "s-length", name: "s-length", type: "number", min: "1", max: "480", value: "30", required: true }),
      h("label", { for: "s-checkin" }, "Check in with each other"),
      h("select", { id: "s-checkin", name: "s-checkin" },
        h("option", { value: "0" }, "No timed check-ins"),
        [5, 10, 15, 30].map((m) => h("option", { value: String(m), selected: m === 10 }, `Every ${m} minutes`))),
      h("fieldset", {}, h("legend", {}, "What's in (only things you both said yes to)"),
        agreed.length ? agreed.map((i) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: "s-scope", value: i.id }), i.label))
          : h("p", { class: "muted" }, "Nothing is agreed yet. You can still just be close and talk.")),
      h("button", { type: "submit" }, "Suggest it"));
      fill(box, h("p", {}, "Nothing planned. It starts only when you both say so, and either of you can stop it at any time."), form);
      return;
    }
    const mineProposal = cur.proposed_by === myId;
    const parts = [
      h("p", {}, `${Math.round(cur.length_seconds / 60)} minutes${cur.checkin_every_seconds ? `, checking in every ${Math.round(cur.checkin_every_seconds / 60)} minutes` : ""}.`),
      cur.scope.length ? h("ul", {}, cur.scope.map((s) => h("li", {}, `${s.label} — ${STATE_WORDS[s.state] || s.state}`))) : h("p", { class: "muted" }, "No activities chosen."),
    ];
    if (cur.status === "proposed") {
      parts.unshift(h("h2", {}, mineProposal ? "Waiting for your partner" : "Your partner suggested time together"));
      parts.push(mineProposal
        ? h("button", { type: "button", class: "secondary", onclick: () => act(`/sessions/${cur.id}/cancel`) }, "Take it back")
        : h("div", { class: "row" },
          h("button", { type: "button", id: "accept-session", onclick: () => act(`/sessions/${cur.id}/accept`) }, "Yes, let's start"),
          h("button", { type: "button", class: "secondary", onclick: () => act(`/sessions/${cur.id}/decline`) }, "Not now")));
    } else if (cur.status === "active") {
      const left = h("p", { class: "remaining", id: "remaining" });
      const endsAt = Date.parse(cur.ends_at);
      const tick = () => {
        const s = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
        left.textContent = `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s left`;
      };
      tick();
      ticker = setInterval(tick, 1000);
      parts.unshift(h("h2", { id: "session-running" }, "You're together now"), left);
      const c = cur.checkin;
      if (c && !(myId in (c.answers || {}))) {
        const status = h("p", { class: "muted", role: "status" });
        parts.push(h("div", { class: "card" }, h("h3", {}, "Check-in: how is this for you?"), checkinButtons(cur.id, c.id, status), status));
      }
      if (cur.extension && cur.extension.by === myId) {
        parts.push(h("p", { class: "muted" }, `You asked for ${Math.round(cur.extension.seconds / 60)} more minutes. It counts only if your partner agrees.`));
      } else if (cur.extension) {
        parts.push(h("p", {}, `Your partner would like ${Math.round(cur.extension.seconds / 60)} more minutes.`), h("div", { class: "row" },
          h("button", { type: "button", onclick: () => act(`/sessions/${cur.id}/extend/accept`) }, "Yes, a little longer"),
          h("button", { type: "button", class: "secondary", onclick: () => act(`/sessions/${cur.id}/extend/decline`) }, "No, let's finish")));
      } else if (!cur.extension) {
        parts.push(h("button", { type: "button", class: "secondary", onclick: () => act(`/sessions/${cur.id}/extend`, { seconds: 600 }) }, "Ask for 10 more minutes"));
      }
      parts.push(h("button", { type: "button", class: "danger", onclick: () => act(`/sessions/${cur.id}/end`) }, "End it now"));
      window.dispatchEvent(new CustomEvent("attune:session-running", { detail: true }));
    }
    if (cur.aftercare && cur.aftercare.length) {
      parts.push(h("h3", {}, "Aftercare"), cur.aftercare.map((a) => h("p", {}, `${a.user_id === myId ? "You" : "Your partner"}: ${[...(a.wishes || []).map((w) => WISH_WORDS[w] || w), a.in_my_words].filter(Boolean).join(", ") || "nothing written yet"}`)));
    }
    fill(box, h("section", { class: "card", dataset: { status: cur.status } }, parts));
  };
  fill(main, h("h1", {}, "Time together"), error, box);
  await load();
  return {
    refresh: (ev) => (!ev || ev.type.startsWith("session.") || ev.type.startsWith("checkin.") || ev.type === "welcome") && load(),
    cleanup: () => clearInterval(ticker),
  };
}

// ---------------------------------------------------------------- aftercare

const WISH_WORDS = {
  closeness: "Being held close", quiet: "Quiet", talk: "Talking it through", water: "A glass of water",
  space: "Some space", blanket: "A blanket", food: "Something to eat", music: "Music",
  shower: "A shower", "alone-time": "Time alone",
};

export async function aftercare(main) {
  const [mine, theirs] = await Promise.all([api("GET", "/me/aftercare"), api("GET", "/pair/aftercare").catch(() => null)]);
  const status = h("p", { class: "muted", role: "status" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", {
    class: "card",
    "aria-labelledby": "mine-h",
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = "";
      const f = new FormData(form);
      const body = { wishes: f.getAll("wish"), in_my_words: f.get("ac-words").trim() || null, if_i_freeze: f.get("ac-freeze").trim() || null };
      try { await api("PUT", "/me/aftercare", body); status.textContent = "Saved. Your partner sees this during time together and after a pause."; } catch (err) { formError(error, err); }
    },
  },
  h("h2", { id: "mine-h" }, "What helps me"),
  h("fieldset", {}, h("legend", {}, "Afterwards I'd like"),
    Object.entries(WISH_WORDS).map(([k, v]) => h("label", { class: "inline" }, h("input", { type: "checkbox", name: "wish", value: k, checked: mine.wishes.includes(k) }), v))),
  field("ac-words", "In my own words", { tag: "textarea", rows: "3", maxlength: "1000", value: mine.in_my_words || "" }),
  field("ac-freeze", "If I freeze or drift away, this helps", { tag: "textarea", rows: "3", maxlength: "1000", value: mine.if_i_freeze || "" }),
  error, status,
  h("button", { type: "submit" }, "Save"));
  const partnerBox = h("section", { class: "card", "aria-labelledby": "theirs-h" }, h("h2", { id: "theirs-h" }, "What helps your partner"),
    theirs && (theirs.wishes.length || theirs.in_my_words || theirs.if_i_freeze)
      ? [h("ul", {}, theirs.wishes.map((w) => h("li", {}, WISH_WORDS[w] || w))),
        theirs.in_my_words ? h("p", {}, theirs.in_my_words) : null,
        theirs.if_i_freeze ? h("p", {}, `If they freeze: ${theirs.if_i_freeze}`) : null]
      : h("p", { class: "muted" }, "Nothing written yet."));
  fill(main, h("h1", {}, "Aftercare"), h("p", {}, "What each of you needs afterwards, or if something feels wrong. You can change it any time."), form, partnerBox);
  return {};
}

// ---------------------------------------------------------------- debrief

function chart(points) {
  const W = 320; const H = 140; const pad = 24;
  const n = points.length;
  const x = (i) => pad + (n <= 1 ? (W - 2 * pad) / 2 : (i * (W - 2 * pad)) / (n - 1));
  const y = (v) => H - pad - ((v - 1) * (H - 2 * pad)) / 4;
  const line = (key) => {
    const pts = points.map((p, i) => (p[key] ? `${x(i)},${y(p[key])}` : null)).filter(Boolean);
    return pts.length ? h("svg:polyline", { class: key, points: pts.join(" ") }) : null;
  };
  const dots = (key) => points.map((p, i) => (p[key] ? h("svg:circle", { class: key, cx: x(i), cy: y(p[key]), r: 4 }) : null));
  const desc = points.map((p) => `${day(p.at)}: you ${p.mine ?? "–"}${p.partner ? `, your partner ${p.partner}` : ""}`).join("; ");
  return h("svg:svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `How safe you felt, 1 to 5, over time. ${desc || "No points yet."}` },
    h("svg:line", { class: "axis", x1: pad, y1: H - pad, x2: W - pad, y2: H - pad }),
    h("svg:line", { class: "axis", x1: pad, y1: pad, x2: pad, y2: H - pad }),
    h("svg:text", { x: 2, y: y(5) + 4 }, "5"), h("svg:text", { x: 2, y: y(1) + 4 }, "1"),
    line("mine"), line("partner"), dots("mine"), dots("partner"));
}

const PARTNER_STATUS = { not_finished: "Your partner hasn't finished yet.", finished: "Your partner has finished.", skipped: "Your partner chose to skip this one." };

export async function debrief(main) {
  const box = h("div", { id: "debrief-box" });
  const chartBox = h("div", {});
  const error = h("p", { class: "error", role: "alert" });
  let openId = null;
  const startOne = async (body) => {
    error.textContent = "";
    try { const d = await api("POST", "/debriefs", body); openId = d.id; await load(); } catch (err) { formError(error, err); }
  };
  const act = async (path, body, method = "POST") => {
    error.textContent = "";
    try { await api(method, path, body); await load(); } catch (err) { formError(error, err); }
  };
  const content = (c, who) => h("div", { class: "card reveal", dataset: { who } },
    h("h3", {}, who === "mine" ? "You wrote" : "Your partner wrote"),
    h("p", {}, `Feeling safe: ${c.feeling} of 5${c.feeling_words ? ` — ${c.feeling_words}` : ""}`),
    c.felt_good ? h("p", {}, h("strong", {}, "Felt good: "), c.felt_good) : null,
    c.did_not ? h("p", {}, h("strong", {}, "Didn't feel good: "), c.did_not) : null,
    c.next_time ? h("p", {}, h("strong", {}, "Next time: "), c.next_time) : null);
  const editor = (d) => {
    const m = d.mine || {};
    const form = h("form", {
      class: "card",
      id: "debrief-form",
      "aria-labelledby": "draft-h",
      onsubmit: async (e) => {
        e.preventDefault();
        const f = new FormData(form);
        const text = (k) => (f.get(k) || "").trim() || null;
        await act(`/debriefs/${d.id}/draft`, { feeling: Number(f.get("feeling")), feeling_words: text("d-words"), felt_good: text("d-good"), did_not: text("d-not"), next_time: text("d-next") }, "PUT");
        const saved = box.querySelector("#draft-saved");
        if (saved && !error.textContent) saved.textContent = "Draft saved. Only you can see it.";
      },
    },
    h("h2", { id: "draft-h" }, "Your reflection"),
    h("p", { class: "muted" }, "Only you can see this until you've both finished. Then you both see both, at the same moment."),
    h("fieldset", {}, h("legend", {}, "How safe do you feel now? (1 = not at all, 5 = completely)"),
      h("div", { class: "row" }, [1, 2, 3, 4, 5].map((v) => h("label", { class: "inline" }, h("input", { type: "radio", name: "feeling", value: String(v), required: true, checked: m.feeling === v }), String(v))))),
    field("d-words", "In a few words", { tag: "textarea", rows: "2", maxlength: "4000", value: m.feeling_words || "" }),
    field("d-good", "What felt good", { tag: "textarea", rows: "3", maxlength: "4000", value: m.felt_good || "" }),
    field("d-not", "What didn't", { tag: "textarea", rows: "3", maxlength: "4000", value: m.did_not || "" }),
    field("d-next", "Next time I'd like", { tag: "textarea", rows: "3", maxlength: "4000", value: m.next_time || "" }),
    h("p", { id: "draft-saved", class: "muted", role: "status" }),
    h("div", { class: "row" },
      h("button", { type: "submit", id: "save-draft" }, "Save draft"),
      d.mine ? h("button", { type: "button", id: "submit-debrief", onclick: () => act(`/debriefs/${d.id}/submit`) }, "I've finished") : null,
      h("button", { type: "button", class: "secondary", onclick: () => act(`/debriefs/${d.id}/skip`) }, "Skip this one")));
    return form;
  };
  const load = async () => {
    const [list, sessions, feel] = await Promise.all([api("GET", "/debriefs"), api("GET", "/sessions"), api("GET", "/debriefs/feelings")]);
    fill(chartBox, chart(feel.points));
    const d = list.items.find((x) => x.id === openId) || list.items.find((x) => !x.revealed_at) || list.items[0];
    const parts = [];
    if (d) {
      openId = d.id;
      parts.push(h("p", { class: "muted" }, `${d.session_id ? "About your time together" : "About a pause"}, opened ${day(d.created_at)}.`));
      if (d.revealed_at) {
        parts.push(h("h2", { id: "revealed-h" }, "You've both finished"), d.mine ? content(d.mine, "mine") : h("p", {}, "You skipped this one."),
          d.partner ? content(d.partner, "partner") : h("p", {}, PARTNER_STATUS[d.partner_status] || ""));
      } else if (d.my_status === "draft") {
        parts.push(h("p", { id: "partner-status" }, PARTNER_STATUS[d.partner_status]), editor(d));
      } else {
        parts.push(h("p", { id: "my-status" }, d.my_status === "skipped" ? "You skipped this one." : "You've finished. It will be shared when your partner finishes too."),
          h("p", { id: "partner-status" }, PARTNER_STATUS[d.partner_status]),
          h("button", { type: "button", class: "secondary", onclick: () => act(`/debriefs/${d.id}/withdraw`) }, "Take mine back to change it"));
      }
    }
    const ended = sessions.items.find((s) => s.status === "ended");
    const lastPause = store.get("attune.lastPauseSeq");
    parts.push(h("div", { class: "row" },
      ended ? h("button", { type: "button", class: "secondary", onclick: () => startOne({ session_id: ended.id }) }, "Talk about our last time together") : null,
      lastPause ? h("button", { type: "button", class: "secondary", id: "debrief-pause", onclick: () => startOne({ pause_seq: lastPause }) }, "Talk about the last pause") : null));
    fill(box, ...parts);
  };
  fill(main, h("h1", {}, "Debrief"), h("p", {}, "Looking back together, gently: what felt good, what didn't, what to change."), error, box,
    h("section", { class: "card", "aria-labelledby": "chart-h" }, h("h2", { id: "chart-h" }, "Feeling safe over time"), chartBox));
  await load();
  return {
    refresh: (ev) => {
      if (!ev || ev.type.startsWith("debrief.") || ev.type === "welcome") {
        if (document.activeElement && box.contains(document.activeElement) && document.activeElement.tagName === "TEXTAREA") return null;
        return load();
      }
      return null;
    },
  };
}

// ---------------------------------------------------------------- settings

export async function settings(main, ctx) {
  const who = await api("GET", "/me");
  const paired = Boolean(who.pair_id);
  const error = h("p", { class: "error", role: "alert" });
  const status = h("p", { class: "muted", role: "status" });
  const devicesBox = h("ul", { class: "list" });
  try {
    const devices = await api("GET", "/me/devices");
    fill(devicesBox, ...devices.map((d) => {
      const item = h("li", {}, `${d.current ? "This device" : "A device"}: signed in ${day(d.created_at)}, last used ${day(d.last_used_at)} `);
      if (!d.current) {
        item.append(h("button", { type: "button", class: "secondary revoke-device", onclick: async () => {
          try {
            await api("DELETE", `/me/devices/${d.id}`);
            item.remove();
            status.textContent = "That device is signed out. It can no longer see or send anything.";
          } catch (err) { formError(error, err); }
        } }, "Sign it out"));
      }
      return item;
    }));
  } catch (err) { formError(error, err); }

  const unpairConfirm = h("div", { hidden: true, class: "card" },
    h("p", {}, "This ends the pairing now, for both of you. Everything you shared — the list, phrases, sessions and debriefs — is deleted. Your own account, aftercare and journal stay yours."),
    h("button", { type: "button", class: "danger", id: "unpair-confirm", onclick: async () => {
      try { await api("DELETE", "/pair"); store.set("attune.paired", null); window.dispatchEvent(new CustomEvent("attune:start")); ctx.go("pair"); } catch (err) { formError(error, err); }
    } }, "Yes, unpair now"));
  const exportData = async () => {
    try {
      const data = await api("GET", "/me/export");
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      const a = h("a", { href: url, download: "my-data.json" });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      status.textContent = "Your data was saved as my-data.json.";
    } catch (err) { formError(error, err); }
  };
  const del = h("form", {
    class: "card",
    "aria-labelledby": "delete-h",
    onsubmit: async (e) => {
      e.preventDefault();
      try { await api("DELETE", "/me", { password: new FormData(del).get("del-password") }); localStorage.clear(); ctx.signedOut(); } catch (err) { formError(error, err); }
    },
  },
  h("h2", { id: "delete-h" }, "Delete my account"),
  h("p", {}, "This deletes your account and everything only you own. It can't be undone. You may want to save your data first."),
  field("del-password", "Your password, to confirm", { type: "password", autocomplete: "current-password", required: true }),
  h("button", { type: "submit", class: "danger" }, "Delete my account"));

  const pinError = h("p", { class: "error", role: "alert" });
  const pinForm = h("form", {
    class: "stack",
    onsubmit: async (e) => {
      e.preventDefault();
      const pin = new FormData(pinForm).get("new-pin");
      if (!/^\d{4,12}$/.test(pin)) { pinError.textContent = "Use 4 to 12 digits."; return; }
      await setPin(pin);
      ctx.route();
    },
  }, field("new-pin", "A PIN for this device (4 to 12 digits)", { type: "password", inputmode: "numeric", autocomplete: "off" }), pinError,
  h("button", { type: "submit" }, "Lock with this PIN"));

  const toggle = (id, key, label, after) => h("label", { class: "inline", for: id },
    h("input", { id, type: "checkbox", checked: Boolean(store.get(key)), onchange: (e) => { store.set(key, e.target.checked || null); after && after(); } }), label);

  const pushBox = h("div", {});
  const drawPush = async () => {
    let now = "unsupported";
    try { now = await pushState(); } catch { /* no service worker yet */ }
    const words = {
      unsupported: "This browser can't show a pause while the app is closed. Keep the app open during time together.",
      denied: "Notifications are blocked for this site in the browser's settings, so a pause can only reach you while the app is open.",
      on: "This phone is told about a pause even when the app is closed or the screen is locked. The notification only says “Your partner needs a moment”.",
      off: "Turn this on so a pause reaches this phone even when the app is closed. The notification only says “Your partner needs a moment”.",
    };
    fill(pushBox, h("p", {}, words[now]),
      now === "off" ? h("button", { type: "button", class: "secondary", id: "push-on", onclick: async () => {
        try { await turnPushOn(); } catch (err) { formError(error, err); }
        drawPush();
      } }, "Notify this phone of a pause") : null,
      now === "on" ? h("button", { type: "button", class: "secondary", onclick: async () => {
        try { await turnPushOff(); } catch (err) { formError(error, err); }
        drawPush();
      } }, "Stop notifying this phone") : null);
  };
  drawPush();
  const update = ctx.updates && ctx.updates.waiting;
  fill(main, 
    h("h1", {}, "Settings"),
    error, status,
    update ? h("section", { class: "card" }, h("p", {}, "A new version of the app is ready."),
      h("button", { type: "button", onclick: () => { ctx.updates.asked = true; update.postMessage({ type: "skip-waiting" }); } }, "Use the new version")) : null,
    h("section", { class: "card", "aria-labelledby": "safety-h" },
      h("h2", { id: "safety-h" }, "Safety on this phone"),
      h("p", {}, "Quick exit (the yellow button, or pressing Shift three times) clears the screen and opens a weather page. It doesn't erase your browser history: the app's address stays there. Use a private window, or clear history, if that matters."),
      toggle("discreet", "attune.discreet", "Discreet name and icon (shows as “Notes”)", () => { applyDiscreet(); ctx.route(); }),
      h("p", { class: "muted" }, "An installed app keeps the name it was installed with; to change it, remove it from the home screen and install again."),
      toggle("sound", "attune.sound", "Play a soft sound with an incoming pause when the phone can't vibrate"),
      h("h3", {}, "App lock"),
      hasPin() ? h("button", { type: "button", class: "secondary", onclick: () => { removePin(); ctx.route(); } }, "Remove the PIN") : pinForm,
      h("p", { class: "muted" }, "The PIN stays on this device. The Pause button works even while the app is locked.")),
    paired ? h("section", { class: "card", "aria-labelledby": "push-h" }, h("h2", { id: "push-h" }, "When the app is closed"), pushBox) : null,
    h("section", { class: "card", "aria-labelledby": "pair-h" },
      h("h2", { id: "pair-h" }, "Your pairing"),
      paired ? [h("p", {}, "Either of you can end it at any time, without asking."),
        h("button", { type: "button", class: "danger", id: "unpair", onclick: () => { unpairConfirm.hidden = false; unpairConfirm.querySelector("button").focus(); } }, "Unpair"), unpairConfirm]
        : h("p", {}, h("a", { href: "#/pair" }, "Pair with your partner"))),
    h("section", { class: "card", "aria-labelledby": "data-h" },
      h("h2", { id: "data-h" }, "Your data"),
      h("button", { type: "button", class: "secondary", onclick: exportData }, "Save a copy of my data")),
    h("section", { class: "card", "aria-labelledby": "devices-h" },
      h("h2", { id: "devices-h" }, "Signed-in devices"), devicesBox,
      h("button", { type: "button", class: "secondary", id: "logout", onclick: async () => {
        try { await turnPushOff(); } catch { /* the server forgets it when the token goes */ }
        try { await api("POST", "/auth/logout"); } catch { /* signed out here regardless */ }
        ctx.signedOut();
      } }, "Sign out on this device"),
      h("button", { type: "button", class: "secondary", id: "logout-all", onclick: async () => {
        try { await turnPushOff(); } catch { /* the server forgets it with the device */ }
        try { await api("POST", "/auth/logout-all"); } catch { /* signed out here regardless */ }
        ctx.signedOut();
      } }, "Sign out on every device")),
    del);
  return {};
}
