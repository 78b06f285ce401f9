import socket

import pytest

from commentsvc import create_app
from tests.conftest import TEST_REDIS_URL, app_config


def unreachable_redis() -> str:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def missing_database(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/missing-dir/nowhere.db"


def test_health_is_ok_while_the_process_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_health_does_not_touch_the_database(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": missing_database(tmp_path)})
    assert app.test_client().get("/healthz").status_code == 200


def test_ready_names_what_it_checked(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    expected = ["database", "redis"] if TEST_REDIS_URL else ["database"]
    assert response.json == {"status": "ready", "checked": expected}


def test_ready_is_503_naming_the_database_when_it_cannot_be_reached(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": missing_database(tmp_path)})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    error = response.json["error"]
    assert error["code"] == "not_ready"
    assert list(error["fields"]) == ["database"]
    assert "database" in error["message"]


def test_ready_is_503_naming_redis_when_the_limits_store_cannot_be_reached(make_app):
    app = make_app(RATELIMIT_STORAGE_URI=unreachable_redis())
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "not_ready"
    assert list(response.json["error"]["fields"]) == ["redis"]


def test_ready_names_both_when_both_are_down(tmp_path):
    app = create_app(app_config(missing_database(tmp_path),
                                RATELIMIT_STORAGE_URI=unreachable_redis()))
    fields = app.test_client().get("/readyz").json["error"]["fields"]
    assert set(fields) == {"database", "redis"}


@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs COMMENTSVC_TEST_REDIS_URL")
def test_ready_checks_redis_when_limits_are_shared(make_app):
    app = make_app(RATELIMIT_STORAGE_URI=TEST_REDIS_URL)
    assert app.test_client().get("/readyz").json["checked"] == ["database", "redis"]
