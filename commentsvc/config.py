"""Settings read from COMMENTSVC_* environment variables, with safe defaults.

One row per variable in SETTINGS: its name, the Flask config key it fills, its default, the
parser that checks it and what it means. Everything is checked when the app is built, so a
bad value stops every command with one line naming the variable and what it may be.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import click
import limits
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEV_SECRET_KEY = "dev-only-insecure-secret-key"
MIN_SECRET_LENGTH = 32
MODES = ("development", "production")
DATABASE_BACKENDS = ("sqlite", "postgresql")
STORAGE_SCHEMES = ("memory", "redis", "rediss", "redis+unix", "redis+sentinel", "redis+cluster")
LOG_FORMATS = ("text", "json")
METRICS_MODES = ("off", "token", "bind")
SMTP_TLS_MODES = ("starttls", "ssl", "none")
WORKER_MODES = ("auto", "thread", "off")
KIB = 1024
MIB = 1024 * KIB


class ConfigError(click.ClickException):
    """The environment asks for something the service cannot run with.

    A ClickException so that every command line (`commentsvc ...` and `flask --app commentsvc
    ...`, whose app loading we do not control) shows it as one line and exits with status 2.
    """

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"commentsvc: {self.format_message()}", err=True)


class Invalid(ValueError):
    """Raised by a parser; the text says what is allowed."""


# --- parsers: each takes the raw text and returns the value, or raises Invalid --------------

FLAGS = {"1": True, "true": True, "yes": True, "on": True,
         "0": False, "false": False, "no": False, "off": False}


def flag(raw: str) -> bool:
    value = FLAGS.get(raw.strip().lower())
    if value is None:
        raise Invalid("true or false (also yes/no, on/off, 1/0)")
    return value


def whole(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        # Digits only: int() would also take "+5", "1_000" and non-ASCII digits.
        text = raw.strip()
        if not re.fullmatch(r"[0-9]{1,12}", text) or not low <= int(text) <= high:
            raise Invalid(f"a whole number from {low} to {high}")
        return int(text)
    return parse


def one_of(*choices: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        text = raw.strip().lower()
        if text not in choices:
            raise Invalid(" or ".join(repr(c) for c in choices))
        return text
    return parse


def rate_limits(raw: str) -> str:
    # The limiter's own parser: anything it cannot read would silently switch the limit off.
    try:
        parsed = limits.parse_many(raw)
    except ValueError:
        parsed = []
    if not parsed:
        raise Invalid("rate limits such as '5/minute;100/day' (N/second, minute, hour or day, "
                      "several separated by ';')")
    return raw.strip()


def database_url(raw: str) -> str:
    allowed = ("a SQLAlchemy URL for sqlite or postgresql, such as "
               "'postgresql+psycopg://user:password@host:5432/commentsvc'")
    try:
        url = make_url(raw.strip())
    except (ArgumentError, ValueError):
        raise Invalid(allowed) from None
    if url.get_backend_name() not in DATABASE_BACKENDS:
        raise Invalid(allowed)
    return raw.strip()


def storage_uri(raw: str) -> str:
    scheme, separator, rest = raw.strip().partition("://")
    if not separator or scheme.lower() not in STORAGE_SCHEMES or (scheme != "memory" and not rest):
        raise Invalid("memory:// or a Redis URL (redis://, rediss://, redis+unix://, "
                      "redis+sentinel://, redis+cluster://host:port/db)")
    return raw.strip()


def text(raw: str) -> str:
    return raw


def live_port(raw: str) -> str:
    value = raw.strip().lower()
    if value in ("auto", "off") or (value.isdigit() and 1 <= int(value) <= 65535):
        return value
    raise Invalid("`auto` (the port after PORT), `off`, or a port from 1 to 65535")


def redis_or_off(raw: str) -> str:
    value = raw.strip()
    if value in ("", "off") or re.fullmatch(r"(redis|rediss|redis\+unix)://\S+", value):
        return value
    raise Invalid("empty, `off`, or a Redis URL such as redis://host:6379/0")


def bearer_secret(raw: str) -> str:
    # Characters a bearer token may carry (RFC 6750), and long enough not to be guessed.
    value = raw.strip()
    if value and not (re.fullmatch(r"[A-Za-z0-9._~+/=-]+", value)
                      and MIN_SECRET_LENGTH <= len(value) <= 256):
        raise Invalid(f"empty or {MIN_SECRET_LENGTH} to 256 letters, digits or ._~+/=-")
    return value


def mail_address(raw: str) -> str:
    """An address to send from: `name@host`, optionally as `Display Name <name@host>`."""
    value = raw.strip()
    if not re.fullmatch(r"(?:[^<>@\r\n]*<)?[^\s<>@]+@[^\s<>@]+\.?[^\s<>@]*>?", value):
        raise Invalid("an e-mail address such as 'Comments <comments@news.example>'")
    return value


def base_url(example: str) -> Callable[[str], str]:
    """Empty, or an http(s) base URL (no query or fragment; a trailing slash is dropped)."""
    def parse(raw: str) -> str:
        value = raw.strip().rstrip("/")
        if value and not re.fullmatch(r"https?://[^\s/?#]+(?:/[^\s?#]*)?", value):
            raise Invalid(f"empty, or an http(s) URL such as {example}")
        return value
    return parse


def host_port(raw: str) -> str:
    """HOST:PORT for a listening socket: an IPv4 address or name, or [IPv6], and 1-65535."""
    host, port = split_host_port(raw)
    if not host or not 1 <= port <= 65535:
        raise Invalid("HOST:PORT such as 127.0.0.1:9100 (an IPv6 host in brackets)")
    return raw.strip()


def split_host_port(raw: str) -> tuple[str, int]:
    match = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})", raw.strip())
    if not match:
        return "", 0
    return match[1].strip("[]"), int(match[2])


# --- the table ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Setting:
    name: str  # the environment variable
    key: str  # the Flask config key it fills
    default: str  # as it would be written in the environment
    parse: Callable[[str], Any]
    meaning: str
    secret: bool = False  # never repeat the value in a message: it may hold a password
    default_in_production: str | None = None  # when production needs another default

    def default_for(self, mode: str) -> str:
        if mode == "production" and self.default_in_production is not None:
            return self.default_in_production
        return self.default


SETTINGS: tuple[Setting, ...] = (
    Setting("COMMENTSVC_ENV", "COMMENTSVC_ENV", "development", one_of(*MODES),
            "`development` or `production`; production needs `COMMENTSVC_SECRET_KEY`, and in "
            "development the `default` site accepts any origin"),
    Setting("COMMENTSVC_SECRET_KEY", "SECRET_KEY", "", text,
            f"keys the hashes of IPs, e-mails, reader and edit tokens; at least "
            f"{MIN_SECRET_LENGTH} characters, required in production (a fixed, public "
            "development key otherwise); keep it secret and stable", secret=True),
    Setting("COMMENTSVC_DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "sqlite:///commentsvc.db",
            database_url, "SQLAlchemy URL (sqlite or postgresql), e.g. "
            "`postgresql+psycopg://user@host:5432/commentsvc`; a relative SQLite path is in "
            "`instance/`", secret=True),
    Setting("COMMENTSVC_RATELIMIT_ENABLED", "RATELIMIT_ENABLED", "true", flag,
            "`false` switches all limits off (benchmarks, bulk imports)"),
    Setting("COMMENTSVC_RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URI", "memory://",
            storage_uri, "`memory://`, or `redis://host:6379/0` (also `rediss://`, "
            "`redis+sentinel://`, `redis+cluster://`, `redis+unix://`) to share limits between "
            "processes", secret=True),
    Setting("COMMENTSVC_RATELIMIT_POST_READER", "COMMENTSVC_RATELIMIT_POST_READER",
            "5/minute;100/day", rate_limits,
            "posting, per reader (reader token or signed-in user; IP when neither)"),
    Setting("COMMENTSVC_RATELIMIT_POST_IP", "COMMENTSVC_RATELIMIT_POST_IP", "20/minute",
            rate_limits, "posting, editing and deleting, per client IP"),
    Setting("COMMENTSVC_RATELIMIT_READ_IP", "COMMENTSVC_RATELIMIT_READ_IP", "300/minute",
            rate_limits, "reads (threads, counts, preview), per client IP"),
    Setting("COMMENTSVC_RATELIMIT_VOTE_READER", "COMMENTSVC_RATELIMIT_VOTE_READER",
            "30/minute;500/day", rate_limits, "votes, per reader (IP when no reader)"),
    Setting("COMMENTSVC_RATELIMIT_VOTE_IP", "COMMENTSVC_RATELIMIT_VOTE_IP", "120/minute",
            rate_limits, "votes, per client IP"),
    Setting("COMMENTSVC_RATELIMIT_FLAG_READER", "COMMENTSVC_RATELIMIT_FLAG_READER", "10/hour",
            rate_limits, "reports, per reader (IP when no reader)"),
    Setting("COMMENTSVC_RATELIMIT_FLAG_IP", "COMMENTSVC_RATELIMIT_FLAG_IP", "30/hour",
            rate_limits, "reports, per client IP"),
    Setting("COMMENTSVC_RATELIMIT_ADMIN", "COMMENTSVC_RATELIMIT_ADMIN", "600/minute",
            rate_limits, "admin API, per API key (separate from readers' quotas)"),
    Setting("COMMENTSVC_TRUSTED_PROXIES", "COMMENTSVC_TRUSTED_PROXIES", "0", whole(0, 10),
            "how many proxies in front may set `X-Forwarded-For` (0-10); `0` ignores the header"),
    Setting("COMMENTSVC_EDIT_WINDOW_SECONDS", "COMMENTSVC_EDIT_WINDOW_SECONDS", "900",
            whole(0, 604_800), "how long authors may edit or delete, 0-604800 seconds "
            "(per-site setting overrides)"),
    Setting("COMMENTSVC_DISPLAY_DEPTH", "COMMENTSVC_DISPLAY_DEPTH", "3", whole(1, 10),
            "deepest reply level shown, 1-10; deeper replies are listed at this level "
            "(per-site setting overrides)"),
    Setting("COMMENTSVC_MAX_REQUEST_BYTES", "MAX_CONTENT_LENGTH", str(64 * KIB),
            whole(KIB, 16 * MIB), f"larger request bodies get 413; {KIB}-{16 * MIB} bytes"),
    Setting("COMMENTSVC_PAGE_CACHE_ENTRIES", "COMMENTSVC_PAGE_CACHE_ENTRIES", "1024",
            whole(0, 1_000_000), "encoded thread pages each process keeps in memory (keyed by "
            "the thread's version; 0-1000000, `0` turns the cache off), and as many kept answers "
            "to counts and thread pages (`0` turns them off too)"),
    Setting("COMMENTSVC_COUNTS_CACHE_SECONDS", "COMMENTSVC_COUNTS_CACHE_SECONDS", "1",
            whole(0, 60), "seconds each process may answer the same counts without asking the "
            "database again; a comment changed through that process clears them at once, other "
            "processes' changes show within this time (0-60, never longer than max-age + "
            "stale-while-revalidate; `0` turns it off). Also the longest a process gives a kept "
            "answer to counts or a thread page again (see \"A CDN in front\")"),
    Setting("COMMENTSVC_CACHE_MAX_AGE", "COMMENTSVC_CACHE_MAX_AGE", "10", whole(0, 3600),
            "seconds a browser or a CDN may reuse a thread page or counts without asking "
            "again (`Cache-Control: public, max-age`; 0-3600)"),
    Setting("COMMENTSVC_CACHE_STALE_SECONDS", "COMMENTSVC_CACHE_STALE_SECONDS", "30",
            whole(0, 86_400), "seconds after that a cache may still answer with the old copy "
            "while it fetches a new one (`stale-while-revalidate`; 0-86400, `0` leaves it out)"),
    Setting("COMMENTSVC_RETENTION_DAYS", "COMMENTSVC_RETENTION_DAYS", "90", whole(1, 36_500),
            "`commentsvc purge` clears IP hashes older than this many days (1-36500), except "
            "those an active ban refers to"),
    Setting("COMMENTSVC_DEMO_PAGES", "COMMENTSVC_DEMO_PAGES", "true", flag,
            "serve the demo newspaper at `/` and `/articles/…`",
            default_in_production="false"),
    Setting("COMMENTSVC_ACCESS_LOG_IPS", "COMMENTSVC_ACCESS_LOG_IPS", "false", flag,
            "`true` puts client IPs (and `X-Forwarded-For`) back into `commentsvc serve`'s "
            "access log; by default it keeps none"),
    Setting("COMMENTSVC_LOG_FORMAT", "COMMENTSVC_LOG_FORMAT", "text", one_of(*LOG_FORMATS),
            "`text` or `json`: the app's log lines (one per request, one per moderation action "
            "or rule decision) on stderr; never a raw IP, e-mail or token",
            default_in_production="json"),
    Setting("COMMENTSVC_METRICS", "COMMENTSVC_METRICS", "off", one_of(*METRICS_MODES),
            "Prometheus metrics: `off` (`/metrics` is 404), `token` (`GET /metrics` with "
            "`Authorization: Bearer $COMMENTSVC_METRICS_TOKEN`) or `bind` (served only on "
            "`COMMENTSVC_METRICS_BIND` by `commentsvc serve`, not on the public port)"),
    Setting("COMMENTSVC_METRICS_TOKEN", "COMMENTSVC_METRICS_TOKEN", "", bearer_secret,
            f"the scraper's bearer token when `COMMENTSVC_METRICS=token`; {MIN_SECRET_LENGTH}-256 "
            "characters", secret=True),
    Setting("COMMENTSVC_WORKER", "COMMENTSVC_WORKER", "auto", one_of(*WORKER_MODES),
            "who sends the outbox (e-mails, webhooks): `auto` (a thread inside `commentsvc "
            "serve` on SQLite; on PostgreSQL run `commentsvc worker`), `thread` (always the "
            "thread, as well as any `commentsvc worker`) or `off` (only `commentsvc worker`)"),
    Setting("COMMENTSVC_WORKER_POLL_SECONDS", "COMMENTSVC_WORKER_POLL_SECONDS", "2",
            whole(1, 3600), "how often a worker looks for due outbox messages (1-3600 seconds)"),
    Setting("COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE", "COMMENTSVC_WEBHOOKS_ALLOW_PRIVATE", "false",
            flag, "`true` lets webhooks call loopback, private and link-local addresses (tests, "
            "closed networks); by default such URLs are refused when made and when called"),
    Setting("COMMENTSVC_LIVE_PORT", "COMMENTSVC_LIVE_PORT", "auto", live_port,
            "where `commentsvc serve` runs its live-stream process (`auto`: the port after "
            "PORT; `off`: none, then `/api/v1/stream` answers at once and browsers reconnect "
            "every few seconds); the app sends browsers there with a 307"),
    Setting("COMMENTSVC_LIVE_URL", "COMMENTSVC_LIVE_URL", "", base_url("https://live.news.example"),
            "public base URL of a separate `commentsvc stream` server (e.g. "
            "`https://live.news.example`): `/api/v1/stream` redirects there; leave empty when "
            "your proxy routes `/api/v1/stream` to it"),
    Setting("COMMENTSVC_LIVE_REDIS_URL", "COMMENTSVC_LIVE_REDIS_URL", "", redis_or_off,
            "Redis pub/sub for live updates across processes (empty: the rate limits' Redis, "
            "if any; `off`: none, streams then poll the database every half second)",
            secret=True),
    Setting("COMMENTSVC_METRICS_BIND", "COMMENTSVC_METRICS_BIND", "127.0.0.1:9100", host_port,
            "where `COMMENTSVC_METRICS=bind` serves metrics (HOST:PORT, `[::1]:9100` for IPv6); "
            "keep it off the public network"),
    Setting("COMMENTSVC_PUBLIC_URL", "COMMENTSVC_PUBLIC_URL", "", base_url("https://comments.news.example"),
            "the service's address as readers reach it (e.g. `https://comments.news.example`), "
            "for the links in e-mails; required in production when `COMMENTSVC_SMTP_HOST` is "
            "set (empty: the address the triggering request came to)"),
    Setting("COMMENTSVC_SMTP_HOST", "COMMENTSVC_SMTP_HOST", "", text,
            "SMTP server for reply notifications and moderator e-mails; empty: e-mails are "
            "written to the log instead (development)"),
    Setting("COMMENTSVC_SMTP_PORT", "COMMENTSVC_SMTP_PORT", "587", whole(1, 65535),
            "SMTP port (587 for `starttls`, 465 for `ssl`)"),
    Setting("COMMENTSVC_SMTP_USER", "COMMENTSVC_SMTP_USER", "", text,
            "SMTP user name; empty: no login"),
    Setting("COMMENTSVC_SMTP_PASSWORD", "COMMENTSVC_SMTP_PASSWORD", "", text,
            "SMTP password", secret=True),
    Setting("COMMENTSVC_SMTP_TLS", "COMMENTSVC_SMTP_TLS", "starttls", one_of(*SMTP_TLS_MODES),
            "`starttls` (upgrade the connection; required), `ssl` (TLS from the start) or "
            "`none` (plain text: only for a relay on the same host)"),
    Setting("COMMENTSVC_SMTP_FROM", "COMMENTSVC_SMTP_FROM", "commentsvc <comments@localhost>",
            mail_address, "the `From:` of every e-mail, e.g. `Comments <comments@news.example>`"),
    Setting("COMMENTSVC_MAIL_DIGEST_SECONDS", "COMMENTSVC_MAIL_DIGEST_SECONDS", "600",
            whole(0, 86_400), "reply notifications: at most one e-mail per reader in this many "
            "seconds; replies that arrive meanwhile are sent together in the next one "
            "(0-86400, `0`: one e-mail per reply)"),
)


def _problem(setting: Setting, raw: str, allowed: str) -> ConfigError:
    shown = "the value given (not shown: it may hold a password)" if setting.secret else repr(raw)
    return ConfigError(f"{setting.name} must be {allowed}, not {shown}")


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config keys built from the environment; every COMMENTSVC_* variable is read here.

    Raises ConfigError, naming the variable and what it may be, at the first bad value.
    """
    env = os.environ if environ is None else environ
    mode_raw = env.get("COMMENTSVC_ENV", "development")
    settings: dict[str, Any] = {}
    for setting in SETTINGS:
        # Lookups go through .get: tests/integration/test_compose.py records them.
        raw = env.get(setting.name, None)
        if raw is None:
            raw = setting.default_for(str(mode_raw).strip().lower())
        try:
            settings[setting.key] = setting.parse(raw)
        except Invalid as exc:
            raise _problem(setting, raw, str(exc)) from None
    return settings


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse what the service cannot run with, also in settings given in code (tests)."""
    mode = config["COMMENTSVC_ENV"]
    if mode not in MODES:
        raise ConfigError(f"COMMENTSVC_ENV must be 'development' or 'production', not {mode!r}")
    for setting in SETTINGS:
        value = config.get(setting.key)
        if setting.parse is rate_limits and isinstance(value, str):
            try:
                rate_limits(value)
            except Invalid as exc:
                raise _problem(setting, value, str(exc)) from None
    if mode == "production":
        _check_production_secret(config.get("SECRET_KEY") or "")
    _check_metrics(config)
    if mode == "production" and config.get("COMMENTSVC_SMTP_HOST") and not config.get(
            "COMMENTSVC_PUBLIC_URL"):
        raise ConfigError("COMMENTSVC_PUBLIC_URL must be set when COMMENTSVC_ENV=production and "
                          "COMMENTSVC_SMTP_HOST is set: e-mails link back to the service")


def _check_metrics(config: Mapping[str, Any]) -> None:
    metrics = config.get("COMMENTSVC_METRICS", "off")
    if metrics not in METRICS_MODES:
        raise ConfigError(f"COMMENTSVC_METRICS must be 'off', 'token' or 'bind', not {metrics!r}")
    if metrics == "token" and not config.get("COMMENTSVC_METRICS_TOKEN"):
        raise ConfigError("COMMENTSVC_METRICS_TOKEN must be set when COMMENTSVC_METRICS=token; "
                          "make one with: python3 -c 'import secrets; "
                          "print(secrets.token_urlsafe(48))'")


def _check_production_secret(secret: str) -> None:
    how = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
    if not secret.strip():
        raise ConfigError(f"COMMENTSVC_SECRET_KEY must be set when COMMENTSVC_ENV=production; "
                          f"make one with: {how}")
    if secret == DEV_SECRET_KEY:
        raise ConfigError("COMMENTSVC_SECRET_KEY must not be the development default when "
                          f"COMMENTSVC_ENV=production; make one with: {how}")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"COMMENTSVC_SECRET_KEY must be at least {MIN_SECRET_LENGTH} "
                          f"characters when COMMENTSVC_ENV=production, not {len(secret)}; "
                          f"make one with: {how}")


def markdown_table() -> str:
    """The README's configuration table, from SETTINGS."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default else "none"
        if s.default_in_production is not None:
            default += f" in development, `{s.default_in_production}` in production"
        rows.append(f"| `{s.name}` | {default} | {s.meaning} |")
    return "\n".join(rows)
