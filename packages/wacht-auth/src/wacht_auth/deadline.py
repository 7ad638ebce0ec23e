"""One outbound HTTP exchange bounded as a whole, not per socket read.

``urllib`` and ``requests`` time out each read, so an answer that drips in a byte at a time never
trips them. The exchange therefore runs in a daemon worker thread that the caller stops waiting
for at the deadline (the worker is abandoned; it should also stop reading once the deadline has
passed). The JWKS fetch and the Backend API client both go through here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["run_within"]

T = TypeVar("T")


def run_within(seconds: float, exchange: Callable[[], T | Exception], timed_out: Callable[[], Exception], *,
               thread_name: str | None = None) -> T:
    """``exchange()``'s result if it returns within ``seconds``; raises ``timed_out()`` otherwise.

    ``exchange`` runs in the worker and must not raise: it returns its failure as an exception
    value, which is raised here in the caller's thread.
    """
    outcome: list[T | Exception] = []
    worker = threading.Thread(target=lambda: outcome.append(exchange()), name=thread_name, daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    if not outcome:
        raise timed_out()
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]
