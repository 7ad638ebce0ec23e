"""A dev identity provider that behaves like a Wacht frontend API for verification purposes.

    GET  /.well-known/jwks.json   the public keys (ES256, with kid); 503 while a fault holds it down
    POST /tokens                  mint a session token in the current Wacht claim shape
    POST /rotate                  sign with a new key from now on (see local_stack.wacht.signing)
    GET  /personas                the dev users the frontend offers (local_stack.wacht.personas)

Its origin is the issuer (``iss``), as a Wacht deployment's frontend API origin is. Its OAuth app
(local_stack.wacht.oauth_app) has an origin of its own, as a Wacht OAuth app's issuer does. Browsers on
``allowed_origin`` may call it (CORS). It signs whatever it is asked to: it is for development
only and binds 127.0.0.1.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..http_service import HttpRequest, HttpResponse, HttpService, json_response
from .personas import PERSONAS
from .request_body import identifier, json_body, known_fields
from .signing import KeyRing

__all__ = ["DEFAULT_LIFETIME_SECONDS", "DevIdentityProvider", "TokenRequestError", "session_claims"]

DEFAULT_LIFETIME_SECONDS = 1800
"""Wacht's default session token lifetime."""
MAX_LIFETIME_SECONDS = 86400
"""``expires_in`` may be negative down to minus this: an already expired token, for testing 401s."""

_TOKEN_FIELDS = {"sub", "sid", "organization", "workspace", "permissions", "expires_in", "metadata"}


class TokenRequestError(ValueError):
    """Raised for a ``POST /tokens`` body that is not a valid token request; the message says why."""


def session_claims(body: Any, issuer: str, now: float) -> dict[str, Any]:
    """The claims of the token ``body`` asks for, or TokenRequestError naming the bad field."""
    body = known_fields(body, _TOKEN_FIELDS, TokenRequestError)
    if "sub" not in body:
        raise TokenRequestError("sub is required (the user id)")
    sub = _id(body["sub"], "sub")
    sid = _id(body["sid"], "sid") if body.get("sid") is not None else _snowflake()
    lifetime = body.get("expires_in", DEFAULT_LIFETIME_SECONDS)
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or abs(lifetime) > MAX_LIFETIME_SECONDS:
        raise TokenRequestError(f"expires_in must be an integer number of seconds between -{MAX_LIFETIME_SECONDS} and {MAX_LIFETIME_SECONDS}")
    issued_at = int(now)
    claims: dict[str, Any] = {"iss": issuer, "sub": sub, "sid": sid, "iat": issued_at, "exp": issued_at + lifetime}
    for scope in ("organization", "workspace"):
        if body.get(scope) is not None:
            claims[scope] = _id(body[scope], scope)
    claims["permissions"] = _permissions(body.get("permissions"))
    if "metadata" in body:
        claims["metadata"] = body["metadata"]
    return claims


def _id(value: Any, name: str) -> str:
    return identifier(value, name, TokenRequestError)
    return value


def _permissions(value: Any) -> dict[str, list[str]]:
    if value is None:
        return {"organization": [], "workspace": []}
    if not isinstance(value, Mapping) or set(value) - {"organization", "workspace"}:
        raise TokenRequestError('permissions must be an object {"organization": [...], "workspace": [...]}')
    result = {}
    for scope in ("organization", "workspace"):
        names = value.get(scope, [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            raise TokenRequestError(f"permissions.{scope} must be a list of non-empty strings")
        result[scope] = names
    return result


def _snowflake() -> str:
    return str(72170000000000000 + secrets.randbelow(10**15))


@dataclass
class JwksStats:
    requests: int = 0
    last_request_at: float | None = None
    """Wall-clock time (s) of the last JWKS request: a test waits out a verifier's refetch cooldown from it."""


class DevIdentityProvider:
    """The IdP as a request handler; ``serve(port)`` runs it on 127.0.0.1."""

    def __init__(self, issuer: str | None = None, *, allowed_origin: str, clock: Callable[[], float] = time.time):
        self.keys = KeyRing()
        self.issuer = issuer
        """Set by ``serve`` to the server's origin when not given."""
        self.allowed_origin = allowed_origin
        self.jwks_stats = JwksStats()
        self.jwks_available = True
        """False: the JWKS endpoint answers 503 (the chaos run's "JWKS down"; tokens are still minted)."""
        self._clock = clock
        self._stats_lock = threading.Lock()
        self._service: HttpService | None = None

    def serve(self, port: int = 0) -> HttpService:
        self._service = HttpService("dev-idp", self.handle, port).start()
        if self.issuer is None:
            self.issuer = self._service.origin
        return self._service

    def handle(self, request: HttpRequest) -> HttpResponse:
        cors = (("Access-Control-Allow-Origin", self.allowed_origin), ("Vary", "Origin"))
        route = (request.method, request.path)
        if request.method == "OPTIONS":
            return HttpResponse(204, cors + (
                ("Access-Control-Allow-Methods", "GET,POST,OPTIONS"),
                ("Access-Control-Allow-Headers", "Content-Type"),
                ("Access-Control-Max-Age", "600"),
            ))
        if route == ("GET", "/.well-known/jwks.json"):
            with self._stats_lock:
                self.jwks_stats.requests += 1
                self.jwks_stats.last_request_at = self._clock()
            if not self.jwks_available:
                return json_response(503, {"error": "unavailable", "message": "JWKS endpoint down (fault injected)"}, cors)
            return json_response(200, self.keys.jwks(), cors)
        if route == ("POST", "/tokens"):
            return self._mint(request, cors)
        if route == ("POST", "/rotate"):
            return self._rotate(request, cors)
        if route == ("GET", "/personas"):
            return json_response(200, {"personas": [p.to_json() for p in PERSONAS]}, cors)
        return json_response(404, {"error": "not_found", "message": f"no {request.method} {request.path} here"}, cors)

    def _mint(self, request: HttpRequest, cors: tuple) -> HttpResponse:
        try:
            claims = session_claims(json_body(request, TokenRequestError), self.issuer or "", self._clock())
        except TokenRequestError as error:
            return json_response(400, {"error": "invalid_request", "message": str(error)}, cors)
        return json_response(200, {"token": self.keys.sign(claims)}, cors)

    def _rotate(self, request: HttpRequest, cors: tuple) -> HttpResponse:
        try:
            body = json_body(request, TokenRequestError) if request.body.strip() else {}
            keep_previous = body.get("keep_previous", True) if isinstance(body, dict) else None
            if not isinstance(keep_previous, bool) or set(body) - {"keep_previous"}:
                raise TokenRequestError('body must be empty or {"keep_previous": true|false}')
        except TokenRequestError as error:
            return json_response(400, {"error": "invalid_request", "message": str(error)}, cors)
        key = self.keys.rotate(keep_previous=keep_previous)
        published = [k["kid"] for k in self.keys.jwks()["keys"]]
        return json_response(200, {"kid": key.kid, "published": published}, cors)
