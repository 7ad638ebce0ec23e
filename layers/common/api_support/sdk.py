"""AWS SDK clients that fit a Budget rung, and how to read what their calls raise.

Shared by DataTable (DynamoDB) and BackendSecret (Secrets Manager / SSM): each attempt's client
has that rung's connect and read timeouts and no SDK retries (budget.call_with_retries retries,
within the invocation's time). boto3 and botocore are imported only when a client is built or a
failure is read, so functions that never call AWS do not load them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .budget import AttemptTimeouts

__all__ = ["client_for", "error_code", "failure_name", "is_transient"]


def client_for(service: str, timeouts: AttemptTimeouts, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service`` with ``timeouts`` and a single attempt per call."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=timeouts.connect_seconds,
        read_timeout=timeouts.read_seconds,
        retries={"mode": "standard", "total_max_attempts": 1},  # call_with_retries retries, within the budget
    )
    return boto3.client(service, config=config, endpoint_url=endpoint_url)


def error_code(error: BaseException | None) -> str:
    """The AWS error code of a ClientError (``ThrottlingException``, ...); "" for anything else."""
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""


def is_transient(error: BaseException | None, retryable_codes: Collection[str]) -> bool:
    """Throttled or failing on AWS's side (one of ``retryable_codes``), unreachable or unanswered:
    worth another attempt, then a 503."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(error, ClientError):
        return error_code(error) in retryable_codes
    return isinstance(error, (ConnectionError, HTTPClientError))


def failure_name(error: BaseException | None) -> str:
    """The AWS error code or the failure's type, for the log only (never a value)."""
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return error_code(error) or "ClientError"
    return type(error).__name__ if error is not None else "no time left"
