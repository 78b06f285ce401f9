import pytest
from sqlalchemy import select, update

from commentsvc.extensions import db
from commentsvc.models import Comment, Site
from commentsvc.sites import create_site, update_site
from tests.conftest import THREAD, post


def get_from(client, origin, **query):
    return client.get("/api/v1/comments", query_string={**THREAD, **query},
                      headers={"Origin": origin})


def test_the_default_site_answers_any_origin_in_development(client):
    response = get_from(client, "https://blog.example")
    assert response.headers["Access-Control-Allow-Origin"] == "https://blog.example"
    assert "Origin" in response.headers["Vary"]


def production_client(make_app):
    return make_app(COMMENTSVC_ENV="production", SECRET_KEY="prod-secret-" * 4).test_client()


def test_in_production_the_default_site_refuses_other_origins(make_app):
    response = get_from(production_client(make_app), "https://evil.example")
    assert response.status_code == 403
    assert "comments" not in response.json


def test_a_site_answers_only_its_allowed_origins(app, client):
    with app.app_context():
        create_site(db.session, "news", origins=["https://news.example"])
        db.session.commit()
    allowed = get_from(client, "https://news.example", site="news")
    refused = get_from(client, "https://evil.example", site="news")
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "origin_not_allowed"


def test_a_preflight_lists_methods_and_headers(client):
    response = client.options("/api/v1/comments", headers={
        "Origin": "https://blog.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-reader-token"})
    assert response.status_code == 200
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "X-Reader-Token" in response.headers["Access-Control-Allow-Headers"]


def test_error_answers_carry_cors_headers_so_the_widget_can_read_them(client):
    response = client.post("/api/v1/comments", json={**THREAD, "body": ""},
                           headers={"Origin": "https://blog.example"})
    assert response.status_code == 422
    assert response.headers["Access-Control-Allow-Origin"] == "https://blog.example"
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def test_no_cookies_are_set(client):
    response = client.post("/api/v1/comments", json={**THREAD, "body": "hi"})
    assert "Set-Cookie" not in response.headers


# --- origins enforced by the server: the site is the one the request acts on ---------------

NEWS, BLOG, EVIL = "https://news.example", "https://blog.example", "https://evil.example"
NEWS_THREAD = {"site": "news", "article": "a-1"}


def add_sites(app):
    with app.app_context():
        create_site(db.session, "news", origins=[NEWS])
        create_site(db.session, "blog", origins=[BLOG])
        db.session.commit()


@pytest.fixture
def sites(app):
    add_sites(app)


@pytest.fixture
def news_comment(client, sites):
    response = client.post("/api/v1/comments", json={**NEWS_THREAD, "body": "First!"},
                           headers={"X-Reader-Token": "author-token-0001"})
    assert response.status_code == 201
    return response.json


def stored_bodies(app):
    with app.app_context():
        return [c.body_source for c in db.session.scalars(select(Comment))]


def assert_refused(response, origin, site):
    assert response.status_code == 403
    error = response.json["error"]
    assert error["code"] == "origin_not_allowed"
    assert f"origin {origin} is not allowed for site '{site}'" in error["message"]
    assert "allowed_origins" in error["message"]
    # The refusal is readable by the page, so the widget can say what is wrong.
    assert response.headers["Access-Control-Allow-Origin"] == origin


def test_a_post_takes_its_site_from_the_body_not_from_the_query(app, client, sites):
    response = client.post("/api/v1/comments?site=blog", json={**NEWS_THREAD, "body": "spoof"},
                           headers={"Origin": BLOG})
    assert_refused(response, BLOG, "news")
    assert stored_bodies(app) == []


def test_a_post_from_a_disallowed_origin_is_refused_and_not_stored(app, client, sites):
    response = client.post("/api/v1/comments", json={**NEWS_THREAD, "body": "hello"},
                           headers={"Origin": EVIL})
    assert_refused(response, EVIL, "news")
    assert stored_bodies(app) == []


@pytest.mark.parametrize("disguised", ["ne\u200bws", "news\u202e", "n\u2066ews"])
def test_a_site_key_with_invisible_characters_is_checked_as_the_site_it_stands_for(
        app, client, sites, disguised):
    response = client.post("/api/v1/comments", json={**NEWS_THREAD, "site": disguised,
                                                     "body": "hidden"}, headers={"Origin": EVIL})
    assert_refused(response, EVIL, "news")
    read = client.get("/api/v1/comments", query_string={**NEWS_THREAD, "site": disguised},
                      headers={"Origin": EVIL})
    assert_refused(read, EVIL, "news")
    assert stored_bodies(app) == []


def test_a_post_from_an_allowed_origin_is_stored_and_readable(app, client, sites):
    response = client.post("/api/v1/comments", json={**NEWS_THREAD, "body": "hello"},
                           headers={"Origin": NEWS})
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == NEWS
    assert stored_bodies(app) == ["hello"]


def test_a_server_side_post_without_an_origin_still_works(client, sites):
    response = client.post("/api/v1/comments", json={**NEWS_THREAD, "body": "from a server"})
    assert response.status_code == 201
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_same_origin_request_is_allowed(client, sites):
    response = client.post("/api/v1/comments", json={**NEWS_THREAD, "body": "same origin"},
                           headers={"Origin": "http://localhost"})
    assert response.status_code == 201


def test_a_same_origin_request_from_another_scheme_is_not_same_origin(client, sites):
    response = client.get("/api/v1/comments", query_string=NEWS_THREAD,
                          headers={"Origin": "https://localhost"})
    assert_refused(response, "https://localhost", "news")


@pytest.mark.parametrize("path", ["/api/v1/comments", "/api/v1/votes", "/api/v1/counts"])
def test_reads_take_their_site_from_the_query(client, sites, path):
    query = {**NEWS_THREAD, "article": "a-1"}
    assert_refused(client.get(path, query_string=query, headers={"Origin": BLOG}), BLOG, "news")
    allowed = client.get(path, query_string=query, headers={"Origin": NEWS})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == NEWS


def test_a_vote_from_another_sites_origin_is_refused_and_changes_nothing(app, client,
                                                                        news_comment):
    url = f"/api/v1/comments/{news_comment['id']}/vote"
    response = client.post(url, json={"value": 1},
                           headers={"Origin": BLOG, "X-Reader-Token": "reader-token-0001"})
    assert_refused(response, BLOG, "news")
    with app.app_context():
        assert db.session.get(Comment, news_comment["id"]).score == 0
    allowed = client.post(url, json={"value": 1},
                          headers={"Origin": NEWS, "X-Reader-Token": "reader-token-0001"})
    assert allowed.status_code == 200


def test_a_flag_from_another_sites_origin_is_refused_and_changes_nothing(app, client,
                                                                        news_comment):
    response = client.post(f"/api/v1/comments/{news_comment['id']}/flag",
                           json={"reason": "spam", "note": ""},
                           headers={"Origin": BLOG, "X-Reader-Token": "reader-token-0001"})
    assert_refused(response, BLOG, "news")
    with app.app_context():
        assert db.session.get(Comment, news_comment["id"]).flag_count == 0


def test_an_edit_or_delete_from_another_sites_origin_is_refused(app, client, news_comment):
    url = f"/api/v1/comments/{news_comment['id']}"
    headers = {"Origin": BLOG, "Authorization": f"Bearer {news_comment['edit_token']}"}
    assert_refused(client.patch(url, json={"body": "changed"}, headers=headers), BLOG, "news")
    assert_refused(client.delete(url, headers=headers), BLOG, "news")
    assert stored_bodies(app) == ["First!"]


@pytest.mark.parametrize("suffix", ["", "/replies"])
def test_id_reads_from_another_sites_origin_are_refused(client, news_comment, suffix):
    url = f"/api/v1/comments/{news_comment['id']}{suffix}"
    assert_refused(client.get(url, headers={"Origin": BLOG}), BLOG, "news")
    assert client.get(url, headers={"Origin": NEWS}).status_code == 200


def test_an_unknown_comment_or_site_is_still_404(client, sites):
    assert client.get("/api/v1/comments/999999", headers={"Origin": EVIL}).status_code == 404
    # A permalink to a comment that is gone: the widget must be able to read the 404.
    gone = client.get("/api/v1/comments/999999", headers={"Origin": NEWS})
    assert gone.headers["Access-Control-Allow-Origin"] == NEWS
    unknown = client.get("/api/v1/comments", query_string={"site": "nope", "article": "a"},
                         headers={"Origin": EVIL})
    assert unknown.status_code == 404


def test_a_preview_may_come_from_any_sites_origin_but_no_other(make_app):
    client = production_client(make_app)
    add_sites(client.application)
    body = {"body": "*hi*"}
    assert client.post("/api/v1/preview", json=body, headers={"Origin": BLOG}).status_code == 200
    refused = client.post("/api/v1/preview", json=body, headers={"Origin": EVIL})
    assert refused.status_code == 403
    assert "is not allowed for any site" in refused.json["error"]["message"]


def test_a_null_origin_is_refused_unless_the_site_allows_any_origin(app, client, sites):
    assert_refused(client.get("/api/v1/comments", query_string=NEWS_THREAD,
                              headers={"Origin": "null"}), "null", "news")
    with app.app_context():
        create_site(db.session, "open", origins=["*"])
        db.session.commit()
    response = client.get("/api/v1/comments", query_string={"site": "open", "article": "a"},
                          headers={"Origin": "null"})
    assert response.status_code == 200


def test_a_preflight_is_answered_for_any_origin_so_the_refusal_can_be_read(make_app):
    client = production_client(make_app)
    response = client.options("/api/v1/comments", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-reader-token"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == EVIL
    assert "X-Reader-Token" in response.headers["Access-Control-Allow-Headers"]


def test_a_refused_request_does_not_use_up_the_posting_quota(make_app):
    app = make_app(RATELIMIT_ENABLED=True, COMMENTSVC_RATELIMIT_POST_READER="1/minute")
    add_sites(app)
    client = app.test_client()
    headers = {"X-Reader-Token": "reader-token-0001"}
    refused = client.post("/api/v1/comments", json={**NEWS_THREAD, "body": "no"},
                          headers={**headers, "Origin": EVIL})
    assert refused.status_code == 403
    posted = client.post("/api/v1/comments", json={**NEWS_THREAD, "body": "yes"},
                         headers={**headers, "Origin": NEWS})
    assert posted.status_code == 201


def test_admin_routes_keep_their_own_rule(client, sites):
    # Admin routes authenticate by key: an Origin alone does not refuse them.
    response = client.get("/api/v1/admin/sites", headers={"Origin": EVIL})
    assert response.status_code == 401



def test_a_site_that_stops_allowing_an_origin_refuses_its_posts(app, client, clock):
    """At once when changed through this process; within the lifetime of what each process
    keeps (COMMENTSVC_COUNTS_CACHE_SECONDS) when changed through another."""
    page, news = {"Origin": "https://news.example"}, {"site": "news", "article": "story"}
    with app.app_context():
        create_site(db.session, "news", origins=[page["Origin"], "https://other.example"])
        db.session.commit()
    assert post(client, headers=page, **news).status_code == 201
    with app.app_context():  # as another worker would: this process hears nothing of it
        db.session.execute(update(Site).where(Site.key == "news")
                           .values(allowed_origins=["https://other.example"]))
        db.session.commit()
    clock.advance(seconds=app.config["COMMENTSVC_COUNTS_CACHE_SECONDS"])
    refused = post(client, headers=page, **news)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "origin_not_allowed"
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "news"))
        update_site(db.session, site, origins=[page["Origin"]])
        db.session.commit()
    assert post(client, headers=page, **news).status_code == 201
    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.key == "news"))
        update_site(db.session, site, origins=["https://other.example"])
        db.session.commit()
    assert post(client, headers=page, **news).status_code == 403
