import pytest

from commentsvc import create_app
from commentsvc.config import ConfigError, settings_from_env


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="COMMENTSVC_SECRET_KEY"):
        create_app({"COMMENTSVC_ENV": "production", "SECRET_KEY": ""})


def test_production_refuses_the_development_secret():
    from commentsvc.config import DEV_SECRET_KEY

    with pytest.raises(ConfigError):
        create_app({"COMMENTSVC_ENV": "production", "SECRET_KEY": DEV_SECRET_KEY})


def test_an_unknown_mode_is_refused():
    with pytest.raises(ConfigError):
        create_app({"COMMENTSVC_ENV": "staging"})


def test_settings_come_from_commentsvc_variables():
    settings = settings_from_env({
        "COMMENTSVC_DATABASE_URL": "postgresql+psycopg://db/x",
        "COMMENTSVC_RATELIMIT_ENABLED": "false",
        "COMMENTSVC_RATELIMIT_STORAGE_URI": "redis://cache:6379/0",
        "COMMENTSVC_TRUSTED_PROXIES": "2",
        "COMMENTSVC_EDIT_WINDOW_SECONDS": "60",
    })
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/x"
    assert settings["RATELIMIT_ENABLED"] is False
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert settings["COMMENTSVC_TRUSTED_PROXIES"] == 2
    assert settings["COMMENTSVC_EDIT_WINDOW_SECONDS"] == 60


def test_defaults_are_safe_for_a_single_process():
    settings = settings_from_env({})
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["COMMENTSVC_TRUSTED_PROXIES"] == 0
    assert settings["MAX_CONTENT_LENGTH"] == 64 * 1024


def test_a_number_that_is_not_a_number_is_a_clear_error():
    with pytest.raises(ConfigError, match="COMMENTSVC_TRUSTED_PROXIES"):
        settings_from_env({"COMMENTSVC_TRUSTED_PROXIES": "all"})


def test_demo_pages_are_on_in_development_and_off_in_production():
    assert settings_from_env({})["COMMENTSVC_DEMO_PAGES"] is True
    production = {"COMMENTSVC_ENV": "production", "COMMENTSVC_SECRET_KEY": "s"}
    assert settings_from_env(production)["COMMENTSVC_DEMO_PAGES"] is False
    assert settings_from_env({**production, "COMMENTSVC_DEMO_PAGES": "true"})[
        "COMMENTSVC_DEMO_PAGES"] is True


def test_without_demo_pages_the_root_is_a_json_404(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                      "COMMENTSVC_DEMO_PAGES": False})
    response = app.test_client().get("/")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
