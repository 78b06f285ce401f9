"""The widget links its thread's Atom feed, in the reader's language, and the link works."""

from __future__ import annotations

import feedparser
import pytest
from playwright.sync_api import expect

from tests.browser.support import embed, loaded, publisher_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "text"), [("en", "Feed of this thread"),
                                            ("de", "Feed dieser Diskussion")])
def test_the_widget_links_the_threads_feed(page, server, lang, text):
    root = loaded(publisher_page(page, server, embed("feed-1"), lang=lang))
    link = root.locator("a.feed")
    expect(link).to_have_text(text)
    expect(link).to_have_attribute("rel", "alternate")
    expect(link).to_have_attribute("type", "application/atom+xml")
    href = link.get_attribute("href")
    assert href == f"{server.url}/api/v1/feed.atom?site=default&article=feed-1"
    response = page.request.get(href)
    assert response.status == 200
    parsed = feedparser.parse(response.body())
    assert not parsed.bozo and parsed.entries == []
