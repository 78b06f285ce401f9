"""The demo article pages: what a publisher's page looks like with the widget embedded.

They use only the public embedding snippet, so they show (and the browser tests check) exactly
what a publisher gets. Everything comes from this service: no fonts, images or scripts from
elsewhere, which the Content-Security-Policy below enforces.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, make_response, render_template, request, url_for
from markupsafe import Markup

from commentsvc.api.fragments import fragment_html
from commentsvc.sites import DEFAULT_SITE
from commentsvc.web.demo import (
    ARTICLES,
    BUSY_SLUG,
    HOME_SLUG,
    PRERENDERED_SLUG,
    DemoArticle,
    demo_article,
)

bp = Blueprint("web", __name__, template_folder="templates")

LANGUAGES = ("en", "de", "fr", "tr", "ru", "uz")
THEMES = ("auto", "light", "dark")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)


def content_security_policy() -> str:
    # Live streams may be served from another origin (serve's own port, or a stream server):
    # a publisher's page with a CSP names it in connect-src, as the demo does here.
    from commentsvc.api.public import live_stream_url

    origin = live_stream_url()
    if not origin:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("connect-src 'self'", f"connect-src 'self' {origin}")


@bp.get("/")
def home() -> Response:
    return _article_page(demo_article(HOME_SLUG))


@bp.get("/articles/<slug>")
def article(slug: str) -> Response:
    found = demo_article(slug)
    if found is None:
        abort(404)
    return _article_page(found)


def _article_page(article: DemoArticle) -> Response:
    # ?lang=de and ?theme=dark show the widget's translations and dark theme on the demo.
    lang = request.args.get("lang", "")
    theme = request.args.get("theme", "")
    lang = lang if lang in LANGUAGES else ""
    theme = theme if theme in THEMES else ""
    prerendered = None
    if article.slug == PRERENDERED_SLUG:
        # What a publisher's template does with GET /api/v1/render (README: "Server-rendered
        # threads"); in-process here, from the same cache.
        prerendered = Markup(fragment_html(DEFAULT_SITE, article.slug, lang=lang or "en",
                                           theme=theme or "auto"))
    html = render_template(
        "article.html",
        article=article,
        url=url_for("web.article", slug=article.slug, _external=True),
        read_next=[a for a in ARTICLES if a.slug != article.slug],
        site=DEFAULT_SITE,
        lang=lang,
        theme=theme,
        busy=article.slug == BUSY_SLUG,
        prerendered=prerendered,
    )
    response = make_response(html)
    response.headers["Content-Security-Policy"] = content_security_policy()
    return response
