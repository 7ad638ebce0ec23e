"""The Wacht backend secret (``sk_...``): from Secrets Manager or SSM, cached, or from the local env.

In AWS the template passes only the secret's NAME (``WACHT_BACKEND_SECRET_NAME``) and where it
lives (``WACHT_BACKEND_SECRET_STORE`` = secretsmanager | ssm); the value is fetched through
Powertools Parameters on first use and cached for ``max_age_seconds``, so a rotated secret is
picked up without a redeploy. Locally ``WACHT_BACKEND_SECRET`` holds the value and wins.
The value is never logged and never part of an exception message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from wacht_auth import ConfigurationError

__all__ = ["BackendSecret", "SecretUnavailable"]

DEFAULT_MAX_AGE_SECONDS = 300
_STORES = ("secretsmanager", "ssm")


class SecretUnavailable(Exception):
    """Raised when the secret cannot be read (missing, no permission, AWS unreachable): our 500."""


class BackendSecret:
    """Call it to get the secret. Build once per process with ``from_environ``; nothing is fetched until called."""

    def __init__(self, *, value: str | None = None, store: str = "secretsmanager", name: str = "", max_age_seconds: int = DEFAULT_MAX_AGE_SECONDS) -> None:
        if value is None and (store not in _STORES or not name):
            raise ValueError("a backend secret needs a value, or a store and a name")
        self._value = value
        self.store = store
        self.name = name
        self._max_age = max_age_seconds
        self._provider = None

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

    def __call__(self) -> str:
        if self._value is not None:
            return self._value
        from aws_lambda_powertools.utilities.parameters import GetParameterError

        try:
            value = self._get_provider().get(self._lookup_name, max_age=self._max_age, **self._options())
        except GetParameterError as error:
            cause = error.__cause__ or error.__context__
            raise SecretUnavailable(f"cannot read {self.store} {self.name}: {type(cause or error).__name__}") from None
        if not isinstance(value, str) or not value.strip():
            raise SecretUnavailable(f"{self.store} {self.name} is empty or binary")
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

    def _get_provider(self):
        if self._provider is None:  # one boto3 client per process, built on first use
            from aws_lambda_powertools.utilities import parameters

            self._provider = parameters.SSMProvider() if self.store == "ssm" else parameters.SecretsProvider()
        return self._provider
