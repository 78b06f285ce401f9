"""The widget on publishers' pages: hostile input, hostile CSS, single-page apps, themes.

Publisher pages here live on another origin than the service (see conftest), so every test in
this module also shows that cross-origin embedding works.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import HOME, embed, loaded, post, publisher_page, widget

pytestmark = pytest.mark.browser

HOSTILE_BODY = (
    '<script>window.pwned = "script"; alert(1)</script>\n\n'
    '<img src=x onerror="window.pwned = \'img\'; alert(2)">\n\n'
    "[click me](javascript:window.pwned='link';alert(3))\n\n"
    '<a href="javascript:alert(4)" onclick="alert(5)">html link</a>\n\n'
    '<svg onload="alert(6)"></svg><iframe src="javascript:alert(7)"></iframe>'
)
HOSTILE_NAME = '<img src=x onerror="alert(8)">'
ACTIVE = "script, iframe, svg, object, embed, img:not(.av), [onerror], [onclick], [onload]"


def assert_inert(page) -> None:
    root = widget(page)
    expect(root.locator(ACTIVE)).to_have_count(0)
    expect(root.locator("a[href^='javascript' i]")).to_have_count(0)
    assert page.evaluate("window.pwned") is None


def test_a_hostile_body_and_name_render_as_inert_text(page, server):
    page.goto(server.url + HOME)
    root = loaded(page)
    form = root.locator("form[data-kind=new]")
    form.locator("textarea[name=body]").fill(HOSTILE_BODY)
    form.get_by_role("button", name="Preview").click()
    expect(form.locator(".preview")).to_contain_text("<script>")
    assert_inert(page)
    form.get_by_role("button", name="Preview").click()

    mine = post(root, HOSTILE_BODY, name=HOSTILE_NAME)
    expect(mine.locator(":scope > .body")).to_contain_text('<script>window.pwned = "script"')
    expect(mine.locator(":scope > .body")).to_contain_text("[click me](javascript:")
    expect(mine.locator(".name")).to_have_text(HOSTILE_NAME)
    assert_inert(page)

    page.reload()
    expect(loaded(page).locator(".name")).to_have_text(HOSTILE_NAME)
    widget(page).get_by_text("html link").click()
    assert_inert(page)


HOSTILE_CSS = """<style>
* { display: inline !important; color: red !important; background: yellow !important;
    font: italic 30px/3 "Comic Sans MS", cursive !important; letter-spacing: 5px !important;
    text-transform: uppercase !important; direction: rtl !important;
    text-align: center !important; white-space: pre !important; word-spacing: 20px !important;
    box-sizing: content-box !important; }
:is(section, article, form, textarea, button, select, h2, p, span, label, input,
    div:not(#commentsvc)) {
    padding: 40px !important; margin: 40px !important; border: 5px dashed lime !important;
    width: 10px !important; position: relative !important; top: 50px !important; }
button, textarea, input, select, article, form, h2 { display: none !important; }
</style>"""
PLAIN_CSS = "<style>html, body { margin: 0; padding: 0 }</style>"
MEASURE = """() => {
    const host = document.querySelector('#commentsvc'), at = host.getBoundingClientRect();
    const parts = host.shadowRoot.querySelectorAll(
        '.root, h2, form, textarea, input, button, select, label, article, .body, .head, .actions');
    return [...parts].map((el) => {
        const box = el.getBoundingClientRect(), style = getComputedStyle(el);
        const shown = el.getClientRects().length > 0;
        return [el.tagName, el.className, shown && Math.round(box.left - at.left),
                shown && Math.round(box.top - at.top), Math.round(box.width),
                Math.round(box.height), style.display, style.color,
                style.backgroundColor, style.fontFamily, style.fontSize, style.direction,
                style.textTransform, style.letterSpacing, style.whiteSpace];
    });
}"""


def test_aggressive_host_css_does_not_change_the_widget(new_page, server):
    post(loaded(publisher_page(new_page(), server, embed("css-1"))), "Still **readable**?")
    seen = {}
    for name, css in (("plain", PLAIN_CSS), ("hostile", PLAIN_CSS + HOSTILE_CSS)):
        page = publisher_page(new_page(), server, embed("css-1"), head=css, path=f"/{name}")
        root = loaded(page)
        expect(root.locator("article")).to_have_count(1)
        # Live updates add their (hidden) control once live.js has loaded: measure after it.
        expect(root.locator("button.live")).to_have_count(1)
        seen[name] = page.evaluate(MEASURE)
    assert len(seen["plain"]) > 10
    assert seen["hostile"] == seen["plain"]


def test_custom_properties_theme_the_widget(page, server):
    css = ("<style>#commentsvc { --commentsvc-accent: rgb(200, 0, 100);"
           " --commentsvc-radius: 0px }</style>")
    root = loaded(publisher_page(page, server, embed("theme-1"), head=css))
    expect(root.locator("form[data-kind=new] button[type=submit]")).to_have_css(
        "background-color", "rgb(200, 0, 100)")
    expect(root.locator(".root")).to_have_css("border-radius", "0px")


def test_mounting_twice_and_unmounting_in_a_single_page_app(page, server):
    publisher_page(page, server, '<div id="app"><div id="slot"></div></div>'
                   '<script src="{API}/static/widget.js"></script>')
    page.wait_for_function("() => Boolean(window.commentsvc && window.commentsvc.mount)")
    slot = page.locator("#slot")
    page.evaluate("""() => {
        const el = document.getElementById('slot');
        commentsvc.mount(el, {site: 'default', article: 'spa-1'});
        commentsvc.mount(el, {site: 'default', article: 'spa-1'});
    }""")
    expect(slot.locator("form[data-kind=new]")).to_have_count(1)
    expect(slot.locator("h2")).to_have_count(1)
    post(slot, "Posted from a single-page app")
    expect(slot.locator("article")).to_have_count(1)

    page.evaluate("commentsvc.unmount(document.getElementById('slot'))")
    assert page.evaluate("document.getElementById('slot').shadowRoot.childElementCount") == 0
    before = len(page.watch.requests)
    page.evaluate("location.hash = '#comment-1'")
    page.evaluate("commentsvc.mount('#slot', {article: 'spa-2'})")
    expect(slot.locator("h2 .count")).to_have_text("Leave the first comment")
    assert not [r for r in page.watch.requests[before:] if "/comments/1" in r]

    page.evaluate("commentsvc.mount('#slot', {article: 'spa-1'})")
    expect(slot.locator("article")).to_have_count(1)
    expect(slot.locator("form[data-kind=new]")).to_have_count(1)
    expect(slot.locator("h2 .count")).to_have_text("1 comment")
    page.evaluate("commentsvc.unmount('#slot'); commentsvc.unmount('#slot')")
    assert page.evaluate("document.getElementById('slot').shadowRoot.childElementCount") == 0


def background(page) -> str:
    return page.evaluate("""getComputedStyle(
        document.querySelector('#commentsvc').shadowRoot.querySelector('.root')).backgroundColor""")


DARK, LIGHT = "rgb(22, 24, 28)", "rgb(255, 255, 255)"


@pytest.mark.parametrize(("scheme", "query", "expected"), [
    ("light", "", LIGHT),
    ("dark", "", DARK),
    ("light", "?theme=dark", DARK),
    ("dark", "?theme=light", LIGHT),
])
def test_the_theme_follows_the_system_unless_data_theme_says_otherwise(
        new_page, server, scheme, query, expected):
    page = new_page(color_scheme=scheme)
    page.goto(server.url + HOME + query)
    loaded(page)
    assert background(page) == expected


def test_the_automatic_theme_changes_with_the_system_setting(page, server):
    page.goto(server.url + HOME)
    root = loaded(page).locator(".root")
    page.emulate_media(color_scheme="dark")
    expect(root).to_have_css("background-color", DARK)
    page.emulate_media(color_scheme="light")
    expect(root).to_have_css("background-color", LIGHT)


@pytest.mark.parametrize(("page_lang", "data_lang", "shown"), [
    ("uz", "xx", "en"),  # the element's own language is unknown: English, not the page's
    ("xx", None, "en"),
    ("uz", "de-AT", "de"),
    ("uz", None, "uz"),
])
def test_a_language_the_widget_does_not_know_falls_back_to_english(page, server, page_lang,
                                                                   data_lang, shown):
    extra = f'data-lang="{data_lang}"' if data_lang else ""
    publisher_page(page, server, embed("lang-1", extra=extra), lang=page_lang)
    root = loaded(page)
    expect(root.locator(".root")).to_have_attribute("lang", shown)
