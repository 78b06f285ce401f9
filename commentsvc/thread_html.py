"""A thread page as HTML: the widget's own markup, rendered on the server (pure).

The fragment is what `GET /api/v1/render` answers and what publishers put inside their
`<div id="commentsvc">`: a declarative shadow root (`<template shadowrootmode="open">`) holding
the widget's stylesheet and the thread exactly as widget.js would draw it, so the page's CSS
cannot reach it and nothing moves when the widget takes over; the page's JSON (the same bytes
`GET /api/v1/comments` answers), which the widget adopts instead of fetching it again; and,
outside the shadow root where every structured-data parser reads it, schema.org JSON-LD.

Everything is built from the page as the API dumps it, so the HTML and the JSON cannot
disagree. Bodies are the sanitised HTML stored at posting time; every other string is escaped
by Jinja's autoescaping; JSON inside `<script>` has `<`, `>` and `&` escaped.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import jinja2
import markupsafe
import nh3

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "web" / "templates" / "thread"
LANGUAGES = ("en", "de", "fr", "tr", "ru", "uz")
BODY_MAX = 10_000  # the widget's counter shows "0 / 10,000"

# Only for the server-rendered parts the widget never shows (no-JavaScript readers, the
# permalink page): kept here, so they cost the widget's size budget nothing.
NO_JS_TEXTS: dict[str, dict[str, str]] = json.loads(
    (TEMPLATES_DIR / "texts.json").read_text(encoding="utf-8"))

# What the widget's Intl.NumberFormat puts between groups of thousands, per language.
GROUP_SEPARATORS = {"en": ",", "de": ".", "fr": "\u202f", "tr": ".", "ru": "\u00a0",
                    "uz": "\u00a0"}

# Before the widget's script runs (or without it): forms of the widget that only work with
# JavaScript are hidden from readers without it; links stand in for the widget's buttons and
# take exactly the boxes those buttons take, so nothing moves when the widget takes over.
EXTRA_CSS = (
    "a.btn.more{width:fit-content;text-decoration:none;color:inherit}"
    "a.link{display:inline-block}"
    ".nojs{display:none;margin:0 0 1.5em}"
)
# Inside <noscript>, so it applies only where scripts cannot run. (Chromium does not render
# the content of a <noscript> in a shadow root, but it does apply a stylesheet there.)
NO_SCRIPT_CSS = ".js{display:none!important}.nojs{display:block}"


# --- the widget's texts and stylesheet, read from its own files -----------------------------

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|([A-Za-z_]\w*)\s*:|,(\s*[}\]])')


def js_object_to_json(source: str) -> Any:
    """The widget's text tables are JavaScript object literals: quote the keys, drop trailing
    commas (strings are matched first, so nothing inside them is touched)."""
    def fix(match: re.Match[str]) -> str:
        if match.group(1):
            return f'"{match.group(1)}":'
        if match.group(2):
            return match.group(2)
        return match.group(0)
    return json.loads(_TOKEN.sub(fix, source))


def _braced(source: str, start: int) -> str:
    """The `{...}` block that opens at `start`, skipping braces inside strings."""
    depth, i, in_string = 0, start, False
    while i < len(source):
        char = source[i]
        if in_string:
            if char == "\\":
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return source[start:i + 1]
        i += 1
    raise ValueError("unbalanced braces")


@functools.cache
def widget_source() -> str:
    return (STATIC_DIR / "widget.js").read_text(encoding="utf-8")


@functools.cache
def widget_css() -> str:
    """The widget's stylesheet, taken from widget.js: one stylesheet, never two to keep equal."""
    match = re.search(r"const CSS = `(.*?)`;", widget_source(), re.DOTALL)
    if match is None or "${" in match.group(1):
        raise ValueError("widget.js must hold its stylesheet as a plain `const CSS = `...`;`")
    return match.group(1).strip()


@functools.cache
def dark_auto_css() -> str:
    """The dark theme under prefers-color-scheme, for a thread not yet taken over: the
    widget itself sets the `dark` class from the same media query."""
    match = re.search(r"\.root\.dark\{([^}]*)\}", widget_css())
    if match is None:
        raise ValueError("widget.js's stylesheet has no .root.dark rule")
    return f"@media (prefers-color-scheme:dark){{.root.auto{{{match.group(1)}}}}}"


@functools.cache
def texts(lang: str) -> dict[str, Any]:
    """The widget's texts in `lang` (English where a language lacks one), plus no-JS ones."""
    source = widget_source()
    english = js_object_to_json(_braced(source, source.index("{", source.index("const EN = "))))
    table = dict(english)
    if lang != "en":
        path = STATIC_DIR / "i18n" / f"{lang}.js"
        text = path.read_text(encoding="utf-8")
        table.update(js_object_to_json(_braced(text, text.index("{", text.index("addLocale(")))))
    table.update(NO_JS_TEXTS["en"])
    table.update(NO_JS_TEXTS.get(lang, {}))
    return table


def plural(lang: str, n: int) -> str:
    """The Intl.PluralRules category of a whole number, for the widget's languages."""
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "many"
    if lang == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


def number(lang: str, n: int) -> str:
    sign, digits = ("-", str(-n)) if n < 0 else ("", str(n))
    groups = []
    while len(digits) > 3:
        digits, tail = digits[:-3], digits[-3:]
        groups.insert(0, tail)
    return sign + GROUP_SEPARATORS.get(lang, ",").join([digits, *groups])


def say(lang: str, key: str, **values: Any) -> str:
    """A text as the widget's translator makes it: plural forms, {n} as a formatted number."""
    text = texts(lang)[key]
    if isinstance(text, dict):
        text = text.get(plural(lang, values.get("n", 0))) or text["other"]
    return re.sub(r"\{(\w+)\}", lambda m: number(lang, values["n"]) if m.group(1) == "n"
                  else str(values[m.group(1)]), text)


# --- where links go ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """Which page of which thread, and the service's address that links are built from."""

    service: str  # scheme://host[/prefix] of the comment service, no trailing slash
    site: str
    article: str
    sort: str = "oldest"
    limit: int = 20
    cursor: str | None = None
    lang: str = "en"

    def permalink(self, cursor: str | None = None, replies: int | None = None) -> str:
        """The stable no-JavaScript page of this thread (or of one comment's replies)."""
        path = f"{self.service}/t/{quote(self.site, safe='')}"
        # A key that URL paths keep as it is goes in the path; any other (a leading slash, an
        # empty or dot segment: "/news/42") in the query, where nothing rewrites it.
        in_path = all(part not in {"", ".", ".."} for part in self.article.split("/"))
        if in_path:
            path += "/" + quote(self.article, safe="/")
        query = {key: value for key, value in (
            ("article", None if in_path else self.article), ("replies", replies),
            ("cursor", cursor),
            ("sort", None if self.sort == "oldest" else self.sort),
            ("limit", None if self.limit == 20 else self.limit),
            ("lang", None if self.lang == "en" else self.lang)) if value is not None}
        return f"{path}?{urlencode(query)}" if query else path

    @property
    def feed(self) -> str:
        """The thread's Atom feed, linked as the widget links it."""
        return (f"{self.service}/api/v1/feed.atom?"
                f"{urlencode({'site': self.site, 'article': self.article})}")

    @property
    def key(self) -> str:
        """What the widget compares with its own options before adopting the page."""
        return json.dumps([self.site, self.article, self.sort, self.limit, self.cursor or ""],
                          ensure_ascii=False, separators=(",", ":"))


# --- the fragment -----------------------------------------------------------------------------

@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["script_json"] = script_json
    return env


def script_json(value: Any) -> markupsafe.Markup:
    """JSON that cannot end its <script> element or open a comment, whatever the names say."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           separators=(",", ":"))
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"),
                          ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return markupsafe.Markup(text)


def shown_date(iso: str) -> str:
    """The date a reader without JavaScript sees (the widget shows "2 days ago" instead):
    absolute and in UTC, so a cached fragment never goes stale."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def fragment(page: dict[str, Any], page_json: str, place: Place, *,
             theme: str = "auto", next_url: str | None = None) -> str:
    """The thread page as the contents of the publisher's `<div id="commentsvc">`."""
    context = _context(page, place)
    if next_url is not None:
        context["next_url"] = next_url
    return _environment().get_template("fragment.html").render(
        **context, page_json=page_json, theme=theme,
        css=widget_css(), extra_css=EXTRA_CSS + dark_auto_css(), no_script_css=NO_SCRIPT_CSS,
        structured=structured_data(page, place),
    )


def permalink_page(article: dict[str, Any], place: Place, fragment_html: str, *,
                   widget_url: str, replies_of: dict[str, Any] | None = None) -> str:
    """A whole document around a fragment, for readers without JavaScript (and for archives
    and sharing). `article` holds the key (`id`) and, when known, its `title` and `url`."""
    url = article.get("url") or ""
    title = article.get("title") or article["id"]
    return _environment().get_template("permalink.html").render(
        fragment=markupsafe.Markup(fragment_html),
        title=say(place.lang, "comments_on", title=title),
        article_url=url if url.lower().startswith(("http://", "https://")) else None,
        replies_of=replies_of, widget_url=widget_url, article=article, place=place,
        lang=place.lang, t=lambda key, **values: say(place.lang, key, **values),
    )


def _context(page: dict[str, Any], place: Place) -> dict[str, Any]:
    lang = place.lang
    count = page["article"]["comment_count"]
    return {
        "t": lambda key, **values: say(lang, key, **values),
        "lang": lang,
        "place": place,
        "article": page["article"],
        "comments": page["comments"],
        "count_text": say(lang, "count", n=count) if count else say(lang, "first"),
        "closed": page["article"]["closed"],
        "next_url": place.permalink(cursor=page["next_cursor"]) if page["next_cursor"] else None,
        "number": lambda n: number(lang, n),
        "counter": f"{number(lang, 0)} / {number(lang, BODY_MAX)}",
        "sorts": ("oldest", "newest", "top"),
        "own_avatar": lambda url: bool(url) and urlsplit(url).netloc == urlsplit(
            place.service).netloc,
        "initial": lambda author: ((author or {}).get("name") or "?").strip()[:1].upper() or "?",
        "date": shown_date,
    }


# --- structured data ----------------------------------------------------------------------------

def plain_text(html: str) -> str:
    """The words of a sanitised body, without its markup (schema.org `text` is plain)."""
    return unescape(nh3.clean(html, tags=set())).strip()


def structured_data(page: dict[str, Any], place: Place) -> dict[str, Any]:
    """schema.org: the article with its comments as a tree of `Comment`s.

    Each comment names its parent with `parentItem` (by `@id`) and holds the replies shown
    under it in `comment`. The article's `@id` is its own URL when known, so the node merges
    with the publisher's own Article markup in a graph-aware parser."""
    article = page["article"]
    url = article.get("url") or ""
    own_url = url if url.lower().startswith(("http://", "https://")) else ""
    thread_url = place.permalink()
    base = own_url or thread_url

    def comment_id(cid: int) -> str:
        return f"{base}#comment-{cid}"

    def node(c: dict[str, Any]) -> dict[str, Any]:
        gone = not c["author"] and not c["html"]
        item: dict[str, Any] = {"@type": "Comment", "@id": comment_id(c["id"]),
                                "url": comment_id(c["id"]), "datePublished": c["created_at"]}
        if gone:
            item["text"] = say(place.lang, "deleted")
        else:
            item["author"] = {"@type": "Person",
                              "name": c["author"]["name"] or say(place.lang, "anon")}
            item["text"] = plain_text(c["html"])
            # The net score: votes up less votes down (the service keeps no separate tally).
            item["upvoteCount"] = max(0, c["score"])
        if c["edited_at"]:
            item["dateModified"] = c["edited_at"]
        if c["parent_id"] is not None:
            item["parentItem"] = {"@id": comment_id(c["parent_id"])}
        if c["replies"]:
            item["comment"] = [node(r) for r in c["replies"]]
        return item

    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "@id": own_url or thread_url,
        "url": own_url or thread_url,
        "discussionUrl": thread_url,
        "commentCount": article["comment_count"],
        "comment": [node(c) for c in page["comments"]],
    }
    if article.get("title"):
        data["headline"] = article["title"]
    return data
