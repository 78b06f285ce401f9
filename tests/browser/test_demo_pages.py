"""The demo pages and `commentsvc seed-demo`, without a browser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import func, select

from commentsvc.extensions import db
from commentsvc.models import Article, Comment
from commentsvc.web.demo import ARTICLES, BUSY_SLUG, seed_demo


def test_the_demo_page_embeds_the_widget_with_the_public_snippet(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="commentsvc" data-site="default" data-article="demo-ferry-terminal-library"' in html
    assert '<script src="/static/widget.js" async></script>' in html
    assert "What is your opinion" not in html  # the widget writes its own heading
    assert len(re.findall(r"<a [^>]*data-commentsvc-count", html)) == len(ARTICLES)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in {"src", "href"}]


def test_the_demo_pages_load_nothing_from_other_hosts(client):
    for path in ["/", *(f"/articles/{a.slug}" for a in ARTICLES)]:
        page = client.get(path)
        assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
        links = Links()
        links.feed(page.get_data(as_text=True))
        assert len(links.urls) > 10
        # The server-rendered thread's links are absolute (it is made for other hosts' pages):
        # here they name the service itself.
        assert [url for url in links.urls if url.startswith(("http:", "https:", "//"))
                and not url.startswith("http://localhost/")] == []


def test_an_unknown_demo_article_is_a_404_in_the_error_envelope(client):
    answer = client.get("/articles/no-such-story")
    assert answer.status_code == 404
    assert answer.json["error"]["code"] == "not_found"


def test_an_unknown_language_or_theme_is_ignored(client):
    html = client.get('/?lang="><script>&theme=neon').get_data(as_text=True)
    assert "data-lang" not in html
    assert "data-theme" not in html


def test_seeding_the_demo_fills_a_busy_thread_once_with_consistent_counts(app):
    with app.app_context():
        config = app.extensions["commentsvc"]
        created = seed_demo(db.session, config)
        assert seed_demo(db.session, config) == 0
        busy = db.session.scalar(select(Article).where(Article.key == BUSY_SLUG))
        approved = db.session.scalar(
            select(func.count()).where(Comment.article_id == busy.id, Comment.status == "approved"))
        deepest = db.session.scalar(select(func.max(Comment.depth)))
    # and one comment on another article, four on the one whose thread is server-rendered
    assert created == approved + 1 + 4
    assert busy.comment_count == approved > 50
    assert deepest == 4


def test_the_seed_demo_command_says_what_it_did(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0
    assert "seeded 72 demo comments" in first.output
    assert "already there" in second.output
