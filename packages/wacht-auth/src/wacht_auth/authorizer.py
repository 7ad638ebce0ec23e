"""The REQUEST authorizer's decision, without Lambda or logging: event in, response out.

Kept apart from ``authorizer/app.py`` so that it is tested and benchmarked as plain Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .authorizer_context import to_gateway_context
from .errors import Reason, Unauthenticated
from .expiring import ExpiringCache
from .policy import MethodArn, PolicyBuilder
from .routes import Route
from .verify import TokenVerifier, bearer_token

__all__ = ["Authorizer", "authorization_header"]


def authorization_header(event: Mapping[str, Any]) -> str | None:
    """The one Authorization value of a REQUEST authorizer event (header names are case-insensitive).

    Raises Unauthenticated(MALFORMED) when the request carries several different values: API
    Gateway caches our decision under its identity source, which must be the token we verified.
    """
    values = {v for k, v in (event.get("headers") or {}).items() if v is not None and k.lower() == "authorization"}
    multi = event.get("multiValueHeaders")
    if multi:
        values.update(v for k, vs in multi.items() if vs and k.lower() == "authorization" for v in vs if v is not None)
    if len(values) > 1:
        raise Unauthenticated(Reason.MALFORMED, "several Authorization headers")
    return next(iter(values), None)


class Authorizer:
    """Turns a REQUEST authorizer event into a policy for every route plus the flat context.

    ``routes`` is the application's route table; it is checked here (``check_route_table``), so
    a table whose policy could decide a request wrongly fails at cold start, not in production.
    Responses are memoised per (token, stage) until the token expires: a repeated token costs a
    dict lookup, not a signature check and a policy build. Callers must not mutate a response.
    """

    def __init__(
        self,
        verifier: TokenVerifier,
        routes: Iterable[Route],
        *,
        clock: Callable[[], float] = time.time,
        cache_size: int = 1024,
    ) -> None:
        self.verifier = verifier
        self.policy = PolicyBuilder(routes)
        self._responses = ExpiringCache(cache_size, clock)

    def authorize(self, event: Mapping[str, Any]) -> dict:
        """The authorizer response for ``event``.

        Raises Unauthenticated for a missing, ambiguous or invalid token, KeysUnavailable when the
        key set cannot be had, and InvalidMethodArn for an event that is not a REQUEST authorizer event.
        """
        token = bearer_token(authorization_header(event))
        method_arn = event.get("methodArn")
        cached = self._responses.get((token, _stage_prefix(method_arn)))
        if cached is not None:
            return cached
        stage_arn = MethodArn.parse(method_arn).stage_arn  # validates what the memo key skimmed
        auth = self.verifier.verify(token)
        response = {
            "principalId": auth.user_id,
            "policyDocument": self.policy.build(auth, stage_arn),
            "context": to_gateway_context(auth),
        }
        # Expires with the token, allowing the verifier's clock skew.
        self._responses.put((token, stage_arn), response, expires_at=auth.expires_at + self.verifier.clock_skew_seconds)
        return response


def _stage_prefix(method_arn: Any) -> str:
    """``arn:...:<api>/<stage>`` cut from a method ARN without parsing it (the memo's hot path)."""
    if not isinstance(method_arn, str):
        return ""
    first = method_arn.find("/")
    second = method_arn.find("/", first + 1) if first >= 0 else -1
    return method_arn[:second] if second >= 0 else ""
