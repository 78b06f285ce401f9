"""The rules, seen from a reader posting through the API."""

from sqlalchemy import select

from commentsvc.extensions import db
from commentsvc.models import AuditEntry, Comment
from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import THREAD, post, set_site_settings


def site_settings(app, **settings):
    set_site_settings(app, settings)


def stored(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id)


def test_a_banned_word_is_refused_with_a_reason_and_kept_for_moderators(app, client):
    site_settings(app, banned_words=["scammer"])
    response = post(client, "You SC4MMER")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "comment_rejected"
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert comment.status == "rejected"
        assert comment.moderation_reason == "banned word: scammer"
        entry = db.session.scalar(select(AuditEntry))
        assert (entry.actor, entry.action, entry.after_status) == ("rules", "reject", "rejected")


def test_a_suspect_word_holds_the_comment(app, client):
    site_settings(app, suspect_words=["crypto"])
    response = post(client, "Crypto is the future")
    assert response.status_code == 202
    assert response.json["status"] == "pending"


def test_the_same_text_twice_within_an_hour_is_refused(client, clock):
    assert post(client, "Me too").status_code == 201
    assert post(client, "Me too").status_code == 422
    clock.advance(hours=1, seconds=1)
    assert post(client, "Me too").status_code == 201


def test_text_edited_in_counts_as_sent_and_text_edited_out_does_not(client):
    comment = post(client, "First thought").json
    edited = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "Second thought"},
                          headers={"Authorization": f"Bearer {comment['edit_token']}"})
    assert edited.status_code == 200
    assert post(client, "Second thought").status_code == 422
    assert post(client, "First thought").status_code == 201


def test_one_address_may_post_the_same_text_under_different_articles(client):
    # Readers behind one address (an office, a school) all thank the author of their article.
    thanks = "Thanks for the article!"
    assert post(client, thanks, article="news-1").status_code == 201
    assert post(client, thanks, article="news-2").status_code == 201
    assert post(client, thanks, article="news-3",
                headers={"X-Reader-Token": "colleague-reader-token"}).status_code == 201


def test_one_address_may_not_post_the_same_text_twice_under_one_article(client):
    thanks = "Thanks for the article!"
    assert post(client, thanks, headers={"X-Reader-Token": "first-reader-0000"}).status_code == 201
    assert post(client, thanks, headers={"X-Reader-Token": "second-reader-000"}).status_code == 422
    assert post(client, thanks).status_code == 422


def test_one_reader_may_not_post_the_same_text_under_different_articles(client):
    reader = {"X-Reader-Token": "copy-paster-reader-token"}
    assert post(client, "Read my blog", article="news-1", headers=reader).status_code == 201
    refused = post(client, "Read my blog", article="news-2", headers=reader)
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "comment_rejected"


def test_a_filled_honeypot_looks_held_but_is_stored_as_spam(app, client):
    response = post(client, "Visit my shop", honeypot="http://spam.example")
    assert response.status_code == 202
    assert response.json["status"] == "pending"
    assert response.json["html"] == "<p>Visit my shop</p>"
    assert stored(app, response.json["id"]).status == "spam"


def test_a_form_sent_too_fast_is_spam(app, client):
    response = post(client, "Instant", form_seconds=0.3)
    assert stored(app, response.json["id"]).status == "spam"


def test_too_many_links_hold_the_comment(client):
    body = " ".join(f"https://example.org/{n}" for n in range(4))
    assert post(client, body).status_code == 202


def test_first_mode_holds_a_reader_until_one_comment_is_approved(app, client):
    site_settings(app, moderation="first")
    reader = {"X-Reader-Token": "newcomer-reader-token-0"}
    held = post(client, headers=reader)
    assert held.status_code == 202
    with app.app_context():
        db.session.get(Comment, held.json["id"]).status = "approved"
        db.session.commit()
    assert post(client, headers=reader).status_code == 201
    assert post(client, headers={"X-Reader-Token": "someone-else-reader"}).status_code == 202


def test_rejected_comments_use_up_the_posting_quota(make_app):
    client = make_app(RATELIMIT_ENABLED=True, COMMENTSVC_RATELIMIT_POST_READER="2/minute")
    client = client.test_client()
    set_site_settings(client.application, {"banned_words": ["spam"]})
    reader = {"X-Reader-Token": "rejected-reader0"}
    statuses = [post(client, f"spam {n}", headers=reader).status_code for n in range(3)]
    assert statuses == [422, 422, 429]


def test_held_comments_are_not_counted(client, app):
    site_settings(app, moderation="pre")
    post(client)
    counts = client.get("/api/v1/counts", query_string=THREAD)
    assert counts.json["counts"][THREAD["article"]] == 0


def edit(client, comment, body):
    return client.patch(f"/api/v1/comments/{comment['id']}", json={"body": body},
                        headers={"Authorization": f"Bearer {comment['edit_token']}"})


def test_an_edit_with_a_banned_word_is_refused_and_the_old_text_kept(app, client):
    site_settings(app, banned_words=["scammer"])
    comment = post(client, "A fair point").json
    response = edit(client, comment, "You scammer")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "comment_rejected"
    assert client.get(f"/api/v1/comments/{comment['id']}").json["html"] == "<p>A fair point</p>"


def test_an_edit_with_a_suspect_word_goes_back_to_the_queue(app, client):
    site_settings(app, suspect_words=["crypto"])
    comment = post(client, "A fair point").json
    response = edit(client, comment, "Buy crypto")
    assert response.status_code == 200
    assert response.json["status"] == "pending"
    assert client.get("/api/v1/counts", query_string=THREAD).json["counts"]["news-42"] == 0


def test_new_word_lists_apply_to_the_next_post(client, keys):  # noqa: F811
    assert post(client, "you scammer").status_code == 201
    response = client.patch("/api/v1/admin/sites/default",
                            json={"settings": {"banned_words": ["scammer"]}},
                            headers=bearer(keys.admin))
    assert response.status_code == 200
    assert post(client, "you scammer again").status_code == 422


def test_editing_a_comment_caught_as_spam_still_looks_held(client):
    caught = post(client, "Quick!", form_seconds=0.2).json
    response = edit(client, caught, "Quick, edited")
    assert response.status_code == 200
    assert response.json["status"] == "pending"
    assert response.json["html"] == "<p>Quick, edited</p>"
