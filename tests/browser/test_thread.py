"""Reading a busy thread: pages, replies, sorting, permalinks, and the counts on listings."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from commentsvc import posting
from commentsvc.extensions import db
from commentsvc.identity import Reader
from commentsvc.models import Comment
from commentsvc.web.demo import TOP_LEVEL
from tests.browser.support import BUSY, HOME, loaded, publisher_page

pytestmark = pytest.mark.browser


def add_comments(server, per_article: dict[str, int]) -> None:
    """Comments straight through the domain: quicker than typing them."""
    config = server.app.extensions["commentsvc"]
    with server.app.app_context():
        for article, n in per_article.items():
            for i in range(n):
                posting.create(db.session, config, Reader(key=f"reader-{i}"),
                               posting.NewComment(site="default", article=article,
                                                  body=f"{article} #{i}"))


def top_level_ids(server) -> list[int]:
    with server.app.app_context():
        return list(db.session.scalars(
            select(Comment.id).where(Comment.parent_id.is_(None)).order_by(Comment.id)))


def replies_of(server, root_id: int) -> list[int]:
    with server.app.app_context():
        return list(db.session.scalars(
            select(Comment.id).where(Comment.root_id == root_id).order_by(Comment.id)))


def test_load_more_brings_the_next_page_of_comments(page, seeded):
    page.goto(seeded.url + BUSY)
    root = loaded(page)
    expect(root.locator("h2 .count")).to_have_text("67 comments")
    expect(root.locator(".list > article")).to_have_count(20)

    root.get_by_role("button", name="Load more comments").click()
    expect(root.locator(".list > article")).to_have_count(len(TOP_LEVEL))
    expect(root.get_by_role("button", name="Load more comments")).to_be_hidden()
    expect(root.locator(".list > article").nth(20)).to_be_focused()
    expect(root.locator(".sr[aria-live]")).to_have_text("10 more comments loaded")


def test_more_replies_load_under_their_thread_with_indentation_capped(page, seeded):
    busy = top_level_ids(seeded)[1]  # the long conversation
    replies = replies_of(seeded, busy)
    page.goto(seeded.url + BUSY)
    thread = loaded(page).locator(f"article[data-comment-id='{busy}']")
    expect(thread.locator("article")).to_have_count(5)
    more = thread.get_by_role("button", name="Show 7 more replies")
    more.click()

    expect(thread.locator("article")).to_have_count(len(replies))
    expect(more).to_be_hidden()
    # Four levels deep in the data, three on screen: the deepest reply sits beside its parent.
    deepest = thread.locator(".kids .kids .kids article")
    expect(deepest).to_have_count(2)
    expect(thread.locator(".kids .kids .kids .kids")).to_have_count(2)
    expect(thread.locator(".kids .kids .kids .kids article")).to_have_count(0)


def test_sorting_by_newest_puts_the_latest_comment_first(page, seeded):
    page.goto(seeded.url + BUSY)
    root = loaded(page)
    first = root.locator(".list > article").first
    expect(first.locator(":scope > .body")).to_have_text(TOP_LEVEL[0].replace("**", ""))
    root.get_by_label("Sort by").select_option("newest")

    expect(first.locator(":scope > .body")).to_have_text(TOP_LEVEL[-1])
    expect(root.locator(".sr[aria-live]")).to_have_text("Sorted: Newest first")
    root.get_by_label("Sort by").select_option("oldest")
    expect(first.locator(":scope > .body")).to_have_text(TOP_LEVEL[0].replace("**", ""))


def test_a_permalink_to_a_comment_on_a_later_page_loads_its_page_and_highlights_it(page, seeded):
    target = top_level_ids(seeded)[24]
    page.goto(f"{seeded.url}{BUSY}#comment-{target}")
    root = loaded(page)
    comment = root.locator(f"article[data-comment-id='{target}']")
    expect(comment).to_have_class("hl")
    expect(comment).to_be_focused()
    expect(comment).to_be_in_viewport()
    expect(root.locator(".list > article").first).to_have_attribute("data-comment-id", str(target))
    root.get_by_role("button", name="Show all comments from the start").click()
    expect(root.locator(".list > article")).to_have_count(20)


def test_a_permalink_to_a_reply_not_yet_shown_loads_more_replies(page, seeded):
    busy = top_level_ids(seeded)[1]
    last_reply = replies_of(seeded, busy)[-1]
    page.goto(f"{seeded.url}{BUSY}#comment-{last_reply}")
    comment = loaded(page).locator(f"article[data-comment-id='{last_reply}']")
    expect(comment).to_have_class("hl")
    expect(comment).to_be_focused()


def test_following_a_comment_link_on_the_page_highlights_it(page, seeded):
    page.goto(seeded.url + BUSY)
    root = loaded(page)
    second = root.locator(".list > article").nth(1)
    second.locator(":scope > .head a.time").click()
    expect(second).to_have_class("hl")
    assert page.url.endswith(f"#comment-{second.get_attribute('data-comment-id')}")


def test_read_next_links_show_counts_from_one_request(page, seeded):
    page.goto(seeded.url + HOME)
    links = page.locator("aside [data-commentsvc-count]")
    # The last is the article whose thread is server-rendered (four seeded comments).
    expect(links).to_have_text(["67 comments", "1 comment", "4 comments"])
    expect(page.locator(".meta [data-commentsvc-count]")).to_have_text("Leave the first comment")
    count_requests = [r for r in page.watch.requests if "/api/v1/counts" in r]
    assert len(count_requests) == 1


@pytest.mark.parametrize(("lang", "many", "one", "four", "none", "heading"), [
    ("de", "67 Kommentare", "1 Kommentar", "4 Kommentare", "Schreiben Sie den ersten Kommentar",
     "Was ist Ihre Meinung zu diesem Thema?"),
    ("fr", "67 commentaires", "1 commentaire", "4 commentaires", "Laissez le premier commentaire",
     "Quel est votre avis sur ce sujet\u00a0?"),
    ("tr", "67 yorum", "1 yorum", "4 yorum", "İlk yorumu siz yazın",  # noqa: RUF001
     "Bu konu hakkındaki görüşünüz nedir?"),  # noqa: RUF001
    ("ru", "67 комментариев", "1 комментарий", "4 комментария", "Оставьте первый комментарий",
     "Каково ваше мнение по этой теме?"),
    ("uz", "67 ta izoh", "1 ta izoh", "4 ta izoh", "Birinchi izohni qoldiring",
     "Bu mavzu bo‘yicha fikringiz qanday?"),  # noqa: RUF001
])
def test_counts_and_the_widget_speak_the_page_language(page, seeded, lang, many, one, four,
                                                      none, heading):
    page.goto(f"{seeded.url}{HOME}?lang={lang}")
    expect(page.locator("aside [data-commentsvc-count]")).to_have_text([many, one, four])
    root = loaded(page)
    expect(root.locator("h2")).to_contain_text(heading)
    expect(root.locator("h2 .count")).to_have_text(none)


def test_count_links_on_a_publisher_page_use_plural_rules(page, server):
    add_comments(server, {"two": 2, "five": 5, "twenty-one": 21})
    links = "".join(
        f'<a href="/{key}#commentsvc" data-commentsvc-count data-article="{key}">Comments</a>'
        for key in ("two", "five", "twenty-one", "none")
    )
    publisher_page(page, server, links + '<script src="{API}/static/count.js" async></script>',
                   lang="ru")
    expect(page.locator("[data-commentsvc-count]")).to_have_text(
        ["2 комментария", "5 комментариев", "21 комментарий", "Оставьте первый комментарий"])
