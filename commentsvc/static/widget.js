/*! commentsvc widget: a comment thread in an open shadow root. Plain JavaScript, no build step;
 * it talks only to the service it came from. Options: README.md, section "Embedding". */
(() => {
"use strict";
const W = window, D = document;
const NS = (W.commentsvc = W.commentsvc || {});
if (NS.mount) return; // loaded twice: the first copy keeps working
const SCRIPT = D.currentScript;
const SCRIPT_ROOT = SCRIPT && SCRIPT.src
  ? SCRIPT.src.replace(/[?#].*$/, "").replace(/\/static\/widget\.js$/, "") : "";
const BODY_MAX = 10000;
const SORTS = ["oldest", "newest", "top"];
const REASONS = ["spam", "abuse", "off_topic", "other"];
const ERRORS = { thread_closed: "e_closed", edit_window_closed: "e_window", own_comment: "e_own",
  already_flagged: "e_flagged", origin_not_allowed: "e_origin" };

// --- text ------------------------------------------------------------------------------------
// English is built in; the other languages are small scripts in static/i18n/, loaded only by
// the pages that need them. Counts use Intl.PluralRules forms (one, few, many, other).
const EN = {
  heading: "What is your opinion on this topic?", first: "Leave the first comment",
  count: { one: "{n} comment", other: "{n} comments" },
  body: "Your comment", name: "Your name (optional)", edit_label: "Edit your comment",
  hint: "Markdown: **bold**, *italic*, `code`, > quote, links",
  post: "Post comment", reply: "Reply", reply_to: "Reply to {name}", post_reply: "Post reply",
  cancel: "Cancel", preview: "Preview", edit: "Edit", save: "Save", del: "Delete",
  del_q: "Delete this comment?", del_yes: "Yes, delete", sort: "Sort by",
  oldest: "Oldest first", newest: "Newest first", top: "Top rated",
  more: "Load more comments",
  more_replies: { one: "Show {n} more reply", other: "Show {n} more replies" },
  loading: "Loading comments…", sending: "Sending…", anon: "Anonymous",
  deleted: "[deleted]", edited: "edited", verified: "verified",
  pending: "awaiting moderation: only you can see this comment for now",
  closed: "Comments are closed for this article.",
  e_net: "Could not reach the comment service. Check your connection and try again; your text is still here.",
  e_rate: "You are posting too fast, try again in {n} s.",
  e_closed: "This thread is closed for new comments.",
  e_fields: "Please correct the marked field.", e_empty: "Write something first.",
  e_long: "Too long: at most {n} characters.",
  e_window: "The time for editing or deleting this comment has passed.",
  e_other: "Something went wrong: {msg}", e_load: "The comments could not be loaded.",
  e_origin: "Comments are unavailable here.",
  retry: "Try again", posted: "Your comment was posted.",
  held: "Your comment was received and is awaiting moderation.",
  updated: "Your comment was updated.", removed: "Your comment was deleted.",
  loaded: { one: "{n} more comment loaded", other: "{n} more comments loaded" },
  new_top: { one: "{n} new comment — show", other: "{n} new comments — show" },
  new_kids: { one: "{n} new reply", other: "{n} new replies" },
  nothing: "Nothing to preview yet.", not_found: "The linked comment could not be found.",
  linked: "You are looking at the thread of a linked comment.",
  from_start: "Show all comments from the start", sorted: "Sorted: {s}",
  up: "Upvote", down: "Downvote", score: "Score: {n}", pinned: "Pinned",
  e_own: "You cannot vote on your own comment.", report: "Report",
  report_q: "Why are you reporting this comment?", spam: "Spam", abuse: "Abuse or harassment",
  off_topic: "Off topic", other: "Something else", note: "Note for the moderators (optional)",
  notify: "E-mail me when someone replies", email: "Your e-mail address (for replies only)",
  send_report: "Send report", reported: "Reported — thank you", feed: "Feed of this thread",
  e_flagged: "You have already reported this comment", e_reason: "Choose a reason.",
};
const LOCALES = { en: EN };
const BUNDLED = ["de", "fr", "tr", "ru", "uz"];
// The server writes {"ru": "ru.<hash>.js", …} here: names it lets browsers cache for a year.
const LOCALE_FILES = {};
const loading = {};
// Live updates load after the thread shows: the server writes a content-addressed name here.
const LIVE_FILE = "live.js";

NS.addLocale = (lang, texts) => {
  lang = String(lang).toLowerCase();
  LOCALES[lang] = Object.assign({}, LOCALES[lang], texts);
};

function loadLocale(lang, root) {
  if (LOCALES[lang] || !BUNDLED.includes(lang)) return Promise.resolve();
  // A script, not fetch(): static files carry no CORS headers. On failure: English.
  return (loading[lang] = loading[lang] || new Promise((done) => {
    const file = LOCALE_FILES[lang] || `${lang}.js`;
    const s = h("script", { src: `${root}/static/i18n/${file}`, async: true });
    s.onload = s.onerror = done;
    D.head.append(s);
  }));
}

function pickLang(c) {
  const primary = String(c || "").toLowerCase().split(/[-_]/)[0];
  return LOCALES[primary] || BUNDLED.includes(primary) ? primary : "en";
}

function translator(lang) {
  const number = new Intl.NumberFormat(lang);
  const plural = new Intl.PluralRules(lang);
  const texts = LOCALES[lang] || EN;
  return (key, vars = {}) => {
    let text = texts[key] || EN[key];
    if (typeof text === "object") text = text[plural.select(vars.n)] || text.other;
    return text.replace(/\{(\w+)\}/g, (_, k) => (k === "n" ? number.format(vars.n) : vars[k]));
  };
}

// --- styles (inside the shadow root; the host page can only reach the --commentsvc-* knobs) --
const CSS = `
:host{display:block!important}
:host([hidden]){display:none!important}
.root{all:initial;display:block;box-sizing:border-box;direction:ltr;unicode-bidi:isolate;text-align:start;overflow-wrap:anywhere;
--fg:var(--commentsvc-text,#1d2025);--muted:var(--commentsvc-muted,#545b66);
--bg:var(--commentsvc-bg,#fff);--surface:var(--commentsvc-surface,#f2f4f7);
--line:var(--commentsvc-border,#cdd2da);--accent:var(--commentsvc-accent,#0b57d0);
--on-accent:var(--commentsvc-accent-text,#fff);--danger:var(--commentsvc-danger,#b3261e);
--hl:var(--commentsvc-highlight,#fff3c4);
font-family:var(--commentsvc-font,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif);
font-size:var(--commentsvc-font-size,16px);line-height:1.5;color:var(--fg);background:var(--bg);
border-radius:var(--commentsvc-radius,10px);padding:var(--commentsvc-padding,20px);color-scheme:light}
.root.dark{--fg:var(--commentsvc-dark-text,#e7e9ec);--muted:var(--commentsvc-dark-muted,#aab1bc);
--bg:var(--commentsvc-dark-bg,#16181c);--surface:var(--commentsvc-dark-surface,#23262c);
--line:var(--commentsvc-dark-border,#454b55);--accent:var(--commentsvc-dark-accent,#8ab4f8);
--on-accent:var(--commentsvc-dark-accent-text,#0a1a33);--danger:var(--commentsvc-dark-danger,#f6aea9);
--hl:var(--commentsvc-dark-highlight,#3d3720);color-scheme:dark}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
h2{font-size:1.35em;line-height:1.25;margin:0 0 .9em;font-weight:700}
h2 .count{display:block;font-size:.68em;font-weight:400;color:var(--muted);margin-top:.3em}
button,input,textarea,select{font:inherit;color:inherit;margin:0}
textarea,input,select{background:var(--bg);border:1px solid var(--muted);border-radius:6px;padding:.5em .65em;width:100%;display:block}
textarea{min-height:6.5em;resize:vertical}
[aria-invalid=true]{border-color:var(--danger);box-shadow:0 0 0 1px var(--danger)}
label,legend{display:block;font-weight:600;margin:0 0 .3em;padding:0}
form{margin:0 0 1.5em}
.field{margin-top:.8em}
.notify{display:flex;gap:.5em;align-items:center}.notify input{width:auto}
.under{display:flex;justify-content:space-between;flex-wrap:wrap;gap:.2em 1em;font-size:.84em;color:var(--muted);margin-top:.3em}
.over{color:var(--danger);font-weight:700}
.buttons{display:flex;flex-wrap:wrap;gap:.5em;justify-content:flex-end;align-items:center;margin-top:.8em}
.btn{border:1px solid var(--muted);background:transparent;border-radius:6px;padding:.45em 1em;cursor:pointer;line-height:1.3}
.btn.primary{background:var(--accent);border-color:var(--accent);color:var(--on-accent);font-weight:600}
.btn[aria-pressed=true]{background:var(--surface);border-color:var(--fg)}
.btn:disabled{opacity:.7;cursor:progress}
.link{background:none;border:0;padding:.15em .1em;color:var(--accent);cursor:pointer;text-decoration:underline;text-underline-offset:2px}
.link.danger,.err,.field-err{color:var(--danger)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.err,.field-err{margin:.45em 0 0;font-size:.92em}
.err:empty,.field-err:empty{display:none}
.preview{border:1px dashed var(--muted);border-radius:6px;padding:.3em .75em;min-height:6.5em;background:var(--surface)}
.bar{display:flex;align-items:center;gap:.5em;justify-content:flex-end;margin:0 0 .25em;font-size:.9em}
.bar label{margin:0;font-weight:400;color:var(--muted)}
.bar select{width:auto;padding:.25em .5em}
.list>article{border-top:1px solid var(--line);padding-top:.9em;margin-top:.9em}
article{border-radius:6px;scroll-margin:4em}
.kids>article{margin-top:.8em}
.head{display:flex;align-items:center;flex-wrap:wrap;gap:.2em .6em;font-size:.92em}
.av{width:36px;height:36px;border-radius:50%;flex:none;background:var(--surface);display:inline-grid;place-items:center;font-weight:700;color:var(--muted);overflow:hidden}
.name{font-weight:700}
.time{color:var(--muted);text-decoration:none}
.time:hover{text-decoration:underline}
.sub{color:var(--muted)}
.badge{font-size:.8em;border-radius:99px;padding:.1em .6em;background:var(--hl);color:var(--fg)}
.pin::before{content:"";display:inline-block;width:.5em;height:.5em;margin-right:.4em;border:2px solid;border-radius:50% 50% 50% 0;transform:rotate(-45deg)}
.votes{display:inline-flex;align-items:center;gap:.3em}
.btn.vote{padding:.1em .55em}
.vote[aria-pressed=true]{background:var(--accent);color:var(--on-accent)}
.score{min-width:1em;text-align:center;font-weight:600}
fieldset{border:0;padding:0;margin:0}
.opt{font-weight:400;display:flex;gap:.5em}
.opt input{width:auto}
.hp{position:absolute;left:-200vw}
.body,.actions,.slot{margin-left:calc(36px + .6em)}
.body{margin-top:.3em}
.md p,.md ul,.md ol,.md blockquote,.md pre{margin:.4em 0}
.md blockquote{border-left:3px solid var(--line);margin-left:0;padding-left:.8em;color:var(--muted)}
.md pre{background:var(--surface);padding:.6em;overflow:auto;border-radius:6px}
.md code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
.md a,.feed{color:var(--accent)}
.gone{font-style:italic;color:var(--muted)}
.actions{display:flex;gap:.7em;align-items:center;flex-wrap:wrap;font-size:.9em;margin-top:.2em}
.slot form{margin:.6em 0 .4em}
.kids{margin-left:18px;padding-left:16px;border-left:2px solid var(--line)}
.kids:empty{display:none}
.more{display:block;margin:1.2em auto 0}
.kids+.link,.slot+.link{margin:.5em 0 0 34px}
.hl{background:var(--hl);box-shadow:0 0 0 8px var(--hl)}
.notice{background:var(--surface);border-radius:6px;padding:.7em 1em;margin:0 0 1em}
.notice .link{margin-left:.5em}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.kids{margin-left:4px;padding-left:10px}.body,.actions,.slot{margin-left:0}}
@media (prefers-reduced-motion:no-preference){article{transition:background-color .8s,box-shadow .8s}}`;
let sheet = null;
function applyStyles(root) {
  // A constructed sheet is shared by every mount and is not blocked by a strict CSP.
  if (W.CSSStyleSheet && "adoptedStyleSheets" in root && "replaceSync" in CSSStyleSheet.prototype) {
    if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(h("style", { text: CSS }));
  }
}

// --- small helpers ---------------------------------------------------------------------------
function h(tag, props, ...kids) {
  const el = D.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid);
  return el;
}

const code = (e) => ((e.data && e.data.error) || {}).code;

function fill(el, ...kids) {
  el.replaceChildren();
  for (const kid of kids) if (kid != null && kid !== false) el.append(kid);
}

const memory = {};
const store = {
  // localStorage may be missing or throw (private modes, sandboxed frames): fall back to memory.
  get(key) {
    try { const raw = localStorage.getItem(key); return raw == null ? null : JSON.parse(raw); }
    catch (e) { return key in memory ? memory[key] : null; }
  },
  set(key, value) {
    memory[key] = value;
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* memory only */ }
  },
};

function readerToken() {
  let token = store.get("commentsvc:reader");
  if (typeof token !== "string" || token.length < 16) {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    token = btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=/g, "");
    store.set("commentsvc:reader", token);
  }
  return token;
}

function apiBase(root) {
  root = String(root || "").replace(/\/+$/, "");
  return /\/api\/v1$/.test(root) ? root : root + "/api/v1";
}

function pageUrl() {
  const canonical = D.querySelector("link[rel=canonical]");
  const url = (canonical && canonical.href) || location.href.split("#")[0];
  return /^https?:/i.test(url) ? url : null;
}

function retrySeconds(header) {
  if (!header) return 60;
  const n = Number(header);
  const s = Number.isFinite(n) ? n : (Date.parse(header) - Date.now()) / 1000;
  return Math.max(1, Math.ceil(s || 60));
}

const TIME_UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
  ["hour", 3600], ["minute", 60]];
const instances = new WeakMap();
let uid = 0;

// --- one mounted thread ----------------------------------------------------------------------
class Thread {
  constructor(host, opts) {
    const d = host.dataset, s = (SCRIPT && SCRIPT.dataset) || {};
    const pick = (key) => (opts[key] != null && opts[key] !== "" ? opts[key] : d[key] || null);
    this.host = host;
    this.o = {
      site: pick("site") || "default",
      article: String(pick("article") || location.pathname),
      title: pick("title") || D.title || null,
      url: pick("url") || pageUrl(),
      api: apiBase(pick("api") || s.api || SCRIPT_ROOT),
      lang: pickLang(opts.lang || d.lang || (host.closest("[lang]") || {}).lang),
      theme: pick("theme") || "auto",
      pageSize: Math.min(100, Math.max(1, parseInt(pick("pageSize"), 10) || 20)),
      heading: pick("heading"),
      auth: opts.auth || null,
      live: opts.live !== false && d.live !== "off",
    };
    this.sort = SORTS.includes(pick("sort")) ? pick("sort") : "oldest";
    this.rtf = new Intl.RelativeTimeFormat(this.o.lang, { numeric: "auto" });
    this.nf = new Intl.NumberFormat(this.o.lang);
    this.dtf = new Intl.DateTimeFormat(this.o.lang, { dateStyle: "long", timeStyle: "short" });
    this.ac = new AbortController();
    this.nodes = new Map(); // comment id -> rendered node
    this.parentOf = new Map(); // comment id -> parent id, for placing replies
    this.drafts = {};
    this.opened = {}; // comment id -> when its reply form was first shown
    this.votes = {};
    this.count = 0;
    this.ownKey = "commentsvc:own:" + this.o.api;
    this.pendingKey = "commentsvc:pending:" + this.o.api;
    this.flagKey = "commentsvc:reported:" + this.o.api;
    this.onHash = () => this.fromHash();
  }

  // -- lifecycle --
  async start() {
    const root = this.host.shadowRoot || this.host.attachShadow({ mode: "open" });
    this.shadow = root;
    // A thread the server rendered (GET /render) stays on screen until ours replaces it in
    // one step, from the same page: no second fetch, nothing moves.
    const pre = root.querySelector("script.page"), o = this.o;
    const adopt = pre && pre.dataset.key === JSON.stringify([o.site, o.article, this.sort, o.pageSize, ""]) && JSON.parse(pre.textContent);
    await loadLocale(this.o.lang, SCRIPT_ROOT || this.o.api.replace(/\/api\/v1$/, ""));
    if (this.dead) return;
    const t = (this.t = translator(this.o.lang)), id = "cs" + ++uid;
    this.countEl = h("span", { class: "count" });
    this.notice = h("div", { class: "notice", hidden: true });
    this.status = h("div", { class: "notice", hidden: true });
    this.list = h("div", { class: "list" });
    this.moreBtn = h("button", { type: "button", class: "btn more", hidden: true, text: t("more"),
      onclick: () => this.loadMore() });
    this.live = h("div", { class: "sr", role: "status", "aria-live": "polite" });
    this.select = h("select", { id: id + "s", onchange: () => this.changeSort() },
      SORTS.map((s) => h("option", { value: s, selected: s === this.sort, text: t(s) })));
    this.compose = this.form("new", null);
    this.closedMsg = h("p", { class: "notice", hidden: true, text: t("closed") });
    this.rootEl = h("div", { class: "root", lang: this.o.lang },
      h("section", { "aria-labelledby": id + "h" },
        h("h2", { id: id + "h" }, h("span", { text: this.o.heading || t("heading") }), " ", this.countEl),
        this.closedMsg, this.compose.form,
        this.bar = h("div", { class: "bar", hidden: true }, h("label", { for: id + "s", text: t("sort") }), this.select),
        this.notice, this.status, this.list, this.moreBtn, this.live,
        h("p", { class: "sub" }, h("a", { class: "feed", rel: "alternate", type: "application/atom+xml", text: t("feed"),
          href: this.o.api + "/feed.atom?" + new URLSearchParams({ site: this.o.site, article: this.o.article }) }))));
    this.theme();
    this.setCount(0);
    addEventListener("hashchange", this.onHash);
    this.timer = setInterval(() => this.tick(), 60000);
    // Pages are the same for all (and cached): our votes come apart.
    this.myVotes = this.req("GET", "/votes?" + new URLSearchParams({ site: this.o.site, article: this.o.article }))
      .then(({ data }) => data.votes, () => ({}));
    if (adopt) {
      this.show(adopt);
      const typed = root.querySelector("textarea");
      if (typed) this.compose.ta.value = typed.value;
      // Votes cast meanwhile win over the answer.
      this.myVotes.then((v) => { this.votes = Object.assign(v, this.votes); this.myVotes = null; for (const n of this.nodes.values()) if (n.showVotes) n.showVotes(); });
    }
    root.replaceChildren(this.rootEl);
    applyStyles(root);
    (adopt ? Promise.resolve(1) : this.load(null)).then((ok) => { if (ok) { this.fromHash(); this.goLive(); } });
  }

  goLive() {
    if (this.o.live === false || this.liveOff) return;
    loading.live = loading.live || new Promise((done) => {
      const s = h("script", { src: `${SCRIPT_ROOT || this.o.api.replace(/\/api\/v1$/, "")}/static/${LIVE_FILE}`, async: true });
      s.onload = s.onerror = done;
      D.head.append(s);
    });
    loading.live.then(() => { if (NS.live && !this.dead && !this.liveOff) this.liveOff = NS.live(this); });
  }

  destroy() {
    this.dead = true;
    if (this.liveOff) this.liveOff();
    this.ac.abort();
    clearInterval(this.timer);
    removeEventListener("hashchange", this.onHash);
    if (this.mq) this.mq.removeEventListener("change", this.onTheme);
    this.shadow.replaceChildren();
    if ("adoptedStyleSheets" in this.shadow) this.shadow.adoptedStyleSheets = [];
  }

  theme() {
    const set = () => {
      const dark = this.o.theme === "dark" || (this.o.theme !== "light" && this.mq && this.mq.matches);
      this.rootEl.classList.toggle("dark", !!dark);
    };
    if (this.o.theme !== "light" && this.o.theme !== "dark" && W.matchMedia) {
      this.mq = W.matchMedia("(prefers-color-scheme: dark)");
      this.onTheme = set;
      this.mq.addEventListener("change", set);
    }
    set();
  }

  // -- talking to the service --
  async req(method, path, body, bearer) {
    const headers = { "X-Reader-Token": readerToken() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const auth = bearer || (typeof this.o.auth === "function" ? this.o.auth() : this.o.auth);
    if (auth) headers.Authorization = "Bearer " + auth;
    let res;
    try {
      // no-cache: the browser asks again each time (a 304 when unchanged), so a reader who
      // posts and reloads sees the comment; a CDN in front still answers from its copy.
      res = await fetch(this.o.api + path, { method, headers, credentials: "omit", cache: "no-cache",
        body: body === undefined ? undefined : JSON.stringify(body), signal: this.ac.signal });
    } catch (e) {
      throw this.dead ? e : Object.assign(new Error("network"), { net: true });
    }
    let data = null;
    // Aborted while reading (the widget was unmounted): an error, not an empty answer.
    if (res.status !== 204) { try { data = await res.json(); } catch (e) { if (this.dead) throw e; data = null; } }
    if (!res.ok) {
      if (code({ data }) == "origin_not_allowed") console.error("commentsvc:", data.error.message);
      throw Object.assign(new Error("HTTP " + res.status),
        { status: res.status, data, retry: res.headers.get("Retry-After") });
    }
    return { status: res.status, data };
  }

  errorText(e) {
    const t = this.t, err = (e.data && e.data.error) || {};
    if (e.net) return t("e_net");
    if (e.status === 429) return t("e_rate", { n: retrySeconds(e.retry) });
    return t(ERRORS[err.code] || "e_other", { msg: err.message || e.message });
  }

  fieldText(message) {
    const long = /maximum length (\d+)/i.exec(message);
    if (long) return this.t("e_long", { n: +long[1] });
    return /empty|required/i.test(message) ? this.t("e_empty") : message;
  }

  // -- reading --
  query(cursor) {
    const q = new URLSearchParams({ site: this.o.site, article: this.o.article, sort: this.sort,
      limit: this.o.pageSize });
    if (cursor) q.set("cursor", cursor);
    return "/comments?" + q;
  }

  async load(cursor, linked) {
    const t = this.t;
    this.status.replaceChildren(t("loading"));
    this.status.hidden = false;
    this.list.setAttribute("aria-busy", "true");
    let data;
    try {
      ({ data } = await this.req("GET", this.query(cursor)));
    } catch (e) {
      if (this.dead) return false;
      this.status.replaceChildren(h("span", { text: e.status ? this.errorText(e) : t("e_load") }), " ",
        h("button", { type: "button", class: "link", text: t("retry"), onclick: () => this.load(cursor, linked) }));
      this.list.removeAttribute("aria-busy");
      return false;
    }
    if (this.myVotes) { this.votes = await this.myVotes; this.myVotes = null; }
    return this.dead ? false : this.show(data, linked, cursor);
  }

  show(data, linked, cursor) {
    const t = this.t;
    this.status.hidden = true;
    this.list.removeAttribute("aria-busy");
    for (const [id, n] of this.nodes) if (n.reply) this.drafts[id] = n.reply.ta.value;
    this.list.replaceChildren();
    this.nodes.clear();
    this.notice.hidden = !linked;
    if (linked) {
      this.notice.replaceChildren(t("linked"), h("button", { type: "button", class: "link",
        text: t("from_start"), onclick: () => this.load(null).then(() => this.focusFirst(0)) }));
    }
    if (!cursor) this.version = data.article.version;
    this.setClosed(data.article.closed);
    this.setCount(data.article.comment_count);
    for (const c of data.comments) this.tree(c, this.list);
    this.next = data.next_cursor;
    this.moreBtn.hidden = !this.next;
    this.showPending();
    this.bar.hidden = !this.list.children.length;
    return data.comments;
  }

  async loadMore() {
    const btn = this.moreBtn, before = this.list.children.length;
    btn.disabled = true;
    try {
      const { data } = await this.req("GET", this.query(this.next));
      if (this.dead) return;
      const fresh = data.comments.filter((c) => this.isNew(c));
      for (const c of fresh) this.tree(c, this.list);
      this.next = data.next_cursor;
      btn.hidden = !this.next;
      this.focusFirst(before);
      this.announce(this.t("loaded", { n: fresh.length }));
    } catch (e) {
      if (!this.dead) this.announce(this.errorText(e));
    } finally {
      btn.disabled = false;
    }
  }

  focusFirst(index) {
    const el = this.list.children[index];
    if (el) el.focus();
  }

  async loadReplies(n) {
    const btn = n.moreBtn;
    btn.disabled = true;
    try {
      const q = new URLSearchParams({ limit: 20 });
      if (n.cursor) q.set("cursor", n.cursor);
      const { data } = await this.req("GET", `/comments/${n.c.id}/replies?${q}`);
      if (this.dead) return;
      let first = null;
      for (const c of data.comments) {
        if (!this.isNew(c)) continue;
        this.parentOf.set(c.id, c.parent_id);
        const holder = this.holder(c.parent_id, c.depth) || n;
        const added = this.tree(c, holder.kids);
        first = first || added;
      }
      n.cursor = data.next_cursor;
      n.remaining = n.cursor ? Math.max(1, n.remaining - data.comments.length) : 0;
      this.moreReplies(n);
      if (first && btn === this.shadow.activeElement) first.el.focus();
      this.announce(this.t("loaded", { n: data.comments.length }));
    } catch (e) {
      if (!this.dead) this.announce(this.errorText(e));
    } finally {
      btn.disabled = false;
    }
  }

  // Not on screen yet, or only as our own copy that a moderator has since approved.
  isNew(c) {
    const n = this.nodes.get(c.id);
    return !n || (n.pending && c.status === "approved");
  }

  // The rendered comment that a reply at `depth` belongs under: its parent, or, when the
  // display depth is capped, the nearest ancestor one level up.
  holder(parentId, depth) {
    for (let id = parentId; id != null; id = this.parentOf.get(id)) {
      const n = this.nodes.get(id);
      if (n && n.depth === depth - 1) return n;
    }
    return null;
  }

  tree(c, container, pending) {
    const n = this.comment(c, c.depth, pending);
    container.append(n.el);
    for (const r of c.replies || []) this.tree(r, n.kids);
    if (c.depth === 0 && c.replies_remaining > 0) {
      n.cursor = c.replies_cursor;
      n.remaining = c.replies_remaining;
      this.moreReplies(n);
    }
    return n;
  }

  moreReplies(n) {
    if (!n.moreBtn) {
      n.moreBtn = h("button", { type: "button", class: "link", onclick: () => this.loadReplies(n) });
      n.kids.after(n.moreBtn);
    }
    n.moreBtn.textContent = this.t("more_replies", { n: n.remaining });
    n.moreBtn.hidden = !n.cursor;
  }

  // -- one comment --
  comment(c, depth, pending) {
    const old = this.nodes.get(c.id);
    if (old) old.el.remove();
    if (old && old.pending && !pending) {
      store.set(this.pendingKey, this.pendingList().filter((p) => p.c.id !== c.id));
    }
    this.parentOf.set(c.id, c.parent_id);
    const n = { c, depth, pending: !!pending, remaining: 0 };
    n.head = h("div", { class: "head" });
    n.body = h("div", { class: "body md" });
    n.actions = h("div", { class: "actions" });
    n.slot = h("div", { class: "slot" });
    n.kids = h("div", { class: "kids" });
    n.el = h("article", { id: "comment-" + c.id, "data-comment-id": c.id, tabindex: "-1", class: c.pinned && "pinned" },
      n.head, n.body, n.actions, n.slot, n.kids);
    this.nodes.set(c.id, n);
    this.paint(n);
    return n;
  }

  paint(n) {
    const t = this.t, c = n.c, gone = !c.author && !c.html;
    const when = new Date(c.created_at);
    const link = location.href.split("#")[0] + "#comment-" + c.id;
    fill(n.head,
      this.avatar(c.author),
      h("span", { class: "name" + (gone ? " gone" : ""), text: gone ? t("deleted") : (c.author && c.author.name) || t("anon") }),
      c.author && c.author.verified && h("span", { class: "badge", text: "✓ " + t("verified") }),
      n.pending && h("span", { class: "badge", text: t("pending") }),
      c.pinned && h("span", { class: "badge pin", text: t("pinned") }),
      c.edited_at && h("span", { class: "sub", title: this.dtf.format(new Date(c.edited_at)), text: "· " + t("edited") }),
      // Last: when its text changes (on taking over a server-rendered thread, every minute),
      // nothing after it moves.
      h("a", { class: "time", href: link,
        onclick: (e) => { if (location.hash === "#comment-" + c.id) { e.preventDefault(); this.fromHash(); } } },
      h("time", { datetime: c.created_at, title: this.dtf.format(when), text: this.ago(when) })));
    if (gone) n.body.replaceChildren(h("p", { class: "gone", text: t("deleted") }));
    else n.body.innerHTML = c.html; // sanitised by the service (nh3 allowlist), never raw input
    this.actions(n);
  }

  avatar(author) {
    // Only avatars served by the comment service itself: no request to any other host.
    const url = author && author.avatar_url;
    let same = false;
    try { same = !!url && new URL(url, this.o.api).host === new URL(this.o.api, location.href).host; } catch (e) { /* no */ }
    if (same) return h("img", { class: "av", src: url, alt: "", width: 36, height: 36 });
    const initial = ((author && author.name) || "?").trim().charAt(0).toUpperCase() || "?";
    return h("span", { class: "av", "aria-hidden": "true", text: author ? initial : "" });
  }

  actions(n) {
    const t = this.t, c = n.c, own = this.own()[c.id], live = !n.pending && c.status === "approved";
    const open = own && c.status !== "deleted" && !(own.u < Date.now());
    clearTimeout(n.timer);
    if (open && own.u) n.timer = setTimeout(() => this.dead || this.actions(n), own.u - Date.now() + 50);
    const mine = own || n.mine, done = this.reported()[c.id] || n.note;
    fill(n.actions,
      live && this.voter(n, mine),
      !this.closed && live &&
        h("button", { type: "button", class: "link reply", "aria-expanded": !!n.reply + "", text: t("reply"), onclick: (e) => this.toggleReply(n, e.currentTarget) }),
      open && h("button", { type: "button", class: "link edit", text: t("edit"), onclick: () => this.openEdit(n) }),
      open && h("button", { type: "button", class: "link danger", text: t("del"), onclick: () => this.askDelete(n) }),
      live && !mine && (done ? h("span", { class: "sub", text: n.note || t("reported") })
        : h("button", { type: "button", class: "link report", "aria-expanded": !!n.rep + "", text: t("report"), onclick: () => this.openReport(n) })));
    n.replyBtn = n.actions.querySelector(".reply");
  }

  // -- votes and reports --
  voter(n, mine) {
    const t = this.t, c = n.c, score = h("span", { class: "score" });
    const btn = (v, label, glyph) => !mine && h("button", { type: "button", class: "btn vote", "aria-label": t(label), text: glyph,
      onclick: () => this.vote(n, this.votes[c.id] === v ? 0 : v) });
    const up = btn(1, "up", "▲"), down = btn(-1, "down", "▼");
    (n.showVotes = () => {
      fill(score, h("span", { "aria-hidden": "true", text: this.nf.format(c.score) }), h("span", { class: "sr", text: t("score", { n: c.score }) }));
      if (up) { up.setAttribute("aria-pressed", this.votes[c.id] === 1); down.setAttribute("aria-pressed", this.votes[c.id] === -1); }
    })();
    return h("span", { class: "votes" }, up, score, down);
  }

  async vote(n, value) {
    try {
      const { data } = await this.req("POST", `/comments/${n.c.id}/vote`, { value });
      if (this.dead) return;
      n.c.score = data.score;
      this.votes[n.c.id] = data.my_vote;
      n.showVotes();
      this.announce(this.t("score", { n: data.score }));
    } catch (e) {
      if (this.dead) return;
      if (code(e) === "own_comment") { n.mine = true; this.actions(n); n.el.focus(); }
      this.oops(n, e);
    }
  }

  oops(n, e) {
    (n.actions.querySelector(".err") || n.actions.appendChild(h("p", { class: "err", role: "alert" }))).textContent = this.errorText(e);
  }

  reported() {
    return store.get(this.flagKey) || {};
  }

  openReport(n) {
    const t = this.t, id = "cs" + ++uid;
    const close = (to) => {
      n.rep.remove();
      n.rep = null;
      this.actions(n);
      (to || n.actions.querySelector(".report")).focus();
    };
    if (n.rep) { close(); return; }
    const err = h("p", { class: "err", role: "alert" });
    const note = h("textarea", { id: id + "n", name: "note", rows: 2, maxlength: 500 });
    const send = h("button", { type: "submit", class: "btn primary", text: t("send_report") });
    const form = (n.rep = h("form", { novalidate: true, "data-kind": "report",
      onkeydown: (e) => { if (e.key === "Escape") close(); },
      onsubmit: async (e) => {
        e.preventDefault();
        const reason = form.querySelector(":checked");
        if (!reason) { err.textContent = t("e_reason"); form.querySelector("input").focus(); return; }
        send.disabled = true;
        try {
          await this.req("POST", `/comments/${n.c.id}/flag`, { reason: reason.value, note: note.value.trim() });
          n.note = t("reported");
        } catch (e) {
          if (this.dead) return;
          send.disabled = false;
          if (code(e) !== "already_flagged") { err.textContent = this.errorText(e); return; }
          n.note = t("e_flagged");
        }
        if (this.dead) return;
        store.set(this.flagKey, Object.assign(this.reported(), { [n.c.id]: 1 }));
        close(n.el);
        this.announce(n.note);
      } },
      h("fieldset", null, h("legend", { text: t("report_q") }),
        REASONS.map((r) => h("label", { class: "opt" }, h("input", { type: "radio", name: "reason", value: r }), t(r)))),
      h("label", { for: id + "n", text: t("note") }), note, err,
      h("div", { class: "buttons" }, h("button", { type: "button", class: "btn", text: t("cancel"), onclick: () => close() }), send)));
    n.slot.append(form);
    this.actions(n);
    form.querySelector("input").focus();
  }

  ago(date) {
    // A service clock a little ahead of the reader's must not say "in 1 minute".
    const s = Math.min(0, (date - Date.now()) / 1000), abs = -s;
    for (const [unit, size] of TIME_UNITS) if (abs >= size) return this.rtf.format(Math.trunc(s / size), unit);
    return this.rtf.format(0, "second");
  }

  tick() {
    for (const el of this.list.querySelectorAll("time")) el.textContent = this.ago(new Date(el.dateTime));
  }

  setCount(n) {
    this.count = Math.max(0, n);
    this.countEl.textContent = this.count ? this.t("count", { n: this.count }) : this.t("first");
  }

  setClosed(closed) {
    this.closed = !!closed;
    this.closedMsg.hidden = !this.closed;
    this.compose.form.hidden = this.closed;
  }

  announce(message) {
    // Cleared first, so the same message twice in a row is still announced.
    this.live.textContent = "";
    setTimeout(() => { if (!this.dead) this.live.textContent = message; }, 30);
  }

  // -- forms: new comment, reply, edit --
  form(kind, n) {
    const t = this.t, id = "cs" + ++uid;
    const savedName = store.get("commentsvc:name") || "";
    const label = kind === "reply" ? t("reply_to", { name: (n.c.author && n.c.author.name) || t("anon") })
      : kind === "edit" ? t("edit_label") : t("body");
    const f = {};
    f.counter = h("span", { id: id + "c" });
    f.bodyErr = h("p", { class: "field-err", id: id + "be" });
    f.ta = h("textarea", { id: id + "b", name: "body", rows: 4, "aria-describedby": `${id}c ${id}be`,
      oninput: () => this.counter(f),
      onkeydown: (e) => {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); f.form.requestSubmit(); }
        if (e.key === "Escape" && f.cancel) f.cancel.click();
      } });
    f.preview = h("div", { class: "preview md", hidden: true });
    f.previewBtn = h("button", { type: "button", class: "btn", "aria-pressed": "false", text: t("preview"),
      onclick: () => this.togglePreview(f) });
    if (kind !== "edit") {
      // Bots fill in every field and send at once.
      f.t0 = kind === "new" ? performance.now() : (this.opened[n.c.id] ||= performance.now());
      f.hp = h("input", { class: "hp", name: "website", tabindex: "-1", autocomplete: "off", "aria-hidden": "true", "aria-label": "Website" });
    }
    if (kind !== "edit" && !this.o.auth) {
      f.nameErr = h("p", { class: "field-err", id: id + "ne" });
      f.name = h("input", { id: id + "n", name: "author_name", type: "text", autocomplete: "nickname",
        value: savedName, "aria-describedby": id + "ne" });
    }
    if (kind !== "edit") {
      // Reply e-mails: the address field shows only once the box is ticked.
      f.mailErr = h("p", { class: "field-err", id: id + "me" });
      f.email = h("input", { id: id + "e", name: "author_email", type: "email", autocomplete: "email", "aria-describedby": id + "me" });
      f.mail = h("div", { class: "field", hidden: true }, h("label", { for: id + "e", text: t("email") }), f.email, f.mailErr);
      f.notify = h("input", { id: id + "m", type: "checkbox", name: "notify_replies", onchange: () => { f.mail.hidden = !f.notify.checked; } });
    }
    if (kind !== "new") {
      f.cancel = h("button", { type: "button", class: "btn", text: t("cancel"),
        onclick: () => (kind === "edit" ? this.closeEdit(n, true) : this.closeReply(n, true)) });
    }
    f.submit = h("button", { type: "submit", class: "btn primary",
      text: t(kind === "edit" ? "save" : kind === "reply" ? "post_reply" : "post") });
    f.err = h("p", { class: "err", role: "alert" });
    f.form = h("form", { novalidate: true, "data-kind": kind, onsubmit: (e) => { e.preventDefault(); this.submit(kind, f, n); } },
      h("label", { for: id + "b", text: label }), f.ta, f.preview, f.hp,
      h("div", { class: "under" }, h("span", { text: t("hint") }), f.counter), f.bodyErr,
      f.name && h("div", { class: "field" }, h("label", { for: id + "n", text: t("name") }), f.name, f.nameErr),
      f.notify && h("div", { class: "field notify" }, f.notify, h("label", { for: id + "m", text: t("notify") })), f.mail,
      f.err, h("div", { class: "buttons" }, f.previewBtn, f.cancel, f.submit));
    this.counter(f);
    return f;
  }

  counter(f) {
    const n = f.ta.value.length, nf = this.nf;
    f.counter.textContent = `${nf.format(n)} / ${nf.format(BODY_MAX)}`;
    f.counter.classList.toggle("over", n > BODY_MAX);
  }

  clearErrors(f) {
    f.err.textContent = "";
    for (const [field, err] of [[f.ta, f.bodyErr], [f.name, f.nameErr], [f.email, f.mailErr]]) {
      if (field) { field.removeAttribute("aria-invalid"); err.textContent = ""; }
    }
  }

  showError(f, e) {
    this.clearErrors(f);
    const fields = (e.data && e.data.error && e.data.error.fields) || {};
    if (e.status !== 422 || !Object.keys(fields).length) {
      f.err.textContent = this.errorText(e);
      return;
    }
    let focus = null, other = "";
    for (const [name, messages] of Object.entries(fields)) {
      const text = this.fieldText(String(Array.isArray(messages) ? messages[0] : messages));
      const pair = name === "body" ? [f.ta, f.bodyErr] : name === "author_name" && f.name ? [f.name, f.nameErr]
        : name === "author_email" && f.email ? [f.email, f.mailErr] : null;
      if (pair) {
        pair[0].setAttribute("aria-invalid", "true");
        pair[1].textContent = text;
        focus = focus || pair[0];
      } else {
        other += ` ${name}: ${text}`;
      }
    }
    f.err.textContent = this.t("e_fields") + other;
    if (focus === f.ta) this.endPreview(f);
    if (focus) focus.focus();
  }

  async togglePreview(f) {
    if (f.previewBtn.getAttribute("aria-pressed") === "true") {
      this.endPreview(f);
      f.ta.focus();
      return;
    }
    this.clearErrors(f);
    if (!f.ta.value.trim()) { f.err.textContent = this.t("nothing"); return; }
    f.previewBtn.disabled = true;
    try {
      const { data } = await this.req("POST", "/preview", { body: f.ta.value });
      if (this.dead) return;
      f.preview.innerHTML = data.html; // rendered and sanitised by the service
      f.preview.hidden = false;
      f.ta.hidden = true;
      f.previewBtn.setAttribute("aria-pressed", "true");
    } catch (e) {
      if (!this.dead) this.showError(f, e);
    } finally {
      f.previewBtn.disabled = false;
    }
  }

  endPreview(f) {
    f.preview.hidden = true;
    f.preview.replaceChildren();
    f.ta.hidden = false;
    f.previewBtn.setAttribute("aria-pressed", "false");
  }

  busy(f, on) {
    f.submit.disabled = on;
    f.form.setAttribute("aria-busy", on ? "true" : "false");
    if (on) { f.label = f.submit.textContent; f.submit.textContent = this.t("sending"); }
    else if (f.label) f.submit.textContent = f.label;
  }

  async submit(kind, f, n) {
    const body = f.ta.value;
    if (!body.trim()) {
      this.showError(f, { status: 422, data: { error: { fields: { body: ["must not be empty"] } } } });
      return;
    }
    this.clearErrors(f);
    this.busy(f, true);
    try {
      if (kind === "edit") await this.saveEdit(f, n, body);
      else await this.post(f, n, body);
    } catch (e) {
      if (this.dead) return;
      this.showError(f, e);
      if (code(e) === "edit_window_closed") this.expire(n);
    } finally {
      if (!this.dead) this.busy(f, false);
    }
  }

  async post(f, parent, body) {
    const o = this.o, name = f.name ? f.name.value.trim() : "";
    const payload = { site: o.site, article: o.article, body, honeypot: f.hp.value,
      form_seconds: Math.round(performance.now() - f.t0) / 1000 };
    if (parent) payload.parent_id = parent.c.id;
    if (name) payload.author_name = name;
    if (f.notify.checked) Object.assign(payload, { notify_replies: true, lang: o.lang }, f.email.value.trim() ? { author_email: f.email.value.trim() } : {});
    if (o.title) payload.article_title = String(o.title).slice(0, 300);
    if (o.url && /^https?:\/\//i.test(o.url)) payload.article_url = o.url;
    const { status, data } = await this.req("POST", "/comments", payload);
    if (this.dead) return;
    if (f.name) store.set("commentsvc:name", name);
    const pending = status === 202 || data.status === "pending";
    const own = this.own();
    // The window by the service's clock, counted on ours: no skew.
    own[data.id] = { t: data.edit_token, src: body, at: Date.now(),
      u: Date.now() + Date.parse(data.editable_until) - Date.parse(data.created_at) };
    this.saveOwn(own);
    const c = Object.assign({}, data, { replies: [] });
    delete c.edit_token;
    if (pending) this.keepHeld(c);
    f.ta.value = "";
    this.endPreview(f);
    this.counter(f);
    if (parent) { delete this.drafts[parent.c.id]; this.closeReply(parent, false); }
    const n = this.insert(c, parent, pending);
    this.bar.hidden = false;
    if (!pending) this.setCount(this.count + 1);
    n.el.focus();
    this.announce(this.t(pending ? "held" : "posted"));
  }

  // A comment of ours, just posted or still held: put it where a reload would show it.
  insert(c, parent, pending) {
    const n = this.comment(c, c.depth, pending);
    if (parent) (this.holder(c.parent_id, c.depth) || parent).kids.append(n.el);
    // Newest first comes after the pinned comments.
    else this.list.insertBefore(n.el, this.sort === "newest" ? this.list.querySelector(":scope>:not(.pinned)") : null);
    return n;
  }

  showPending() {
    const o = this.o, week = 7 * 86400e3;
    const list = this.pendingList().filter((p) => Date.now() - p.at < week && !(this.nodes.has(p.c.id) && this.nodes.get(p.c.id).c.status === "approved"));
    store.set(this.pendingKey, list);
    for (const p of list) {
      if (p.site !== o.site || p.article !== o.article || this.nodes.has(p.c.id)) continue;
      const parent = p.c.parent_id && this.nodes.get(p.c.parent_id);
      if (!p.c.parent_id || parent) this.insert(p.c, parent, true);
    }
  }

  keepHeld(c) {
    const o = this.o;
    store.set(this.pendingKey, [...this.pendingList().filter((p) => p.c.id !== c.id), { site: o.site, article: o.article, at: Date.now(), c }]);
  }

  pendingList() {
    const list = store.get(this.pendingKey);
    return Array.isArray(list) ? list : [];
  }

  own() {
    const own = store.get(this.ownKey);
    return own && typeof own === "object" ? own : {};
  }

  saveOwn(own) {
    // Edit tokens outlive any edit window by far after two days; drop them then.
    for (const [id, v] of Object.entries(own)) if (!v || Date.now() - v.at > 2 * 86400e3) delete own[id];
    store.set(this.ownKey, own);
  }

  expire(n) {
    // No more Edit, but still ours: no votes on it either.
    const own = this.own();
    if (own[n.c.id]) own[n.c.id].u = 0;
    this.saveOwn(own);
    this.actions(n);
  }

  toggleReply(n, btn) {
    if (n.reply) { this.closeReply(n, true); return; }
    n.reply = this.form("reply", n);
    n.reply.ta.value = this.drafts[n.c.id] || "";
    this.counter(n.reply);
    n.slot.append(n.reply.form);
    btn.setAttribute("aria-expanded", "true");
    n.reply.ta.focus();
  }

  closeReply(n, keepDraft) {
    if (!n.reply) return;
    if (keepDraft) this.drafts[n.c.id] = n.reply.ta.value;
    n.reply.form.remove();
    n.reply = null;
    if (n.replyBtn) { n.replyBtn.setAttribute("aria-expanded", "false"); if (keepDraft) n.replyBtn.focus(); }
  }

  openEdit(n) {
    if (n.edit) { n.edit.ta.focus(); return; }
    const own = this.own()[n.c.id];
    n.edit = this.form("edit", n);
    n.edit.ta.value = (own && own.src) || n.body.textContent.trim();
    this.counter(n.edit);
    n.body.hidden = true;
    n.slot.prepend(n.edit.form);
    n.edit.ta.focus();
  }

  closeEdit(n, refocus) {
    if (!n.edit) return;
    n.edit.form.remove();
    n.edit = null;
    n.body.hidden = false;
    if (refocus) (n.actions.querySelector(".edit") || n.el).focus();
  }

  async saveEdit(f, n, body) {
    const own = this.own();
    const { data } = await this.req("PATCH", `/comments/${n.c.id}`, { body }, own[n.c.id] && own[n.c.id].t);
    if (this.dead) return;
    if (own[n.c.id]) { own[n.c.id].src = body; this.saveOwn(own); }
    const held = data.status !== "approved", was = n.pending;
    Object.assign(n.c, { html: data.html, edited_at: data.edited_at, author: data.author, status: data.status });
    if (held) {
      // Held again (or still): keep our copy in view.
      this.keepHeld(Object.assign({}, n.c, { replies: [] }));
      if (!was) this.setCount(this.count - 1);
      n.pending = true;
    }
    this.closeEdit(n, false);
    this.paint(n);
    n.el.focus();
    this.announce(this.t(held && !was ? "held" : "updated"));
  }

  askDelete(n) {
    const t = this.t;
    const yes = h("button", { type: "button", class: "btn primary", text: t("del_yes"), onclick: () => this.remove(n, yes) });
    n.actions.replaceChildren(h("span", { text: t("del_q") }), yes,
      h("button", { type: "button", class: "btn", text: t("cancel"), onclick: () => {
        this.actions(n);
        const again = n.actions.querySelector(".danger");
        if (again) again.focus();
      } }));
    yes.focus();
  }

  async remove(n, btn) {
    const own = this.own(), token = own[n.c.id] && own[n.c.id].t;
    btn.disabled = true;
    try {
      await this.req("DELETE", `/comments/${n.c.id}`, undefined, token);
    } catch (e) {
      if (this.dead) return;
      btn.disabled = false;
      this.actions(n);
      this.oops(n, e);
      if (code(e) === "edit_window_closed") this.expire(n);
      return;
    }
    if (this.dead) return;
    const wasPublic = !n.pending && n.c.status === "approved";
    delete own[n.c.id];
    this.saveOwn(own);
    store.set(this.pendingKey, this.pendingList().filter((p) => p.c.id !== n.c.id));
    const next = n.el.nextElementSibling || n.el.parentElement.closest("article") || this.list;
    if (n.kids.children.length || n.c.reply_count > 0) {
      Object.assign(n.c, { status: "deleted", html: "", author: null });
      n.pending = false;
      this.closeEdit(n, false);
      this.paint(n);
    } else {
      n.el.remove();
      this.nodes.delete(n.c.id);
    }
    if (wasPublic) this.setCount(this.count - 1);
    (next.tagName === "ARTICLE" ? next : this.select).focus();
    this.announce(this.t("removed"));
  }

  // -- sorting and permalinks --
  async changeSort() {
    this.sort = this.select.value;
    const ok = await this.load(null);
    if (ok) this.announce(this.t("sorted", { s: this.t(this.sort) }));
  }

  async fromHash() {
    const m = /^#comment-(\d+)$/.exec(location.hash);
    if (m) await this.reveal(+m[1]);
  }

  async reveal(id) {
    if (!this.nodes.has(id)) {
      let c;
      try {
        ({ data: c } = await this.req("GET", "/comments/" + id));
      } catch (e) {
        if (!this.dead) this.announce(e.status === 404 ? this.t("not_found") : this.errorText(e));
        return;
      }
      const rootId = c.root_id || c.id;
      if (!this.nodes.has(rootId) && c.thread_cursor) {
        // Load the oldest-first page that starts with the comment's thread.
        this.sort = this.select.value = "oldest";
        const page = await this.load(c.thread_cursor, true);
        if (!page || !page.length || page[0].id !== rootId) {
          if (!this.dead) this.announce(this.t("not_found"));
          return;
        }
      }
      for (let guard = 0; guard < 50 && !this.nodes.has(id); guard++) {
        const root = this.nodes.get(rootId);
        if (!root || !root.cursor) break;
        await this.loadReplies(root);
      }
    }
    const n = this.nodes.get(id);
    if (!n) { this.announce(this.t("not_found")); return; }
    for (const el of this.list.querySelectorAll(".hl")) el.classList.remove("hl");
    n.el.classList.add("hl");
    n.el.focus({ preventScroll: true });
    n.el.scrollIntoView({ block: "center" });
  }
}

// --- public API --------------------------------------------------------------------------------
function mount(el, opts) {
  if (typeof el === "string") el = D.querySelector(el);
  if (!el) throw new Error("commentsvc.mount: no such element");
  unmount(el);
  const thread = new Thread(el, opts || {});
  instances.set(el, thread);
  thread.start().catch((e) => console.error("commentsvc:", e));
}

function unmount(el) {
  if (typeof el === "string") el = D.querySelector(el);
  const thread = el && instances.get(el);
  if (thread) { thread.destroy(); instances.delete(el); }
}

NS.mount = mount;
NS.unmount = unmount;
function auto() {
  const el = D.getElementById("commentsvc");
  if (el && !instances.has(el) && !("manual" in el.dataset)) mount(el, {});
  D.dispatchEvent(new CustomEvent("commentsvc:ready"));
}
if (D.readyState === "loading") D.addEventListener("DOMContentLoaded", auto); else auto();
})();
