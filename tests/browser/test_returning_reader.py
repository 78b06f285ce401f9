"""A returning reader downloads nothing but the thread: the widget's files come from the cache."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.support import BUSY, loaded

pytestmark = pytest.mark.browser


@dataclass
class Served:
    path: str
    status: int
    coding: str
    size: int


@pytest.fixture
def served(seeded: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Served]]:
    """What the server itself sent: browser cache hits never show up here."""
    log: list[Served] = []
    inner = seeded.app.wsgi_app

    def counting(environ: dict, start_response: Any) -> Any:
        seen: dict[str, Any] = {}

        def start(status: str, headers: list, *args: Any) -> Any:
            seen.update(status=int(status.split()[0]), headers=dict(headers))
            return start_response(status, headers, *args)

        body = list(inner(environ, start))
        log.append(Served(environ["PATH_INFO"], seen["status"],
                          seen["headers"].get("Content-Encoding", "identity"),
                          sum(len(chunk) for chunk in body)))
        return body

    monkeypatch.setattr(seeded.app, "wsgi_app", counting)
    yield log


def open_thread(page: Any, url: str) -> None:
    page.goto(url)
    root = loaded(page)
    expect(root.locator("h2")).to_contain_text("мнение")  # the Russian file was loaded


def static_files(log: list[Served]) -> list[Served]:
    return [entry for entry in log if entry.path.startswith("/static/")]


def test_a_returning_reader_downloads_no_widget_or_language_file_again(page, seeded, served):
    url = f"{seeded.url}{BUSY}?lang=ru"
    open_thread(page, url)
    first = static_files(served)
    assert {entry.path.rsplit(".", 2)[0] for entry in first} >= {
        "/static/widget", "/static/count", "/static/i18n/ru"}
    language = next(entry for entry in first if entry.path.startswith("/static/i18n/"))
    assert language.path.count(".") == 2, "the widget loads the content-addressed name"
    assert all(entry.coding != "identity" for entry in first), "served compressed"
    assert sum(entry.size for entry in first) < 16 * 1024 + 2 * 1024
    # Live updates load after the thread has rendered, from a content-addressed name too.
    page.wait_for_function("() => Boolean(window.commentsvc && window.commentsvc.live)")
    assert any(entry.path.startswith("/static/live.") for entry in served)

    served.clear()
    open_thread(page, url)
    again = [entry for entry in static_files(served) if entry.status != 304]
    assert again == [], "the second visit fetched the widget's files again"
    thread = [entry for entry in served if entry.path == "/api/v1/comments"]
    assert thread and all(entry.status == 304 for entry in thread), "unchanged thread: 304"
