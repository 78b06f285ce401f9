"""The per-process counts cache: young entries only, and none from before a write."""

from __future__ import annotations

import pytest

from commentsvc import events
from commentsvc.api import counts_cache
from commentsvc.api.counts_cache import CountsCache


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


def reader(values: list[int]):
    def read() -> int:
        values.append(len(values))
        return values[-1]
    return read


def changed() -> None:
    counts_cache._heard(events.CommentChanged(1, 1, "created", "approved"))


def test_the_same_counts_are_read_once_within_the_lifetime(ticks):
    cache, reads = CountsCache(1, clock=ticks), []
    assert cache.fetch("k", reader(reads)) == 0
    ticks.now += 0.9
    assert cache.fetch("k", reader(reads)) == 0
    assert reads == [0]


def test_counts_are_read_again_once_the_lifetime_is_over(ticks):
    cache, reads = CountsCache(1, clock=ticks), []
    cache.fetch("k", reader(reads))
    ticks.now += 1
    assert cache.fetch("k", reader(reads)) == 1


def test_a_comment_changed_in_this_process_clears_every_entry(ticks):
    cache, reads = CountsCache(1, clock=ticks), []
    cache.fetch("k", reader(reads))
    changed()
    assert cache.fetch("k", reader(reads)) == 1


def test_counts_read_while_a_write_committed_are_not_kept(ticks):
    cache, reads = CountsCache(1, clock=ticks), []

    def read_during_a_write() -> int:
        value = reader(reads)()
        changed()  # the write commits after the read began
        return value

    cache.fetch("k", read_during_a_write)
    assert cache.fetch("k", reader(reads)) == 1


def test_zero_seconds_keeps_nothing(ticks):
    cache, reads = CountsCache(0, clock=ticks), []
    cache.fetch("k", reader(reads))
    assert cache.fetch("k", reader(reads)) == 1


@pytest.mark.parametrize(("seconds", "max_age", "stale", "expected"), [
    (1, 10, 30, 1), (5, 2, 1, 3), (1, 0, 0, 0), (0, 10, 30, 0)])
def test_the_lifetime_is_never_longer_than_cache_control_allows(seconds, max_age, stale,
                                                                 expected):
    config = {"COMMENTSVC_COUNTS_CACHE_SECONDS": seconds, "COMMENTSVC_CACHE_MAX_AGE": max_age,
              "COMMENTSVC_CACHE_STALE_SECONDS": stale}
    assert counts_cache.lifetime(config) == expected
