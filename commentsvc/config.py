"""Settings read from COMMENTSVC_* environment variables, with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

DEV_SECRET_KEY = "dev-only-insecure-secret-key"


class ConfigError(RuntimeError):
    """The environment asks for something the service cannot run with."""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"COMMENTSVC_{name} must be a whole number, not {value!r}") from None


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config keys built from the environment; every COMMENTSVC_* variable is read here."""
    env = os.environ if environ is None else environ

    def get(name: str, default: str) -> str:
        return env.get(f"COMMENTSVC_{name}", default)

    def number(name: str, default: str) -> int:
        return _int(name, get(name, default))

    mode = get("ENV", "development").strip().lower()
    return {
        "COMMENTSVC_ENV": mode,
        "SECRET_KEY": get("SECRET_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": get("DATABASE_URL", "sqlite:///commentsvc.db"),
        "MAX_CONTENT_LENGTH": number("MAX_REQUEST_BYTES", str(64 * 1024)),
        "COMMENTSVC_TRUSTED_PROXIES": number("TRUSTED_PROXIES", "0"),
        "COMMENTSVC_EDIT_WINDOW_SECONDS": number("EDIT_WINDOW_SECONDS", "900"),
        "COMMENTSVC_DISPLAY_DEPTH": number("DISPLAY_DEPTH", "3"),
        "COMMENTSVC_PAGE_CACHE_ENTRIES": number("PAGE_CACHE_ENTRIES", "1024"),
        # The demo newspaper at / is for trying the service out; off in production by default.
        "COMMENTSVC_DEMO_PAGES": _flag(get("DEMO_PAGES", "false" if mode == "production"
                                               else "true")),
        "RATELIMIT_ENABLED": _flag(get("RATELIMIT_ENABLED", "true")),
        "RATELIMIT_STORAGE_URI": get("RATELIMIT_STORAGE_URI", "memory://"),
        "COMMENTSVC_RATELIMIT_POST_READER": get("RATELIMIT_POST_READER", "5/minute;100/day"),
        "COMMENTSVC_RATELIMIT_POST_IP": get("RATELIMIT_POST_IP", "20/minute"),
        "COMMENTSVC_RATELIMIT_READ_IP": get("RATELIMIT_READ_IP", "300/minute"),
        "COMMENTSVC_RATELIMIT_VOTE_READER": get("RATELIMIT_VOTE_READER", "30/minute;500/day"),
        "COMMENTSVC_RATELIMIT_VOTE_IP": get("RATELIMIT_VOTE_IP", "120/minute"),
        "COMMENTSVC_RATELIMIT_FLAG_READER": get("RATELIMIT_FLAG_READER", "10/hour"),
        "COMMENTSVC_RATELIMIT_FLAG_IP": get("RATELIMIT_FLAG_IP", "30/hour"),
        "COMMENTSVC_RATELIMIT_ADMIN": get("RATELIMIT_ADMIN", "600/minute"),
    }


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse to start in production without a secret; fill the development default otherwise."""
    if config["COMMENTSVC_ENV"] not in {"development", "production"}:
        raise ConfigError("COMMENTSVC_ENV must be 'development' or 'production'")
    if config["COMMENTSVC_ENV"] == "production" and not config.get("SECRET_KEY"):
        raise ConfigError("COMMENTSVC_SECRET_KEY must be set when COMMENTSVC_ENV=production")
    if config["COMMENTSVC_ENV"] == "production" and config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise ConfigError("COMMENTSVC_SECRET_KEY must not be the development default")
