"""Wacht's Backend API, called server to server with the backend secret.

Failures are branched on what our caller must answer (shared/wacht.md, "Backend API")::

    WachtApiError
    ├── WachtApiNotFound      404 from Wacht: passes through as our 404
    ├── WachtApiUnavailable   401/403 (our secret is wrong), 429, 5xx, unreachable, not JSON: our 502
    └── WachtApiTimeout       no answer within the read/connect timeout: our 504

Not imported by ``wacht_auth/__init__`` and ``requests`` is imported only when a client is built:
the authorizer and the functions that never call Wacht do not pay for it at cold start.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

__all__ = [
    "DEFAULT_API_URL",
    "WachtApi",
    "WachtApiError",
    "WachtApiNotFound",
    "WachtApiTimeout",
    "WachtApiUnavailable",
]

DEFAULT_API_URL = "https://api.wacht.dev"
USER_AGENT = "wacht-sam-authorizer/1.0 (+backend-api)"
CONNECT_TIMEOUT_SECONDS = 3.05
READ_TIMEOUT_SECONDS = 5.0
"""Below the functions' 10 s Lambda timeout, so a slow Wacht becomes our 504, not a Lambda timeout."""


class WachtApiError(Exception):
    """Root of what the Backend API client raises. Messages never carry the secret or a body."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        """Wacht's HTTP status, when it answered."""


class WachtApiNotFound(WachtApiError):
    """Raised when Wacht answers 404: the object does not exist there."""


class WachtApiUnavailable(WachtApiError):
    """Raised when Wacht refuses our secret (401/403), rate-limits us (429), fails (5xx) or talks nonsense."""


class WachtApiTimeout(WachtApiError):
    """Raised when Wacht does not answer within the timeout."""


class WachtApi:
    """A pooled client for the Backend API. Build one per process, outside the handler.

    ``secret`` is a function so the secret is fetched (and cached) by its loader when first
    needed, not at import time; see ``api_support.backend_secret``.
    """

    def __init__(
        self,
        secret: Callable[[], str],
        *,
        base_url: str = DEFAULT_API_URL,
        connect_timeout_seconds: float = CONNECT_TIMEOUT_SECONDS,
        read_timeout_seconds: float = READ_TIMEOUT_SECONDS,
        session: Any = None,
    ) -> None:
        import requests  # here, not at module level: see the module docstring

        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self._timeout = (connect_timeout_seconds, read_timeout_seconds)
        self._session = session or requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    @classmethod
    def from_environ(cls, secret: Callable[[], str], environ: Mapping[str, str] | None = None) -> WachtApi:
        """Base URL from ``WACHT_API_URL`` (default https://api.wacht.dev)."""
        env = os.environ if environ is None else environ
        return cls(secret, base_url=env.get("WACHT_API_URL", "").strip() or DEFAULT_API_URL)

    def get_user_details(self, user_id: str) -> dict[str, Any]:
        """``GET /users/{id}/details``: the raw user object (no ``data`` envelope)."""
        return self._get(f"/users/{quote(user_id, safe='')}/details")

    def _get(self, path: str) -> dict[str, Any]:
        import requests

        try:
            response = self._session.get(
                self.base_url + path,
                headers={"Authorization": f"Bearer {self._secret()}"},
                timeout=self._timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise WachtApiTimeout("Wacht API did not answer in time") from None
        except requests.RequestException as error:
            raise WachtApiUnavailable(f"Wacht API unreachable: {type(error).__name__}") from None
        status = response.status_code
        if status == 404:
            raise WachtApiNotFound("Wacht API: not found", status)
        if status != 200:
            raise WachtApiUnavailable(f"Wacht API answered HTTP {status}: {_error_message(response)}", status)
        try:
            document = response.json()
        except ValueError:
            raise WachtApiUnavailable("Wacht API answered a body that is not JSON", status) from None
        if not isinstance(document, dict):
            raise WachtApiUnavailable("Wacht API answered JSON that is not an object", status)
        return document


def _error_message(response: Any) -> str:
    """The first message of Wacht's ``{"errors": [{"message", "code"}]}``, for logs; short and secret-free."""
    try:
        errors = response.json().get("errors")
        message = errors[0]["message"]
    except (ValueError, AttributeError, LookupError, TypeError):
        return "no error message"
    return str(message)[:200]
