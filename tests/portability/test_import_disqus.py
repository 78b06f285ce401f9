from datetime import UTC, datetime

import pytest

from commentsvc.identity import keyed_hash
from tests.portability.support import FIXTURES, articles, run_import, stored

BRIDGES, RIVERS = "/2019/05/bridges/", "/2019/06/rivers/?ref=home"


@pytest.fixture
def imported(app):
    result = run_import(app, "disqus", "disqus.xml")
    assert result.exit_code == 0, result.output
    return result


def test_a_reply_listed_before_its_parent_is_threaded_under_it(app, imported):
    comments = stored(app)
    assert comments["3002"]["parent"] == "3001"
    assert comments["3002"]["root"] == "3001"
    assert comments["3002"]["ancestry"] == ["3001"]
    assert comments["3002"]["depth"] == 1


def test_authors_dates_and_emails_are_carried_over_as_posting_stores_them(app, imported):
    bob = stored(app)["3002"]
    assert bob["name"] == "Bob & Co"
    assert bob["created_at"] == datetime(2019, 5, 1, 11, 0, tzinfo=UTC)
    assert bob["email_hash"] == keyed_hash("test-secret", "email", "bob@example.org")


def test_html_is_sanitised_and_keeps_its_line_breaks_and_links(app, imported):
    bob = stored(app)["3002"]
    assert "<script" not in bob["html"]
    assert "<br>" in bob["html"]
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">a link</a>' in bob["html"]
    assert bob["source"] == ("I agree with you.\nTwo lines \u2014 and "
                             "[a link](https://example.org/x).\n\nSecond paragraph")


def test_spam_stays_spam_and_a_deleted_comment_with_replies_becomes_a_placeholder(app,
                                                                                    imported):
    comments = stored(app)
    assert comments["3003"]["status"] == "spam"
    assert comments["3004"]["status"] == "deleted"
    assert comments["3004"]["source"] == "[deleted]"
    assert comments["3004"]["name"] == ""
    assert comments["3005"]["parent"] == "3004"
    assert "3006" not in comments  # deleted, no replies: skipped


def test_threads_fill_their_articles_and_counters_are_exact(app, imported):
    found = articles(app)
    assert set(found) == {BRIDGES, RIVERS}
    assert found[BRIDGES]["title"] == "Bridges & tunnels"
    assert found[BRIDGES]["url"] == "https://news.example/2019/05/bridges/"
    assert found[BRIDGES]["comment_count"] == 2  # the spam is not counted
    assert found[RIVERS]["comment_count"] == 1
    comments = stored(app)
    assert comments["3001"]["reply_count"] == 1
    assert comments["3001"]["descendant_count"] == 1
    assert comments["3004"]["reply_count"] == 1


def test_the_summary_counts_everything_and_names_each_skipped_record(imported):
    assert "imported 5 comments into 2 articles" in imported.output
    assert "already present: 0" in imported.output
    assert "skipped: 3 (deleted without replies: 1, malformed: 1, no article id: 1)" \
        in imported.output
    assert "post 7: skipped (malformed): unreadable date 'yesterday'" in imported.output
    assert "post 8: skipped (no article id)" in imported.output
    assert "records/s" not in imported.output  # no progress bar when not on a terminal


def test_the_public_thread_shows_the_imported_comments(app, imported):
    response = app.test_client().get("/api/v1/comments",
                                     query_string={"site": "default", "article": BRIDGES})
    assert response.status_code == 200
    [first] = response.json["comments"]  # the spam is not shown
    assert first["author"]["name"] == "Ann"
    assert first["created_at"].startswith("2019-05-01T10:00:00")
    assert [reply["author"]["name"] for reply in first["replies"]] == ["Bob & Co"]
    assert response.json["article"]["comment_count"] == 2


def test_a_second_run_adds_nothing(app, imported):
    before, before_articles = stored(app), articles(app)
    again = run_import(app, "disqus", "disqus.xml")
    assert again.exit_code == 0
    assert "imported 0 comments" in again.output
    assert "already present: 5" in again.output
    assert stored(app) == before
    assert {k: v["comment_count"] for k, v in articles(app).items()} == \
        {k: v["comment_count"] for k, v in before_articles.items()}


def test_a_larger_export_adds_only_the_new_comments(app, imported):
    later = run_import(app, "disqus", "disqus-later.xml")
    assert "imported 2 comments" in later.output
    assert "already present: 5" in later.output
    comments = stored(app)
    assert comments["3009"]["parent"] == "3002"
    assert comments["3009"]["ancestry"] == ["3001", "3002"]
    assert comments["3001"]["descendant_count"] == 2
    assert comments["3002"]["reply_count"] == 1
    assert articles(app)[BRIDGES]["comment_count"] == 3
    assert articles(app)[RIVERS]["comment_count"] == 2


def test_a_dry_run_writes_nothing(app):
    result = run_import(app, "disqus", "disqus.xml", "--dry-run")
    assert result.exit_code == 0
    assert "dry run, nothing written: would import 5 comments" in result.output
    assert stored(app) == {}
    assert articles(app) == {}


def test_a_map_names_the_articles(app):
    result = run_import(app, "disqus", "disqus.xml", "--map",
                        str(FIXTURES / "disqus-map.csv"))
    assert result.exit_code == 0, result.output
    assert set(articles(app)) == {"bridges", "rivers"}


@pytest.mark.parametrize(("mode", "keys"), [
    ("id", {"news-42", RIVERS}),  # an empty identifier falls back to the link's path
    ("url", {"https://news.example/2019/05/bridges/",
             "https://news.example/2019/06/rivers/?ref=home"}),
])
def test_article_ids_can_come_from_identifiers_or_whole_urls(app, mode, keys):
    assert run_import(app, "disqus", "disqus.xml", "--article-id", mode).exit_code == 0
    assert set(articles(app)) == keys


def test_hold_keeps_imported_comments_held_for_review(app):
    assert run_import(app, "disqus", "disqus.xml", "--hold").exit_code == 0
    comments = stored(app)
    assert comments["3001"]["status"] == "pending"
    assert comments["3001"]["moderation_reason"] == "imported: held for review"
    assert comments["3003"]["status"] == "spam"
    assert articles(app)[BRIDGES]["comment_count"] == 0


@pytest.mark.parametrize("name", ["bomb.xml", "xxe.xml"])
def test_an_xml_bomb_or_external_entity_fails_cleanly_and_writes_nothing(app, name):
    result = run_import(app, "disqus", name)
    assert result.exit_code == 2
    assert "refused: the XML declares a DTD" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert stored(app) == {}


def test_xml_that_breaks_off_midway_writes_nothing(app, tmp_path):
    whole = (FIXTURES / "disqus.xml").read_text()
    broken = tmp_path / "broken.xml"
    broken.write_text(whole[: whole.index('<post dsq:id="3006">')] + "<post dsq:id=")
    result = run_import(app, "disqus", str(broken))
    assert result.exit_code == 2
    assert "not well-formed XML" in result.output
    assert stored(app) == {}


def test_a_reply_to_a_missing_parent_is_kept_at_the_top_level_and_reported(app, tmp_path):
    orphan = tmp_path / "orphan.xml"
    orphan.write_text(
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="1"><id>t</id><link>https://n.example/t</link><title>T</title></thread>'
        '<post dsq:id="2"><message>hi</message><createdAt>2020-01-01T00:00:00Z</createdAt>'
        '<thread dsq:id="1"/><parent dsq:id="99"/></post></disqus>')
    result = run_import(app, "disqus", str(orphan))
    assert "post 1: its parent '99' is not in the file; kept as a top-level comment" \
        in result.output
    assert "replies to a missing parent, kept at the top level: 1" in result.output
    assert stored(app)["2"]["parent"] is None


@pytest.mark.parametrize(("body", "message"), [
    ('<disqus xmlns="http://disqus.com"><!DOCTYPE x [<!ENTITY a "b">]></disqus>',
     "not well-formed XML"),
    ('<disqus xmlns="http://disqus.com"><thread>&undeclared;</thread></disqus>',
     "not well-formed XML"),
    ('<?xml version="1.0"?>\n<!DOCTYPE disqus SYSTEM "http://attacker.example/x.dtd">\n'
     '<disqus xmlns="http://disqus.com"/>', "refused: the XML declares a DTD"),
])
def test_entities_cannot_get_in_anywhere_in_the_file(app, tmp_path, body, message):
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(body)
    result = run_import(app, "disqus", str(hostile))
    assert result.exit_code == 2
    assert message in result.output
