"""Pictures of the demo for people: tests/artifacts/ (git-ignored) after every run.

COMMENTSVC_UPDATE_DOCS=1 also refreshes docs/demo.png, the screenshot in the README.
"""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.support import ARTIFACTS, BUSY, HOME, loaded
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

# name: (page, colour scheme, how much of the page below the widget's top; None: all of it)
SHOTS = {
    "demo-page.png": (HOME, "light", None),
    "busy-thread.png": (BUSY, "light", 2400),
    "busy-thread-dark.png": (BUSY, "dark", 2400),
}
UPDATE_DOCS = os.environ.get("COMMENTSVC_UPDATE_DOCS") == "1"
if UPDATE_DOCS:
    SHOTS["overview.png"] = (BUSY, "light", 1250)


def test_screenshots_of_the_demo_page_and_the_busy_thread(new_page, seeded):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, (path, scheme, below) in SHOTS.items():
        page = new_page(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        page.goto(seeded.url + path)
        root = loaded(page)
        expect(page.locator("aside [data-commentsvc-count]").first).not_to_have_text("Comments")
        clip = None
        if below:
            expect(root.locator("article img.av").first).to_be_visible()
            page.wait_for_function("() => [...document.querySelector('#commentsvc').shadowRoot"
                                   ".querySelectorAll('img')].every((img) => img.complete)")
            top = page.locator("#commentsvc").bounding_box()["y"]
            start = 0 if name == "overview.png" else top - 24
            clip = {"x": 0, "y": start, "width": 1280, "height": top + below - start}
        page.screenshot(path=ARTIFACTS / name, full_page=True, clip=clip)
        assert (ARTIFACTS / name).stat().st_size > 10_000
    if UPDATE_DOCS:
        shutil.copyfile(ARTIFACTS / "overview.png", ROOT / "docs" / "demo.png")
