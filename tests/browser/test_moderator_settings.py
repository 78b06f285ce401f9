"""The moderator page's site box, settings screen and keys screen, driven as an admin would."""

from __future__ import annotations

from importlib.resources import files

import pytest
from playwright.sync_api import expect

from tests.browser.moderator_support import (
    add_site,
    admin_api,
    comment,
    make_key,
    post_comment,
    queue,
    sign_in,
    status,
)

pytestmark = pytest.mark.browser

LINKS = "Links allowed before a comment is held"


def settings_of(server, site="default"):
    answer = admin_api(server, make_key(server, "admin", site=None), "get", "/sites")
    return next(s for s in answer.json["sites"] if s["key"] == site)["settings"]


def open_settings(page, site="default"):
    page.get_by_role("navigation", name="Views").get_by_role("button", name="Settings").click()
    expect(status(page)).to_have_text(f"Settings of {site}.")
    return page.locator("#settings-form")


def test_a_key_for_one_site_opens_on_that_site(page, server):
    add_site(server, "xo")
    post_comment(server, "Hello from xo", site="xo")
    sign_in(page, server, make_key(server, site="xo"))
    expect(page.get_by_role("combobox", name="Site")).to_have_value("xo")
    expect(page.get_by_role("combobox", name="Site").locator("option")).to_have_text(["xo"])
    queue(page, "Approved")
    expect(comment(page, "Hello from xo")).to_have_count(1)
    expect(status(page)).not_to_contain_text("not for that site")


def test_an_all_sites_admin_switches_the_settings_screen_between_sites(page, server):
    add_site(server, "blog")
    admin_api(server, make_key(server, "admin", site=None), "patch", "/sites/blog",
              json={"settings": {"link_limit": 7}})
    sign_in(page, server, make_key(server, "admin", site=None))
    form = open_settings(page)
    expect(form.get_by_label(LINKS, exact=True)).to_have_value("")
    page.get_by_role("combobox", name="Site").select_option("blog")
    expect(status(page)).to_have_text("Settings of blog.")
    expect(form.get_by_label(LINKS, exact=True)).to_have_value("7")


def test_a_setting_shows_the_apis_message_then_saves(page, server):
    sign_in(page, server, make_key(server, "admin"))
    form = open_settings(page)
    links = form.get_by_label(LINKS, exact=True)
    links.fill("500")
    form.get_by_role("button", name="Save settings").click()
    error = page.locator("#setting-link_limit-error")
    expect(error).to_have_text("Must be greater than or equal to 0 and less than or equal to 100.")
    expect(links).to_have_attribute("aria-invalid", "true")
    expect(links).to_be_focused()
    expect(status(page)).to_contain_text("Not saved")
    assert "link_limit" not in settings_of(server)
    links.fill("5")
    form.get_by_role("button", name="Save settings").click()
    expect(status(page)).to_have_text("Settings of default saved.")
    expect(error).to_have_text("")
    expect(links).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#setting-link_limit-state")).to_have_text("(set for this site)")
    assert settings_of(server)["link_limit"] == 5


def test_a_word_list_error_names_the_line(page, server):
    sign_in(page, server, make_key(server, "admin"))
    form = open_settings(page)
    form.get_by_label("Banned words, one a line", exact=True).fill("scam\n" + "x" * 101)
    form.get_by_role("button", name="Save settings").click()
    expect(page.locator("#setting-banned_words-error")).to_have_text(
        "Line 2: Length must be between 1 and 100.")
    form.get_by_label("Banned words, one a line", exact=True).fill("scam\n\n  casino  ")
    form.get_by_role("button", name="Save settings").click()
    expect(status(page)).to_have_text("Settings of default saved.")
    assert settings_of(server)["banned_words"] == ["scam", "casino"]


def test_reset_to_default_returns_a_setting_to_the_service_default(page, server):
    admin_api(server, make_key(server, "admin"), "patch", "/sites/default",
              json={"settings": {"link_limit": 9, "moderation": "pre"}})
    sign_in(page, server, make_key(server, "admin"))
    form = open_settings(page)
    expect(form.get_by_label(LINKS, exact=True)).to_have_value("9")
    form.get_by_role("button", name=f"Reset to default: {LINKS}").click()
    expect(status(page)).to_have_text(f"{LINKS}: back to the service default.")
    expect(form.get_by_label(LINKS, exact=True)).to_have_value("")
    expect(page.locator("#setting-link_limit-state")).to_have_text("(default)")
    expect(form.get_by_role("button", name=f"Reset to default: {LINKS}")).to_be_disabled()
    assert "link_limit" not in settings_of(server)
    assert settings_of(server)["moderation"] == "pre"


def test_the_jwt_secret_is_set_and_cleared_but_never_shown(page, server):
    sign_in(page, server, make_key(server, "admin"))
    form = open_settings(page)
    secret = form.get_by_label("JWT secret for signed-in readers", exact=True)
    expect(page.locator("#setting-jwt_secret-state")).to_have_text("(No secret is set.)")
    secret.fill("too short")
    form.get_by_role("button", name="Save settings").click()
    expect(page.locator("#setting-jwt_secret-error")).to_contain_text("Length must be between")
    secret.fill("a-long-enough-secret-for-signing-readers-1")
    form.get_by_role("button", name="Save settings").click()
    expect(page.locator("#setting-jwt_secret-state")).to_have_text("(A secret is set.)")
    expect(secret).to_have_value("")
    form.get_by_role("button", name="Clear secret").click()
    expect(status(page)).to_have_text("The JWT secret of default is cleared.")
    expect(page.locator("#setting-jwt_secret-state")).to_have_text("(No secret is set.)")
    assert settings_of(server)["jwt_secret"] is False


def test_allowed_origins_are_edited_one_a_line(page, server):
    sign_in(page, server, make_key(server, "admin"))
    form = open_settings(page)
    origins = form.get_by_label("Allowed origins, one a line", exact=True)
    origins.fill("https://news.example\nnot an origin")
    form.get_by_role("button", name="Save settings").click()
    expect(page.locator("#setting-allowed_origins-error")).to_contain_text("is not an origin")
    origins.fill("https://news.example")
    form.get_by_role("button", name="Save settings").click()
    expect(page.locator("#setting-allowed_origins-state")).to_have_text("(1 origin)")


def test_the_keys_screen_makes_rotates_and_revokes_keys(page, server):
    sign_in(page, server, make_key(server, "admin"))
    page.get_by_role("navigation", name="Views").get_by_role("button", name="Keys").click()
    expect(status(page)).to_have_text("1 key for default.")
    expect(page.locator("#keys tr")).to_contain_text(["(this key)"])
    expect(page.get_by_role("button", name="Revoke key")).to_have_count(0)

    form = page.get_by_role("form", name="Make a key for this site")
    form.get_by_label("Name", exact=True).fill("night shift")
    form.get_by_role("button", name="Make a key").click()
    made = page.get_by_label("New key")
    expect(made).to_be_focused()
    raw = made.input_value()
    assert raw.startswith("csk_")
    expect(page.locator("#keys tr").first).to_contain_text("night shift")
    assert admin_api(server, raw, "get", "/key").status_code == 200

    page.get_by_role("button", name="Rotate key").first.click()
    page.get_by_role("dialog").get_by_role("button", name="Rotate").click()
    expect(status(page)).to_contain_text("rotated; the new key is shown once")
    rotated = made.input_value()
    assert rotated != raw
    assert admin_api(server, raw, "get", "/key").status_code == 401
    page.get_by_role("button", name="Done").click()
    expect(made).to_be_hidden()

    page.get_by_role("button", name="Revoke key").first.click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
    expect(status(page)).to_contain_text("revoked.")
    assert admin_api(server, rotated, "get", "/key").status_code == 401


def test_rotating_the_pages_own_key_keeps_the_page_signed_in(page, server):
    old = make_key(server, "admin")
    sign_in(page, server, old)
    page.get_by_role("navigation", name="Views").get_by_role("button", name="Keys").click()
    page.get_by_role("button", name="Rotate key").click()
    page.get_by_role("dialog").get_by_role("button", name="Rotate").click()
    expect(status(page)).to_contain_text("rotated")
    assert admin_api(server, old, "get", "/key").status_code == 401
    page.get_by_role("button", name="Bans").click()
    expect(status(page)).to_have_text("0 bans on default.")


AXE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
RUN_AXE = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
        .map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target)}));
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_settings_and_keys_screens_have_no_serious_accessibility_violations(
        new_page, server, scheme):
    # The page forbids inline scripts; axe is injected as one.
    page = sign_in(new_page(color_scheme=scheme, bypass_csp=True), server,
                   make_key(server, "admin"))
    page.add_script_tag(content=AXE)
    form = open_settings(page)
    form.get_by_label(LINKS, exact=True).fill("500")
    form.get_by_role("button", name="Save settings").click()
    expect(page.locator("#setting-link_limit-error")).not_to_be_empty()
    assert page.evaluate(RUN_AXE) == []
    page.get_by_role("navigation", name="Views").get_by_role("button", name="Keys").click()
    page.get_by_role("form", name="Make a key for this site").get_by_role(
        "button", name="Make a key").click()
    expect(page.get_by_label("New key")).to_be_visible()
    assert page.evaluate(RUN_AXE) == []
