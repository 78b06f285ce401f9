/*! commentsvc count script: fills every [data-commentsvc-count] element with its article's
 * comment count, one request to /counts per site. Plain JavaScript, no dependencies.
 *   <a href="/news/42#commentsvc" data-commentsvc-count data-site="default" data-article="news-42">Comments</a>
 *   <script src="https://comments.example/static/count.js" async></script>
 * After changing the page (SPAs), call window.commentsvc.counts(). */
(() => {
  "use strict";
  const W = window, D = document;
  const NS = (W.commentsvc = W.commentsvc || {});
  if (NS.counts) { NS.counts(); return; }
  const S = D.currentScript;
  const ROOT = (S && S.dataset.api) || (S && S.src ? S.src.replace(/[?#].*$/, "").replace(/\/static\/count\.js$/, "") : "");
  // [no comments yet, plural forms]; the same words as the widget's heading.
  const T = {
    en: ["Leave the first comment", { one: "{n} comment", other: "{n} comments" }],
    de: ["Schreiben Sie den ersten Kommentar", { one: "{n} Kommentar", other: "{n} Kommentare" }],
    fr: ["Laissez le premier commentaire", { one: "{n} commentaire", many: "{n} de commentaires", other: "{n} commentaires" }],
    tr: ["İlk yorumu siz yazın", { other: "{n} yorum" }],
    ru: ["Оставьте первый комментарий", { one: "{n} комментарий", few: "{n} комментария", many: "{n} комментариев", other: "{n} комментария" }],
    uz: ["Birinchi izohni qoldiring", { other: "{n} ta izoh" }],
  };

  function lang(el) {
    for (const c of [el.dataset.lang, S && S.dataset.lang, (el.closest("[lang]") || {}).lang]) {
      const p = String(c || "").toLowerCase().split(/[-_]/)[0];
      if (T[p]) return p;
    }
    return "en";
  }

  function text(n, code) {
    if (!n) return T[code][0];
    const forms = T[code][1];
    const form = forms[new Intl.PluralRules(code).select(n)] || forms.other;
    return form.replace("{n}", new Intl.NumberFormat(code).format(n));
  }

  function counts(root) {
    const groups = new Map();
    for (const el of (root || D).querySelectorAll("[data-commentsvc-count]")) {
      const site = el.dataset.site || (S && S.dataset.site) || "default";
      const api = (el.dataset.api || ROOT).replace(/\/+$/, "").replace(/\/api\/v1$/, "") + "/api/v1";
      const key = api + " " + site;
      if (!groups.has(key)) groups.set(key, { api, site, els: [] });
      if (el.dataset.article) groups.get(key).els.push(el);
    }
    for (const { api, site, els } of groups.values()) {
      const ids = [...new Set(els.map((el) => el.dataset.article))];
      // The API takes up to 200 articles a request; a listing page rarely has more.
      for (let i = 0; i < ids.length; i += 200) {
        const q = new URLSearchParams({ site });
        for (const id of ids.slice(i, i + 200)) q.append("article", id);
        fetch(`${api}/counts?${q}`, { credentials: "omit" })
          .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
          .then((data) => {
            for (const el of els) {
              const n = data.counts[el.dataset.article];
              if (typeof n === "number") { el.textContent = text(n, lang(el)); el.dataset.commentsvcCount = n; }
            }
          })
          .catch(() => { /* keep the publisher's own link text */ });
      }
    }
  }

  NS.counts = counts;
  if (D.readyState === "loading") D.addEventListener("DOMContentLoaded", () => counts()); else counts();
})();
