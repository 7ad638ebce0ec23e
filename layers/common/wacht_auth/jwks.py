"""Fetching the key set, and the cache that lives across warm invocations.

The cache follows what the best verifiers do (aws-jwt-verify, HTTP API's JWT authorizer):
fetch during init; refresh after ``ttl_seconds``; an unknown ``kid`` triggers at most one
refetch per ``cooldown_seconds``, shared by concurrent callers; a failed refresh keeps the last
good set for ``stale_grace_seconds`` past its expiry. PyJWT's PyJWKClient wipes its cache on a
failed fetch and has no cooldown, so we use PyJWT to verify, not to cache.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from .errors import KeyNotYetKnown, KeysUnavailable, Reason, Unauthenticated
from .keys import Jwk, KeySet

__all__ = ["JwksCache", "JwksFetchError", "fetch_jwks", "USER_AGENT"]

USER_AGENT = "wacht-sam-authorizer/1.0 (+jwks)"
DEFAULT_TIMEOUT_SECONDS = 3.0
DEFAULT_MAX_BYTES = 150 * 1024

Fetcher = Callable[[], Mapping[str, Any]]


class JwksFetchError(Exception):
    """Raised by a fetcher when the key set cannot be had: unreachable, slow, too big or not JSON."""


def fetch_jwks(url: str, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS, max_bytes: int = DEFAULT_MAX_BYTES) -> dict:
    """GET ``url`` and return the parsed JSON body, or raise JwksFetchError.

    ``timeout_seconds`` bounds the whole fetch (connect, headers and a body that may drip in),
    not each socket read: the fetch runs in a worker thread that is abandoned at the deadline.
    """
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(_get_json(url, timeout_seconds, max_bytes)), daemon=True)
    worker.start()
    worker.join(timeout_seconds)
    if not outcome:
        raise JwksFetchError(f"JWKS fetch took longer than {timeout_seconds} s")
    if isinstance(outcome[0], JwksFetchError):
        raise outcome[0]
    return outcome[0]


def _get_json(url: str, timeout_seconds: float, max_bytes: int) -> dict | JwksFetchError:
    """One GET, every failure turned into a JwksFetchError value (it runs in a worker thread).

    urllib is imported here, not at module level: a cold start with an inline key set never pays for it.
    """
    import http.client
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310 - scheme checked in config
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as error:
        return JwksFetchError(f"JWKS endpoint answered HTTP {error.code}")
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as error:
        return JwksFetchError(f"JWKS endpoint unreachable: {type(error).__name__}")
    if len(body) > max_bytes:
        return JwksFetchError(f"JWKS body larger than {max_bytes} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return JwksFetchError("JWKS body is not JSON")


class JwksCache:
    """The current key set and when to refresh it. Thread-safe; one instance per process."""

    def __init__(
        self,
        fetch: Fetcher,
        *,
        ttl_seconds: float = 600.0,
        cooldown_seconds: float = 30.0,
        stale_grace_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl_seconds
        self._cooldown = cooldown_seconds
        self._grace = stale_grace_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")
        self._fetched_at_wall = float("-inf")
        self._attempted_at = float("-inf")
        self._last_attempt_failed = False
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

    def candidates(
        self, kid: str | None, algorithm: str, issued_at: Callable[[], float | None] = lambda: None
    ) -> tuple[Jwk, ...]:
        """The keys that may have signed a token with this header, best first.

        Raises Unauthenticated(UNKNOWN_KID / NO_MATCHING_KEY) when the key set, refreshed at most
        once per cooldown, has no such key; KeysUnavailable when it cannot be had or refreshed;
        KeyNotYetKnown when the cooldown forbids a refetch but the token may be newer than our key
        set (``issued_at()``: its latest possible issue time, read only on this path): a likely rotation.
        """
        keys = self._current_keys()
        found = self._lookup(keys, kid, algorithm)
        if found:
            return found
        keys = self._refresh_for_unknown_key(keys, issued_at)
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
            if self._clock() >= self._attempted_at + self._cooldown:
                self._refresh_locked()
            return self._usable_locked()

    def _refresh_for_unknown_key(self, seen: KeySet, issued_at: Callable[[], float | None]) -> KeySet:
        if not self._refreshable:
            return seen  # a fixed key set: an unknown key is simply not ours
        with self._lock:
            if self._keys is not seen:
                return self._usable_locked()  # refreshed by someone else meanwhile: just look again
            if self._clock() < self._attempted_at + self._cooldown:
                if self._last_attempt_failed:
                    # We could not check for a rotated key: an outage, not the caller's fault.
                    raise KeysUnavailable("key set refresh failed recently; unknown key cannot be checked")
                issued = issued_at()
                if issued is not None and issued > self._fetched_at_wall:
                    raise KeyNotYetKnown("token is newer than the key set; refetch allowed after the cooldown")
                return seen
            if not self._refresh_locked():
                raise KeysUnavailable("key set refresh failed; unknown key cannot be checked")
            return self._usable_locked()

    def _refresh_locked(self) -> bool:
        self._attempted_at = self._clock()
        self.fetch_count += 1
        try:
            keys = KeySet.from_jwks(self._fetch())
        except (JwksFetchError, ValueError) as error:
            self._last_attempt_failed = True
            self.last_error = str(error)
            return False
        except Exception as error:  # noqa: BLE001 - any fetcher failure is an outage, never a crash
            self._last_attempt_failed = True
            self.last_error = f"key set fetch failed: {type(error).__name__}"
            return False
        self._keys, self._fetched_at, self._fetched_at_wall = keys, self._clock(), self._wall_clock()
        self._last_attempt_failed = False
        return True

    def _usable_locked(self) -> KeySet:
        """The cached set if fresh, or stale within the grace period; else KeysUnavailable."""
        if self._keys is not None and self._clock() < self._fetched_at + self._ttl + self._grace:
            return self._keys
        raise KeysUnavailable("no usable key set: the JWKS could not be fetched")
