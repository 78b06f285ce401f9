import jwt
import pytest

from tests.conftest import post, set_site_settings


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_author_edits_with_the_edit_token(client):
    comment = post(client, "first draft").json
    response = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "*final*"},
                            headers=auth(comment["edit_token"]))
    assert response.status_code == 200
    assert response.json["html"] == "<p><em>final</em></p>"
    assert response.json["edited_at"] is not None


def test_an_edit_is_sanitised_like_a_post(client):
    comment = post(client).json
    response = client.patch(f"/api/v1/comments/{comment['id']}",
                            json={"body": "<img src=x onerror=alert(1)>"},
                            headers=auth(comment["edit_token"]))
    assert "<img" not in response.json["html"]


@pytest.mark.parametrize("headers", [{}, auth("wrong-token"), {"Authorization": "Basic abc"}])
def test_editing_without_the_right_token_is_401(client, headers):
    comment = post(client).json
    response = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "x"},
                            headers=headers)
    assert response.status_code == 401


def test_one_comments_token_does_not_open_another(client):
    mine, theirs = post(client).json, post(client).json
    response = client.delete(f"/api/v1/comments/{theirs['id']}",
                             headers=auth(mine["edit_token"]))
    assert response.status_code == 401


def test_editing_after_the_window_is_403(client, clock):
    comment = post(client).json
    clock.advance(minutes=15, seconds=1)
    response = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "late"},
                            headers=auth(comment["edit_token"]))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "edit_window_closed"


def test_deleting_after_the_window_is_403(client, clock):
    comment = post(client).json
    clock.advance(minutes=16)
    response = client.delete(f"/api/v1/comments/{comment['id']}",
                             headers=auth(comment["edit_token"]))
    assert response.status_code == 403


def test_the_edit_window_is_configurable(make_app, clock):
    client = make_app(COMMENTSVC_EDIT_WINDOW_SECONDS=60).test_client()
    comment = post(client).json
    clock.advance(seconds=61)
    response = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "late"},
                            headers=auth(comment["edit_token"]))
    assert response.status_code == 403


def test_editing_an_unknown_comment_is_404(client):
    response = client.patch("/api/v1/comments/999999", json={"body": "x"}, headers=auth("t"))
    assert response.status_code == 404


def test_an_empty_edit_is_422(client):
    comment = post(client).json
    response = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": ""},
                            headers=auth(comment["edit_token"]))
    assert response.status_code == 422


def test_a_deleted_comment_cannot_be_deleted_again(client):
    comment = post(client).json
    url = f"/api/v1/comments/{comment['id']}"
    assert client.delete(url, headers=auth(comment["edit_token"])).status_code == 204
    assert client.delete(url, headers=auth(comment["edit_token"])).status_code == 404


SECRET = "publisher-secret-0123456789abcdef"


def reader_token(sub):
    return jwt.encode({"sub": sub, "name": sub}, SECRET, algorithm="HS256")


@pytest.fixture
def signed_in(app):
    set_site_settings(app, {"jwt_secret": SECRET})


def test_a_signed_in_author_edits_with_their_reader_token(client, signed_in):
    comment = post(client, headers=auth(reader_token("grace"))).json
    response = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "changed"},
                            headers=auth(reader_token("grace")))
    assert response.status_code == 200


def test_another_signed_in_reader_may_not_edit_it(client, signed_in):
    comment = post(client, headers=auth(reader_token("grace"))).json
    response = client.patch(f"/api/v1/comments/{comment['id']}", json={"body": "hijack"},
                            headers=auth(reader_token("mallory")))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "not_author"


def test_preview_renders_without_saving(client):
    response = client.post("/api/v1/preview", json={"body": "**bold** <b>raw</b>"})
    assert response.status_code == 200
    assert response.json == {"html": "<p><strong>bold</strong> &lt;b&gt;raw&lt;/b&gt;</p>"}
    counts = client.get("/api/v1/counts", query_string={"site": "default", "article": "news-42"})
    assert counts.json["counts"]["news-42"] == 0


def test_an_empty_preview_is_422(client):
    assert client.post("/api/v1/preview", json={"body": " "}).status_code == 422
