"""The dev identity provider's OAuth app: an issuer of its own for OAuth access tokens.

    GET  /.well-known/jwks.json   its public key (RS256, with kid), as a Wacht OAuth app publishes
    POST /oauth/tokens            ``{"sub", "client_id", "scope", "format": "jwt"|"opaque", "audience"?,
                                  "token_use"?, "expires_in"?}`` -> ``{"token"}``
    POST /oauth/revoke            ``{"token"}``: an opaque token stops being accepted by the gateway

Its origin is the OAuth issuer, a different origin from the session issuer (the authorizer tells
the two apart by ``iss``). A JWT carries what Wacht's guide "Verify OAuth Access Tokens" lists
(``iss``, ``sub``, ``aud``, ``exp``, ``iat``, ``jti``, ``client_id``, ``scope``, ``token_use``);
like a real one it cannot be revoked before it expires. An opaque token is known only to the
gateway stand-in (local_stack.wacht.gateway), which judges it. ``jwks_requests`` counts the key set's
fetches (the admin's ``GET /stats``). It signs whatever it is asked to: for development only, binds 127.0.0.1.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from ..http_service import HttpRequest, HttpResponse, HttpService, json_response
from .gateway import Credential, CredentialBook
from .request_body import identifier, json_body, known_fields

__all__ = ["DEFAULT_OAUTH_LIFETIME_SECONDS", "DevOAuthApp", "OAuthRequestError", "OPAQUE_TOKEN_PREFIX", "oauth_token_request"]

DEFAULT_OAUTH_LIFETIME_SECONDS = 3600
MAX_LIFETIME_SECONDS = 86400
OPAQUE_TOKEN_PREFIX = "dev_oat_"
"""Not a JWT's ``eyJ`` and not the API key prefix: the authorizer sends it to the gateway."""
_FIELDS = {"sub", "client_id", "scope", "format", "audience", "token_use", "expires_in"}


class OAuthRequestError(ValueError):
    """Raised for a bad ``/oauth/tokens`` or ``/oauth/revoke`` body; the message says why."""


def oauth_token_request(body: Any, default_audience: str) -> dict[str, Any]:
    """The validated fields of a ``POST /oauth/tokens`` body, or OAuthRequestError naming the bad one."""
    body = known_fields(body, _FIELDS, OAuthRequestError)
    for name in ("sub", "client_id"):
        if name not in body:
            raise OAuthRequestError(f"{name} is required")
        identifier(body[name], name, OAuthRequestError)
    scope = body.get("scope", "")
    if not isinstance(scope, str):
        raise OAuthRequestError('scope must be a string of space-separated scopes, e.g. "profile email"')
    token_format = body.get("format", "jwt")
    if token_format not in ("jwt", "opaque"):
        raise OAuthRequestError('format must be "jwt" or "opaque"')
    audience = body.get("audience", default_audience)
    token_use = body.get("token_use", "access_token")
    if not isinstance(audience, str) or not audience or not isinstance(token_use, str) or not token_use:
        raise OAuthRequestError("audience and token_use must be non-empty strings")
    if token_format == "opaque" and ("audience" in body or "token_use" in body):
        raise OAuthRequestError("audience and token_use apply to format jwt only")
    lifetime = body.get("expires_in", DEFAULT_OAUTH_LIFETIME_SECONDS)
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or abs(lifetime) > MAX_LIFETIME_SECONDS:
        raise OAuthRequestError(f"expires_in must be an integer number of seconds between -{MAX_LIFETIME_SECONDS} and {MAX_LIFETIME_SECONDS}")
    return {"sub": body["sub"], "client_id": body["client_id"], "scope": scope, "format": token_format,
            "audience": audience, "token_use": token_use, "expires_in": lifetime}


class DevOAuthApp:
    """The OAuth app as a request handler; ``serve(port)`` runs it and makes its origin the issuer."""

    def __init__(self, book: CredentialBook, audience: str, *, clock: Callable[[], float] = time.time) -> None:
        self.book = book
        self.audience = audience
        self.issuer: str | None = None
        self._clock = clock
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"dev-oauth-{secrets.token_hex(6)}"
        self.jwks_requests = 0
        """How many times its key set was fetched."""
        self._stats_lock = threading.Lock()

    def serve(self, port: int = 0) -> HttpService:
        service = HttpService("dev-oauth", self.handle, port).start()
        self.issuer = service.origin
        return service

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return {"keys": [jwk]}

    def handle(self, request: HttpRequest) -> HttpResponse:
        route = (request.method, request.path)
        if route == ("GET", "/.well-known/jwks.json"):
            with self._stats_lock:
                self.jwks_requests += 1
            return json_response(200, self.jwks())
        try:
            if route == ("POST", "/oauth/tokens"):
                fields = oauth_token_request(json_body(request, OAuthRequestError), self.audience)
                return json_response(200, {"token": self.issue(fields)})
            if route == ("POST", "/oauth/revoke"):
                return json_response(200, {"revoked": self.revoke(json_body(request, OAuthRequestError))})
        except OAuthRequestError as error:
            return json_response(400, {"error": "invalid_request", "message": str(error)})
        return json_response(404, {"error": "not_found", "message": f"no {request.method} {request.path} here"})

    def issue(self, fields: Mapping[str, Any]) -> str:
        now = int(self._clock())
        expires_at = now + fields["expires_in"]
        if fields["format"] == "opaque":
            token = f"{OPAQUE_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
            identity = {"key_id": str(72170400000000000 + secrets.randbelow(10**15)), "deployment_id": "1",
                        "app_slug": "oa_1", "key_name": fields["client_id"], "owner_user_id": fields["sub"],
                        "organization_id": None, "workspace_id": None}
            scopes = list(dict.fromkeys(fields["scope"].split()))
            self.book.add(token, Credential("oauth_access_token", identity, scopes, scopes, fields["client_id"],
                                            expires_at=expires_at))
            return token
        claims = {"iss": self.issuer, "sub": fields["sub"], "aud": fields["audience"], "iat": now, "exp": expires_at,
                  "jti": secrets.token_hex(12), "client_id": fields["client_id"], "scope": fields["scope"],
                  "token_use": fields["token_use"]}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

    def revoke(self, body: Any) -> bool:
        """True when an accepted opaque token was revoked; a JWT cannot be (OAuthRequestError)."""
        if not isinstance(body, Mapping) or set(body) != {"token"} or not isinstance(body["token"], str) or not body["token"]:
            raise OAuthRequestError('body must be {"token": "<access token>"}')
        if body["token"].count(".") == 2:
            raise OAuthRequestError("a JWT access token cannot be revoked before it expires (keep its expires_in short)")
        return self.book.revoke(body["token"])
