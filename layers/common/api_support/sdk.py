"""AWS SDK clients that fit a Budget rung, each attempt bounded as a whole, and how to read what
their calls raise.

Shared by DataTable (DynamoDB) and BackendSecret (Secrets Manager / SSM): each attempt's client
has that rung's connect and read timeouts and no SDK retries (budget.call_with_retries retries,
within the invocation's time). boto3 and botocore are imported only when a client is built or a
failure is read, so functions that never call AWS do not load them.

botocore's timeouts bound each socket operation, not an answer: a peer that drips its answer a
byte at a time (or a resolver that hangs) holds a call for as long as it likes. So ``call_within``
runs each attempt in a worker thread (wacht_auth.deadline.run_within) that the caller stops
waiting for once the rung's connect + read time has passed: DNS, connect, TLS, the request and
every byte of the answer included. The worker is abandoned, not stopped; it ends when its peer
answers, stalls past the read timeout, or closes. An abandoned attempt may still reach AWS, so it
counts as possibly applied (dynamodb.DataTable). The ``before-send`` hook below stops an attempt
whose deadline passed before botocore's send began; it runs before the name lookup, connect and
TLS, so an attempt abandoned while resolving or connecting may still send its request afterwards:
that is why every abandoned attempt, not only one that was sending, counts as possibly applied.

An answer cut short (the connection closed before Content-Length bytes came) is a failure to
retry, not an answer: botocore would parse what came, and an unparsable body as an empty result
(a Query with no items). The ``before-parse`` hook below refuses it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from wacht_auth.deadline import run_within

from .budget import AttemptTimeouts
from .tracing import carry_trace_context

__all__ = [
    "ATTEMPT_THREAD_NAME",
    "TRANSIENT_STATUS_CODES",
    "AttemptTimedOut",
    "IncompleteAnswer",
    "call_within",
    "client_for",
    "error_code",
    "failure_name",
    "is_transient",
    "status_code",
]

ATTEMPT_THREAD_NAME = "aws-sdk-attempt"
TRANSIENT_STATUS_CODES = frozenset({500, 502, 503, 504})
"""What botocore's own retry modes treat as transient, whatever the body: a proxy's 502 page or an
``InternalFailure`` is an outage to retry, like DynamoDB's own InternalServerError."""

T = TypeVar("T")
_attempt = threading.local()
"""In a worker thread: ``deadline`` (time.monotonic) of the attempt it runs."""


class AttemptTimedOut(Exception):
    """Raised when one SDK attempt did not finish within its deadline (DNS, connect, TLS, request
    and the whole answer). Transient: worth another attempt, then a 503."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")


class IncompleteAnswer(Exception):
    """Raised when an answer ended before the length it declared (a closed or reset connection).
    Transient; for a write, the request may have been applied."""


def client_for(service: str, timeouts: AttemptTimeouts, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service`` with ``timeouts`` and a single attempt per call; call it
    through ``call_within``."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=timeouts.connect_seconds,
        read_timeout=timeouts.read_seconds,
        retries={"mode": "standard", "total_max_attempts": 1},  # call_with_retries retries, within the budget
    )
    client = boto3.client(service, config=config, endpoint_url=endpoint_url)
    client.meta.events.register("before-send", _refuse_after_deadline)
    client.meta.events.register("before-parse", _require_whole_answer)
    return client


def call_within(timeouts: AttemptTimeouts, call: Callable[[], T]) -> T:
    """``call()``'s result if it finishes within ``timeouts.total_seconds``; AttemptTimedOut otherwise.

    ``call`` runs in a daemon worker thread (with the caller's X-Ray trace context, so its
    subsegments nest under the handler); what it raises is raised here, in the caller's thread.
    """
    seconds = timeouts.total_seconds
    deadline = time.monotonic() + seconds
    enter_trace = carry_trace_context()

    def exchange() -> T | Exception:
        _attempt.deadline = deadline
        try:
            enter_trace()
            return call()
        except Exception as error:  # noqa: BLE001 - handed to the caller's thread, raised there
            return error

    return run_within(seconds, exchange, lambda: AttemptTimedOut(seconds), thread_name=ATTEMPT_THREAD_NAME)


def _refuse_after_deadline(**_: Any) -> None:
    """botocore's ``before-send`` (before name lookup and connect): an attempt already past its deadline sends nothing."""
    deadline = getattr(_attempt, "deadline", None)
    if deadline is not None and time.monotonic() >= deadline:
        raise AttemptTimedOut(0)


def _require_whole_answer(response_dict: dict[str, Any], **_: Any) -> None:
    """botocore's ``before-parse``: a body shorter than its Content-Length is no answer."""
    declared = str(response_dict.get("headers", {}).get("content-length", ""))
    body = response_dict.get("body")
    if declared.isdigit() and isinstance(body, bytes) and len(body) < int(declared):
        raise IncompleteAnswer(f"answer ended after {len(body)} of {declared} bytes")


def error_code(error: BaseException | None) -> str:
    """The AWS error code of a ClientError (``ThrottlingException``, ...); "" for anything else."""
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""


def status_code(error: BaseException | None) -> int | None:
    """The HTTP status a ClientError was answered with; None for anything else."""
    response = getattr(error, "response", None)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(response, dict) else None
    return status if isinstance(status, int) else None


def is_transient(error: BaseException | None, retryable_codes: Collection[str]) -> bool:
    """Throttled or failing on AWS's side (one of ``retryable_codes``, or a 500/502/503/504 whatever
    its body), unreachable or unanswered in time: worth another attempt, then a 503."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(error, ClientError):
        return error_code(error) in retryable_codes or status_code(error) in TRANSIENT_STATUS_CODES
    return isinstance(error, (ConnectionError, HTTPClientError, AttemptTimedOut, IncompleteAnswer))


def failure_name(error: BaseException | None) -> str:
    """The AWS error code or the failure's type, for the log only (never a value)."""
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return error_code(error) or "ClientError"
    return type(error).__name__ if error is not None else "no time left"
