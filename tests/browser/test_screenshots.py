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


def test_screenshots_of_the_demo_page_and_the_busy_thread(new_page, seeded):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = {"demo-page.png": (HOME, "light"), "busy-thread.png": (BUSY, "light"),
             "busy-thread-dark.png": (BUSY, "dark")}
    for name, (path, scheme) in shots.items():
        page = new_page(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        page.goto(seeded.url + path)
        root = loaded(page)
        expect(page.locator("aside [data-commentsvc-count]").first).not_to_have_text("Comments")
        if path == BUSY:
            expect(root.locator("article img.av").first).to_be_visible()
            page.wait_for_function("[...document.querySelector('#commentsvc').shadowRoot"
                                   ".querySelectorAll('img')].every((img) => img.complete)")
        # The whole article page; of the long thread, its first screens.
        clip = None
        if path == BUSY:
            top = page.locator("#commentsvc").bounding_box()["y"]
            clip = {"x": 0, "y": top - 24, "width": 1280, "height": 2400}
        page.screenshot(path=ARTIFACTS / name, full_page=True, clip=clip)
        assert (ARTIFACTS / name).stat().st_size > 10_000
    if os.environ.get("COMMENTSVC_UPDATE_DOCS") == "1":
        shutil.copyfile(ARTIFACTS / "demo-page.png", ROOT / "docs" / "demo.png")
