"""GET /metrics: off unless enabled, behind a bearer token, and what it counts."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from commentsvc import create_app, outbox
from commentsvc.config import ConfigError
from commentsvc.extensions import db
from tests.api.admin_support import bearer
from tests.conftest import app_config, post, set_site_settings
from tests.metrics_support import METRICS_TOKEN, sample


@pytest.fixture
def scraped(make_app):
    app = make_app(COMMENTSVC_METRICS="token", COMMENTSVC_METRICS_TOKEN=METRICS_TOKEN)
    client = app.test_client()

    def scrape() -> str:
        response = client.get("/metrics", headers=bearer(METRICS_TOKEN))
        assert response.status_code == 200
        assert response.content_type.startswith("text/plain")
        return response.get_data(as_text=True)

    return client, scrape


def test_metrics_are_404_when_off(client):
    response = client.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_metrics_are_404_on_the_public_port_in_bind_mode(make_app):
    client = make_app(COMMENTSVC_METRICS="bind").test_client()
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("headers", [{}, bearer("wrong-" + "y" * 40), bearer(METRICS_TOKEN[:-1]),
                                     {"Authorization": METRICS_TOKEN}])
def test_metrics_without_the_right_token_are_refused(scraped, headers):
    client, _ = scraped
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "metrics_token_invalid"
    assert "commentsvc_" not in response.get_data(as_text=True)


def test_token_mode_without_a_token_refuses_to_start(database_url):
    with pytest.raises(ConfigError, match="COMMENTSVC_METRICS_TOKEN must be set"):
        create_app(app_config(database_url, COMMENTSVC_METRICS="token"))


def test_requests_are_counted_by_route_not_by_path(scraped):
    client, scrape = scraped
    before = scrape()
    for comment_id in (101, 102, 103):
        assert client.get(f"/api/v1/comments/{comment_id}").status_code == 404
    after = scrape()
    route = "/api/v1/comments/<id:comment_id>"
    labels = {"method": "GET", "route": route, "status": "404"}
    name = "commentsvc_http_requests_total"
    assert sample(after, name, **labels) - sample(before, name, **labels) == 3
    assert "/api/v1/comments/101" not in after
    latency = "commentsvc_http_request_duration_seconds_count"
    assert sample(after, latency, **labels) - sample(before, latency, **labels) == 3


def test_paths_no_route_knows_share_one_label(scraped):
    client, scrape = scraped
    before = scrape()
    client.get("/no/such/page-1")
    client.get("/no/such/page-2")
    labels = {"route": "unmatched", "status": "404"}
    name = "commentsvc_http_requests_total"
    assert sample(scrape(), name, **labels) - sample(before, name, **labels) == 2


def test_posts_are_counted_by_the_rules_decision(app, scraped):
    client, scrape = scraped
    set_site_settings(app, {"banned_words": ["scammer"], "suspect_words": ["casino"]})
    before = scrape()
    assert post(client, "A fine comment").status_code == 201
    assert post(client, "Try the casino").status_code == 202
    assert post(client, "You scammer").status_code == 422
    assert post(client, "Buy now", honeypot="http://spam.example").status_code == 202
    after = scrape()
    for decision in ("allow", "hold", "reject", "spam"):
        name = "commentsvc_posts_total"
        assert sample(after, name, decision=decision) - sample(before, name,
                                                               decision=decision) == 1, decision


def test_rate_limit_refusals_are_counted_by_scope(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COMMENTSVC_RATELIMIT_POST_READER="1/minute",
                   COMMENTSVC_METRICS="token", COMMENTSVC_METRICS_TOKEN=METRICS_TOKEN)
    client = app.test_client()
    scrape = lambda: client.get("/metrics", headers=bearer(METRICS_TOKEN)).get_data(as_text=True)  # noqa: E731
    before = sample(scrape(), "commentsvc_rate_limited_total", scope="post-reader")
    reader = {"X-Reader-Token": "metrics-reader-0001"}
    assert post(client, headers=reader).status_code == 201
    assert post(client, headers=reader).status_code == 429
    assert sample(scrape(), "commentsvc_rate_limited_total", scope="post-reader") - before == 1


def test_page_cache_hits_misses_and_revalidations_are_counted(scraped):
    client, scrape = scraped
    assert post(client).status_code == 201
    before = scrape()
    thread = "/api/v1/comments?site=default&article=news-42"
    first = client.get(thread)
    client.get(thread)
    client.get(thread, headers={"If-None-Match": first.headers["ETag"]})
    after = scrape()
    for result in ("miss", "hit", "not_modified"):
        name = "commentsvc_page_cache_total"
        assert sample(after, name, result=result) - sample(before, name, result=result) == 1


def test_database_outages_are_counted(scraped, monkeypatch):
    client, scrape = scraped
    before = sample(scrape(), "commentsvc_database_errors_total", kind="unavailable")

    def down(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr("commentsvc.threads.counts", down)
    assert client.get("/api/v1/counts?site=default&article=a").status_code == 503
    after = sample(scrape(), "commentsvc_database_errors_total", kind="unavailable")
    assert after - before == 1


def test_the_outbox_backlog_is_read_from_the_database_at_each_scrape(scraped, clock):
    client, scrape = scraped
    assert sample(scrape(), "commentsvc_outbox_pending") == 0
    with client.application.app_context():
        outbox.enqueue(db.session, "nothing-registered", {"n": 1}, now=clock())
        outbox.enqueue(db.session, "nothing-registered", {"n": 2}, now=clock())
        db.session.commit()
    clock.advance(seconds=90)
    text = scrape()
    assert sample(text, "commentsvc_outbox_pending") == 2
    assert sample(text, "commentsvc_outbox_dead") == 0
    assert sample(text, "commentsvc_outbox_oldest_pending_age_seconds") == 90
