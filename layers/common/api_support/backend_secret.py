"""The Wacht backend secret (``sk_...``): from Secrets Manager or SSM, cached, or from the local env.

In AWS the template passes only the secret's NAME (``WACHT_BACKEND_SECRET_NAME``) and where it
lives (``WACHT_BACKEND_SECRET_STORE`` = secretsmanager | ssm); the value is fetched through
Powertools Parameters on first use and cached for ``max_age_seconds``, so a rotated secret is
picked up without a redeploy. Locally ``WACHT_BACKEND_SECRET`` holds the value and wins.
The value is never logged and never part of an exception message.

The fetch fits the request's Budget (its provider's client gets timeouts from the time left and
no SDK retries, each attempt is bounded as a whole by their sum, a dripping answer too:
sdk.call_within; budget.call_with_retries retries). Two ways to fail, two answers:
a store that is throttling, failing or not answering in time is retryable (our 503); a secret
that is missing, empty, binary or not ours to read is a broken deployment (our 500).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from wacht_auth import ConfigurationError

from .budget import AttemptTimeouts, Budget, ClientsByTimeouts, OutOfTime, call_with_retries
from .sdk import call_within, client_for, failure_name, is_transient

__all__ = ["BackendSecret", "SecretUnavailable"]

DEFAULT_MAX_AGE_SECONDS = 300
REFETCH_AFTER_REFUSAL_SECONDS = 30
"""A cached secret Wacht refuses is fetched again if it is at least this old (a rotation)."""
MAX_ATTEMPTS = 2
_STORES = ("secretsmanager", "ssm")
_RETRYABLE_CODES = frozenset({
    "ThrottlingException",
    "TooManyRequestsException",
    "InternalServiceError",
    "InternalServerError",
    "ServiceUnavailable",
})


class SecretUnavailable(Exception):
    """Raised when the secret cannot be read. ``retryable``: the store did not answer in time or
    failed on its side (our 503); otherwise it is missing or unreadable (our 500)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class BackendSecret:
    """Call it (with the request's Budget) to get the secret. Build once per process with
    ``from_environ``; nothing is fetched until called."""

    def __init__(
        self,
        *,
        value: str | None = None,
        store: str = "secretsmanager",
        name: str = "",
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        endpoint_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if value is None and (store not in _STORES or not name):
            raise ValueError("a backend secret needs a value, or a store and a name")
        self._value = value
        self.store = store
        self.name = name
        self._max_age = max_age_seconds
        self._clock = clock
        self._cached: tuple[str, float] | None = None
        """(value, fetched at on ``clock``)."""
        self._providers = ClientsByTimeouts(lambda timeouts: _provider(store, timeouts, endpoint_url))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> BackendSecret:
        env = os.environ if environ is None else environ
        local_value = env.get("WACHT_BACKEND_SECRET", "").strip()
        if local_value:
            return cls(value=local_value)
        store = env.get("WACHT_BACKEND_SECRET_STORE", "secretsmanager").strip() or "secretsmanager"
        if store not in _STORES:
            raise ConfigurationError("WACHT_BACKEND_SECRET_STORE", f"must be one of {', '.join(_STORES)}")
        name = env.get("WACHT_BACKEND_SECRET_NAME", "").strip()
        if not name:
            raise ConfigurationError("WACHT_BACKEND_SECRET_NAME", "is not set (or set WACHT_BACKEND_SECRET locally)")
        return cls(store=store, name=name)

    def __call__(self, budget: Budget | None = None) -> str:
        """The secret; fetched at most once per ``max_age_seconds``, within ``budget`` (10 s without one)."""
        if self._value is not None:
            return self._value
        cached = self._cached
        if cached is not None and self._clock() < cached[1] + self._max_age:
            return cached[0]
        value = self._fetch(budget or Budget.from_context(None))
        self._cached = (value, self._clock())
        return value

    def forget(self, value: str) -> bool:
        """Drop the cached ``value`` after Wacht refused it (the secret was rotated in the store);
        True when the next call will fetch again. At most once per ``REFETCH_AFTER_REFUSAL_SECONDS``,
        so a secret that is wrong in the store too costs one fetch per interval, not one per request."""
        cached = self._cached
        if self._value is not None or cached is None or cached[0] != value:
            return False
        if self._clock() < cached[1] + REFETCH_AFTER_REFUSAL_SECONDS:
            return False
        self._cached = None
        return True

    def _fetch(self, budget: Budget) -> str:
        from aws_lambda_powertools.utilities.parameters import GetParameterError

        def attempt(timeouts: AttemptTimeouts) -> Any:
            provider = self._providers(timeouts)
            return call_within(timeouts, lambda: provider.get(self._lookup_name, force_fetch=True, **self._options()))

        try:
            value = call_with_retries(budget, attempt, is_retryable=_is_retryable, max_attempts=MAX_ATTEMPTS)
        except OutOfTime as gave_up:
            cause = _cause_name(gave_up.cause)
            raise SecretUnavailable(f"{self.store} {self.name}: gave up ({cause})", retryable=True) from None
        except GetParameterError as error:
            cause = _cause_name(error)
            raise SecretUnavailable(f"cannot read {self.store} {self.name}: {cause}", retryable=False) from None
        if not isinstance(value, str) or not value.strip():
            raise SecretUnavailable(f"{self.store} {self.name} is empty or binary", retryable=False)
        return value.strip()

    def _options(self) -> dict:
        return {"decrypt": True} if self.store == "ssm" else {}

    @property
    def _lookup_name(self) -> str:
        # SSM wants a hierarchical name fully qualified (/wacht/backend-secret), while its ARN, which
        # the template's policy builds from the same parameter, is parameter/wacht/backend-secret.
        # So the stack takes the name without the leading slash and it is added here.
        if self.store == "ssm" and "/" in self.name and not self.name.startswith("/"):
            return "/" + self.name
        return self.name


def _provider(store: str, timeouts: AttemptTimeouts, endpoint_url: str | None) -> Any:
    """A Powertools provider over a client with these timeouts and no SDK retries."""
    from aws_lambda_powertools.utilities import parameters

    client = client_for(store, timeouts, endpoint_url)
    if store == "ssm":
        return parameters.SSMProvider(boto3_client=client)
    return parameters.SecretsProvider(boto3_client=client)


def _root_cause(error: BaseException | None) -> BaseException | None:
    """Powertools wraps the SDK's error in GetParameterError: the SDK's error is what we judge."""
    while error is not None and type(error).__name__ == "GetParameterError" and (error.__cause__ or error.__context__):
        error = error.__cause__ or error.__context__
    return error


def _is_retryable(error: Exception) -> bool:
    return is_transient(_root_cause(error), _RETRYABLE_CODES)


def _cause_name(error: BaseException | None) -> str:
    """The SDK's error code or type: names the failure, never the value."""
    return failure_name(_root_cause(error))
