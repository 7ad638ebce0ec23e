"""The time an invocation may still spend on its dependencies, and retries that fit in it.

A function must answer (503 / 504 with CORS headers) before Lambda kills it at its timeout;
otherwise API Gateway answers a bare 502/504 and the execution environment is reset. So every
call to DynamoDB, Secrets Manager / SSM and Wacht's Backend API is sized from one Budget:
the invocation's remaining time (``context.get_remaining_time_in_millis()``) minus a margin to
answer. Per attempt, the connect and read timeouts come from a short fixed ladder (so a process
builds at most a few SDK clients, one per rung); retries happen only while a rung still fits.

We retry ourselves instead of with botocore's retry modes: their worst case cannot be bounded by
a budget (standard mode honours a server's ``x-amz-retry-after`` up to 5 s per retry).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

__all__ = [
    "ANSWER_MARGIN_SECONDS",
    "DEFAULT_FUNCTION_SECONDS",
    "LADDER",
    "AttemptTimeouts",
    "Budget",
    "ClientsByTimeouts",
    "OutOfTime",
    "call_with_retries",
]

ANSWER_MARGIN_SECONDS = 1.0
"""Kept back from the remaining time to log and send the answer after giving up."""
DEFAULT_FUNCTION_SECONDS = 10.0
"""Used when there is no Lambda context to ask (a script, a unit test): the template's Timeout."""

T = TypeVar("T")


@dataclass(frozen=True)
class AttemptTimeouts:
    """Timeouts for one attempt of one call; ``connect + read`` is its worst case."""

    connect_seconds: float
    read_seconds: float

    @property
    def total_seconds(self) -> float:
        return self.connect_seconds + self.read_seconds


LADDER = (
    AttemptTimeouts(1.0, 2.0),
    AttemptTimeouts(0.5, 1.0),
    AttemptTimeouts(0.25, 0.5),
    AttemptTimeouts(0.1, 0.25),
)
"""The rungs, most generous first. An AWS call in the same region answers in milliseconds: even
the last rung is a real chance; below it the call is not made at all."""


class OutOfTime(Exception):
    """Raised when no further attempt fits in the budget; ``cause`` is the last failure (or None)."""

    def __init__(self, cause: BaseException | None) -> None:
        super().__init__(f"gave up: {type(cause).__name__ if cause else 'no time left'}")
        self.cause = cause


class Budget:
    """A deadline on ``clock`` (monotonic seconds) by which the function must stop waiting."""

    def __init__(self, deadline: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.deadline = deadline
        self._clock = clock

    @classmethod
    def from_context(
        cls,
        context: Any,
        *,
        margin_seconds: float = ANSWER_MARGIN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> Budget:
        """The Lambda context's remaining time minus ``margin_seconds``; the template's 10 s without one."""
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        seconds = remaining() / 1000 if callable(remaining) else DEFAULT_FUNCTION_SECONDS
        return cls(clock() + seconds - margin_seconds, clock=clock)

    @classmethod
    def seconds(cls, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> Budget:
        """A budget of ``seconds`` from now (tests, scripts)."""
        return cls(clock() + seconds, clock=clock)

    def remaining_seconds(self) -> float:
        return max(0.0, self.deadline - self._clock())

    def timeouts(self, ceiling: AttemptTimeouts = LADDER[0]) -> AttemptTimeouts | None:
        """The most generous rung, at most ``ceiling``, that fits in the remaining time; None if none does."""
        remaining = self.remaining_seconds()
        for rung in LADDER:
            if rung.total_seconds <= ceiling.total_seconds and rung.total_seconds <= remaining:
                return rung
        return None


class ClientsByTimeouts(Generic[T]):
    """One client per rung, built on first use by ``build(timeouts)`` and kept for the process."""

    def __init__(self, build: Callable[[AttemptTimeouts], T]) -> None:
        self._build = build
        self._clients: dict[AttemptTimeouts, T] = {}

    def __call__(self, timeouts: AttemptTimeouts) -> T:
        client = self._clients.get(timeouts)
        if client is None:
            client = self._clients[timeouts] = self._build(timeouts)
        return client


def call_with_retries(
    budget: Budget,
    attempt: Callable[[AttemptTimeouts], T],
    *,
    is_retryable: Callable[[Exception], bool],
    max_attempts: int = 3,
    base_delay_seconds: float = 0.1,
    ceiling: AttemptTimeouts = LADDER[0],
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> T:
    """``attempt(timeouts)`` until it succeeds, fails for good, or no further attempt fits.

    A non-retryable error propagates as is. Raises OutOfTime (with the last retryable error)
    when ``max_attempts`` are spent or the budget cannot fit another attempt after the backoff
    (full jitter: ``jitter() * base_delay * 2**(n-1)``).
    """
    last: Exception | None = None
    for number in range(1, max_attempts + 1):
        if number > 1:
            delay = jitter() * base_delay_seconds * 2 ** (number - 2)
            if budget.remaining_seconds() - delay < LADDER[-1].total_seconds:
                break
            sleep(delay)
        timeouts = budget.timeouts(ceiling)
        if timeouts is None:
            break
        try:
            return attempt(timeouts)
        except Exception as error:
            if not is_retryable(error):
                raise
            last = error
    raise OutOfTime(last)
