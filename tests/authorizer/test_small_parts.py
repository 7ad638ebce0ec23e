"""The expiring cache and the batched decision counter."""

from __future__ import annotations

import pytest

from tests.support.servers import FakeClock
from wacht_auth.decisions import DecisionCounter
from wacht_auth.expiring import ExpiringCache


def test_expiring_cache_forgets_entries_at_their_expiry():
    clock = FakeClock(100.0)
    cache = ExpiringCache(10, clock)
    cache.put("a", 1, expires_at=105.0)
    assert cache.get("a") == 1
    clock.advance(5)
    assert cache.get("a") is None and len(cache) == 0


def test_expiring_cache_drops_the_oldest_beyond_its_bound():
    cache = ExpiringCache(3, FakeClock())
    for key in "abcd":
        cache.put(key, key, expires_at=float("inf"))
    assert [cache.get(k) for k in "abcd"] == [None, "b", "c", "d"]


def test_expiring_cache_rejects_a_zero_bound():
    with pytest.raises(ValueError):
        ExpiringCache(0)


def test_decisions_are_published_in_batches_and_outages_at_once():
    clock = FakeClock(0.0)
    published: list[dict] = []
    counter = DecisionCounter(lambda counts: published.append(dict(counts)), interval_seconds=60, clock=clock)
    for _ in range(3):
        counter.count("Allow")
    assert published == []
    clock.advance(60)
    counter.count("Allow")
    assert published == [{"Allow": 4}]
    counter.count("KeysUnavailable", urgent=True)
    assert published[-1] == {"KeysUnavailable": 1}
    counter.flush()
    assert len(published) == 2  # nothing new: no empty blob
