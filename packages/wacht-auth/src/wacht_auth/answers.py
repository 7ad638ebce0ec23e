"""A function's answers to API Gateway's proxy integration, each carrying the CORS origin.

A browser hides any cross-origin answer without ``Access-Control-Allow-Origin`` (the app sees a
network error, not the 401 it must refresh on or the 403 it must show), and API Gateway adds
CORS headers only to its preflight and its own errors: every answer a function returns needs
them. ``JsonAnswers`` puts the one allowed origin on each, errors included, and turns this
package's errors into the answers the frontend relies on (401 / 403 / 503 / 500) with fixed text.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from .errors import (
    ConfigurationError,
    Forbidden,
    GatewayUnavailable,
    KeysUnavailable,
    RateLimited,
    Reason,
    Unauthenticated,
    WachtAuthError,
)
from .origins import checked_origin

__all__ = ["JsonAnswers"]


class JsonAnswers:
    """Builds proxy-integration answers (``statusCode``, ``headers``, ``body``) for one allowed origin.

    The origin is sent on every answer whatever the request's ``Origin``: a browser on another
    origin compares it with its own and refuses to expose the answer, so nothing is granted to it.
    """

    def __init__(self, allowed_origin: str) -> None:
        self.allowed_origin = checked_origin(allowed_origin, "ALLOWED_ORIGIN")
        self._headers = {"Content-Type": "application/json", "Access-Control-Allow-Origin": self.allowed_origin}

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> JsonAnswers:
        """``ALLOWED_ORIGIN`` (required, e.g. ``https://app.example.com``); ConfigurationError names it."""
        env = os.environ if environ is None else environ
        origin = env.get("ALLOWED_ORIGIN", "").strip()
        if not origin:
            raise ConfigurationError("ALLOWED_ORIGIN", "is not set (the browser origin of the app, e.g. https://app.example.com)")
        return cls(origin)

    def json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """``body`` as JSON with ``status``, the CORS origin and any extra ``headers``."""
        return {"statusCode": status, "headers": {**self._headers, **(headers or {})}, "body": json.dumps(body)}

    def error(self, error: WachtAuthError) -> dict[str, Any]:
        """The answer for one of this package's errors, ``{"message": ...}`` with a fixed text.

        Unauthenticated 401 (``token expired`` for an expired one, so the app refreshes and retries,
        else ``unauthenticated``); Forbidden 403 with its message; RateLimited 429 ``rate limited``
        with ``Retry-After``; KeysUnavailable and GatewayUnavailable 503 (an outage is never a
        sign-out); ConfigurationError, RouteNotDeclared and anything else 500.
        """
        if isinstance(error, Unauthenticated):
            return self.json(401, {"message": "token expired" if error.reason is Reason.EXPIRED else "unauthenticated"})
        if isinstance(error, Forbidden):
            return self.json(403, {"message": error.message})
        if isinstance(error, RateLimited):
            return self.json(429, {"message": "rate limited"}, {"Retry-After": str(error.retry_after_seconds)})
        if isinstance(error, (KeysUnavailable, GatewayUnavailable)):
            return self.json(503, {"message": "authentication temporarily unavailable, retry later"})
        return self.json(500, {"message": "internal error"})
