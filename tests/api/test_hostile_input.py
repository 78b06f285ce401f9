"""Hostile input is refused at the edge, the same way on every route and on both databases:
NUL and lone surrogates, deep JSON, chunked bodies over the limit, ids past the integer columns,
cursors that carry such ids, and article keys a widget sends in any Unicode form."""

import base64
import io
import json

import pytest

from tests.api.admin_support import bearer, keys  # noqa: F401
from tests.conftest import THREAD, post

TOO_BIG_ID = 2**31
HUGE_ID = 2**63


def error(response):
    return response.json["error"]


def raw_json(client, path, text, **kwargs):
    return client.post(path, data=text.encode(), content_type="application/json", **kwargs)


# --- NUL and lone surrogates -------------------------------------------------------------------

@pytest.mark.parametrize("field", ["body", "author_name", "article", "site", "article_url",
                                   "article_title"])
def test_a_nul_in_any_posted_field_is_422_naming_the_field(client, field):
    value = "http://x.test/\x00" if field == "article_url" else "a\x00b"
    response = post(client, **{field: value})
    assert response.status_code == 422
    assert error(response)["code"] == "invalid_text"
    assert field in error(response)["fields"]


@pytest.mark.parametrize("field", ["body", "author_name", "article", "site"])
def test_a_lone_surrogate_in_a_posted_field_is_400_naming_the_field(client, field):
    document = {**THREAD, "body": "hello", field: "x \ud800"}
    text = json.dumps(document)  # ensure_ascii: the surrogate travels as the escape \ud800
    response = raw_json(client, "/api/v1/comments", text)
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_unicode"
    assert field in error(response)["fields"]


def test_a_lone_surrogate_in_a_key_is_refused(client):
    response = raw_json(client, "/api/v1/preview", '{"body": "x", "\\udc00": 1}')
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_unicode"


@pytest.mark.parametrize("path", ["/api/v1/preview", "/api/v1/comments"])
def test_a_lone_surrogate_never_reaches_the_sanitiser(client, path):
    response = raw_json(client, path, json.dumps({**THREAD, "body": "x \ud800"}))
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_unicode"


def test_a_lone_surrogate_in_a_flag_note_is_refused(client):
    comment = post(client).json["id"]
    response = raw_json(client, f"/api/v1/comments/{comment}/flag",
                        json.dumps({"reason": "spam", "note": "\udfff"}))
    assert response.status_code == 400
    assert error(response)["fields"] == {"note": ["lone surrogates are not text"]}


@pytest.mark.parametrize("path, query", [
    ("/api/v1/comments", {**THREAD, "site": "def\x00ault"}),
    ("/api/v1/comments", {**THREAD, "article": "a\x00b"}),
    ("/api/v1/comments", {**THREAD, "cursor": "\x00"}),
    ("/api/v1/votes", {**THREAD, "article": "a\x00b"}),
    ("/api/v1/counts", {"site": "default", "article": ["ok", "a\x00b"]}),
])
def test_a_nul_in_a_query_parameter_is_400_naming_it(client, path, query):
    response = client.get(path, query_string=query)
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_text"
    [name] = error(response)["fields"]
    assert name in query


def test_a_nul_in_a_path_parameter_is_400(client, keys):  # noqa: F811
    response = client.patch("/api/v1/admin/sites/de%00fault", json={"name": "x"},
                            headers=bearer(keys.global_admin))
    assert response.status_code == 400
    assert error(response)["fields"] == {"site_key": ["NUL characters are not allowed"]}


def test_admin_text_filters_and_reasons_refuse_nul(client, keys):  # noqa: F811
    comment = post(client).json["id"]
    headers = bearer(keys.moderator)
    queue = client.get("/api/v1/admin/comments", query_string={"site": "default", "q": "a\x00"},
                       headers=headers)
    assert queue.status_code == 400
    assert error(queue)["fields"] == {"q": ["NUL characters are not allowed"]}
    moderated = client.post(f"/api/v1/admin/comments/{comment}/moderate", headers=headers,
                            json={"action": "reject", "reason": "no\x00"})
    assert moderated.status_code == 422
    assert error(moderated)["fields"] == {"reason": ["NUL characters are not allowed"]}


# --- depth and size ----------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [33, 2000, 20_000])
def test_json_nested_too_deep_is_400(client, depth):
    response = raw_json(client, "/api/v1/preview", "[" * depth + "]" * depth)
    assert response.status_code == 400
    assert error(response)["code"] == "json_too_deep"


def test_json_as_deep_as_allowed_is_read_normally(client):
    nested = "[" * 31 + "]" * 31
    response = raw_json(client, "/api/v1/preview", f'{{"body": "ok", "x": {nested}}}')
    assert response.status_code == 422  # parsed, then refused as an unknown field
    assert error(response)["code"] == "validation_failed"


def chunked(client, path, payload: bytes):
    return client.post(path, input_stream=io.BytesIO(payload), headers={
        "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_body_over_the_size_limit_is_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    payload = json.dumps({**THREAD, "body": "x" * 5000}).encode()
    response = chunked(client, "/api/v1/comments", payload)
    assert response.status_code == 413
    assert error(response)["code"] == "payload_too_large"


def test_a_chunked_body_within_the_limit_is_accepted(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    response = chunked(client, "/api/v1/comments", json.dumps({**THREAD, "body": "hi"}).encode())
    assert response.status_code == 201


# --- ids ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [0, TOO_BIG_ID, HUGE_ID, 10**30])
@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/comments/{}"), ("delete", "/api/v1/comments/{}"),
    ("get", "/api/v1/comments/{}/replies"), ("post", "/api/v1/comments/{}/vote"),
    ("post", "/api/v1/comments/{}/flag"),
])
def test_a_path_id_outside_the_integer_column_is_404(client, method, path, number):
    response = getattr(client, method)(path.format(number), json={"value": 1, "reason": "spam"})
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


@pytest.mark.parametrize("number", [TOO_BIG_ID, HUGE_ID])
def test_admin_path_ids_outside_the_integer_column_are_404(client, keys, number):  # noqa: F811
    headers = bearer(keys.moderator)
    moderated = client.post(f"/api/v1/admin/comments/{number}/moderate", headers=headers,
                            json={"action": "approve"})
    assert moderated.status_code == 404
    assert client.delete(f"/api/v1/admin/bans/{number}", headers=headers).status_code == 404


@pytest.mark.parametrize("number", [0, -1, TOO_BIG_ID, HUGE_ID])
def test_a_parent_id_outside_the_integer_column_is_422(client, number):
    response = post(client, parent_id=number)
    assert response.status_code == 422
    assert "parent_id" in error(response)["fields"]


@pytest.mark.parametrize("number", [TOO_BIG_ID, HUGE_ID])
def test_admin_body_ids_outside_the_integer_column_are_422(client, keys, number):  # noqa: F811
    headers = bearer(keys.moderator)
    ban = client.post("/api/v1/admin/bans", headers=headers,
                      json={"site": "default", "comment_id": number})
    assert ban.status_code == 422
    assert "comment_id" in error(ban)["fields"]
    bulk = client.post("/api/v1/admin/comments/moderate", headers=headers,
                       json={"ids": [1, number], "action": "approve"})
    assert bulk.status_code == 422
    assert "ids" in error(bulk)["fields"]


def cursor(*parts):
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize("sort, value", [
    ("oldest", cursor("oldest", "2026-11-28T10:00:00+00:00", TOO_BIG_ID)),
    ("newest", cursor("newest", "2026-11-28T10:00:00+00:00", HUGE_ID)),
    ("top", cursor("top", TOO_BIG_ID, 1)),
    ("top", cursor("top", -(2**31) - 1, 1)),
    ("top", cursor("top", 1, 10**40)),
    ("oldest", base64.urlsafe_b64encode(b"[" * 5000).decode()),
])
def test_a_cursor_carrying_numbers_past_the_columns_is_400(client, sort, value):
    post(client)
    response = client.get("/api/v1/comments", query_string={**THREAD, "sort": sort,
                                                              "cursor": value})
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_cursor"


def test_a_replies_cursor_past_the_columns_is_400(client):
    parent = post(client).json["id"]
    value = cursor("oldest", "2026-11-28T10:00:00+00:00", TOO_BIG_ID)
    response = client.get(f"/api/v1/comments/{parent}/replies", query_string={"cursor": value})
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_cursor"


def test_an_admin_cursor_past_the_columns_is_400(client, keys):  # noqa: F811
    response = client.get("/api/v1/admin/audit", headers=bearer(keys.moderator),
                          query_string={"site": "default", "cursor": cursor("audit", HUGE_ID)})
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_cursor"


# --- article keys ------------------------------------------------------------------------------

def test_a_key_posted_in_decomposed_form_is_read_back_in_the_same_form(client):
    decomposed = {"site": "default", "article": "cafe\u0301"}
    assert post(client, **decomposed).status_code == 201
    thread = client.get("/api/v1/comments", query_string=decomposed).json
    assert thread["article"]["id"] == "caf\u00e9"
    assert len(thread["comments"]) == 1
    counts = client.get("/api/v1/counts", query_string=decomposed).json["counts"]
    assert counts == {"cafe\u0301": 1}
    votes = client.get("/api/v1/votes", query_string=decomposed)
    assert votes.status_code == 200


def test_counts_answer_under_every_spelling_the_client_sent(client):
    post(client, article="caf\u00e9")
    query = {"site": "default", "article": ["cafe\u0301", "caf\u00e9", "caf\u200be\u0301"]}
    counts = client.get("/api/v1/counts", query_string=query).json["counts"]
    assert counts == {"cafe\u0301": 1, "caf\u00e9": 1, "caf\u200be\u0301": 1}


def test_a_key_of_512_four_byte_characters_posts_and_reads_back(client):
    article = "\U0001F600" * 512
    assert post(client, article=article).status_code == 201
    query = {"site": "default", "article": article}
    thread = client.get("/api/v1/comments", query_string=query).json
    assert thread["article"]["id"] == article
    assert len(thread["comments"]) == 1
    assert client.get("/api/v1/counts", query_string=query).json["counts"] == {article: 1}


def test_admin_article_settings_find_a_thread_under_its_decomposed_key(client, keys):  # noqa: F811
    post(client, article="cafe\u0301")
    response = client.get("/api/v1/admin/articles", headers=bearer(keys.moderator),
                          query_string={"site": "default", "article": "cafe\u0301"})
    assert response.status_code == 200
    assert response.json["comment_count"] == 1
    queue = client.get("/api/v1/admin/comments", headers=bearer(keys.moderator),
                       query_string={"site": "default", "status": "approved",
                                     "article": "cafe\u0301"})
    assert len(queue.json["comments"]) == 1


# --- times -------------------------------------------------------------------------------------

@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59.999999-00:01"])
def test_a_ban_expiry_past_the_last_representable_time_is_422(client, keys, when):  # noqa: F811
    response = client.post("/api/v1/admin/bans", headers=bearer(keys.moderator),
                           json={"site": "default", "ip": "192.0.2.1", "expires_at": when})
    assert response.status_code == 422
    assert "expires_at" in error(response)["fields"]


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_cursor_time_past_the_representable_range_is_400(client, when):
    post(client)
    response = client.get("/api/v1/comments",
                          query_string={**THREAD, "cursor": cursor("oldest", when, 1)})
    assert response.status_code == 400
    assert error(response)["code"] == "invalid_cursor"


def test_a_number_too_long_to_convert_is_400_not_json(client):
    response = raw_json(client, "/api/v1/preview", '{"body": 1' + "0" * 5000 + "}")
    assert response.status_code == 400
    assert error(response)["message"] == "request body is not valid JSON"
