"""Fetching the key set, and the cache that lives across warm invocations.

The cache follows what the best verifiers do (aws-jwt-verify, HTTP API's JWT authorizer) and
closes two gaps they leave:

- fetch during init; refresh after ``ttl_seconds``; a failed refresh keeps the last good set for
  ``stale_grace_seconds`` past its expiry (PyJWT's PyJWKClient wipes its cache instead);
- after a failed fetch the next attempt waits ``first_retry_seconds`` (0.5 s), doubling up to
  ``max_retry_seconds`` (30 s): an environment whose cold-start fetch failed recovers within about
  a second of a short hiccup, and a long outage costs one fetch per 30 s;
- an unknown ``kid`` refetches at most once per ``cooldown_seconds`` (5 s), one fetch shared by
  concurrent callers. Between refetches an unknown kid is a 401, except within the cooldown after
  a fetch nobody asked for (cold start, TTL refresh) for a token issued after it: a key rotated
  just after that fetch, so a retryable 5xx. A caller sending unknown kids cannot open such a
  window: it only causes refetches, and a refetch answers 401 for every kid it lacks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from .errors import KeyNotYetKnown, KeysUnavailable, Reason, Unauthenticated
from .jwks_fetch import USER_AGENT, JwksFetchError, PendingFetch, fetch_jwks
from .keys import Jwk, KeySet

__all__ = ["JwksCache", "JwksFetchError", "fetch_jwks", "USER_AGENT"]  # the last three from jwks_fetch, as before

Fetcher = Callable[[], Mapping[str, Any]]


class JwksCache:
    """The current key set and when to refresh it. Thread-safe; one instance per process."""

    def __init__(
        self,
        fetch: Fetcher,
        *,
        ttl_seconds: float = 600.0,
        cooldown_seconds: float = 5.0,
        first_retry_seconds: float = 0.5,
        max_retry_seconds: float = 30.0,
        stale_grace_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        prefetched: PendingFetch | None = None,
    ) -> None:
        self._fetch = fetch
        self._prefetched = prefetched
        """A fetch started before this cache existed (wacht_auth.prefetch): the first fetch waits for it."""
        self._ttl = ttl_seconds
        self._cooldown = cooldown_seconds
        self._first_retry = first_retry_seconds
        self._max_retry = max_retry_seconds
        self._grace = stale_grace_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        """Clock time at which the current key set arrived (TTL and grace count from here)."""
        self._fetched_at_wall = float("-inf")
        """Wall time at which the fetch of the current key set STARTED: every key used before then was published."""
        self._attempted_at = float("-inf")
        self._failures = 0
        """Fetch attempts that failed in a row: the retry backoff grows with them."""
        self._generation = 0
        """Successful fetches so far: tells a lookup whether a fetch happened after it began."""
        self._rotation_window_open = False
        """True after a fetch nobody asked for, until an unknown kid has been checked against it."""
        self._refreshable = True
        self.last_error: str | None = None
        """Why the last fetch failed (no secrets: a status code or an exception type)."""
        self.fetch_count = 0
        """How many fetches were started: what the tests and the benchmark count."""

    @classmethod
    def static(cls, keys: KeySet) -> JwksCache:
        """A cache over a fixed key set (``WACHT_JWKS``): never fetches, never expires."""

        def _never() -> Mapping[str, Any]:
            raise JwksFetchError("a static key set is never fetched")

        cache = cls(_never, ttl_seconds=float("inf"), cooldown_seconds=float("inf"))
        cache._keys, cache._fetched_at, cache._refreshable = keys, 0.0, False
        return cache

    def prime(self) -> bool:
        """Fetch at cold start so the first request pays nothing; False (not an error) on failure."""
        try:
            self._current_keys()
        except KeysUnavailable:
            return False
        return True

    @property
    def retry_delay_seconds(self) -> float:
        """How long after a fetch attempt the next one may start: the refetch cooldown after a
        success; after failures 0.5 s, 1 s, 2 s, … (``first_retry_seconds`` doubling) up to ``max_retry_seconds``.
        """
        if self._failures == 0:
            return self._cooldown
        return min(self._first_retry * 2 ** (self._failures - 1), self._max_retry)

    def candidates(self, kid: str | None, algorithm: str, latest_issue_time: float | None = None) -> tuple[Jwk, ...]:
        """The keys that may have signed a token with this header, best first.

        ``latest_issue_time`` is the latest wall time at which the token may have been issued
        (its unverified ``iat`` plus resolution and skew; None when it has none): a token with an
        unknown kid issued before our key set was fetched is not ours, and never causes a fetch.

        Raises Unauthenticated(UNKNOWN_KID / NO_MATCHING_KEY) when the key set, refetched at most
        once per cooldown, has no such key; KeysUnavailable when it cannot be had or refetched;
        KeyNotYetKnown when the token may be signed by a key rotated just after a fetch nobody
        asked for, and the cooldown forbids asking again yet (a retryable 5xx, for at most the cooldown).
        """
        generation = self._generation
        keys = self._current_keys()
        found = self._lookup(keys, kid, algorithm)
        if found:
            return found
        if self._refreshable and latest_issue_time is not None and latest_issue_time > self._fetched_at_wall:
            keys = self._refresh_for_unknown_key(generation)
            found = self._lookup(keys, kid, algorithm)
            if found:
                return found
        if kid is not None:
            raise Unauthenticated(Reason.UNKNOWN_KID)
        raise Unauthenticated(Reason.NO_MATCHING_KEY)

    @staticmethod
    def _lookup(keys: KeySet, kid: str | None, algorithm: str) -> tuple[Jwk, ...]:
        if kid is None:
            return keys.for_algorithm(algorithm)
        key = keys.by_kid(kid)
        return (key,) if key is not None else ()

    def _current_keys(self) -> KeySet:
        now = self._clock()
        keys = self._keys
        if keys is not None and now < self._fetched_at + self._ttl:
            return keys
        with self._lock:
            if self._keys is not None and self._clock() < self._fetched_at + self._ttl:
                return self._keys  # another caller refreshed while we waited
            if self._clock() >= self._attempted_at + self.retry_delay_seconds:
                self._refresh_locked(asked_for=False)
            return self._usable_locked()

    def _refresh_for_unknown_key(self, generation: int) -> KeySet:
        """The key set to look in again for a kid it lacked (the token may be newer than it)."""
        with self._lock:
            if self._generation != generation:
                # A fetch finished after this lookup began (ours for the TTL, or another caller's):
                # it answers for this token as a refetch would.
                self._rotation_window_open = False
                return self._usable_locked()
            if self._clock() >= self._attempted_at + self.retry_delay_seconds:
                if not self._refresh_locked(asked_for=True):
                    raise KeysUnavailable("key set refresh failed; unknown key cannot be checked")
                return self._usable_locked()
            if self._failures:
                # We could not check for a rotated key: an outage, not the caller's fault.
                raise KeysUnavailable("key set refresh failed recently; unknown key cannot be checked")
            if self._rotation_window_open:
                raise KeyNotYetKnown("token may be newer than the key set; a refetch is allowed within the cooldown")
            return self._usable_locked()  # a refetch within the cooldown lacked it too: not ours

    def _refresh_locked(self, *, asked_for: bool) -> bool:
        self._attempted_at = self._clock()
        pending, self._prefetched = self._prefetched, None
        started_wall = pending.started_at_wall if pending is not None else self._wall_clock()
        fetch = pending.result if pending is not None else self._fetch
        self.fetch_count += 1
        try:
            keys = KeySet.from_jwks(fetch())
        except (JwksFetchError, ValueError) as error:
            self._failures += 1
            self.last_error = str(error)
            return False
        except Exception as error:  # noqa: BLE001 - any fetcher failure is an outage, never a crash
            self._failures += 1
            self.last_error = f"key set fetch failed: {type(error).__name__}"
            return False
        self._keys, self._fetched_at, self._fetched_at_wall = keys, self._clock(), started_wall
        self._failures = 0
        self._generation += 1
        # Only a fetch nobody asked for may have just missed a rotation unchallenged; a refetch
        # for an unknown kid answers for every kid it lacks until the next one is allowed.
        self._rotation_window_open = not asked_for
        return True

    def _usable_locked(self) -> KeySet:
        """The cached set if fresh, or stale within the grace period; else KeysUnavailable."""
        if self._keys is not None and self._clock() < self._fetched_at + self._ttl + self._grace:
            return self._keys
        raise KeysUnavailable("no usable key set: the JWKS could not be fetched")
