"""The bearer credential of a request: standard library only, so a function reads it without PyJWT."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import Reason, Unauthenticated

__all__ = ["authorization_header", "bearer_token"]


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


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <jwt>`` header, or Unauthenticated(MISSING_TOKEN).

    The scheme is matched case-insensitively (RFC 6750 §2.1); the Node SDK is case-sensitive.
    """
    if not authorization:
        raise Unauthenticated(Reason.MISSING_TOKEN)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated(Reason.MALFORMED, "authorization header is not 'Bearer <token>'")
    return token
