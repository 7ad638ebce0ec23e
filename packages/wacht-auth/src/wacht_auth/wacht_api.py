"""Wacht's Backend API, called server to server with the backend secret.

Failures are branched on what our caller must answer (Wacht answers errors as ``{"errors": [{"message", "code"}]}``)::

    WachtApiError
    ├── WachtApiNotFound      404 from Wacht: passes through as our 404
    ├── WachtApiUnavailable   401/403 (our secret is wrong), 429, 5xx, unreachable, not JSON: our 502
    └── WachtApiTimeout       no complete answer by the request's deadline: our 504

One deadline bounds the whole request (connect, headers and a body that may drip in), not each
socket read as ``requests``' timeouts do: the exchange runs in a worker thread that the caller
stops waiting for at the deadline, and that itself stops reading the body once it has passed.

Not imported by ``wacht_auth/__init__`` and ``requests`` is imported only when a client is built:
the authorizer and the functions that never call Wacht do not pay for it at cold start.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .deadline import run_within

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_TIMEOUT_SECONDS",
    "WORKER_THREAD_NAME",
    "Users",
    "WachtApi",
    "WachtApiError",
    "WachtApiNotFound",
    "WachtApiTimeout",
    "WachtApiUnavailable",
]

DEFAULT_API_URL = "https://api.wacht.dev"
USER_AGENT = "wacht-sam-authorizer/1.0 (+backend-api)"
DEFAULT_TIMEOUT_SECONDS = 5.0
"""The most one request may take; callers pass less when their invocation has less time left."""
CONNECT_TIMEOUT_SECONDS = 3.05
MAX_BODY_BYTES = 1024 * 1024
"""Far above any user object; a larger answer is refused, not buffered without end."""
_READ_CHUNK_BYTES = 64 * 1024
WORKER_THREAD_NAME = "wacht-api-exchange"


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
    """Raised when Wacht's complete answer has not arrived by the deadline."""


class WachtApi:
    """A pooled client for the Backend API. Build one per process, outside the handler.

    The backend secret is passed per call, so the application's loader (from Secrets Manager, say) can
    fetch it within the same request budget.
    """

    def __init__(self, *, base_url: str = DEFAULT_API_URL, session: Any = None) -> None:
        import requests  # here, not at module level: see the module docstring

        self.base_url = base_url.rstrip("/")
        self._session = session or requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> WachtApi:
        """Base URL from ``WACHT_API_URL`` (default https://api.wacht.dev)."""
        env = os.environ if environ is None else environ
        return cls(base_url=env.get("WACHT_API_URL", "").strip() or DEFAULT_API_URL)

    @property
    def users(self) -> Users:
        """The ``/users`` endpoints, as Wacht's SDKs name them (``client.users.get_user(id)``)."""
        return Users(self)

    def _get(self, path: str, secret: str, timeout_seconds: float) -> dict[str, Any]:
        if timeout_seconds <= 0:
            raise WachtApiTimeout("no time left to call the Wacht API")
        seconds = min(timeout_seconds, DEFAULT_TIMEOUT_SECONDS)
        deadline = time.monotonic() + seconds
        status, body = run_within(
            seconds,
            lambda: self._exchange(self.base_url + path, secret, deadline),
            lambda: WachtApiTimeout("Wacht API did not answer in time"),
            thread_name=WORKER_THREAD_NAME,
        )
        if status == 404:
            raise WachtApiNotFound("Wacht API: not found", status)
        if status != 200:
            raise WachtApiUnavailable(f"Wacht API answered HTTP {status}: {_error_message(body)}", status)
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise WachtApiUnavailable("Wacht API answered a body that is not JSON", status) from None
        if not isinstance(document, dict):
            raise WachtApiUnavailable("Wacht API answered JSON that is not an object", status)
        return document

    def _exchange(self, url: str, secret: str, deadline: float) -> tuple[int, bytes] | WachtApiError:
        """One GET, run in the worker: (status, body) or the error as a value, never raised."""
        import requests

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return WachtApiTimeout("no time left to call the Wacht API")
        try:
            response = self._session.get(
                url,
                headers={"Authorization": f"Bearer {secret}"},
                timeout=(min(CONNECT_TIMEOUT_SECONDS, remaining), remaining),
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout:
            return WachtApiTimeout("Wacht API did not answer in time")
        except requests.RequestException as error:
            return WachtApiUnavailable(f"Wacht API unreachable: {type(error).__name__}")
        try:
            return response.status_code, _read_body(response.raw, deadline)
        except WachtApiError as error:
            return error
        finally:
            response.close()


class Users:
    """``/users``: reading a user's record. Made by ``WachtApi.users``."""

    def __init__(self, api: WachtApi) -> None:
        self._api = api

    def get_user(self, user_id: str, *, secret: str, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> dict[str, Any]:
        """``GET /users/{id}/details``: the raw user object (no ``data`` envelope), within ``timeout_seconds``.

        Raises WachtApiNotFound (no such user), WachtApiUnavailable or WachtApiTimeout.
        """
        return self._api._get(f"/users/{quote(user_id, safe='')}/details", secret, timeout_seconds)


def _read_body(raw: Any, deadline: float) -> bytes:
    """The whole body, read as it arrives, given up at the deadline or past MAX_BODY_BYTES."""
    from urllib3.exceptions import HTTPError, ReadTimeoutError

    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() >= deadline:
            raise WachtApiTimeout("Wacht API answer still arriving at the deadline")
        try:
            chunk = raw.read1(_READ_CHUNK_BYTES)
        except (ReadTimeoutError, TimeoutError):
            raise WachtApiTimeout("Wacht API answer stalled") from None
        except (HTTPError, OSError) as error:
            raise WachtApiUnavailable(f"Wacht API answer broken off: {type(error).__name__}") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise WachtApiUnavailable(f"Wacht API answer larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)


def _error_message(body: bytes) -> str:
    """The first message of Wacht's ``{"errors": [{"message", "code"}]}``, for logs; short and secret-free."""
    try:
        message = json.loads(body)["errors"][0]["message"]
    except (ValueError, RecursionError, LookupError, TypeError):
        return "no error message"
    return str(message)[:200]
