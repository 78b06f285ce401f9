"""Properties of the sanitiser, for any input: only allowlisted markup comes out, and
sanitising what was sanitised changes nothing.

The output is checked with the standard library's html.parser, not with nh3, so a mistake in
how nh3 is configured cannot hide itself.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import example, given, settings
from hypothesis import strategies as st

from commentsvc import render

# Fragments that an attacker, or Markdown, would use; glued together with random text.
FRAGMENTS = [
    "<script>", "</script>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">", "<a href='https://example.org/'>", "</a>",
    "<a href=//evil.example>", "<a href=\"mailto:x@example.org\" rel=opener target=_blank>",
    "<ol start=\"3\">", "<ol start=\"²\">", "<ol start=\"-1\" reversed>", "<li>", "</li>",
    "<p onclick=alert(1)>", "<p>", "</p>", "<em>", "</em>", "<strong>", "<code>", "<pre>",
    "<blockquote>", "<ul>", "<br>", "<br/>", "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href=javascript:alert(1)>", "<style>*{}</style>", "<iframe src=x>",
    "<!-- c -->", "<!--", "-->", "<![CDATA[x]]>", "<!DOCTYPE html>", "<?xml x?>",
    "<textarea>", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<title>", "<template>", "<select><option>", "<table><tr><td>", "<form>", "<base href=x>",
    "javascript:", "JaVaScRiPt:alert(1)", "vbscript:", "data:text/html,<script>",
    "java\tscript:", "java&#x09;script:", "&#106;avascript:", "javascript&colon;",
    "&lt;script&gt;", "&amp;", "&", "&#0;", "&#x110000;", "&#xD800;", "&nbsp;", "&notit;",
    "[x](", "](", ")", "[x](javascript:alert(1))", "[x](https://example.org/a_(b))",
    "[x](<java script:alert(1)>)", "[r]\n\n[r]: javascript:alert(1)\n", "<https://ex.org>",
    "<javascript:alert(1)>", "<x@example.org>", "https://example.org/?q=<b>", "www.example.org",
    "*", "**", "_", "`", "```\n", "~~~", "> ", "- ", "1. ", "3) ", "\n", "\n\n", "    ",
    "\\", "\"", "'", "=", "<", ">", "/", " ", "\u00a0", "e\u0301", "\u202e", "\u200b", "\ufeff",
    "\U0001f600", "\ud83d", "\ude00", "\x00", "\x01", "\r\n", "\t", "ﬁ", "Ⅻ", "İ",
]

fragment_texts = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=12
).map("".join)
# Any code point at all, lone surrogates and NUL included: the sanitiser must not crash on them.
any_texts = st.one_of(fragment_texts, st.text(max_size=60))

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _scheme_as_a_browser_sees_it(href: str) -> str | None:
    # The WHATWG URL parser strips leading and trailing C0 controls and spaces, and removes
    # tabs and newlines anywhere, before it looks for a scheme.
    value = href.strip("".join(chr(c) for c in range(0x21)))
    value = re.sub("[\t\n\r]", "", value)
    match = _SCHEME.match(value)
    return match.group(1).lower() if match else None


class _Checker(HTMLParser):
    """Collects everything in the output that the allowlist does not allow."""

    def __init__(self) -> None:
        # Raw text in handle_data: a "<" there is markup the serialiser failed to escape.
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in render.ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = render.ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.problems.append(f"repeated attribute on <{tag}>: {names}")
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name} on <{tag}>")
            elif name == "href":
                scheme = _scheme_as_a_browser_sees_it(value or "")
                if scheme not in render.ALLOWED_SCHEMES:
                    self.problems.append(f"href {value!r}")
            elif name == "rel" and value != render.LINK_REL:
                self.problems.append(f"rel {value!r}")
        if tag == "a" and dict(attrs).get("href") and dict(attrs).get("rel") != render.LINK_REL:
            self.problems.append(f"link without rel: {attrs}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in render.ALLOWED_TAGS:
            self.problems.append(f"end tag </{tag}>")

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self.problems.append(f"raw markup in text {data[:60]!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data[:60]!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl[:60]!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data[:60]!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data[:60]!r}")


def assert_only_allowed_markup(output: str) -> None:
    checker = _Checker()
    checker.feed(output)
    checker.close()
    assert not checker.problems, f"{checker.problems} in {output[:300]!r}"


@settings(max_examples=400, deadline=None)
@given(any_texts)
@example("[x](\x01javascript:alert(1))")
@example("x \ud800 <b>y</b>")
@example("[a](\ud800\udc00)")  # a link's URL is percent-encoded as UTF-8: surrogates cannot be
@example("<http://a.b/\ud800>")
def test_any_text_renders_to_only_allowed_tags_attributes_and_schemes(text: str) -> None:
    assert_only_allowed_markup(render.to_html(render.clean_text(text)))


@settings(max_examples=400, deadline=None)
@given(any_texts)
@example("<a href=\"\x01javascript:alert(1)\">x</a>")
@example("<p>\udfff</p>")
def test_any_html_sanitises_to_only_allowed_tags_attributes_and_schemes(markup: str) -> None:
    assert_only_allowed_markup(render.sanitize_html(markup))


@settings(max_examples=400, deadline=None)
@given(any_texts)
@example("</script>\ufeff")  # the parser drops a byte order mark only at the very start
@example("<p></p>\ufeff \ufeffx")
@example('<a href="javascript:alert(1)"><select><option><a href="javascript:alert(1)">')
def test_sanitising_sanitised_html_changes_nothing(markup: str) -> None:
    once = render.sanitize_html(markup)
    assert render.sanitize_html(once) == once


@settings(max_examples=400, deadline=None)
@given(any_texts)
def test_sanitising_rendered_text_changes_nothing(text: str) -> None:
    rendered = render.to_html(render.clean_text(text))
    assert render.sanitize_html(rendered) == rendered
