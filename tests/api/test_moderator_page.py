"""The moderator page without a browser: what /admin serves and what it may load."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest


class Page(HTMLParser):
    """The URLs a page refers to, its scripts and any inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.styled: list[str] = []
        self.forms: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [value or "" for name, value in attrs
                      if name in {"src", "href", "action", "formaction", "poster"}]
        if tag == "script":
            self.scripts.append(found)
        if tag == "style" or "style" in found or any(name.startswith("on") for name in found):
            self.styled.append(tag)
        if tag == "form":
            self.forms.append(found)


def parsed(client, path: str = "/admin") -> Page:
    page = Page()
    page.feed(client.get(path).get_data(as_text=True))
    return page


@pytest.mark.parametrize("path", ["/admin", "/admin/"])
def test_the_moderator_page_answers_html_with_a_strict_content_security_policy(client, path):
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    policy = answer.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'self'")
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"


def test_the_moderator_page_loads_nothing_from_other_hosts(client):
    urls = parsed(client).urls
    assert "/admin/static/moderator.js" in urls and "/admin/static/moderator.css" in urls
    assert [url for url in urls if not url.startswith(("/", "#", "data:"))] == []
    assert [url for url in urls if url.startswith("//")] == []


def test_the_moderator_page_has_no_inline_script_style_or_handler(client):
    page = parsed(client)
    assert [script for script in page.scripts if not script.get("src")] == []
    assert page.styled == []


def test_no_form_on_the_moderator_page_could_put_the_key_in_a_url(client):
    # A form without its script would submit with GET, key and all, to the page's own URL.
    assert {form.get("method") for form in parsed(client).forms} == {"post"}


@pytest.mark.parametrize(("name", "mimetype"), [("moderator.js", "text/javascript"),
                                                 ("moderator.css", "text/css")])
def test_the_moderator_script_and_styles_are_served_beside_the_page(client, name, mimetype):
    answer = client.get(f"/admin/static/{name}")
    assert answer.status_code == 200
    assert answer.mimetype == mimetype
    answer.close()


def test_the_moderator_page_is_not_part_of_the_api_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert [path for path in paths if path.startswith("/admin")] == []
