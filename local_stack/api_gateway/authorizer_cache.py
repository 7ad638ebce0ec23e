"""API Gateway's authorizer result cache: one entry per identity-source value, for the TTL.

The key holds every value the request carried for each identity source (a header sent twice
gives two), exactly what the authorizer's event carries: a policy granted to one set of values
is never served to another, so ``Authorization: <valid>`` sent beside garbage cannot leave a
cached policy behind for the garbage alone.

The cached result is the whole policy, reused for every route the caller hits next, which is
why the authorizer must return a policy covering all routes. A TTL of 0 disables caching.
Only policies are cached: an ``Unauthorized`` or a failure is asked again next time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["AuthorizerCache", "AuthorizerResult", "IdentityKey"]

IdentityKey = tuple[tuple[str, ...], ...]
"""Per identity source, in the authorizer's order, every value the request carried for it."""


@dataclass(frozen=True)
class AuthorizerResult:
    principal_id: str
    policy_document: Mapping[str, Any]
    context: Mapping[str, str]
    """Already stringified, as the function will receive it."""


class AuthorizerCache:
    def __init__(self, ttl_seconds: int, *, clock: Callable[[], float] = time.monotonic, max_entries: int = 10_000) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[IdentityKey, tuple[float, AuthorizerResult]] = {}
        self._lock = threading.Lock()

    def get(self, identity: IdentityKey) -> AuthorizerResult | None:
        if self.ttl_seconds <= 0:
            return None
        with self._lock:
            entry = self._entries.get(identity)
            if entry is None:
                return None
            if self._clock() >= entry[0]:
                del self._entries[identity]
                return None
            return entry[1]

    def put(self, identity: IdentityKey, result: AuthorizerResult) -> None:
        if self.ttl_seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._max_entries:
                now = self._clock()
                for stale in [k for k, (until, _) in self._entries.items() if until <= now]:
                    del self._entries[stale]
                while len(self._entries) >= self._max_entries:
                    del self._entries[next(iter(self._entries))]
            self._entries[identity] = (self._clock() + self.ttl_seconds, result)

    def flush(self) -> None:
        """Like ``aws apigateway flush-stage-authorizers-cache``."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
