"""Votes, reports and pinned comments in the widget."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from commentsvc.extensions import db
from commentsvc.models import Comment
from tests.browser.moderator_support import admin_api, make_key, post_comment
from tests.browser.support import HOME, loaded, post, widget

pytestmark = pytest.mark.browser


def others_comment(server, body: str = "Someone else's view") -> int:
    """A comment by another reader on the demo page's article."""
    answer = post_comment(server, body, name="Grace")
    assert answer.status_code == 201, answer.json
    return answer.json["id"]


def comment_in(root, comment_id: int):
    return root.locator(f"article[data-comment-id='{comment_id}']")


def votes(article):
    return article.locator(":scope > .actions .votes")


def test_voting_up_then_down_then_taking_it_back_moves_the_score(page, server):
    theirs = others_comment(server)
    page.goto(server.url + HOME)
    root = loaded(page)
    group = votes(comment_in(root, theirs))
    up = group.get_by_role("button", name="Upvote")
    down = group.get_by_role("button", name="Downvote")
    expect(group.locator(".score [aria-hidden]")).to_have_text("0")
    expect(group.locator(".score .sr")).to_have_text("Score: 0")
    expect(up).to_have_attribute("aria-pressed", "false")

    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(group.locator(".score [aria-hidden]")).to_have_text("1")
    expect(root.locator(".sr[aria-live]")).to_have_text("Score: 1")
    expect(up).to_be_focused()

    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(group.locator(".score [aria-hidden]")).to_have_text("-1")

    down.click()
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(group.locator(".score [aria-hidden]")).to_have_text("0")
    with server.app.app_context():
        assert db.session.get(Comment, theirs).score == 0


def test_a_vote_is_still_shown_after_a_reload(page, server):
    theirs, other = others_comment(server), others_comment(server, "Another view")
    page.goto(server.url + HOME)
    votes(comment_in(loaded(page), theirs)).get_by_role("button", name="Downvote").click()
    expect(votes(comment_in(widget(page), theirs)).locator(".score .sr")).to_have_text("Score: -1")

    page.reload()
    group = votes(comment_in(loaded(page), theirs))
    expect(group.get_by_role("button", name="Downvote")).to_have_attribute("aria-pressed", "true")
    expect(group.get_by_role("button", name="Upvote")).to_have_attribute("aria-pressed", "false")
    expect(group.locator(".score .sr")).to_have_text("Score: -1")
    untouched = votes(comment_in(widget(page), other))
    expect(untouched.get_by_role("button", name="Downvote")).to_have_attribute(
        "aria-pressed", "false")
    # One look-up of the reader's own votes per page load, none after voting.
    assert len([r for r in page.watch.requests if "/api/v1/votes?" in r]) == 2


def test_a_vote_that_cannot_be_sent_says_so_and_changes_nothing(page, server):
    theirs = others_comment(server)
    page.goto(server.url + HOME)
    article = comment_in(loaded(page), theirs)
    page.route("**/vote", lambda route: route.abort())
    up = article.get_by_role("button", name="Upvote")
    for _ in range(2):
        up.click()
    expect(article.locator(".err[role=alert]")).to_have_text(
        re.compile("^Could not reach the comment service."))
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(votes(article).locator(".score .sr")).to_have_text("Score: 0")


def test_ones_own_comment_shows_its_score_but_no_vote_buttons_and_no_report(page, server):
    others_comment(server)
    page.goto(server.url + HOME)
    mine = post(loaded(page), "My own opinion")
    expect(votes(mine).locator(".score .sr")).to_have_text("Score: 0")
    expect(votes(mine).get_by_role("button")).to_have_count(0)
    expect(mine.get_by_role("button", name="Report", exact=True)).to_have_count(0)
    page.reload()
    mine = comment_in(loaded(page), int(mine.get_attribute("data-comment-id")))
    expect(votes(mine).get_by_role("button")).to_have_count(0)


def test_a_vote_on_ones_own_comment_the_browser_forgot_is_explained(page, server):
    page.goto(server.url + HOME)
    mine = int(post(loaded(page), "Written on this browser").get_attribute("data-comment-id"))
    page.evaluate("""() => Object.keys(localStorage)
        .filter((k) => k.startsWith('commentsvc:own:'))
        .forEach((k) => localStorage.removeItem(k))""")
    page.reload()
    article = comment_in(loaded(page), mine)
    article.get_by_role("button", name="Upvote").click()
    expect(article.locator(".err[role=alert]")).to_have_text(
        "You cannot vote on your own comment.")
    expect(votes(article).get_by_role("button")).to_have_count(0)


def test_a_report_with_a_reason_and_a_note_reaches_the_flagged_queue(page, server):
    theirs = others_comment(server, "Buy cheap watches at my shop")
    page.goto(server.url + HOME)
    article = comment_in(loaded(page), theirs)
    report = article.get_by_role("button", name="Report", exact=True)
    report.click()
    expect(report).to_have_attribute("aria-expanded", "true")
    form = article.locator("form[data-kind=report]")
    reasons = form.get_by_role("group", name="Why are you reporting this comment?")
    expect(reasons.get_by_role("radio")).to_have_count(4)
    reasons.get_by_label("Off topic").check()
    form.get_by_label("Note for the moderators (optional)").fill("An advert, not a comment")
    form.get_by_role("button", name="Send report").click()

    expect(form).to_have_count(0)
    expect(article.locator(":scope > .actions")).to_contain_text("Reported — thank you")
    expect(article.get_by_role("button", name="Report", exact=True)).to_have_count(0)
    expect(widget(page).locator(".sr[aria-live]")).to_have_text("Reported — thank you")
    expect(article).to_be_focused()
    queue = admin_api(server, make_key(server), "get", "/comments?site=default&status=flagged")
    [flagged] = queue.json["comments"]
    assert flagged["id"] == theirs
    assert [(f["reason"], f["note"]) for f in flagged["flags"]] == [
        ("off_topic", "An advert, not a comment")]

    page.reload()
    article = comment_in(loaded(page), theirs)
    expect(article.locator(":scope > .actions")).to_contain_text("Reported — thank you")
    expect(article.get_by_role("button", name="Report", exact=True)).to_have_count(0)


def report_as_spam(article) -> None:
    article.get_by_role("button", name="Report", exact=True).click()
    article.get_by_label("Spam").check()
    article.get_by_role("button", name="Send report").click()
    expect(article.get_by_role("button", name="Report", exact=True)).to_have_count(0)


def test_reporting_again_after_the_browser_forgot_says_it_was_reported_already(page, server):
    theirs = others_comment(server)
    page.goto(server.url + HOME)
    report_as_spam(comment_in(loaded(page), theirs))
    page.evaluate("""() => Object.keys(localStorage)
        .filter((k) => k.startsWith('commentsvc:reported:'))
        .forEach((k) => localStorage.removeItem(k))""")
    page.reload()
    article = comment_in(loaded(page), theirs)
    report_as_spam(article)
    expect(article.locator(":scope > .actions")).to_have_text(
        re.compile("You have already reported this comment$"))
    expect(widget(page).locator(".sr[aria-live]")).to_have_text(
        "You have already reported this comment")


def test_the_report_form_works_by_keyboard_alone(page, server):
    theirs = others_comment(server)
    page.goto(server.url + HOME)
    article = comment_in(loaded(page), theirs)
    report = article.get_by_role("button", name="Report", exact=True)
    report.focus()
    page.keyboard.press("Enter")
    form = article.locator("form[data-kind=report]")
    expect(form.get_by_role("radio").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    expect(article.get_by_role("button", name="Report", exact=True)).to_be_focused()

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # past the reasons, none chosen yet
    page.keyboard.type("Insults another reader")
    page.keyboard.press("Tab")  # Cancel
    page.keyboard.press("Tab")  # Send report
    page.keyboard.press("Enter")
    expect(form.locator(".err")).to_have_text("Choose a reason.")
    expect(form.get_by_role("radio").first).to_be_focused()
    page.keyboard.press("ArrowDown")  # arrows choose within the group: the second reason
    expect(form.get_by_label("Abuse or harassment")).to_be_checked()
    page.keyboard.press("Tab")
    expect(form.locator("textarea[name=note]")).to_be_focused()
    for _ in range(2):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(article.locator(":scope > .actions")).to_contain_text("Reported — thank you")
    queue = admin_api(server, make_key(server), "get", "/comments?site=default&status=flagged")
    assert [(f["reason"], f["note"]) for f in queue.json["comments"][0]["flags"]] == [
        ("abuse", "Insults another reader")]


def test_a_pinned_comment_comes_first_with_a_pinned_mark(page, server):
    first, second, pinned = (others_comment(server, body)
                             for body in ("Early", "Middle", "Late but important"))
    answer = admin_api(server, make_key(server), "post", f"/comments/{pinned}/moderate",
                       json={"action": "pin"})
    assert answer.status_code == 200, answer.json
    page.goto(server.url + HOME)
    root = loaded(page)
    top = root.locator(".list > article")
    expect(top).to_have_count(3)
    expect(top.first).to_have_attribute("data-comment-id", str(pinned))
    expect(top.first.locator(":scope > .head .pin")).to_have_text("Pinned")
    expect(root.locator(".pin")).to_have_count(1)
    expect(top.nth(1)).to_have_attribute("data-comment-id", str(first))

    root.get_by_label("Sort by").select_option("newest")
    expect(root.locator(".sr[aria-live]")).to_have_text("Sorted: Newest first")
    mine = post(root, "Newest of all")
    expect(top.first).to_have_attribute("data-comment-id", str(pinned))
    expect(top.nth(1)).to_have_attribute("data-comment-id", mine.get_attribute("data-comment-id"))
    expect(top.nth(2)).to_have_attribute("data-comment-id", str(second))




@pytest.mark.parametrize(("lang", "upvote", "report", "reason"), [
    ("de", "Positiv bewerten", "Melden", "Etwas anderes"),
    ("fr", "Voter pour", "Signaler", "Autre chose"),
    ("tr", "Olumlu oy ver", "Bildir", "Başka bir şey"),
    ("ru", "Голосовать за", "Пожаловаться", "Другое"),
    ("uz", "Ijobiy ovoz berish", "Shikoyat qilish", "Boshqa sabab"),
])
def test_votes_and_reports_speak_the_page_language(page, server, lang, upvote, report, reason):
    theirs = others_comment(server)
    page.goto(f"{server.url}{HOME}?lang={lang}")
    article = comment_in(loaded(page), theirs)
    article.get_by_role("button", name=upvote).click()
    expect(article.get_by_role("button", name=upvote)).to_have_attribute("aria-pressed", "true")
    article.get_by_role("button", name=report, exact=True).click()
    expect(article.get_by_role("radio", name=reason)).to_be_visible()
