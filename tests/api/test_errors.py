"""Every failure answers the one JSON envelope with the right status; never a 500."""

import pytest

from commentsvc import create_app
from tests.conftest import THREAD, app_config


def assert_envelope(response, status, code=None):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error = response.json["error"]
    assert error["message"]
    if code:
        assert error["code"] == code


def test_an_unknown_path_is_a_json_404(client):
    assert_envelope(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_json_405(client):
    response = client.put("/api/v1/preview", json={"body": "x"})
    assert_envelope(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/comments", data='{"site": ', content_type="application/json")
    assert_envelope(response, 400, "bad_request")


def test_invalid_utf8_is_400(client):
    response = client.post("/api/v1/comments", data=b'{"body": "\xff\xfe"}',
                           content_type="application/json")
    assert_envelope(response, 400)


@pytest.mark.parametrize("body", ["[]", '"text"', "null", "42"])
def test_json_that_is_not_an_object_is_422(client, body):
    response = client.post("/api/v1/comments", data=body, content_type="application/json")
    assert response.status_code in {400, 422}
    assert "error" in response.json


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_a_body_that_is_not_json_is_415(client, content_type):
    response = client.post("/api/v1/comments", data="site=default", content_type=content_type)
    assert_envelope(response, 415, "unsupported_media_type")


def test_a_request_over_64_kib_is_413(client):
    response = client.post("/api/v1/comments", data="x" * (64 * 1024 + 1),
                           content_type="application/json")
    assert_envelope(response, 413, "payload_too_large")


def test_an_oversized_comment_leaves_the_thread_untouched(client):
    client.post("/api/v1/comments", json={**THREAD, "body": "kept"})
    client.post("/api/v1/comments", json={**THREAD, "body": "x" * 70_000})
    page = client.get("/api/v1/comments", query_string=THREAD).json
    assert [c["html"] for c in page["comments"]] == ["<p>kept</p>"]


def test_validation_errors_name_every_bad_field(client):
    response = client.post("/api/v1/comments", json={"site": "default"})
    assert_envelope(response, 422, "validation_failed")
    assert set(response.json["error"]["fields"]) == {"article", "body"}


def test_an_overlong_reader_token_is_400(client):
    response = client.post("/api/v1/comments", json={**THREAD, "body": "x"},
                           headers={"X-Reader-Token": "t" * 500})
    assert_envelope(response, 400, "invalid_reader_token")


def test_an_unexpected_error_is_a_json_500_without_a_traceback(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert_envelope(response, 500, "internal_error")
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_lost_database_is_503(tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path}/no/such/dir.db"))
    client = app.test_client()
    response = client.get("/api/v1/comments", query_string=THREAD)
    assert_envelope(response, 503, "database_unavailable")
    assert response.headers["Retry-After"] == "5"  # as the OpenAPI document says
