"""The expiring cache."""

from __future__ import annotations

import pytest

from tests.support.servers import FakeClock
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
