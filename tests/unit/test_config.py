from pathlib import Path

import pytest

from commentsvc import create_app
from commentsvc.config import (
    DEV_SECRET_KEY,
    SETTINGS,
    ConfigError,
    check_settings,
    markdown_table,
    settings_from_env,
)

GOOD_SECRET = "s" * 32


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigError, match="COMMENTSVC_SECRET_KEY must be set"):
        create_app({"COMMENTSVC_ENV": "production", "SECRET_KEY": ""})


def test_production_refuses_the_development_secret():
    with pytest.raises(ConfigError, match="development default"):
        create_app({"COMMENTSVC_ENV": "production", "SECRET_KEY": DEV_SECRET_KEY})


def test_production_refuses_a_secret_shorter_than_32_characters_without_repeating_it():
    with pytest.raises(ConfigError, match="at least 32 characters") as caught:
        check_settings(settings_from_env({"COMMENTSVC_ENV": "production",
                                          "COMMENTSVC_SECRET_KEY": "hunter2"}))
    assert "hunter2" not in str(caught.value)


def test_production_accepts_a_secret_of_32_characters():
    check_settings(settings_from_env({"COMMENTSVC_ENV": "production",
                                      "COMMENTSVC_SECRET_KEY": GOOD_SECRET}))


def test_development_accepts_a_short_secret():
    check_settings(settings_from_env({"COMMENTSVC_SECRET_KEY": "dev"}))


def test_an_unknown_mode_is_refused():
    with pytest.raises(ConfigError, match="COMMENTSVC_ENV must be 'development' or 'production'"):
        create_app({"COMMENTSVC_ENV": "staging"})


def test_settings_come_from_commentsvc_variables():
    settings = settings_from_env({
        "COMMENTSVC_DATABASE_URL": "postgresql+psycopg://db/x",
        "COMMENTSVC_RATELIMIT_ENABLED": "false",
        "COMMENTSVC_RATELIMIT_STORAGE_URI": "redis://cache:6379/0",
        "COMMENTSVC_TRUSTED_PROXIES": "2",
        "COMMENTSVC_EDIT_WINDOW_SECONDS": "60",
        "COMMENTSVC_RATELIMIT_VOTE_READER": "3/minute",
        "COMMENTSVC_ACCESS_LOG_IPS": "yes",
    })
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db/x"
    assert settings["RATELIMIT_ENABLED"] is False
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert settings["COMMENTSVC_TRUSTED_PROXIES"] == 2
    assert settings["COMMENTSVC_EDIT_WINDOW_SECONDS"] == 60
    assert settings["COMMENTSVC_RATELIMIT_VOTE_READER"] == "3/minute"
    assert settings["COMMENTSVC_ACCESS_LOG_IPS"] is True


def test_defaults_are_safe_for_a_single_process():
    settings = settings_from_env({})
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert settings["COMMENTSVC_TRUSTED_PROXIES"] == 0
    assert settings["MAX_CONTENT_LENGTH"] == 64 * 1024
    assert settings["COMMENTSVC_ACCESS_LOG_IPS"] is False


def test_the_vote_and_report_limits_have_their_documented_defaults():
    settings = settings_from_env({})
    assert settings["COMMENTSVC_RATELIMIT_VOTE_READER"] == "30/minute;500/day"
    assert settings["COMMENTSVC_RATELIMIT_VOTE_IP"] == "120/minute"
    assert settings["COMMENTSVC_RATELIMIT_FLAG_READER"] == "10/hour"
    assert settings["COMMENTSVC_RATELIMIT_FLAG_IP"] == "30/hour"


def test_every_default_in_the_table_is_itself_valid():
    for mode in ("development", "production"):
        assert settings_from_env({"COMMENTSVC_ENV": mode})


@pytest.mark.parametrize("word,expected", [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("On", True),
    ("false", False), ("0", False), ("no", False), ("OFF", False), (" false ", False)])
def test_booleans_take_the_usual_words_in_any_case(word, expected):
    settings = settings_from_env({"COMMENTSVC_RATELIMIT_ENABLED": word})
    assert settings["RATELIMIT_ENABLED"] is expected


@pytest.mark.parametrize("name,value", [
    ("COMMENTSVC_DISPLAY_DEPTH", "1"), ("COMMENTSVC_DISPLAY_DEPTH", "10"),
    ("COMMENTSVC_TRUSTED_PROXIES", "10"), ("COMMENTSVC_MAX_REQUEST_BYTES", "1024"),
    ("COMMENTSVC_MAX_REQUEST_BYTES", str(16 * 1024 * 1024)),
    ("COMMENTSVC_EDIT_WINDOW_SECONDS", "0"), ("COMMENTSVC_EDIT_WINDOW_SECONDS", "604800"),
    ("COMMENTSVC_PAGE_CACHE_ENTRIES", "0"), ("COMMENTSVC_PAGE_CACHE_ENTRIES", "1000000"),
    ("COMMENTSVC_RATELIMIT_POST_READER", "5 per minute"),
    ("COMMENTSVC_RATELIMIT_ADMIN", "10/second;1000/hour"),
    ("COMMENTSVC_DATABASE_URL", "sqlite://"),
    ("COMMENTSVC_DATABASE_URL", "postgresql+psycopg://u:p@db:5432/commentsvc"),
    ("COMMENTSVC_RATELIMIT_STORAGE_URI", "rediss://:pw@cache:6380/1"),
    ("COMMENTSVC_RATELIMIT_STORAGE_URI", "redis+sentinel://s1:26379,s2:26379/mymaster"),
    ("COMMENTSVC_ENV", "Production"),
])
def test_values_at_the_edges_of_what_is_allowed_are_accepted(name, value):
    settings_from_env({name: value, "COMMENTSVC_SECRET_KEY": GOOD_SECRET})


WHOLE = "must be a whole number from"
LIMITS = "must be rate limits such as '5/minute;100/day'"
BOOLEAN = "must be true or false (also yes/no, on/off, 1/0)"
BAD_VALUES = [
    ("COMMENTSVC_ENV", "staging", "must be 'development' or 'production', not 'staging'"),
    ("COMMENTSVC_RATELIMIT_ENABLED", "maybe", f"{BOOLEAN}, not 'maybe'"),
    ("COMMENTSVC_DEMO_PAGES", "", f"{BOOLEAN}, not ''"),
    ("COMMENTSVC_ACCESS_LOG_IPS", "2", f"{BOOLEAN}, not '2'"),
    ("COMMENTSVC_DISPLAY_DEPTH", "99", f"{WHOLE} 1 to 10, not '99'"),
    ("COMMENTSVC_DISPLAY_DEPTH", "0", f"{WHOLE} 1 to 10, not '0'"),
    ("COMMENTSVC_TRUSTED_PROXIES", "-1", f"{WHOLE} 0 to 10, not '-1'"),
    ("COMMENTSVC_TRUSTED_PROXIES", "all", f"{WHOLE} 0 to 10, not 'all'"),
    ("COMMENTSVC_TRUSTED_PROXIES", "1_0", f"{WHOLE} 0 to 10, not '1_0'"),
    ("COMMENTSVC_MAX_REQUEST_BYTES", "0", f"{WHOLE} 1024 to 16777216, not '0'"),
    ("COMMENTSVC_MAX_REQUEST_BYTES", "1e9", f"{WHOLE} 1024 to 16777216, not '1e9'"),
    ("COMMENTSVC_EDIT_WINDOW_SECONDS", "604801", f"{WHOLE} 0 to 604800, not '604801'"),
    ("COMMENTSVC_PAGE_CACHE_ENTRIES", "1000001", f"{WHOLE} 0 to 1000000, not '1000001'"),
    ("COMMENTSVC_RATELIMIT_POST_READER", "garbage", LIMITS),
    ("COMMENTSVC_RATELIMIT_POST_IP", "", LIMITS),
    ("COMMENTSVC_RATELIMIT_READ_IP", "300/fortnight", LIMITS),
    ("COMMENTSVC_RATELIMIT_ADMIN", "many", LIMITS),
    ("COMMENTSVC_RATELIMIT_VOTE_READER", "30", LIMITS),
    ("COMMENTSVC_RATELIMIT_VOTE_IP", "x/minute", LIMITS),
    ("COMMENTSVC_RATELIMIT_FLAG_READER", "10/hour;;", LIMITS),
    ("COMMENTSVC_RATELIMIT_FLAG_IP", "-", LIMITS),
    ("COMMENTSVC_DATABASE_URL", "garbage", "must be a SQLAlchemy URL for sqlite or postgresql"),
    ("COMMENTSVC_DATABASE_URL", "mysql://u:pw@h/db", "must be a SQLAlchemy URL"),
    ("COMMENTSVC_RATELIMIT_STORAGE_URI", "memcached://cache:11211", "must be memory:// or a Redis"),
    ("COMMENTSVC_RATELIMIT_STORAGE_URI", "redis://", "must be memory:// or a Redis"),
    ("COMMENTSVC_RATELIMIT_STORAGE_URI", "cache:6379", "must be memory:// or a Redis"),
]


@pytest.mark.parametrize("name,value,message", BAD_VALUES,
                         ids=[f"{name}={value}" for name, value, _ in BAD_VALUES])
def test_each_bad_value_is_refused_with_the_variable_and_what_is_allowed(name, value, message):
    with pytest.raises(ConfigError) as caught:
        settings_from_env({name: value})
    text = str(caught.value)
    assert text.startswith(f"{name} {message}")
    assert "\n" not in text
    assert caught.value.exit_code == 2


def test_urls_that_may_hold_passwords_are_not_repeated_in_the_message():
    for name, value in [("COMMENTSVC_DATABASE_URL", "mysql://u:hunter2@h/db"),
                        ("COMMENTSVC_RATELIMIT_STORAGE_URI", "memcached://:hunter2@cache")]:
        with pytest.raises(ConfigError) as caught:
            settings_from_env({name: value})
        assert "hunter2" not in str(caught.value)


def test_a_limit_the_limiter_cannot_read_is_refused_also_when_given_in_code(tmp_path):
    with pytest.raises(ConfigError, match="COMMENTSVC_RATELIMIT_POST_READER must be rate limits"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "COMMENTSVC_RATELIMIT_POST_READER": "garbage"})


def test_the_table_has_one_row_per_variable_and_every_one_is_read():
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))
    assert all(name.startswith("COMMENTSVC_") for name in names)
    table = markdown_table()
    assert all(f"| `{name}` |" in table for name in names)


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


def test_the_readme_shows_the_configuration_table_as_the_code_defines_it():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme
