"""Live updates between two windows: streamed, or polled when streams are blocked."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from commentsvc import create_app
from commentsvc.extensions import db
from tests.browser.conftest import QuietHandler
from tests.browser.support import HOME, loaded, post, widget
from tests.conftest import app_config, reset_database
from tests.integration.test_live import free_port, stream_server

pytestmark = pytest.mark.browser


def new_comments_control(page):
    return widget(page).locator("button.live")


def test_a_post_in_one_window_appears_in_the_other(new_page, server):
    # The app alone (no stream server): each stream answers at once and the widget reconnects.
    reader, writer = new_page(), new_page()
    reader.goto(server.url + HOME)
    writer.goto(server.url + HOME)
    loaded(reader)
    post(loaded(writer), "Hello from the other window")
    started = time.monotonic()
    control = new_comments_control(reader)
    expect(control).to_have_text("1 new comment — show", timeout=2000)
    assert time.monotonic() - started < 2
    # Nothing moved: the comment waits until the reader asks for it.
    expect(widget(reader).locator(".list article")).to_have_count(0)
    control.click()
    expect(widget(reader).locator(".list article .body")).to_have_text(
        "Hello from the other window")
    expect(control).to_be_hidden()
    expect(widget(reader).locator("h2 .count")).to_have_text("1 comment")


def test_the_new_comments_control_speaks_the_readers_language(new_page, server):
    reader, writer = new_page(), new_page()
    reader.goto(server.url + HOME + "?lang=de")
    writer.goto(server.url + HOME)
    loaded(reader)
    root = loaded(writer)
    post(root, "Hallo aus dem anderen Fenster")
    control = new_comments_control(reader)
    expect(control).to_have_text("1 neuer Kommentar — anzeigen", timeout=2000)
    post(root, "Noch einer")
    expect(control).to_have_text("2 neue Kommentare — anzeigen", timeout=2000)


def test_with_streams_blocked_the_widget_polls_and_still_sees_the_post(new_page, server):
    reader, writer = new_page(), new_page()
    reader.route("**/api/v1/stream?*", lambda route: route.abort())
    reader.goto(server.url + HOME)
    writer.goto(server.url + HOME)
    loaded(reader)
    post(loaded(writer), "Seen by polling")
    expect(new_comments_control(reader)).to_have_text("1 new comment — show", timeout=12000)
    def polls() -> int:
        return sum("/api/v1/comments?" in r and "newest" in r for r in reader.watch.requests)

    assert polls(), "the fallback asks for the thread"
    # A background tab asks nothing; back in front, it asks at once.
    reader.evaluate("""() => {
        Object.defineProperty(document, "hidden", {value: true, configurable: true});
        document.dispatchEvent(new Event("visibilitychange")); }""")
    before = polls()
    reader.wait_for_timeout(6500)  # longer than the shortest polling interval (5 s)
    assert polls() == before
    reader.evaluate("""() => {
        Object.defineProperty(document, "hidden", {value: false, configurable: true});
        document.dispatchEvent(new Event("visibilitychange")); }""")
    deadline = time.monotonic() + 2
    while polls() == before and time.monotonic() < deadline:
        reader.wait_for_timeout(100)
    assert polls() > before


def test_a_polling_widget_goes_back_to_the_stream_once_it_answers(new_page, server):
    reader, writer = new_page(), new_page()
    reader.clock.install()  # runs as usual; run_for jumps ahead to the widget's next retry

    def blocked(route):
        route.abort()

    def asked(part: str) -> int:
        return sum(part in r for r in reader.watch.requests)

    def polls() -> int:
        return sum("/api/v1/comments?" in r and "newest" in r for r in reader.watch.requests)

    def wait_until(check, seconds: float = 5) -> None:
        deadline = time.monotonic() + seconds
        while not check() and time.monotonic() < deadline:
            reader.wait_for_timeout(100)
        assert check()

    reader.route("**/api/v1/stream?*", blocked)
    reader.goto(server.url + HOME)
    writer.goto(server.url + HOME)
    loaded(reader)
    wait_until(lambda: polls() > 0)
    reader.unroute("**/api/v1/stream?*", blocked)
    streams = asked("/api/v1/stream?")
    reader.clock.run_for(60_000)  # polling goes on; the stream is not tried yet
    assert asked("/api/v1/stream?") == streams
    reader.clock.run_for(65_000)  # two minutes after polling began: the stream again
    wait_until(lambda: asked("/api/v1/stream?") > streams)
    reader.wait_for_timeout(500)  # its "ready": the stream takes over
    polled = polls()
    post(loaded(writer), "Seen through the stream again")
    expect(new_comments_control(reader)).to_have_text("1 new comment — show", timeout=3000)
    # Polling waits a minute at most between asks; none comes in 70 s. (In steps shorter than
    # the 6 s a stream may take to say "ready": the app alone answers each one at once.)
    for _ in range(14):
        reader.clock.run_for(5_000)
        reader.wait_for_timeout(150)
    assert polls() == polled, "polling stopped once the stream answered"


def test_an_edit_and_a_removal_are_applied_in_place(new_page, server):
    reader, writer = new_page(), new_page()
    writer.goto(server.url + HOME)
    mine = post(loaded(writer), "First words")
    reader.goto(server.url + HOME)
    shown = widget(reader).locator(".list article .body")
    expect(shown).to_have_text("First words")
    mine.get_by_role("button", name="Edit").click()
    mine.locator("form[data-kind=edit] textarea[name=body]").fill("Second words")
    mine.locator("form[data-kind=edit]").get_by_role("button", name="Save").click()
    expect(shown).to_have_text("Second words", timeout=3000)
    mine.get_by_role("button", name="Delete").click()
    mine.locator(".actions .btn.primary").click()
    expect(widget(reader).locator(".list article .gone").first).to_be_visible(timeout=3000)


# --- with the stream server, as `commentsvc serve` runs it ---------------------------------

@pytest.fixture(scope="module")
def streamed(database_url: str, migrated: dict) -> Iterator[str]:
    stream_port = free_port()
    app = create_app(app_config(database_url,
                                COMMENTSVC_LIVE_URL=f"http://127.0.0.1:{stream_port}"))
    with app.app_context():
        reset_database(migrated)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with stream_server(app, poll=0.5, port=stream_port):
            yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_through_the_stream_server_a_post_reaches_the_other_window(browser, streamed):
    contexts = [browser.new_context() for _ in range(2)]
    try:
        reader, writer = (c.new_page() for c in contexts)
        streams = []
        reader.on("request", lambda r: streams.append(r.url) if "/stream" in r.url else None)
        reader.goto(streamed + HOME)
        writer.goto(streamed + HOME)
        loaded(reader)
        post(loaded(writer), "Streamed across")
        expect(new_comments_control(reader)).to_have_text("1 new comment — show", timeout=2000)
        assert any(url.startswith(streamed.rsplit(":", 1)[0]) and url != streamed
                   for url in streams)
        new_comments_control(reader).click()
        expect(widget(reader).locator(".list article .body")).to_have_text("Streamed across")
    finally:
        for c in contexts:
            c.close()
