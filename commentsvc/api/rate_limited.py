"""The 429 answer: which limit was hit, in words, and when the reader may try again."""

from __future__ import annotations

import time

from flask import Response
from flask_limiter import RateLimitExceeded
from limits import RateLimitItem

from commentsvc.errors import envelope
from commentsvc.extensions import limiter

# Limit scope -> (what the reader was told they are doing, the thing counted, its plural).
DOING = {
    "post-reader": ("posting too fast", "comment", "comments"),
    "post-ip": ("posting too fast", "comment, edit or deletion", "comments, edits or deletions"),
    "read": ("reading too fast", "request", "requests"),
    "vote-reader": ("voting too fast", "vote", "votes"),
    "vote-ip": ("voting too fast", "vote", "votes"),
    "flag-reader": ("reporting too fast", "report", "reports"),
    "flag-ip": ("reporting too fast", "report", "reports"),
}
GENERAL = ("sending too many requests", "request", "requests")  # the admin API


def too_fast_message(limit: RateLimitItem, scope: str, seconds: int) -> str:
    """E.g. "You are posting too fast: at most 5 comments a minute. Try again in 40 seconds."."""
    doing, one, many = DOING.get(scope, GENERAL)
    unit = limit.GRANULARITY.name
    if limit.multiples == 1:
        period = f"{'an' if unit == 'hour' else 'a'} {unit}"
    else:
        period = f"every {limit.multiples} {unit}s"
    where = " from one address" if scope.endswith(("-ip", "read")) else ""
    return (f"You are {doing}: at most {limit.amount} {one if limit.amount == 1 else many} "
            f"{period}{where}. Try again in {_duration(seconds)}.")


def _duration(seconds: int) -> str:
    # Seconds up to two minutes, then minutes up to two hours, then hours.
    for unit, name in ((3600, "hour"), (60, "minute")):
        if seconds >= 2 * unit:
            return _count(round(seconds / unit), name)
    return _count(max(1, seconds), "second")


def _count(n: int, name: str) -> str:
    return f"{n} {name}{'' if n == 1 else 's'}"


def handle_rate_limited(error: RateLimitExceeded) -> tuple[Response, int]:
    """The usual envelope; flask-limiter adds Retry-After and the RateLimit headers after."""
    hit = limiter.current_limit
    reset_at = hit.reset_at if hit else time.time()
    scope = error.limit.scope if isinstance(error.limit.scope, str) else ""
    seconds = int(reset_at - time.time())
    return envelope(429, "rate_limited", too_fast_message(error.limit.limit, scope, seconds))
