/* commentsvc live updates: loaded by widget.js after a thread has rendered (a separate,
   content-addressed file, so the first view does not grow).
   New comments wait behind "N new comments — show" at the top of the thread and "N new replies"
   under their parent: nothing moves under the reader's eyes until they ask. Edits and removals
   of comments on screen are applied in place. When the stream cannot connect (a proxy that
   buffers, a closed port) the thread is polled instead (the browser revalidates: a 304 costs one
   small query), backing off while nothing changes, and not at all in a background tab; the
   stream is tried again now and then (after 2 minutes, then less and less often), and once it
   answers the polling stops. */
(() => {
"use strict";
const W = window, D = document, NS = (W.commentsvc = W.commentsvc || {});
const KINDS = ["comment", "edited", "removed"];
const POLL_MIN = 5000, POLL_MAX = 60000, READY_WAIT = 6000;
const STREAM_RETRY = 120000, STREAM_RETRY_MAX = 1800000;

class Live {
  constructor(th) {
    this.th = th;
    this.v = th.version || 0;
    this.top = [];            // ids of new top-level comments, not shown yet
    this.kids = new Map();    // parent id -> { ids, btn }
    this.fails = 0;
    this.wait = POLL_MIN;
    this.retry = STREAM_RETRY;
  }

  // The texts live in the widget's table (new_top, new_kids), translated like the rest.
  text(key, n) {
    return this.th.t("new_" + key, { n });
  }

  start() {
    const th = this.th;
    this.btn = Object.assign(D.createElement("button"), { type: "button", className: "btn more live", hidden: true,
      onclick: () => this.showTop() });
    th.list.before(this.btn);
    this.onVis = () => {
      if (D.hidden) return;
      if (this.asleep) { this.asleep = false; this.connect(); }
      else if (this.polling && !this.timer) this.poll();
    };
    D.addEventListener("visibilitychange", this.onVis);
    this.connect();
    return () => this.stop();
  }

  stop() {
    this.dead = true;
    if (this.es) this.es.close();
    clearTimeout(this.timer);
    clearTimeout(this.readyTimer);
    clearTimeout(this.probeTimer);
    D.removeEventListener("visibilitychange", this.onVis);
  }

  // -- the stream --
  connect() {
    if (this.dead) return;
    if (!W.EventSource) { this.fallBack(); return; }
    const th = this.th, q = new URLSearchParams({ site: th.o.site, article: th.o.article, since: this.v });
    const es = (this.es = new EventSource(`${th.o.api}/stream?${q}`));
    let ready = false;
    // A buffering proxy holds the answer: no "ready" in time means no stream at all.
    this.readyTimer = setTimeout(() => { if (!ready) { es.close(); this.fallBack(); } }, READY_WAIT);
    es.addEventListener("ready", (e) => {
      ready = true;
      this.fails = 0;
      clearTimeout(this.readyTimer);
      if (this.polling) this.resume();
      this.seen(e);
    });
    for (const kind of KINDS) es.addEventListener(kind, (e) => { this.seen(e); this.apply(kind, JSON.parse(e.data)); });
    es.onerror = () => {
      // Ours to reconnect, with the version we have (the app may answer at once and close).
      es.close();
      clearTimeout(this.readyTimer);
      if (this.dead) return;
      if (this.polling) { this.fallBack(); return; } // a retry that failed: keep polling
      if (!ready && ++this.fails >= 2) { this.fallBack(); return; }
      // A background tab does not reconnect (without a stream server that would be polling).
      if (D.hidden) { this.asleep = true; return; }
      this.timer = setTimeout(() => this.connect(), 1000);
    };
  }

  seen(e) {
    const v = +e.lastEventId;
    if (v > this.v) this.v = v;
  }

  // -- polling, when the stream cannot connect --
  fallBack() {
    if (this.dead) return;
    if (!this.polling) {
      this.polling = true;
      this.base = null;
      this.poll();
    }
    if (!W.EventSource) return;
    // A proxy restarted, a port opened: the stream may answer later. Try it again now and then.
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => this.probe(), this.retry);
    this.retry = Math.min(STREAM_RETRY_MAX, this.retry * 2);
  }

  probe() {
    if (this.dead || !this.polling) return;
    if (D.hidden) this.fallBack(); // later: a background tab opens nothing
    else this.connect();
  }

  // The stream answered again: it takes over from polling (it replays what came since this.v).
  resume() {
    this.polling = false;
    this.retry = STREAM_RETRY;
    clearTimeout(this.timer);
    clearTimeout(this.probeTimer);
    this.timer = null;
  }

  async poll() {
    this.timer = null;
    if (this.dead || D.hidden) return; // a background tab asks nothing; visibilitychange resumes
    const th = this.th;
    try {
      const q = new URLSearchParams({ site: th.o.site, article: th.o.article, sort: "newest", limit: 20 });
      const { data } = await th.req("GET", "/comments?" + q);
      if (this.dead || !this.polling) return; // the stream took over meanwhile
      // The first answer is what was there already (older pages may not be on screen).
      const base = this.base;
      if (!base) {
        this.base = new Set();
        const note = (c) => { this.base.add(c.id); (c.replies || []).forEach(note); };
        data.comments.forEach(note);
        this.v = data.article.version;
      } else if (data.article.version !== this.v) {
        this.v = data.article.version;
        this.wait = POLL_MIN;
        const walk = (c) => {
          const n = th.nodes.get(c.id);
          if (!n && !base.has(c.id)) { base.add(c.id); this.apply("comment", c); }
          else if (c.edited_at !== n.c.edited_at || (n.pending && c.status === "approved")) this.apply("edited", c, c);
          for (const r of c.replies || []) walk(r);
        };
        data.comments.forEach(walk);
      } else this.wait = Math.min(POLL_MAX, this.wait * 1.5);
    } catch (e) {
      this.wait = Math.min(POLL_MAX * 2, this.wait * 2);
    }
    if (!this.dead && this.polling) this.timer = setTimeout(() => this.poll(), this.wait);
  }

  // -- applying changes --
  apply(kind, d, known) {
    const th = this.th, n = th.nodes.get(d.id);
    if (kind === "comment") {
      if (n) { if (n.pending) this.refresh(n, known); return; }
      if (d.parent_id == null) {
        if (!this.top.includes(d.id)) this.top.push(d.id);
        this.btn.textContent = this.text("top", this.top.length);
        this.btn.hidden = false;
      } else {
        const parent = th.nodes.get(d.parent_id);
        if (!parent) return; // not on screen: it comes with its part of the thread
        const k = this.kids.get(parent.c.id) || { ids: [] };
        if (!k.btn) {
          k.btn = Object.assign(D.createElement("button"), { type: "button", className: "link live",
            onclick: () => this.showKids(parent) });
          parent.kids.after(k.btn);
        }
        if (!k.ids.includes(d.id)) k.ids.push(d.id);
        k.btn.textContent = this.text("kids", k.ids.length);
        this.kids.set(parent.c.id, k);
      }
      th.setCount(th.count + 1);
    } else if (n && kind === "edited") {
      if (!n.edit) this.refresh(n, known);
    } else if (n && kind === "removed") {
      // In place, as "[deleted]": taking it out would move what the reader is looking at.
      Object.assign(n.c, { html: null, author: null, status: "deleted" });
      th.paint(n);
      if (!n.pending) th.setCount(th.count - 1);
    } else if (kind === "removed") {
      this.top = this.top.filter((id) => id !== d.id);
      this.btn.textContent = this.text("top", this.top.length);
      this.btn.hidden = !this.top.length;
    }
  }

  async fetch(id) {
    try { return (await this.th.req("GET", `/comments/${id}`)).data; } catch (e) { return null; }
  }

  async refresh(n, known) {
    const c = known || (await this.fetch(n.c.id));
    if (!c || this.dead) return;
    const wasPending = n.pending;
    n.c = Object.assign(n.c, c, { replies: undefined });
    n.pending = false;
    this.th.paint(n);
    if (wasPending) this.th.setCount(this.th.count + 1);
  }

  async showTop() {
    const th = this.th, ids = this.top.splice(0);
    this.btn.hidden = true;
    const got = (await Promise.all(ids.map((id) => this.fetch(id)))).filter((c) => c && th.isNew(c));
    if (this.dead) return;
    let first = null;
    for (const c of got) {
      const n = th.comment(c, 0);
      // Where a reload would put it: first when newest come first, else after the last shown.
      if (th.sort === "oldest") th.list.append(n.el);
      else th.list.insertBefore(n.el, th.list.querySelector(":scope>:not(.pinned)"));
      first = first || n;
    }
    th.bar.hidden = false;
    if (first) first.el.focus();
    th.announce(th.t("loaded", { n: got.length }));
  }

  async showKids(parent) {
    const th = this.th, k = this.kids.get(parent.c.id);
    this.kids.delete(parent.c.id);
    k.btn.remove();
    const got = (await Promise.all(k.ids.map((id) => this.fetch(id)))).filter((c) => c && th.isNew(c));
    if (this.dead) return;
    let first = null;
    for (const c of got) {
      const n = th.tree(c, (th.holder(c.parent_id, c.depth) || parent).kids);
      first = first || n;
    }
    if (first) first.el.focus();
    th.announce(th.t("loaded", { n: got.length }));
  }
}

NS.live = (th) => new Live(th).start();
})();
