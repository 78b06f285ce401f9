/* The moderator page: the admin API behind a few buttons and keys. No framework, no build.
 *
 * The API key lives in sessionStorage (this tab only) and travels as a bearer token to the
 * admin API; it is never put in a URL. Every value from the API is written as text, except a
 * comment's `html`, which the service sanitised when the comment was posted.
 */
(() => {
  "use strict";

  const API = document.body.dataset.api;
  const DEFAULT_SITE = document.body.dataset.defaultSite || "default";
  const STORE = { key: "commentsvc.moderator.key", site: "commentsvc.moderator.site" };
  const PAST = {
    approve: "approved", reject: "rejected", spam: "marked as spam", delete: "deleted",
    pin: "pinned", unpin: "unpinned", erase: "erased for good",
  };
  const SHORTCUTS = { a: "approve", r: "reject", s: "spam" };
  const THREAD = {
    close: { closed: true }, reopen: { closed: false },
    premoderate: { premoderated: true }, postmoderate: { premoderated: false },
  };

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];
  const list = $("#comments");
  const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  const ADMIN_VIEWS = ["data", "settings", "keys", "webhooks"];
  const VIEWS = ["queue", "bans", "audit", ...ADMIN_VIEWS];
  const SETTINGS = $$("#settings-form [data-setting]").map((el) => el.dataset.setting);

  const state = {
    key: null, site: DEFAULT_SITE, view: "queue", status: "pending", filters: {},
    comments: new Map(), cursor: null, auditCursor: null, selected: null, ticket: 0,
    acting: false, admin: false, actor: null, siteData: null,
  };

  // --- talking to the API -------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message, fields = {}) {
      super(message);
      this.status = status;
      this.code = code;
      this.fields = fields;
    }
  }

  // `file: true` answers the body as a Blob (downloads), errors still as ApiError.
  async function api(method, path, { query = {}, body, key = state.key, file = false } = {}) {
    const url = new URL(API + path, location.href);
    for (const [name, value] of Object.entries(query)) {
      if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
    }
    const headers = { Authorization: `Bearer ${key}`, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(url, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit", cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "The server could not be reached. Try again.");
    }
    if (response.status === 204) return null;
    if (file && response.ok) return response.blob();
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || "error",
                         error.message || `The server answered ${response.status}.`,
                         error.fields || {});
    }
    return data;
  }

  // --- small helpers ------------------------------------------------------------------------

  function say(text, isError = false) {
    const status = $("#status");
    status.classList.toggle("error", isError);
    status.textContent = text;
  }

  function fail(error) {
    if (error.status === 401 && state.key) signOut(error.message);
    else say(error.message, true);
  }

  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  function time(iso) {
    const el = document.createElement("time");
    el.dateTime = iso;
    el.title = iso;
    el.textContent = when.format(new Date(iso));
    return el;
  }

  function cell(tr, content) {
    const td = tr.insertCell();
    if (content instanceof Node) td.append(content);
    else td.textContent = content ?? "";
    return td;
  }

  function expiresAt(seconds) {
    return seconds ? new Date(Date.now() + Number(seconds) * 1000).toISOString() : undefined;
  }

  function change(entry) {
    if (!entry.before_status && !entry.after_status) return "";
    return `${entry.before_status || "–"} → ${entry.after_status || "–"}`;
  }

  function download(name, blob) {
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // A modal question with the page's own dialog; resolves true only on the confirming button.
  function confirmAction(title, text, label) {
    const dialog = $("#confirm-dialog");
    $("#confirm-title").textContent = title;
    $("#confirm-text").textContent = text;
    $("#confirm-form [type=submit]").textContent = label;
    dialog.returnValue = "";
    dialog.showModal();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
    });
  }

  function details(entry) {
    return Object.entries(entry.details || {})
      .filter(([, value]) => value !== null)
      .map(([name, value]) => `${name}: ${value}`).join(", ");
  }

  // --- signing in and out -------------------------------------------------------------------

  async function signIn(key) {
    let me;
    let sites = null;
    try {
      // The key says which site it is for (null: every site) and with which role.
      me = await api("GET", "/key", { key });
      if (me.site) sites = [me.site];
      else if (me.role === "admin") sites = (await api("GET", "/sites", { key })).sites.map((site) => site.key);
    } catch (error) {
      if (error.status === 401) sessionStorage.removeItem(STORE.key);
      $("#sign-in-error").textContent = error.message;
      return;
    }
    state.key = key;
    state.actor = me.actor;
    sessionStorage.setItem(STORE.key, key);
    $("#api-key").value = "";
    $("#sign-in-error").textContent = "";
    pickSite(sites);
    // Readers' data, settings and keys are for admin keys alone.
    state.admin = me.role === "admin";
    for (const el of $$("[data-admin-only]")) el.hidden = !state.admin;
    if (!state.admin && ADMIN_VIEWS.includes(state.view)) state.view = "queue";
    $("#sign-in").hidden = true;
    $("#workspace").hidden = false;
    $("#session").hidden = false;
    say(`Signed in with ${state.admin ? "an admin" : "a moderator"} key for ` +
        `${me.site ? me.site : "all sites"}.`);
    show(state.view);
  }

  // A key for one site starts (and stays) there; an admin key for all sites picks from the
  // list of sites; a moderator key for all sites, which may not list them, types one.
  function pickSite(sites) {
    const stored = sessionStorage.getItem(STORE.site);
    const [select, input] = [$("#site-select"), $("#site-input")];
    select.closest("label").hidden = !sites;
    input.closest("label").hidden = !!sites;
    if (sites) {
      select.replaceChildren(...sites.map((site) => new Option(site, site)));
      state.site = [stored, DEFAULT_SITE].find((site) => sites.includes(site)) || sites[0] || "";
      select.value = state.site;
    } else {
      state.site = stored || DEFAULT_SITE;
      input.value = state.site;
    }
  }

  function changeSite(site) {
    site = site.trim();
    if (!site || site === state.site) return;
    state.site = site;
    sessionStorage.setItem(STORE.site, site);
    hideNewKey();
    show(state.view);
  }

  function signOut(message = "") {
    state.key = null;
    state.admin = false;
    state.actor = null;
    state.siteData = null;
    state.ticket += 1;
    hideNewKey();
    hideNewWebhook();
    $("#keys").replaceChildren();
    $("#webhooks").replaceChildren();
    $("#deliveries").replaceChildren();
    sessionStorage.removeItem(STORE.key);
    sessionStorage.removeItem(STORE.site);
    list.replaceChildren();
    $("#bans").replaceChildren();
    $("#audit").replaceChildren();
    state.comments.clear();
    state.selected = null;
    $("#workspace").hidden = true;
    $("#session").hidden = true;
    $("#sign-in").hidden = false;
    $("#sign-in-error").textContent = message;
    say(message ? "" : "Signed out.");
    $("#api-key").focus();
  }

  // --- views --------------------------------------------------------------------------------

  function show(view) {
    state.view = view;
    for (const button of $$("[data-view]")) {
      if (button.dataset.view === view) button.setAttribute("aria-current", "page");
      else button.removeAttribute("aria-current");
    }
    for (const name of VIEWS) {
      $(`#view-${name}`).hidden = name !== view;
    }
    if (view === "queue") loadQueue();
    else if (view === "bans") loadBans();
    else if (view === "data") say(`Readers' data and the export of ${state.site}.`);
    else if (view === "settings") loadSettings();
    else if (view === "keys") loadKeys();
    else if (view === "webhooks") loadWebhooks();
    else loadAudit();
  }

  // --- the queue ----------------------------------------------------------------------------

  function queueLabel() {
    return $(`[data-status="${state.status}"]`).textContent.trim();
  }

  async function loadQueue(more = false) {
    const ticket = ++state.ticket;
    list.setAttribute("aria-busy", "true");
    try {
      const data = await api("GET", "/comments", { query: {
        site: state.site, status: state.status, ...state.filters,
        cursor: more ? state.cursor : null,
      } });
      if (ticket !== state.ticket) return;
      if (!more) {
        list.replaceChildren();
        state.comments.clear();
        state.selected = null;
      }
      list.append(...data.comments.map(row));
      state.cursor = data.next_cursor;
      $("#queue-more").hidden = !state.cursor;
      $("#queue-empty").hidden = list.children.length > 0;
      updateBulk();
      const n = data.comments.length;
      const filtered = Object.keys(state.filters).length ? " matching the filters" : "";
      say(more ? `${plural(n, "more comment")} loaded.`
        : `${queueLabel()}: ${plural(n, "comment")}${filtered}${state.cursor ? ", more to load" : ""}.`);
    } catch (error) {
      if (ticket === state.ticket) fail(error);
    } finally {
      if (ticket === state.ticket) list.setAttribute("aria-busy", "false");
    }
  }

  function belongs(comment) {
    return state.status === "flagged" ? comment.flag_count > 0 : comment.status === state.status;
  }

  function row(comment) {
    const li = $("#comment-template").content.firstElementChild.cloneNode(true);
    const name = comment.author.name || "Anonymous";
    state.comments.set(comment.id, comment);
    li.dataset.id = comment.id;
    const meta = $(".meta", li);
    meta.id = `comment-${comment.id}-meta`;
    li.setAttribute("aria-labelledby", meta.id);
    $(".pick", li).setAttribute("aria-label", `Select comment ${comment.id} by ${name}`);
    $(".author", li).textContent = name;

    const reader = $(".reader", li);
    reader.hidden = !comment.author.reader;
    if (comment.author.reader) {
      reader.textContent = `reader ${comment.author.reader.slice(0, 8)}…`;
      reader.title = `Show comments by reader ${comment.author.reader}`;
      reader.setAttribute("aria-label", reader.title);
    }
    const article = $(".article", li);
    article.textContent = comment.article_title
      ? `${comment.article_title} (${comment.article})` : comment.article;
    article.title = `Show comments on ${comment.article} and pick it for thread settings`;
    $(".created", li).replaceWith(time(comment.created_at));
    const status = $(".status", li);
    status.textContent = comment.status;
    status.classList.add(`status-${comment.status}`);
    $(".pinned", li).hidden = !comment.pinned;

    // The latest reason wins: a rule's when it held the comment, a moderator's once one acted.
    const reason = $(".reason", li);
    const said = comment.history.findLast((entry) => entry.reason === comment.moderation_reason);
    reason.hidden = !comment.moderation_reason;
    $(".label", reason).textContent = said && said.actor !== "rules" ? "Reason:" : "Rule:";
    $(".text", reason).textContent = comment.moderation_reason || "";

    const flags = $(".flags", li);
    flags.hidden = !comment.flag_count;
    $(".label", flags).textContent = `${plural(comment.flag_count, "open report")}:`;
    $("ul", flags).replaceChildren(...comment.flags.map((flag) => {
      const item = document.createElement("li");
      const why = document.createElement("strong");
      why.textContent = flag.reason;
      item.append(why, flag.note ? ` — ${flag.note}` : "");
      return item;
    }));

    // Sanitised by the service on write (nh3 allowlist): safe to show as HTML.
    $(".body", li).innerHTML = comment.html || "<p><em>(no text)</em></p>";
    $(".source pre", li).textContent = comment.body_source;
    const history = $(".history", li);
    history.hidden = !comment.history.length;
    $("ol", history).replaceChildren(...comment.history.map((entry) => {
      const item = document.createElement("li");
      const parts = [entry.actor, entry.action, change(entry), entry.reason].filter(Boolean);
      item.append(time(entry.created_at), ` ${parts.join(" · ")}`);
      return item;
    }));

    const actions = $(".actions", li);
    actions.setAttribute("aria-label", `Actions on comment ${comment.id}`);
    const hide = {
      approve: comment.status === "approved", reject: comment.status === "rejected",
      spam: comment.status === "spam", delete: comment.status === "deleted",
      erase: comment.status === "deleted" && !comment.body_source && !comment.author.reader,
      pin: comment.pinned || comment.root_id !== null, unpin: !comment.pinned,
    };
    for (const button of $$("[data-action]", actions)) button.hidden = hide[button.dataset.action];
    li.classList.toggle("selected", state.selected === comment.id);
    return li;
  }

  const rowOf = (id) => list.querySelector(`li[data-id="${id}"]`);
  const rows = () => $$(":scope > li", list);

  function select(li, focus = true) {
    if (!li) return;
    for (const other of $$(".selected", list)) {
      other.classList.remove("selected");
      other.removeAttribute("aria-current");
    }
    li.classList.add("selected");
    li.setAttribute("aria-current", "true");
    state.selected = Number(li.dataset.id);
    if (focus) {
      li.focus();
      li.scrollIntoView({ block: "nearest" });
    }
  }

  async function move(step) {
    const all = rows();
    const at = all.findIndex((li) => Number(li.dataset.id) === state.selected);
    if (step > 0 && at === all.length - 1 && state.cursor) {
      await loadQueue(true);
      return select(rows()[at + 1]);
    }
    select(all[at < 0 ? 0 : Math.min(Math.max(at + step, 0), all.length - 1)]);
  }

  function picked() {
    return rows().filter((li) => $(".pick", li).checked).map((li) => Number(li.dataset.id));
  }

  function updateBulk() {
    const total = rows().length;
    const n = picked().length;
    $("#selected-count").textContent = `${n} selected`;
    for (const button of $$("[data-bulk]")) button.disabled = n === 0;
    const all = $("#select-all");
    all.checked = n > 0 && n === total;
    all.indeterminate = n > 0 && n < total;
  }

  async function act(ids, action) {
    // One decision at a time: a second key press must not land on the comment just decided.
    if (!ids.length || state.acting) return;
    state.acting = true;
    const reason = $("#reason").value.trim();
    const hadFocus = list.contains(document.activeElement);
    try {
      const data = ids.length === 1
        ? await api("POST", `/comments/${ids[0]}/moderate`, { body: { action, reason } })
        : await api("POST", "/comments/moderate", { body: { ids, action, reason } });
      $("#reason").value = "";
      applyResults(data.comments, hadFocus);
      say(ids.length === 1 ? `Comment ${ids[0]} ${PAST[action]}.`
        : `${plural(ids.length, "comment")} ${PAST[action]}.`);
    } catch (error) {
      fail(error);
    } finally {
      state.acting = false;
    }
  }

  // Moderated comments leave a queue they no longer belong to; the selection moves on.
  function applyResults(comments, hadFocus) {
    const at = rows().findIndex((li) => Number(li.dataset.id) === state.selected);
    let lostSelection = false;
    for (const comment of comments) {
      const old = rowOf(comment.id);
      if (!old) continue;
      if (belongs(comment)) {
        const fresh = row(comment);
        $(".pick", fresh).checked = $(".pick", old).checked;
        const focused = old.contains(document.activeElement);
        old.replaceWith(fresh);
        if (focused) select(fresh);
      } else {
        lostSelection ||= state.selected === comment.id;
        state.comments.delete(comment.id);
        old.remove();
      }
    }
    if (lostSelection) {
      state.selected = null;
      const left = rows();
      if (left.length) select(left[Math.min(at, left.length - 1)], hadFocus);
      else if (hadFocus) $("#select-all").focus();
    }
    $("#queue-empty").hidden = rows().length > 0;
    updateBulk();
  }

  function filterBy(name, value) {
    const form = $("#filters");
    form.elements[name].value = value;
    form.requestSubmit();
  }

  // --- bans ---------------------------------------------------------------------------------

  async function loadBans() {
    const ticket = ++state.ticket;
    try {
      const { bans } = await api("GET", "/bans", { query: { site: state.site, limit: 200 } });
      if (ticket !== state.ticket) return;
      $("#bans").replaceChildren(...bans.map(banRow));
      $("#bans-empty").hidden = bans.length > 0;
      say(`${plural(bans.length, "ban")} on ${state.site}.`);
    } catch (error) {
      if (ticket === state.ticket) fail(error);
    }
  }

  function banRow(ban) {
    const tr = document.createElement("tr");
    tr.dataset.id = ban.id;
    cell(tr, ban.kind);
    const hash = document.createElement("code");
    hash.textContent = `${ban.value_hash.slice(0, 12)}…`;
    hash.title = ban.value_hash;
    cell(tr, hash);
    cell(tr, ban.reason);
    const expired = ban.expires_at && new Date(ban.expires_at) <= new Date();
    cell(tr, ban.expires_at ? time(ban.expires_at) : "never")
      .append(expired ? " (expired)" : "");
    cell(tr, ban.created_by);
    cell(tr, time(ban.created_at));
    const lift = document.createElement("button");
    lift.type = "button";
    lift.className = "lift";
    lift.textContent = "Lift";
    lift.setAttribute("aria-label", `Lift ban ${ban.id} (${ban.kind})`);
    cell(tr, lift);
    return tr;
  }

  async function liftBan(tr) {
    try {
      await api("DELETE", `/bans/${tr.dataset.id}`);
      tr.remove();
      $("#bans-empty").hidden = $("#bans").rows.length > 0;
      say(`Ban ${tr.dataset.id} lifted.`);
    } catch (error) {
      fail(error);
    }
  }

  async function banValue(form) {
    const kind = form.elements.kind.value;
    const body = {
      site: state.site, [kind]: form.elements.value.value.trim(),
      reason: form.elements.reason.value.trim(), expires_at: expiresAt(form.elements.expires.value),
    };
    try {
      await api("POST", "/bans", { body });
      form.reset();
      await loadBans();
      say(`Banned that ${form.elements.kind.selectedOptions[0].textContent.toLowerCase()}.`);
    } catch (error) {
      fail(error);
    }
  }

  let banning = null;

  function openBan(id) {
    const comment = state.comments.get(id);
    const dialog = $("#ban-dialog");
    const form = $("#ban-form");
    form.reset();
    banning = id;
    $("#ban-title").textContent =
      `Ban the author of comment ${id} (${comment.author.name || "Anonymous"})`;
    const [reader, ip] = [$("[value=reader]", form), $("[value=ip]", form)];
    reader.disabled = !comment.author.reader;
    reader.checked = !!comment.author.reader;
    ip.disabled = !comment.author.has_ip;
    ip.checked = !reader.checked && comment.author.has_ip;
    $(".error", form).textContent = "";
    dialog.showModal();
  }

  async function ban(form) {
    const by = $$("[name=by]:checked", form).map((box) => box.value);
    const error = $(".error", form);
    if (!by.length) {
      error.textContent = "Choose what to ban: the reader id, the IP address or both.";
      return;
    }
    const rejecting = form.elements.reject_comments.checked;
    const body = {
      site: state.site, comment_id: banning, by, reason: form.elements.reason.value.trim(),
      expires_at: expiresAt(form.elements.expires.value), reject_comments: rejecting,
    };
    try {
      await api("POST", "/bans", { body });
    } catch (failure) {
      error.textContent = failure.message;
      return;
    }
    const id = banning;
    $("#ban-dialog").close();
    if (rejecting) {
      await loadQueue();
      select(rowOf(id) || rows()[0]);
    }
    say(`The author of comment ${id} is banned by ${by.join(" and ")}` +
        `${rejecting ? "; their comments were rejected" : ""}.`);
  }

  // --- threads ------------------------------------------------------------------------------

  async function setThread(what) {
    const input = $("#thread-article");
    const article = input.value.trim();
    if (!article) {
      say("Give the article id of the thread first.", true);
      input.focus();
      return;
    }
    try {
      const thread = await api("PATCH", "/articles", {
        query: { site: state.site, article }, body: THREAD[what],
      });
      const text = `${thread.id}: ${thread.closed ? "closed" : "open"}, ` +
        `${thread.premoderated ? "premoderated" : "not premoderated"}, ` +
        `${plural(thread.comment_count, "published comment")}.`;
      $("#thread-result").textContent = text;
      say(`Thread ${text}`);
    } catch (error) {
      fail(error);
    }
  }

  // --- audit log ----------------------------------------------------------------------------

  async function loadAudit(more = false) {
    const ticket = ++state.ticket;
    try {
      const data = await api("GET", "/audit", { query: {
        site: state.site, cursor: more ? state.auditCursor : null,
      } });
      if (ticket !== state.ticket) return;
      const body = $("#audit");
      if (!more) body.replaceChildren();
      body.append(...data.entries.map((entry) => {
        const tr = document.createElement("tr");
        cell(tr, time(entry.created_at));
        cell(tr, entry.actor);
        cell(tr, entry.action);
        cell(tr, entry.comment_id ?? "");
        cell(tr, change(entry));
        cell(tr, entry.reason);
        cell(tr, details(entry));
        return tr;
      }));
      state.auditCursor = data.next_cursor;
      $("#audit-more").hidden = !state.auditCursor;
      $("#audit-empty").hidden = body.rows.length > 0;
      const n = data.entries.length;
      say(`Audit log: ${n} ${more ? "more " : ""}${n === 1 ? "entry" : "entries"} loaded.`);
    } catch (error) {
      if (ticket === state.ticket) fail(error);
    }
  }

  // --- a reader's data and the site's export (admin keys) ------------------------------------

  function readerSelector(form) {
    const by = form.elements.by.value;
    const value = form.elements.value.value.trim();
    if (!value || (by === "comment_id" && !/^[0-9]+$/.test(value))) {
      say(by === "comment_id" ? "Give the number of one of the reader's comments."
        : `Give the reader's ${form.elements.by.selectedOptions[0].textContent.toLowerCase()}.`,
      true);
      form.elements.value.focus();
      return null;
    }
    return { [by]: by === "comment_id" ? Number(value) : value };
  }

  const holdings = (data) => `${plural(data.comments.length, "comment")}, ` +
    `${plural(data.votes.length, "vote")} and ${plural(data.reports.length, "report")}`;

  async function exportReader(form) {
    const selector = readerSelector(form);
    if (!selector) return;
    try {
      const data = await api("GET", "/readers/export", { query: { site: state.site, ...selector } });
      const [by] = Object.keys(selector);
      download(`reader-${state.site}-by-${by}.json`,
               new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      say(`Exported ${holdings(data)} of this reader on ${state.site}.`);
    } catch (error) {
      fail(error);
    }
  }

  async function eraseReader(form) {
    const selector = readerSelector(form);
    if (!selector) return;
    let found;
    try {
      found = await api("GET", "/readers/export", { query: { site: state.site, ...selector } });
    } catch (error) {
      fail(error);
      return;
    }
    if (!found.comments.length && !found.votes.length && !found.reports.length) {
      say(`Nothing is stored about this reader on ${state.site}.`);
      return;
    }
    const sure = await confirmAction("Erase this reader's data?",
      `This removes ${holdings(found)} on ${state.site} for good. Replies by others stay ` +
      'under a "[deleted]" placeholder. This cannot be undone.', "Erase");
    if (!sure) {
      say("Nothing was erased.");
      return;
    }
    try {
      const done = await api("POST", "/readers/erase", { body: { site: state.site, ...selector } });
      form.reset();
      say(`Erased ${plural(done.comments, "comment")} (${done.placeholders} kept as ` +
          `"[deleted]" above replies), ${plural(done.votes, "vote")} and ` +
          `${plural(done.reports, "report")}.`);
    } catch (error) {
      fail(error);
    }
  }

  async function exportSite() {
    try {
      const blob = await api("GET", `/sites/${encodeURIComponent(state.site)}/export`,
                             { file: true });
      download(`${state.site}.jsonl`, blob);
      say(`Downloaded the export of ${state.site}.`);
    } catch (error) {
      fail(error);
    }
  }

  async function eraseComment(id) {
    const sure = await confirmAction(`Erase comment ${id} for good?`,
      "Its text and everything that identifies its author are removed, with the votes and " +
      'reports on it. Replies stay under a "[deleted]" placeholder. This cannot be undone.',
      "Erase");
    if (sure) await act([id], "erase");
  }


  // --- the site's settings (admin keys) -----------------------------------------------------

  const settingLabel = (name) => $(`label[for="setting-${name}"]`).textContent.trim();
  const LINES = new Set(["banned_words", "suspect_words", "allowed_origins"]);

  function storedSetting(site, name) {
    return name === "allowed_origins" ? site.allowed_origins : site.settings[name] ?? null;
  }

  async function loadSettings() {
    const ticket = ++state.ticket;
    clearFieldErrors();
    try {
      const { sites } = await api("GET", "/sites");
      if (ticket !== state.ticket) return;
      const site = sites.find((candidate) => candidate.key === state.site);
      if (!site) {
        say(`This key cannot change the settings of ${state.site}.`, true);
        return;
      }
      fillSettings(site);
      say(`Settings of ${state.site}.`);
    } catch (error) {
      if (ticket === state.ticket) fail(error);
    }
  }

  function fillSettings(site) {
    state.siteData = site;
    const form = $("#settings-form");
    for (const name of SETTINGS) {
      const stored = storedSetting(site, name);
      const field = form.elements[name];
      const isSet = name === "jwt_secret" ? stored === true
        : stored !== null && !(LINES.has(name) && !stored.length);
      if (name === "jwt_secret") field.value = "";
      else if (LINES.has(name)) field.value = (stored || []).join("\n");
      else field.value = stored ?? "";
      let text = isSet ? "set for this site" : "default";
      if (name === "jwt_secret") text = isSet ? "A secret is set." : "No secret is set.";
      else if (name === "allowed_origins") text = isSet ? plural(stored.length, "origin") : "none";
      $(`#setting-${name}-state`).textContent = `(${text})`;
      const reset = $(`[data-reset="${name}"]`);
      if (reset) reset.disabled = !isSet;
    }
  }

  function formSetting(form, name) {
    const field = form.elements[name];
    if (LINES.has(name)) {
      const lines = field.value.split("\n").map((line) => line.trim()).filter(Boolean);
      return lines.length || name === "allowed_origins" ? lines : null;
    }
    const value = field.value.trim();
    if (!value || field.tagName === "SELECT") return value || null;
    // Whole numbers go as numbers; anything else as typed, for the API to explain.
    return /^-?[0-9]+$/.test(value) ? Number(value) : value;
  }

  function settingsChanges(form) {
    const settings = {};
    const body = {};
    for (const name of SETTINGS) {
      const value = formSetting(form, name);
      if (name === "jwt_secret") {
        if (value) settings.jwt_secret = value;
      } else if (JSON.stringify(value) !== JSON.stringify(storedSetting(state.siteData, name))) {
        if (name === "allowed_origins") body.allowed_origins = value;
        else settings[name] = value;
      }
    }
    if (Object.keys(settings).length) body.settings = settings;
    return Object.keys(body).length ? body : null;
  }

  async function saveSettings(form) {
    if (!state.siteData) return;
    const body = settingsChanges(form);
    clearFieldErrors();
    if (!body) {
      say("Nothing to save: no setting was changed.");
      return;
    }
    try {
      fillSettings(await api("PATCH", `/sites/${encodeURIComponent(state.site)}`, { body }));
      say(`Settings of ${state.site} saved.`);
    } catch (error) {
      if (error.status !== 422 || !showFieldErrors(error.fields)) fail(error);
      else say(`Not saved: ${error.message}`, true);
    }
  }

  async function resetSetting(name) {
    clearFieldErrors();
    try {
      fillSettings(await api("PATCH", `/sites/${encodeURIComponent(state.site)}`,
                             { body: { settings: { [name]: null } } }));
      $(`#setting-${name}`).focus();
      say(name === "jwt_secret" ? `The JWT secret of ${state.site} is cleared.`
        : `${settingLabel(name)}: back to the service default.`);
    } catch (error) {
      fail(error);
    }
  }

  // 422 `fields` may nest ({"settings": {"link_limit": [...]}}, list items by index) or not.
  function flatErrors(fields, path = []) {
    return Object.entries(fields || {}).flatMap(([name, value]) => (Array.isArray(value)
      ? [[[...path, ...name.split(".")], value]] : flatErrors(value, [...path, name])));
  }

  function showFieldErrors(fields) {
    let first = null;
    for (const [path, messages] of flatErrors(fields)) {
      const name = path[0] === "origin" ? "allowed_origins" : path.find((p) => SETTINGS.includes(p));
      if (!name) continue;
      const item = path[path.indexOf(name) + 1];
      const where = /^[0-9]+$/.test(item || "") ? `Line ${Number(item) + 1}: ` : "";
      const error = $(`#setting-${name}-error`);
      error.textContent = [error.textContent, `${where}${messages.join(" ")}`].filter(Boolean).join(" ");
      $(`#setting-${name}`).setAttribute("aria-invalid", "true");
      first ||= $(`#setting-${name}`);
    }
    if (first) first.focus();
    return !!first;
  }

  function clearFieldErrors() {
    for (const error of $$("#settings-form .field-error")) error.textContent = "";
    for (const field of $$("#settings-form [aria-invalid]")) field.removeAttribute("aria-invalid");
  }

  // --- webhooks of the site and their deliveries (admin keys) ------------------------------

  const hooksPath = () => `/sites/${encodeURIComponent(state.site)}/webhooks`;
  let shownHook = null;

  function button(label, data, ariaLabel, className = "") {
    const el = document.createElement("button");
    el.type = "button";
    Object.assign(el.dataset, data);
    el.textContent = label;
    el.setAttribute("aria-label", ariaLabel);
    if (className) el.className = className;
    return el;
  }

  async function loadWebhooks() {
    const ticket = ++state.ticket;
    try {
      const { webhooks } = await api("GET", hooksPath());
      if (ticket !== state.ticket) return;
      $("#webhooks").replaceChildren(...webhooks.map((hook) => {
        const tr = document.createElement("tr");
        tr.dataset.id = hook.id;
        cell(tr, hook.id);
        cell(tr, hook.url);
        cell(tr, hook.events.join(", "));
        cell(tr, time(hook.created_at));
        cell(tr, hook.enabled ? "on" : `off since ${time(hook.disabled_at)}: ${hook.disabled_reason}`);
        const actions = document.createElement("div");
        actions.className = "buttons";
        actions.append(
          button("Deliveries", { hook: "deliveries" }, `Deliveries of webhook ${hook.id}`),
          hook.enabled
            ? button("Turn off", { hook: "off" }, `Turn webhook ${hook.id} off`)
            : button("Turn on", { hook: "on" }, `Turn webhook ${hook.id} on`),
          button("Delete", { hook: "delete" }, `Delete webhook ${hook.id}`, "danger"));
        cell(tr, actions);
        return tr;
      }));
      if (!webhooks.some((hook) => hook.id === shownHook)) {
        shownHook = null;
        $("#deliveries-panel").hidden = true;
      }
      say(`${plural(webhooks.length, "webhook")} for ${state.site}.`);
    } catch (error) {
      if (ticket === state.ticket) fail(error);
    }
  }

  async function loadDeliveries(id) {
    try {
      const { deliveries } = await api("GET", `${hooksPath()}/${id}/deliveries`);
      shownHook = id;
      $("#deliveries-title").textContent = `Deliveries of webhook ${id}`;
      $("#deliveries").replaceChildren(...deliveries.map((delivery) => {
        const tr = document.createElement("tr");
        tr.dataset.id = delivery.id;
        cell(tr, delivery.id);
        cell(tr, delivery.event);
        cell(tr, delivery.comment_id);
        cell(tr, delivery.status);
        cell(tr, delivery.attempts);
        cell(tr, delivery.last_status_code ?? "–");
        cell(tr, delivery.last_attempt_at ? time(delivery.last_attempt_at) : "not yet");
        cell(tr, delivery.last_error || "");
        cell(tr, button("Retry", { retry: delivery.id }, `Retry delivery ${delivery.id}`));
        return tr;
      }));
      $("#deliveries-panel").hidden = false;
      say(`${plural(deliveries.length, "delivery")} of webhook ${id}, newest first.`);
    } catch (error) {
      fail(error);
    }
  }

  async function addWebhook(form) {
    const events = $$("input[name=events]:checked", form).map((box) => box.value);
    const body = { url: form.elements.url.value.trim(), events };
    try {
      const made = await api("POST", hooksPath(), { body });
      form.reset();
      await loadWebhooks();
      $("#new-webhook").hidden = false;
      $("#new-webhook-text").textContent = `Webhook ${made.id} added for ${state.site}.`;
      const secret = $("#new-webhook-secret");
      secret.value = made.secret;
      secret.focus();
      secret.select();
      say(`Webhook ${made.id} added; its signing secret is shown once, below.`);
    } catch (error) {
      fail(error);
    }
  }

  function hideNewWebhook() {
    $("#new-webhook").hidden = true;
    $("#new-webhook-secret").value = "";
  }

  async function deleteWebhook(id) {
    const sure = await confirmAction(`Delete webhook ${id}?`,
      "Nothing more is sent to it, and its delivery log goes too.", "Delete");
    if (!sure) return;
    try {
      await api("DELETE", `${hooksPath()}/${id}`);
      await loadWebhooks();
      say(`Webhook ${id} deleted.`);
    } catch (error) {
      fail(error);
    }
  }

  async function switchWebhook(id, enabled) {
    try {
      await api("PATCH", `${hooksPath()}/${id}`, { body: { enabled } });
      await loadWebhooks();
      say(enabled ? `Webhook ${id} is on again; deliveries not sent while it was off can be retried one by one.`
        : `Webhook ${id} is off: nothing is sent to it until it is turned on.`);
    } catch (error) {
      fail(error);
    }
  }

  async function retryDelivery(id) {
    try {
      await api("POST", `${hooksPath()}/${shownHook}/deliveries/${id}/retry`);
      await loadDeliveries(shownHook);
      say(`Delivery ${id} will be sent again shortly.`);
    } catch (error) {
      fail(error);
    }
  }

  // --- keys of the site (admin keys) --------------------------------------------------------

  const ownKey = (id) => state.actor === `key:${id}`;

  async function loadKeys() {
    const ticket = ++state.ticket;
    try {
      const { keys } = await api("GET", `/sites/${encodeURIComponent(state.site)}/keys`);
      if (ticket !== state.ticket) return false;
      $("#keys").replaceChildren(...keys.map(keyRow));
      say(`${plural(keys.length, "key")} for ${state.site}.`);
      return true;
    } catch (error) {
      if (ticket === state.ticket) fail(error);
      return false;
    }
  }

  function keyRow(key) {
    const tr = document.createElement("tr");
    tr.dataset.id = key.id;
    const name = key.name || "(no name)";
    cell(tr, key.id);
    cell(tr, ownKey(key.id) ? `${name} (this key)` : name);
    cell(tr, key.role);
    cell(tr, key.prefix ? `${key.prefix}…` : "–");
    cell(tr, time(key.created_at));
    cell(tr, key.last_used_at ? time(key.last_used_at) : "never");
    cell(tr, key.revoked_at ? time(key.revoked_at) : "–");
    const actions = document.createElement("div");
    actions.className = "buttons";
    if (!key.revoked_at) {
      for (const [kind, label] of [["rotate", "Rotate"], ["revoke", "Revoke"]]) {
        if (kind === "revoke" && ownKey(key.id)) continue;  // the API refuses it too
        const button = document.createElement("button");
        button.type = "button";
        button.dataset.key = kind;
        button.textContent = label;
        button.setAttribute("aria-label", `${label} key ${key.id} (${name})`);
        if (kind === "revoke") button.className = "danger";
        actions.append(button);
      }
    }
    cell(tr, actions);
    return tr;
  }

  function showNewKey(made, text) {
    $("#new-key").hidden = false;
    $("#new-key-text").textContent = text;
    const value = $("#new-key-value");
    value.value = made.key;
    value.focus();
    value.select();
  }

  function hideNewKey() {
    $("#new-key").hidden = true;
    $("#new-key-value").value = "";
  }

  async function makeKey(form) {
    const body = { name: form.elements.name.value.trim(), role: form.elements.role.value };
    try {
      const made = await api("POST", `/sites/${encodeURIComponent(state.site)}/keys`, { body });
      form.reset();
      await loadKeys();
      showNewKey(made, `Key ${made.id} (${made.role}) made for ${state.site}.`);
      say(`Key ${made.id} made; it is shown once, below.`);
    } catch (error) {
      fail(error);
    }
  }

  async function revokeKey(id) {
    const sure = await confirmAction(`Revoke key ${id}?`,
      "Whoever uses it is refused from now on. This cannot be undone.", "Revoke");
    if (!sure) return;
    try {
      await api("DELETE", `/keys/${id}`);
      await loadKeys();
      say(`Key ${id} revoked.`);
    } catch (error) {
      fail(error);
    }
  }

  async function rotateKey(id) {
    const sure = await confirmAction(`Rotate key ${id}?`,
      "A new key replaces it, with the same role and name; the old one stops working now.",
      "Rotate");
    if (!sure) return;
    try {
      const made = await api("POST", `/keys/${id}/rotate`);
      if (ownKey(id)) {
        // This tab's own key was the one replaced: carry on with the new one.
        state.key = made.key;
        state.actor = `key:${made.id}`;
        sessionStorage.setItem(STORE.key, made.key);
      }
      await loadKeys();
      showNewKey(made, `Key ${id} is revoked; key ${made.id} replaces it.`);
      say(`Key ${id} rotated; the new key is shown once, below.`);
    } catch (error) {
      fail(error);
    }
  }

  // --- keyboard -----------------------------------------------------------------------------

  function typing(target) {
    if (target.isContentEditable || target.closest("textarea, select")) return true;
    return target.matches("input") && !["checkbox", "radio", "button"].includes(target.type);
  }

  function onKey(event) {
    if (!state.key || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    const shortcuts = $("#shortcuts");
    if (event.key === "?" && !$("#ban-dialog").open && !$("#confirm-dialog").open &&
        !typing(event.target)) {
      event.preventDefault();
      if (shortcuts.open) shortcuts.close();
      else shortcuts.showModal();
      return;
    }
    if (state.view !== "queue" || typing(event.target) || $("dialog[open]")) return;
    const selected = state.selected === null ? null : rowOf(state.selected);
    if (event.key === "j" || event.key === "k") {
      move(event.key === "j" ? 1 : -1);
    } else if (SHORTCUTS[event.key]) {
      if (selected) act([state.selected], SHORTCUTS[event.key]);
      else say("Select a comment first: press j.", true);
    } else if (event.key === "x") {
      if (!selected) return;
      const box = $(".pick", selected);
      box.checked = !box.checked;
      updateBulk();
    } else {
      return;
    }
    event.preventDefault();
  }

  // --- wiring -------------------------------------------------------------------------------

  $("#sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("#api-key").value.trim();
    if (key) signIn(key);
  });
  $("#sign-out").addEventListener("click", () => signOut());
  $("#site-select").addEventListener("change", (event) => changeSite(event.target.value));
  $("#site-input").addEventListener("change", (event) => changeSite(event.target.value));
  $("#site-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter") changeSite(event.target.value);
  });
  for (const button of $$("[data-view]")) {
    button.addEventListener("click", () => show(button.dataset.view));
  }

  for (const tab of $$("[data-status]")) {
    tab.addEventListener("click", () => {
      state.status = tab.dataset.status;
      for (const other of $$("[data-status]")) {
        other.setAttribute("aria-pressed", String(other === tab));
      }
      $("#queue-title").textContent = `${queueLabel()} comments`;
      loadQueue();
    });
  }
  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    state.filters = Object.fromEntries(["article", "author", "q"]
      .map((name) => [name, form.elements[name].value.trim()]).filter(([, value]) => value));
    loadQueue();
  });
  $("#filters").addEventListener("reset", () => {
    state.filters = {};
    loadQueue();
  });
  $("#queue-more").addEventListener("click", () => loadQueue(true));
  $("#select-all").addEventListener("change", (event) => {
    for (const box of $$(".pick", list)) box.checked = event.target.checked;
    updateBulk();
  });
  for (const button of $$("[data-bulk]")) {
    button.addEventListener("click", () => act(picked(), button.dataset.bulk));
  }

  list.addEventListener("focusin", (event) => {
    const li = event.target.closest("li.comment");
    if (li && Number(li.dataset.id) !== state.selected) select(li, false);
  });
  list.addEventListener("change", (event) => {
    if (event.target.matches(".pick")) updateBulk();
  });
  list.addEventListener("click", (event) => {
    const li = event.target.closest("li.comment");
    if (!li) return;
    const id = Number(li.dataset.id);
    const comment = state.comments.get(id);
    const button = event.target.closest("button");
    if (!button) {
      if (!event.target.closest("a, input, summary, pre")) select(li);
    } else if (button.dataset.action === "erase") {
      eraseComment(id);
    } else if (button.dataset.action) {
      act([id], button.dataset.action);
    } else if (button.matches(".ban")) {
      openBan(id);
    } else if (button.matches(".article")) {
      $("#thread-article").value = comment.article;
      filterBy("article", comment.article);
    } else if (button.matches(".reader")) {
      filterBy("author", comment.author.reader);
    }
  });

  for (const button of $$("[data-thread]")) {
    button.addEventListener("click", () => setThread(button.dataset.thread));
  }
  $("#thread-form").addEventListener("submit", (event) => event.preventDefault());

  $("#bans").addEventListener("click", (event) => {
    const lift = event.target.closest("button.lift");
    if (lift) liftBan(lift.closest("tr"));
  });
  $("#ban-value-form").addEventListener("submit", (event) => {
    event.preventDefault();
    banValue(event.target);
  });
  $("#ban-form").addEventListener("submit", (event) => {
    event.preventDefault();
    ban(event.target);
  });
  $("#ban-dialog").addEventListener("close", () => {
    const li = rowOf(banning);
    if (li) select(li);
  });
  $("#audit-more").addEventListener("click", () => loadAudit(true));
  $("#reader-form").addEventListener("submit", (event) => {
    event.preventDefault();
    exportReader(event.target);
  });
  $("#reader-erase").addEventListener("click", () => eraseReader($("#reader-form")));
  $("#site-export").addEventListener("click", exportSite);
  $("#confirm-form").addEventListener("submit", (event) => {
    event.preventDefault();
    $("#confirm-dialog").close("yes");
  });
  for (const button of $$("dialog [data-close]")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
  $("#settings-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveSettings(event.target);
  });
  $("#settings-form").addEventListener("reset", (event) => {
    event.preventDefault();
    clearFieldErrors();
    if (state.siteData) fillSettings(state.siteData);
    say("Changes undone.");
  });
  for (const button of $$("[data-reset]")) {
    button.addEventListener("click", () => resetSetting(button.dataset.reset));
  }
  $("#webhook-form").addEventListener("submit", (event) => {
    event.preventDefault();
    addWebhook(event.target);
  });
  $("#webhooks").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-hook]");
    if (!button) return;
    const id = Number(button.closest("tr").dataset.id);
    const action = button.dataset.hook;
    if (action === "deliveries") loadDeliveries(id);
    else if (action === "on" || action === "off") switchWebhook(id, action === "on");
    else deleteWebhook(id);
  });
  $("#deliveries").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-retry]");
    if (button) retryDelivery(Number(button.dataset.retry));
  });
  $("#new-webhook-done").addEventListener("click", () => {
    hideNewWebhook();
    $("#webhook-form").elements.url.focus();
  });
  $("#key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    makeKey(event.target);
  });
  $("#keys").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-key]");
    if (!button) return;
    const id = Number(button.closest("tr").dataset.id);
    if (button.dataset.key === "rotate") rotateKey(id);
    else revokeKey(id);
  });
  $("#new-key-done").addEventListener("click", () => {
    hideNewKey();
    $("#key-form").elements.name.focus();
  });
  document.addEventListener("keydown", onKey);

  const stored = sessionStorage.getItem(STORE.key);
  if (stored) signIn(stored);
  else $("#api-key").focus();
})();
