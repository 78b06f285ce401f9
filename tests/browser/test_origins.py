"""A page on an origin its site does not allow: readers are told, publishers are shown the fix."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from commentsvc.extensions import db
from commentsvc.sites import create_site
from tests.browser.support import PUBLISHER, embed, loaded, publisher_page, widget

pytestmark = pytest.mark.browser


@pytest.fixture
def sites(server):
    with server.app.app_context():
        create_site(db.session, "news", origins=[PUBLISHER])
        create_site(db.session, "other", origins=["https://other.example"])
        db.session.commit()
    return server


def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    return errors


def test_a_refused_origin_shows_comments_unavailable_and_tells_the_publisher_why(page, sites):
    errors = console_errors(page)
    publisher_page(page, sites, embed("a-1", site="other"))
    expect(widget(page).get_by_text("Comments are unavailable here.")).to_be_visible()
    fix = [text for text in errors if text.startswith("commentsvc:")]
    assert fix, errors
    assert f"origin {PUBLISHER} is not allowed for site 'other'" in fix[0]
    assert "allowed_origins" in fix[0]
    assert "PATCH /api/v1/admin/sites/other" in fix[0]


def test_an_allowed_origin_still_works(page, sites):
    errors = console_errors(page)
    publisher_page(page, sites, embed("a-1", site="news"))
    expect(loaded(page).locator("h2 .count")).to_have_text("Leave the first comment")
    assert not [text for text in errors if text.startswith("commentsvc:")]


def test_a_refused_origin_is_told_in_the_readers_language(page, sites):
    publisher_page(page, sites, embed("a-1", site="other"), lang="de")
    expect(widget(page).get_by_text("Kommentare sind hier nicht verfügbar.")).to_be_visible()
