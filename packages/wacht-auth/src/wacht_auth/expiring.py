"""A bounded map whose entries expire: how verified tokens are remembered across invocations."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["ExpiringCache"]


class ExpiringCache:
    """``get`` returns a value until its ``expires_at`` (clock seconds); beyond ``max_entries``
    the oldest entry is dropped, so a flood of distinct tokens costs O(1) per insert.
    """

    def __init__(self, max_entries: int = 1024, clock: Callable[[], float] = time.time) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._clock() < entry[0]:
            return entry[1]
        del self._entries[key]
        return None

    def put(self, key: Hashable, value: Any, expires_at: float) -> None:
        self._entries.pop(key, None)
        if len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]  # insertion order: the oldest first
        self._entries[key] = (expires_at, value)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
