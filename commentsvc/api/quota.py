"""Posting quotas counted before the work is done, and given back when the input was invalid.

flask-limiter's `deduct_when` tests a limit before the request and counts it after, so parallel
requests all pass the test (9 of 30 parallel posts got through a limit of 5). Instead, posting
limits are ordinary limits: the storage counts and checks in one atomic step (a Redis INCRBY, or
a locked counter in memory) before the view runs. An answer that did not use the quota - invalid
input, a refused request - then gives its hit back with a hit of cost -1.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from limits.strategies import FixedWindowRateLimiter

from commentsvc.extensions import limiter

log = logging.getLogger(__name__)


def give_back(scopes: Collection[str]) -> None:
    """Take back this request's hits on the limits of these (shared-limit) scopes."""
    if not limiter.enabled:
        return  # with limits switched off there is no strategy, and nothing was counted
    strategy = limiter.limiter
    # Only a fixed window can take a hit back; with another strategy invalid input counts.
    if not isinstance(strategy, FixedWindowRateLimiter):
        return
    for spent in limiter.current_limits:
        if spent.request_args[-1] not in scopes:
            continue
        try:
            strategy.hit(spent.limit, *spent.request_args, cost=-1)
        except Exception:  # a storage outage must not turn an answer already made into a 500
            log.exception("could not give back a hit on %s", spent.key)
