from commentsvc.extensions import db
from commentsvc.sites import create_site
from tests.conftest import THREAD


def get_from(client, origin, **query):
    return client.get("/api/v1/comments", query_string={**THREAD, **query},
                      headers={"Origin": origin})


def test_the_default_site_answers_any_origin_in_development(client):
    response = get_from(client, "https://blog.example")
    assert response.headers["Access-Control-Allow-Origin"] == "https://blog.example"
    assert "Origin" in response.headers["Vary"]


def test_in_production_the_default_site_answers_only_its_origins(make_app):
    client = make_app(COMMENTSVC_ENV="production", SECRET_KEY="prod-secret-" * 4).test_client()
    assert "Access-Control-Allow-Origin" not in get_from(client, "https://evil.example").headers


def test_a_site_answers_only_its_allowed_origins(app, client):
    with app.app_context():
        create_site(db.session, "news", origins=["https://news.example"])
        db.session.commit()
    allowed = get_from(client, "https://news.example", site="news")
    refused = get_from(client, "https://evil.example", site="news")
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://news.example"
    assert "Access-Control-Allow-Origin" not in refused.headers


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
