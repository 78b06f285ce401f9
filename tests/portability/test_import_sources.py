"""WordPress, Isso and Remark42 exports, each with the awkward parts of real ones."""

import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from commentsvc.identity import keyed_hash
from tests.portability.support import FIXTURES, articles, run_import, stored


def test_wordpress_comments_keep_threads_statuses_and_paragraphs(app):
    result = run_import(app, "wordpress", "wordpress.xml")
    assert result.exit_code == 0, result.output
    comments = stored(app)
    assert set(comments) == {"101", "102", "103", "104"}  # no pingback, nothing from the trash
    bea = comments["102"]
    assert bea["parent"] == "101"
    assert bea["name"] == "Bea O'Neil"
    assert bea["created_at"] == datetime(2020, 4, 2, 9, 30, tzinfo=UTC)
    assert bea["email_hash"] == keyed_hash("test-secret", "email", "bea@example.org")
    assert bea["html"].startswith("<p>Mine too!<br>")
    assert "<strong>huge</strong>" in bea["html"]
    assert "javascript" not in bea["html"]
    assert bea["source"].startswith("Mine too!\nThey grew **huge**.\n\nSee")
    assert comments["103"]["status"] == "pending"
    assert comments["103"]["created_at"] == datetime(2020, 4, 3, 9, 0, tzinfo=UTC)
    assert comments["104"]["status"] == "spam"
    assert articles(app)["/2020/04/tomatoes/"]["title"] == "Tomatoes & basil"
    assert articles(app)["/2020/04/tomatoes/"]["comment_count"] == 2
    assert "item 1, comment 5: skipped (pingback)" in result.output
    assert "skipped: 2 (deleted without replies: 1, pingback: 1)" in result.output


def test_wordpress_post_ids_can_be_the_article_ids(app):
    assert run_import(app, "wordpress", "wordpress.xml", "--article-id", "id").exit_code == 0
    assert set(articles(app)) == {"11"}


def isso_database(tmp_path: Path) -> str:
    """Isso keeps comments in SQLite: build its file from the SQL fixture (databases are not
    kept in the repository)."""
    path = tmp_path / "isso.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript((FIXTURES / "isso.sql").read_text(encoding="utf-8"))
    return str(path)


def test_isso_markdown_is_rendered_and_deleted_parents_stay_as_placeholders(app, tmp_path):
    result = run_import(app, "isso", isso_database(tmp_path))
    assert result.exit_code == 0, result.output
    comments = stored(app)
    ann = comments["1"]
    assert ann["html"] == ("<p>Works <strong>great</strong>.</p>\n"
                           "<p>Thanks! &lt;script&gt;x&lt;/script&gt;</p>")
    assert ann["source"] == "Works **great**.\n\nThanks! <script>x</script>"
    assert ann["score"] == 2
    assert ann["created_at"] == datetime.fromtimestamp(1600000000.5, UTC)
    assert comments["2"]["status"] == "deleted"
    assert comments["3"]["ancestry"] == ["1", "2"]
    assert comments["4"]["status"] == "pending"
    assert "5" not in comments
    assert ann["descendant_count"] == 2
    assert articles(app)["/notes/isso-setup/"]["comment_count"] == 2
    assert "comment id 6: skipped (malformed): unknown mode 9" in result.output


def test_a_file_that_is_not_an_isso_database_is_refused(app, tmp_path):
    not_isso = tmp_path / "x.db"
    not_isso.write_text("hello")
    result = run_import(app, "isso", str(not_isso))
    assert result.exit_code == 2
    assert "not an SQLite database" in result.output or "not an Isso database" in result.output


def test_remark42_keeps_what_authors_typed_and_reports_bad_lines_by_number(app):
    result = run_import(app, "remark42", "remark42.jsonl")
    assert result.exit_code == 0, result.output
    comments = stored(app)
    assert set(comments) == {"c-1", "c-2"}
    bo = comments["c-2"]
    assert bo["parent"] == "c-1"
    assert bo["source"] == "Thanks, _really_.\nSecond line & more."
    assert "<em>really</em>" in bo["html"]
    assert bo["score"] == 2
    assert bo["created_at"] == datetime(2021, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)  # Go's ns
    assert articles(app)["/posts/first/"]["title"] == "First post"
    assert "line 5: skipped (malformed): not JSON" in result.output
    assert "line 6: skipped (malformed): comment without locator.url" in result.output


def test_a_remark42_backup_runs_twice_without_adding_anything(app):
    run_import(app, "remark42", "remark42.jsonl")
    again = run_import(app, "remark42", "remark42.jsonl")
    assert "imported 0 comments" in again.output
    assert "already present: 2" in again.output


def test_an_id_too_long_to_store_is_reported_and_skipped(app, tmp_path):
    backup = tmp_path / "long.jsonl"
    backup.write_text('{"version": 1}\n{"id": "' + "x" * 129 + '", "pid": "", "text": "<p>hi</p>",'
                      ' "user": {"name": "A"}, "locator": {"url": "https://b.example/p/"},'
                      ' "time": "2021-01-01T00:00:00Z"}\n')
    result = run_import(app, "remark42", str(backup))
    assert result.exit_code == 0
    assert "line 2: skipped (malformed): id longer than 128 characters" in result.output
