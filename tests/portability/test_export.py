"""The site export (CLI and admin route) and the round trip through an empty database."""

import json

import pytest

from commentsvc.extensions import db
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import THREAD, post, reset_database
from tests.portability.support import run_import

READER = {"X-Reader-Token": "export-test-reader"}


def export(app, *options):
    result = app.test_cli_runner().invoke(args=["export", "--site", "default", *options])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


@pytest.fixture
def busy_site(app, client, clock, keys):  # noqa: F811
    """Comments of every kind: replies, a vote, a pin, a held, a spam and a deleted one."""
    first = post(client, "First, with a [link](https://example.org)").json["id"]
    clock.advance(seconds=5)
    reply = post(client, "A reply\nover two lines", parent_id=first).json["id"]
    clock.advance(seconds=5)
    post(client, "A reply to the reply", parent_id=reply)
    clock.advance(seconds=5)
    doomed = post(client, "To be deleted").json["id"]
    clock.advance(seconds=5)
    post(client, "Under the deleted one", parent_id=doomed)
    spam = post(client, "Spam here").json["id"]
    post(client, "Elsewhere", article="other-article", article_title="Other")
    client.post(f"/api/v1/comments/{first}/vote", json={"value": 1}, headers=READER)
    admin = bearer(keys.admin)
    for comment_id, action in [(first, "pin"), (doomed, "delete"), (spam, "spam")]:
        response = client.post(f"/api/v1/admin/comments/{comment_id}/moderate",
                               json={"action": action}, headers=admin)
        assert response.status_code == 200, response.json
    client.patch("/api/v1/admin/articles", query_string=THREAD, json={"closed": True},
                 headers=admin)
    return first


def comparable(lines):
    """The document with comment ids replaced by their position: ids differ between databases."""
    position = {line["id"]: n for n, line in enumerate(lines) if line["type"] == "comment"}
    out = []
    for line in lines:
        line = dict(line)
        if line["type"] == "meta":
            line = {"format": line["format"], "version": line["version"]}
        elif line["type"] == "comment":
            line["id"] = position[line["id"]]
            line["parent"] = position.get(line["parent"])
        out.append(line)
    return out


def test_the_export_starts_with_a_versioned_meta_line_then_site_articles_and_comments(
        app, busy_site):
    lines = export(app)
    assert lines[0]["type"] == "meta"
    assert (lines[0]["format"], lines[0]["version"]) == ("commentsvc-export", 1)
    assert lines[1]["type"] == "site"
    kinds = [line["type"] for line in lines[2:]]
    assert kinds == ["article"] + ["comment"] * 6 + ["article", "comment"]
    first = next(line for line in lines if line.get("id") == busy_site)
    assert first["pinned"] is True
    assert first["score"] == 1
    assert first["reply_count"] == 1
    assert first["descendant_count"] == 2
    assert first["ip_hash"] and len(first["ip_hash"]) == 64  # hashes stay hashes
    ids = set()
    for line in lines:
        if line["type"] == "comment":
            assert line["parent"] is None or line["parent"] in ids  # parents come first
            ids.add(line["id"])


def test_the_export_never_contains_the_sites_jwt_secret(app, busy_site):
    from tests.conftest import set_site_settings

    set_site_settings(app, {"jwt_secret": "s3cret", "link_limit": 2})
    site = export(app)[1]
    assert site["settings"] == {"link_limit": 2}


def test_one_article_can_be_exported_alone(app, busy_site):
    lines = export(app, "--article", "other-article")
    assert [line["type"] for line in lines] == ["meta", "site", "article", "comment"]


def test_export_then_import_into_an_empty_database_gives_the_same_document(
        app, busy_site, migrated, tmp_path):
    before = export(app)
    dump = tmp_path / "site.jsonl"
    dump.write_text("".join(json.dumps(line) + "\n" for line in before))
    with app.app_context():
        reset_database(migrated)
        db.session.remove()
    result = run_import(app, "commentsvc", str(dump))
    assert result.exit_code == 0, result.output
    assert "imported 7 comments into 2 articles" in result.output
    after = export(app)
    assert comparable(after) == comparable(before)
    again = run_import(app, "commentsvc", str(dump))
    assert "already present: 7" in again.output


def test_a_file_that_is_not_a_commentsvc_export_is_refused(app, tmp_path):
    other = tmp_path / "x.jsonl"
    other.write_text('{"type": "meta", "format": "something-else"}\n')
    result = run_import(app, "commentsvc", str(other))
    assert result.exit_code == 2
    assert "not a commentsvc export" in result.output


def test_the_admin_route_streams_the_same_export_as_json_lines(app, client, busy_site,
                                                               keys):  # noqa: F811
    response = client.get("/api/v1/admin/sites/default/export", headers=bearer(keys.admin))
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.is_streamed
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert comparable(lines) == comparable(export(app))


def test_the_admin_export_of_an_unknown_site_is_a_json_404(client, keys):  # noqa: F811
    response = client.get("/api/v1/admin/sites/nope/export", headers=bearer(keys.global_admin))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "site_not_found"
