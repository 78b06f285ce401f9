import json

import jwt
import pytest

from commentsvc.extensions import db
from commentsvc.models import Article
from tests.conftest import THREAD, post, set_site_settings


def test_posting_publishes_and_returns_an_edit_token(client):
    response = post(client, "Hello **world**", author_name="Ada")
    assert response.status_code == 201
    comment = response.json
    assert comment["status"] == "approved"
    assert comment["html"] == "<p>Hello <strong>world</strong></p>"
    assert comment["author"]["name"] == "Ada"
    assert comment["author"]["verified"] is False
    assert len(comment["edit_token"]) >= 32
    assert comment["created_at"].endswith("Z")


def test_the_edit_token_is_only_in_the_posting_answer(client):
    comment_id = post(client).json["id"]
    assert "edit_token" not in client.get(f"/api/v1/comments/{comment_id}").json
    page = client.get("/api/v1/comments", query_string=THREAD).json
    assert "edit_token" not in page["comments"][0]


def test_a_reply_hangs_under_its_parent(client):
    parent = post(client, "first").json
    reply = post(client, "second", parent_id=parent["id"])
    assert reply.status_code == 201
    assert reply.json["parent_id"] == parent["id"]
    assert reply.json["depth"] == 1


def test_article_title_and_url_are_kept_from_the_first_post(client):
    post(client, article_title="Headline", article_url="https://news.example/42")
    post(client, article_title="Other", article_url="https://news.example/other")
    article = client.get("/api/v1/comments", query_string=THREAD).json["article"]
    assert article["title"] == "Headline"
    assert article["url"] == "https://news.example/42"


def test_any_opaque_article_id_works(client):
    odd = "https://news.example/a?b=c&d=e#f ünïcödé 🙂"
    assert post(client, article=odd).status_code == 201
    page = client.get("/api/v1/comments", query_string={"site": "default", "article": odd}).json
    assert page["article"]["id"] == odd
    assert page["article"]["comment_count"] == 1


def test_posting_to_an_unknown_site_is_404(client):
    response = post(client, site="nope")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "site_not_found"


def test_reply_to_a_comment_of_another_article_is_rejected(client):
    other = post(client, article="other").json
    response = post(client, parent_id=other["id"])
    assert response.status_code == 422
    assert "parent_id" in response.json["error"]["fields"]


def test_reply_to_a_missing_comment_is_rejected(client):
    assert post(client, parent_id=999999).status_code == 422


def test_reply_to_deleted_comment_is_rejected(client):
    parent = post(client).json
    auth = {"Authorization": f"Bearer {parent['edit_token']}"}
    assert client.delete(f"/api/v1/comments/{parent['id']}", headers=auth).status_code == 204
    assert post(client, parent_id=parent["id"]).status_code == 422


def test_posting_to_a_closed_thread_is_409(client, app):
    post(client)
    with app.app_context():
        db.session.query(Article).update({"closed": True})
        db.session.commit()
    response = post(client, "too late")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "thread_closed"


def test_a_premoderated_thread_holds_new_comments(client, app):
    post(client, "published")
    with app.app_context():
        db.session.query(Article).update({"premoderated": True})
        db.session.commit()
    response = post(client, "held")
    assert response.status_code == 202
    assert response.json["status"] == "pending"
    assert response.json["edit_token"]
    page = client.get("/api/v1/comments", query_string=THREAD).json
    assert page["article"]["comment_count"] == 1
    assert [c["html"] for c in page["comments"]] == ["<p>published</p>"]


def test_a_site_in_pre_moderation_mode_holds_new_comments(client, app):
    set_site_settings(app, {"moderation": "pre"})
    assert post(client).status_code == 202


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n\t "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"author_name": "n" * 81}, "author_name"),
        ({"article": "a" * 513}, "article"),
        ({"article": ""}, "article"),
        ({"author_email": "not-an-email"}, "author_email"),
        ({"article_url": "javascript:alert(1)"}, "article_url"),
        ({"parent_id": "12"}, "parent_id"),
        ({"body": 12}, "body"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(client, fields, bad_field):
    response = post(client, **fields)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_failed"
    assert bad_field in error["fields"]


def test_limits_are_counted_after_normalisation(client):
    body = "e\u0301" * 10_000  # 20,000 code points decomposed, 10,000 once composed
    data = json.dumps({**THREAD, "body": body}, ensure_ascii=False).encode()
    response = client.post("/api/v1/comments", data=data, content_type="application/json")
    assert response.status_code == 201


def test_bodies_and_names_are_normalised_and_stripped_of_controls(client):
    response = post(client, "cafe\u0301\u202e!\x07", author_name="Zo\u0308e\u2066")
    assert response.json["html"] == "<p>café!</p>"
    assert response.json["author"]["name"] == "Zöe"


def test_hostile_html_is_stored_inert(client):
    html = post(client, '<script>alert(1)</script> [x](javascript:alert(1))').json["html"]
    assert "<script" not in html
    assert 'href="javascript' not in html


def test_email_and_ip_never_come_back(client):
    response = post(client, author_email="ada@example.org", author_name="Ada",
                    headers={"X-Forwarded-For": "203.0.113.9"})
    page = client.get("/api/v1/comments", query_string=THREAD)
    for text in (response.get_data(as_text=True), page.get_data(as_text=True)):
        assert "ada@example.org" not in text
        assert "127.0.0.1" not in text
        assert "203.0.113.9" not in text


def test_avatars_are_generated_locally(client):
    avatar_url = post(client, author_email="ada@example.org").json["author"]["avatar_url"]
    assert avatar_url.startswith("http://localhost/api/v1/avatars/")
    response = client.get(avatar_url)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "<svg" in response.get_data(as_text=True)


def test_the_same_email_gets_the_same_avatar(client):
    first = post(client, author_email="Ada@Example.org").json["author"]["avatar_url"]
    second = post(client, author_email="ada@example.org").json["author"]["avatar_url"]
    assert first == second


def _sign(secret, **claims):
    return jwt.encode({"sub": "u-1", "name": "Grace", **claims}, secret, algorithm="HS256")


JWT_SECRET = "publisher-secret-0123456789abcdef"


@pytest.fixture
def jwt_site(app):
    set_site_settings(app, {"jwt_secret": JWT_SECRET})
    return JWT_SECRET


def test_a_signed_in_reader_posts_under_the_name_in_the_token(client, jwt_site):
    token = _sign(jwt_site)
    response = post(client, author_name="Impostor", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    assert response.json["author"] == {**response.json["author"], "name": "Grace",
                                       "verified": True}


def test_a_token_signed_with_another_secret_is_401(client, jwt_site):
    token = _sign("some-other-secret-0123456789abcdef")
    response = post(client, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "invalid_token"


def test_an_expired_reader_token_is_401(client, jwt_site):
    token = _sign(jwt_site, exp=1)
    assert post(client, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_site_without_a_jwt_secret_refuses_reader_tokens(client):
    token = _sign("whatever-secret-0123456789abcdefgh")
    response = post(client, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "jwt_not_enabled"


def test_a_reader_avatar_must_be_a_web_address(client, jwt_site):
    token = _sign(jwt_site, avatar="javascript:alert(1)")
    response = post(client, headers={"Authorization": f"Bearer {token}"})
    assert response.json["author"]["avatar_url"].startswith("http://localhost/api/v1/avatars/")
    token = _sign(jwt_site, sub="u-2", avatar="https://cdn.news.example/u2.png")
    response = post(client, headers={"Authorization": f"Bearer {token}"})
    assert response.json["author"]["avatar_url"] == "https://cdn.news.example/u2.png"


def test_the_posting_answer_says_until_when_it_can_be_edited(client, clock):
    response = post(client)
    assert response.json["editable_until"] == "2026-11-28T10:15:00.000Z"


def test_a_deep_reply_is_answered_with_its_display_depth(client):
    parent = post(client).json["id"]
    for _ in range(4):
        parent = post(client, parent_id=parent).json["id"]
    assert client.get(f"/api/v1/comments/{parent}").json["depth"] == 3
    reply = post(client, parent_id=parent).json
    assert reply["depth"] == 3
