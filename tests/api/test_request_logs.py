"""One log line per request and per rule decision or moderation action; request ids."""

from __future__ import annotations

import json

import pytest

from commentsvc.config import settings_from_env
from tests.api.admin_support import bearer, keys  # noqa: F401 (fixture)
from tests.conftest import post, set_site_settings

EMAIL = "ada.lovelace@example.com"
READER_TOKEN = "secret-reader-token-0042"
CLIENT_IP = "203.0.113.77"
PROXY_IP = "198.51.100.9"


@pytest.fixture
def logged(app, make_app, capsys):
    """A JSON-logging client, and a function returning the lines logged since the last call.

    Logging is set up per process, by the app built last: so `app` (which `keys` uses) first.
    """
    app = make_app(COMMENTSVC_LOG_FORMAT="json", COMMENTSVC_TRUSTED_PROXIES=1)
    capsys.readouterr()

    def lines() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines()]

    return app, app.test_client(), lines


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "commentsvc.request"]


def test_each_request_is_one_json_line_with_route_status_duration_and_id(logged):
    _, client, lines = logged
    response = client.get("/api/v1/comments/12345")
    [line] = request_lines(lines())
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/comments/<id:comment_id>"
    assert line["status"] == 404
    assert line["duration_ms"] >= 0
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["level"] == "info"


def test_a_well_formed_request_id_is_kept_and_echoed(logged):
    _, client, lines = logged
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.91:2"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.91:2"
    assert request_lines(lines())[0]["request_id"] == "lb-7f3a.91:2"


@pytest.mark.parametrize("incoming", ["has space", "x" * 65, "tab\there", "<script>", "-lead",
                                      "ümlaut", EMAIL])
def test_a_malformed_request_id_is_replaced_by_a_new_one(logged, incoming):
    _, client, lines = logged
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    made = response.headers["X-Request-ID"]
    assert made != incoming
    assert len(made) == 32
    assert request_lines(lines())[0]["request_id"] == made


def test_requests_without_an_id_get_different_ones(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    assert first != client.get("/healthz").headers["X-Request-ID"]


def test_an_early_refusal_still_gets_an_id_and_a_line(logged):
    _, client, lines = logged
    response = client.post("/api/v1/comments", data="x", content_type="text/plain")
    assert response.status_code == 415
    assert request_lines(lines())[0]["request_id"] == response.headers["X-Request-ID"]


def test_a_held_post_logs_its_rule_decision(logged):
    app, client, lines = logged
    set_site_settings(app, {"suspect_words": ["casino"]})
    response = post(client, "The casino is open")
    assert response.status_code == 202
    [decision] = [line for line in lines() if line.get("event") == "rule_decision"]
    assert decision["action"] == "hold"
    assert decision["comment_id"] == response.json["id"]
    assert decision["actor"] == "rules"
    assert "casino" in decision["reason"]
    assert decision["site_id"] >= 1
    assert decision["request_id"] == response.headers["X-Request-ID"]


def test_an_allowed_post_logs_its_rule_decision_too(logged):
    _, client, lines = logged
    response = post(client)
    decisions = [line for line in lines() if line.get("event") == "rule_decision"]
    assert [(d["action"], d["comment_id"]) for d in decisions] == [("allow", response.json["id"])]


def test_a_moderation_action_logs_the_acting_key_id(logged, keys):  # noqa: F811
    _, client, lines = logged
    comment_id = post(client).json["id"]
    lines()
    response = client.post(f"/api/v1/admin/comments/{comment_id}/moderate",
                           json={"action": "reject", "reason": "off topic"},
                           headers=bearer(keys.moderator))
    assert response.status_code == 200, response.json
    [action] = [line for line in lines() if line.get("event") == "moderation"]
    assert action["action"] == "reject"
    assert action["comment_id"] == comment_id
    assert action["reason"] == "off topic"
    assert action["actor"].startswith("key:")
    assert keys.moderator not in json.dumps(action)


def test_no_log_line_holds_an_email_a_token_or_an_ip(logged, keys):  # noqa: F811
    _, client, lines = logged
    sent = {"X-Reader-Token": READER_TOKEN, "X-Forwarded-For": f"{CLIENT_IP}, {PROXY_IP}"}
    posted = client.post("/api/v1/comments", headers=sent,
                         json={"site": "default", "article": f"mail {EMAIL} from {CLIENT_IP}",
                               "body": f"Write to {EMAIL}", "author_email": EMAIL,
                               "author_name": "Ada"})
    assert posted.status_code == 201, posted.json
    edit_token = posted.json["edit_token"]
    client.patch(f"/api/v1/comments/{posted.json['id']}", json={"body": "Edited"},
                 headers={"Authorization": f"Bearer {edit_token}", **sent})
    client.post(f"/api/v1/admin/comments/{posted.json['id']}/moderate",
                json={"action": "spam", "reason": f"same as {EMAIL} at {CLIENT_IP}"},
                headers=bearer(keys.admin))
    client.post("/api/v1/admin/bans", headers=bearer(keys.admin),
                json={"site": "default", "ip": CLIENT_IP, "reason": f"ban {CLIENT_IP}"})
    client.get("/api/v1/comments", headers={"X-Request-ID": "ok-id", **sent},
               query_string={"site": "default", "article": EMAIL})
    logged_text = json.dumps(lines())
    assert "moderation" in logged_text and "rule_decision" in logged_text
    for secret in (EMAIL, READER_TOKEN, edit_token, keys.admin, CLIENT_IP, PROXY_IP):
        assert secret not in logged_text, secret


def test_text_lines_in_development_and_json_in_production():
    assert settings_from_env({})["COMMENTSVC_LOG_FORMAT"] == "text"
    production = {"COMMENTSVC_ENV": "production"}
    assert settings_from_env(production)["COMMENTSVC_LOG_FORMAT"] == "json"
    switched = {**production, "COMMENTSVC_LOG_FORMAT": "text"}
    assert settings_from_env(switched)["COMMENTSVC_LOG_FORMAT"] == "text"


def test_text_lines_say_the_request_once(make_app, capsys):
    client = make_app(COMMENTSVC_LOG_FORMAT="text").test_client()
    capsys.readouterr()
    request_id = client.get("/healthz").headers["X-Request-ID"]
    [line] = [x for x in capsys.readouterr().err.splitlines() if "commentsvc.request" in x]
    assert line.endswith(f"INFO commentsvc.request: GET /healthz 200 {line.split()[-2]} "
                         f"request_id={request_id}")


def test_a_page_on_another_origin_may_send_and_read_the_request_id(client):
    response = client.get("/api/v1/comments?site=default&article=news-42",
                          headers={"Origin": "https://blog.example"})
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/comments", headers={
        "Origin": "https://blog.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-request-id"})
    assert "X-Request-ID" in preflight.headers["Access-Control-Allow-Headers"]
