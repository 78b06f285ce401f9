"""The sanitiser: hostile bodies render inert; the Markdown subset renders; text is cleaned."""

from __future__ import annotations

import html
import unicodedata
from html.parser import HTMLParser

import pytest

from commentsvc.render import clean_text, sanitize_html, to_html

# Written out here rather than imported, so a loosened allowlist in render.py fails these tests.
SAFE_TAGS = frozenset(
    {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
)
SAFE_ATTRIBUTES = {"a": {"href", "rel"}, "ol": {"start"}}
SAFE_SCHEMES = ("http://", "https://", "mailto:")
REL = "nofollow ugc noopener"


def _normalised_href(value: str) -> str:
    # Unescaping again on top of the parser's own pass is stricter than a browser, on purpose.
    value = html.unescape(value)
    return "".join(
        ch for ch in value if not (ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf"})
    ).lower()


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        # Raw text in handle_data: a "<" there is markup the serialiser failed to escape.
        super().__init__(convert_charrefs=False)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.problems.append(f"duplicate attributes on <{tag}>: {names}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name not in SAFE_ATTRIBUTES.get(tag, set()):
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and not _normalised_href(value).startswith(SAFE_SCHEMES):
                self.problems.append(f"href {value!r}")
            if name == "start" and not (value.isascii() and value.isdigit()):
                self.problems.append(f"start {value!r}")
        if tag == "a" and dict(attrs).get("rel") != REL:
            self.problems.append(f"<a> with rel {dict(attrs).get('rel')!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"end tag </{tag}>")

    def handle_data(self, data: str) -> None:
        if "<" in data:
            self.problems.append(f"unescaped markup in text {data[:80]!r}")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data[:80]!r}")

    def handle_decl(self, decl: str) -> None:
        self.problems.append(f"declaration {decl[:80]!r}")

    def unknown_decl(self, data: str) -> None:
        self.problems.append(f"declaration {data[:80]!r}")

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data[:80]!r}")


def assert_inert(output: str) -> None:
    """Only allowlisted tags and attributes, safe hrefs, the right rel, no handlers."""
    inspector = _Inspector()
    inspector.feed(output)
    inspector.close()
    assert not inspector.problems, f"{inspector.problems} in {output[:500]!r}"


SCRIPT_IN_DATA = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="  # base64 of <script>alert(1)</script>

HOSTILE = {
    # Script and event handlers
    "script tag": "<script>alert(1)</script>",
    "script tag in mixed case with spaces": "<ScRiPt >alert(1)</sCrIpT >",
    "external script inline in a paragraph": "hi <script src=//evil.example/x.js></script> there",
    "img onerror": "<img src=x onerror=alert(1)>",
    "body onload": "<body onload=alert(1)>",
    "onclick on an allowed tag": '<p onclick="alert(1)">hi</p>',
    "onmouseover on a safe link": '<a href="https://example.com" onmouseover="alert(1)">x</a>',
    "details ontoggle": "<details open ontoggle=alert(1)>",
    "custom tag onfocus": "<xss id=x tabindex=1 onfocus=alert(1)></xss>",
    "input autofocus onfocus": "<input autofocus onfocus=alert(1)>",
    "video source onerror": "<video><source onerror=alert(1)></video>",
    "html inside emphasis": "*<img src=x onerror=alert(1)>*",
    # javascript: in Markdown links, in every spelling
    "javascript link": "[x](javascript:alert(1))",
    "javascript link in mixed case": "[x](JaVaScRiPt:alert(1))",
    "javascript link with decimal entity": "[x](&#106;avascript:alert(1))",
    "javascript link with hex entities without semicolons": "[x](&#x6A&#x61vascript:alert(1))",
    "javascript link with named entity colon": "[x](javascript&colon;alert(1))",
    "javascript link split by tab entity": "[x](java&#x09;script:alert(1))",
    "javascript link split by newline entity": "[x](java&#10;script:alert(1))",
    "javascript link split by zero-width space": "[x](java\u200bscript:alert(1))",
    "javascript link split by byte order mark": "[x](java\ufeffscript:alert(1))",
    "javascript link split by null byte": "[x](java\x00script:alert(1))",
    "javascript link with percent-encoded letter": "[x](java%73cript:alert(1))",
    "javascript link with percent-encoded colon": "[x](javascript%3Aalert(1))",
    "javascript link in pointy brackets split by tab": "[x](<java\tscript:alert(1)>)",
    "javascript link split by newline": "[x](java\nscript:alert(1))",
    "javascript link after leading control character": "[x](\x01javascript:alert(1))",
    "javascript link in backticks": "[x](`javascript:alert(1)`)",
    "javascript autolink": "<javascript:alert(1)>",
    "javascript autolink with entity colon": "<javascript&#58;alert(1)>",
    "javascript reference-style link": "[x][r]\n\n[r]: javascript:alert(1)",
    "javascript shortcut reference link": "[r]\n\n[r]: <javascript:alert(1)>",
    "bare javascript url": "javascript:alert(1) and www.javascript:alert(1)",
    "javascript image": "![x](javascript:alert(1))",
    # Other schemes
    "data url html": f"[x](data:text/html;base64,{SCRIPT_IN_DATA})",
    "data url image that markdown allows": "[x](data:image/png;base64,iVBORw0KGgo=)",
    "data url svg": "[x](data:image/svg+xml,<svg onload=alert(1)>)",
    "vbscript link": "[x](vbscript:msgbox(1))",
    "file link": "[x](file:///etc/passwd)",
    "protocol-relative link": "[x](//evil.example/)",
    "http link without a host": "[x](http:javascript:alert(1))",
    "ftp bare url": "ftp://evil.example/x",
    # Markdown link tricks
    "link title breaking out with double quotes": (
        '[x](https://a.example "\\" onmouseover=\\"alert(1)")'
    ),
    "link title breaking out with single quotes": "[x](https://a.example 'x\\' onclick=alert(1) ')",
    "link title in parentheses": '[x](https://a.example (" onfocus=alert(1) autofocus x="))',
    "reference link title with quotes": '[x][r]\n\n[r]: https://a.example "a" onclick="alert(1)"',
    "href breaking out with a quote": '[x](https://a.example/"onmouseover="alert(1))',
    "bare url followed by a quote": 'https://a.example/"onmouseover=alert(1)//',
    "nested brackets around a javascript link": "[[x](javascript:alert(1))](https://a.example)",
    "link inside a javascript link": "[a [b](https://a.example) c](javascript:alert(1))",
    "image alt breaking out": '![x" onerror="alert(1)](https://a.example/a.png)',
    "fenced code info string breaking out": '```" onclick="alert(1)\nx\n```',
    "code span closing the code tag": "`</code><script>alert(1)</script>`",
    "ordered list start out of range": "99999999999. x",
    "raw ordered list start in arabic-indic digits": '<ol start="\u0661\u0662"><li>x</li></ol>',
    "raw ordered list start with a handler": '<ol start="1 onclick=alert(1)"><li>x</li></ol>',
    # Raw links the HTML sanitiser alone must defuse
    "raw javascript href": '<a href="javascript:alert(1)">x</a>',
    "raw href with hex entity": '<a href="&#x6A;avascript:alert(1)">x</a>',
    "raw href with leading control and spaces": '<a href=" &#14;  javascript:alert(1)">x</a>',
    "raw href split by carriage return entity": '<a href="jav&#x0D;ascript:alert(1)">x</a>',
    "raw href with unquoted quote": '<a href=https://a.example"onmouseover=alert(1)>x</a>',
    "raw link asking for opener": '<a href="https://a.example" target="_blank" rel="opener">x</a>',
    "raw link with title and lang": '<a href="https://a.example" title="t" lang="en">x</a>',
    # Embedding and page-level tags
    "style tag": "<style>body{background:url(javascript:alert(1))}</style>",
    "style attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "iframe srcdoc": '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "object and embed": '<object data="javascript:alert(1)"></object><embed src="x.swf">',
    "form action": '<form action="javascript:alert(1)"><button>x</button></form>',
    "button formaction": "<form><button formaction=javascript:alert(1)>x",
    "meta refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "base href": '<base href="javascript:alert(1)//">',
    "isindex": "<isindex action=javascript:alert(1) type=image>",
    # SVG and MathML namespace confusion
    "svg onload": "<svg onload=alert(1)>",
    "svg script": "<svg><script>alert(1)</script></svg>",
    "svg xlink href": '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "svg style smuggling img": "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "svg closing p then style": '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "math mglyph style": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "math href": '<math href="javascript:alert(1)">x</math>',
    "math textarea smuggling": (
        '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea>'
        '<img onerror=alert(1) src=1>">'
    ),
    # Mutation XSS
    "noscript title": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "title element smuggling": '<title><img title="</title><img src=x onerror=alert(1)>">',
    "template in select": "<select><template><style><img src=x onerror=alert(1)>",
    "table foster parenting": '<table><a href="javascript:alert(1)">x</a><td>y</td></table>',
    # Comments, CDATA, declarations
    "html comment around script": "<!-- --><script>alert(1)</script> -->",
    "html comment hiding an attribute": '<!--<img src="--><img src=x onerror=alert(1)//">',
    "cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "doctype and processing instruction": '<!DOCTYPE html><?xml version="1.0"?><p>x</p>',
    # Attribute breaking
    "backtick attribute values": "<img src=`x` onerror=`alert(1)`>",
    "quote breaking a raw attribute": '<p title="x" "onclick="alert(1)">y</p>',
    # Encodings of tags
    "unicode-escaped tags": "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "fullwidth angle brackets": "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "entity-encoded tags": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "double entity-encoded tags": "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "null byte inside a tag name": "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "null character reference": "&#0;<script>alert(1)</script>",
    "bidi override in link text": "[\u202egnp.exe](https://a.example)",
    # Size and depth
    "deep blockquote nesting": ">" * 10_000 + " deep",
    "deep blockquote nesting with spaces": "> " * 5_000 + "deep",
    "deep list nesting": "".join("  " * i + "- x\n" for i in range(300)),
    "deep emphasis nesting": "*" * 5_000 + "x" + "*" * 5_000,
    "very long repeated script tags": "<script>alert(1)</script>" * 2_000,
    "very long javascript url": "[x](javascript:" + "a" * 100_000 + ")",
    "very long run of brackets": "[" * 10_000 + "](javascript:alert(1))",
    "very long mixed markup": "**_`[<a href=javascript:alert(1)>" * 1_000,
}

hostile = pytest.mark.parametrize("body", list(HOSTILE.values()), ids=list(HOSTILE))


@hostile
def test_hostile_body_renders_inert(body):
    assert_inert(to_html(body))


@hostile
def test_hostile_body_renders_inert_after_clean_text(body):
    assert_inert(to_html(clean_text(body)))


@hostile
def test_hostile_body_is_inert_even_as_raw_html(body):
    assert_inert(sanitize_html(body))


@pytest.mark.parametrize(
    "output",
    [
        "<img src=x>",
        "<p onclick=alert(1)>x</p>",
        "<p title=x>x</p>",
        '<a href="javascript:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<a href="&#x6A;avascript:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<a href=" java\tscript:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<a href="//evil.example" rel="nofollow ugc noopener">x</a>',
        '<a href="https://a.example">x</a>',
        '<a href="https://a.example" rel="nofollow">x</a>',
        '<ol start="x"><li>y</li></ol>',
        "<p><!-- x --></p>",
        "<![CDATA[x]]>",
        "<svg><p>x</p></svg>",
    ],
)
def test_assert_inert_catches_unsafe_output(output):
    with pytest.raises(AssertionError):
        assert_inert(output)


# --- the Markdown subset ----------------------------------------------------------------

def link(href: str, text: str) -> str:
    return f'<a href="{href}" rel="nofollow ugc noopener">{text}</a>'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("*em* and _em_", "<p><em>em</em> and <em>em</em></p>"),
        ("**strong** and __strong__", "<p><strong>strong</strong> and <strong>strong</strong></p>"),
        ("use `x < y`", "<p>use <code>x &lt; y</code></p>"),
        (
            "```python\nif a < b:\n    pass\n```",
            "<pre><code>if a &lt; b:\n    pass\n</code></pre>",
        ),
        ("    indented code", "<pre><code>indented code\n</code></pre>"),
        ("> quoted\n\nreply", "<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>reply</p>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("1. a\n2. b", "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"),
        ("3. c\n4. d", '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>'),
        ("one  \ntwo", "<p>one<br>\ntwo</p>"),
        ("[site](https://example.com/x?b=1&c=2)",
         f"<p>{link('https://example.com/x?b=1&amp;c=2', 'site')}</p>"),
        ("[mail](mailto:me@example.com)", f"<p>{link('mailto:me@example.com', 'mail')}</p>"),
        ('[site](https://example.com "a title")', f"<p>{link('https://example.com', 'site')}</p>"),
        ("[ref]\n\n[ref]: http://example.com", f"<p>{link('http://example.com', 'ref')}</p>"),
        ("<https://example.com>", f"<p>{link('https://example.com', 'https://example.com')}</p>"),
        ("see https://example.com/path.",
         f"<p>see {link('https://example.com/path', 'https://example.com/path')}.</p>"),
        ("see www.example.com", f"<p>see {link('http://www.example.com', 'www.example.com')}</p>"),
        ("mail me@example.com", f"<p>mail {link('mailto:me@example.com', 'me@example.com')}</p>"),
    ],
    ids=[
        "emphasis", "strong", "code span", "fenced code", "indented code", "blockquote",
        "bullet list", "ordered list", "ordered list with start", "hard line break", "link",
        "mailto link", "link title dropped", "reference link", "autolink", "bare url", "www url",
        "bare email",
    ],
)
def test_allowed_markdown_renders_as_expected(source, expected):
    assert to_html(source) == expected


def test_image_becomes_a_link_not_an_img():
    output = to_html("![a cat](https://example.com/cat.png)")
    assert "<img" not in output
    assert link("https://example.com/cat.png", "a cat") in output


@pytest.mark.parametrize("source", ["# Title", "### Title", "Title\n=====", "Title\n-----"])
def test_headings_stay_text(source):
    assert to_html(source) == f"<p>{source}</p>"


def test_thematic_break_stays_text():
    assert to_html("***") == "<p>***</p>"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<b>bold</b>", "<p>&lt;b&gt;bold&lt;/b&gt;</p>"),
        ("<div>\nblock\n</div>", "<p>&lt;div&gt;\nblock\n&lt;/div&gt;</p>"),
        (
            "<img src=x onerror=alert(1)>",
            "<p>&lt;img src=x onerror=alert(1)&gt;</p>",
        ),
    ],
    ids=["inline", "block", "img"],
)
def test_raw_html_is_escaped_not_executed(source, expected):
    assert to_html(source) == expected


def test_rendering_is_deterministic_for_the_stored_copy():
    source = "*hi* https://a.example\n\n> quote"
    assert to_html(source) == to_html(source)


# --- text clean-up ----------------------------------------------------------------------

def test_decomposed_accent_is_composed():
    assert clean_text("cafe\u0301") == "caf\u00e9"


@pytest.mark.parametrize(
    "char",
    [chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]],
    ids=lambda char: f"U+{ord(char):04X}",
)
def test_bidirectional_controls_are_stripped(char):
    assert clean_text(f"abc{char}def") == "abcdef"


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f", "\u200b", "\ufeff"],
    ids=lambda char: f"U+{ord(char):04X}",
)
def test_control_and_invisible_characters_are_stripped(char):
    assert clean_text(f"abc{char}def") == "abcdef"


def test_newlines_and_tabs_are_kept():
    assert clean_text("a\tb\nc\n\nd") == "a\tb\nc\n\nd"


@pytest.mark.parametrize(
    "emoji",
    ["\U0001f469\u200d\U0001f4bb", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
     "\U0001f3f3\ufe0f\u200d\U0001f308", "\U0001f44d\U0001f3fd"],
    ids=["technologist", "family", "rainbow flag", "skin tone"],
)
def test_emoji_sequences_are_kept(emoji):
    assert clean_text(f"hi {emoji}") == f"hi {emoji}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a\r\nb", "a\nb"), ("a\rb", "a\nb"), ("a\r\n\r\nb", "a\n\nb")],
    ids=["crlf", "lone cr", "blank line"],
)
def test_carriage_returns_become_newlines(text, expected):
    assert clean_text(text) == expected
