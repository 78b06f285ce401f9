"""`commentsvc purge` (retention), `reader-export` and `reader-erase` from the command line."""

import json
from datetime import timedelta

import pytest

from commentsvc.config import settings_from_env
from commentsvc.extensions import db
from commentsvc.models import AuditEntry, Comment
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.api.privacy_support import stored_and_recounted
from tests.conftest import THREAD

ADA, BOB = ({"X-Reader-Token": t} for t in ("ada-reader-token", "bob-reader-token"))


def post_from(client, ip, headers=None, **fields):
    response = client.post("/api/v1/comments", json={**THREAD, "body": f"from {ip}", **fields},
                           headers=headers, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 201, response.json
    return response.json["id"]


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def stored(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id)


def ip_hash(app, comment_id):
    return stored(app, comment_id).ip_hash


# --- retention -----------------------------------------------------------------------------------

def test_purge_clears_ip_hashes_older_than_the_retention_period(app, client, clock):
    old = post_from(client, "192.0.2.1")
    clock.advance(days=91)
    recent = post_from(client, "192.0.2.2")
    result = run(app, "purge")
    assert result.exit_code == 0, result.output
    assert "cleared 1 IP hashes older than 90 days" in result.output
    assert ip_hash(app, old) is None
    assert ip_hash(app, recent) is not None
    assert stored(app, old).body_source == "from 192.0.2.1"


def test_purge_keeps_ip_hashes_that_an_active_ban_refers_to(app, client, clock,
                                                            keys):  # noqa: F811
    banned = post_from(client, "192.0.2.66")
    once_banned = post_from(client, "192.0.2.77")
    for ip, expiry in (("192.0.2.66", None), ("192.0.2.77", clock() + timedelta(days=1))):
        response = client.post("/api/v1/admin/bans", headers=bearer(keys.moderator), json={
            "site": "default", "ip": ip, "expires_at": expiry and expiry.isoformat()})
        assert response.status_code == 201, response.json
    clock.advance(days=100)
    run(app, "purge")
    assert ip_hash(app, banned) is not None
    assert ip_hash(app, once_banned) is None


def test_the_retention_period_comes_from_the_setting_or_the_option(make_app, clock):
    app = make_app(COMMENTSVC_RETENTION_DAYS=10)
    client = app.test_client()
    first = post_from(client, "192.0.2.1")
    clock.advance(days=5)
    second = post_from(client, "192.0.2.2")
    clock.advance(days=6)
    run(app, "purge")
    assert (ip_hash(app, first), ip_hash(app, second) is not None) == (None, True)
    run(app, "purge", "--days", "1")
    assert ip_hash(app, second) is None


def test_purge_refuses_a_retention_below_one_day(app):
    assert run(app, "purge", "--days", "0").exit_code != 0


def test_purge_clears_edit_tokens_once_the_edit_window_has_passed(app, client, clock):
    old = post_from(client, "192.0.2.1")
    clock.advance(minutes=16)
    recent = post_from(client, "192.0.2.2")
    result = run(app, "purge")
    assert "and 1 expired edit-token hashes" in result.output
    assert stored(app, old).edit_token_hash is None
    assert stored(app, recent).edit_token_hash is not None


def test_purge_is_audited_per_site_with_counts(app, client, clock):
    post_from(client, "192.0.2.1")
    clock.advance(days=91)
    run(app, "purge")
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="retention_purge").one()
        assert (entry.actor, entry.details) == ("cli", {"ip_hashes": 1, "edit_tokens": 1})


def test_the_retention_setting_defaults_to_90_days():
    assert settings_from_env({})["COMMENTSVC_RETENTION_DAYS"] == 90
    assert settings_from_env({"COMMENTSVC_RETENTION_DAYS": "30"})[
        "COMMENTSVC_RETENTION_DAYS"] == 30


# --- a reader's data -----------------------------------------------------------------------------

def test_reader_export_prints_the_readers_data_as_json(app, client):
    mine = post_from(client, "192.0.2.1", ADA, author_name="Ada")
    post_from(client, "192.0.2.2", BOB)
    result = run(app, "reader-export", "--site", "default", "--comment-id", str(mine))
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert [c["author_name"] for c in document["comments"]] == ["Ada"]


def test_reader_erase_asks_before_erasing_and_stops_on_no(app, client):
    mine = post_from(client, "192.0.2.1", ADA)
    result = run(app, "reader-erase", "--site", "default", "--comment-id", str(mine), input="n\n")
    assert "This removes 1 comments, 0 votes and 0 reports" in result.output
    assert result.exit_code != 0
    assert stored(app, mine).body_source == "from 192.0.2.1"


def test_reader_erase_erases_after_confirmation(app, client):
    mine = post_from(client, "192.0.2.1", ADA)
    post_from(client, "192.0.2.2", BOB, parent_id=mine)
    result = run(app, "reader-erase", "--site", "default", "--comment-id", str(mine), input="y\n")
    assert result.exit_code == 0, result.output
    assert "erased 1 comments (1 kept as '[deleted]' above replies)" in result.output
    assert stored(app, mine).body_source == ""
    stored_counters, recounted = stored_and_recounted(app)
    assert stored_counters == recounted
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="erase_reader").one()
        assert entry.actor == "cli"


@pytest.mark.parametrize("selector", [[], ["--sub", "a", "--email", "a@example.org"]])
def test_reader_commands_need_exactly_one_selector(app, selector):
    result = run(app, "reader-erase", "--site", "default", "--yes", *selector)
    assert result.exit_code == 2
    assert "exactly one of --comment-id, --sub, --email" in result.output


def test_reader_commands_report_an_unknown_comment_cleanly(app):
    result = run(app, "reader-export", "--site", "default", "--comment-id", "404")
    assert result.exit_code == 1
    assert "no comment 404 on this site" in result.output
