"""The REQUEST authorizer's decision, without Lambda or logging: event in, response out.

Kept apart from ``authorizer/app.py`` so that it is tested and benchmarked as plain Python.

Which verifier judges a bearer, decided before any key is used or any request is sent:

1. it starts with the configured API key prefix: an API key, judged by Wacht's gateway;
2. it is a JWT whose unverified ``iss`` is the configured OAuth issuer: an OAuth access token,
   verified locally with the OAuth app's own key set (RS256, ``aud``, ``token_use``);
3. any other JWT: a session token, verified as before (its own issuer and key set);
4. anything else: an opaque OAuth access token, judged by Wacht's gateway, when a gateway is
   configured; a malformed token (401) otherwise.

Without the OAuth, gateway and prefix settings, every bearer takes step 3, exactly as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .authorizer_context import to_gateway_context
from .bearer import authorization_header as authorization_header
from .bearer import bearer_token
from .context import AuthContext, PrincipalType
from .errors import GatewayUnavailable, KeysUnavailable, RateLimited, Reason, Unauthenticated
from .expiring import ExpiringCache
from .jws import CompactJws
from .policy import MethodArn, PolicyBuilder
from .routes import Route
from .verify import MAX_TOKEN_BYTES, TokenVerifier

if TYPE_CHECKING:
    from .access_tokens import AccessTokenVerifier
    from .gateway_check import GatewayCheck

__all__ = ["Authorizer", "authorization_header"]




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
        oauth_verifier: AccessTokenVerifier | None = None,
        gateway: GatewayCheck | None = None,
        api_key_prefix: str | None = None,
    ) -> None:
        if api_key_prefix and gateway is None:
            raise ValueError("an API key prefix needs a gateway: only Wacht's gateway can judge an API key")
        self.verifier = verifier
        self.oauth_verifier = oauth_verifier
        self.gateway = gateway
        self.api_key_prefix = api_key_prefix or None
        self.policy = PolicyBuilder(routes)
        self._responses = ExpiringCache(cache_size, clock)

    def authorize(self, event: Mapping[str, Any]) -> dict:
        """The authorizer response for ``event``.

        Raises Unauthenticated for a missing, ambiguous or invalid token, KeysUnavailable when the
        key set cannot be had, GatewayUnavailable when Wacht's gateway check cannot be had, and
        InvalidMethodArn for an event that is not a REQUEST authorizer event.

        A credential the gateway judged (an API key, an opaque OAuth token) is asked about on every
        invocation and never memoised here; its context names this request (``gatewayCheckedRequestId``)
        so the function does not ask again for it, and carries ``gatewayRetryAfter`` when the gateway
        said it is over its rate limit (an authorizer cannot answer 429: the function does).
        """
        token = bearer_token(authorization_header(event))
        method_arn = event.get("methodArn")
        cached = self._responses.get((token, _stage_prefix(method_arn)))
        if cached is not None:
            return cached
        stage_arn = MethodArn.parse(method_arn).stage_arn  # validates what the memo key skimmed
        kind, verifier = self._judge_of(token)
        if verifier is None:
            return self._gateway_response(kind, token, event, stage_arn)
        try:
            auth = verifier.verify(token)
        except KeysUnavailable as outage:
            outage.jwks_url = verifier.jwks_url  # which key set is out: the session's or the OAuth app's
            raise
        response = self._response(auth, stage_arn)
        # Expires with the token, allowing the verifier's clock skew.
        self._responses.put((token, stage_arn), response, expires_at=auth.expires_at + verifier.clock_skew_seconds)
        return response

    def _response(self, auth: AuthContext, stage_arn: str) -> dict:
        return {
            "principalId": auth.principal_id,
            "policyDocument": self.policy.build(auth, stage_arn),
            "context": to_gateway_context(auth),
        }

    def _judge_of(self, token: str) -> tuple[PrincipalType, TokenVerifier | None]:
        """Which kind of credential ``token`` is, and the verifier for it (None: the gateway judges it)."""
        if self.api_key_prefix is not None and token.startswith(self.api_key_prefix):
            return PrincipalType.API_KEY, None
        if self.oauth_verifier is None and self.gateway is None:
            return PrincipalType.SESSION_TOKEN, self.verifier  # no other callers configured: as before
        try:
            jws = CompactJws.parse(token) if len(token) <= MAX_TOKEN_BYTES else None
        except Unauthenticated:
            jws = None
        if jws is None:
            if self.gateway is not None and not _looks_like_jwt(token):
                return PrincipalType.OAUTH_ACCESS_TOKEN, None  # opaque: only Wacht can judge it
            return PrincipalType.SESSION_TOKEN, self.verifier  # refuses it (MALFORMED / TOO_LARGE)
        # The unverified iss only picks the verifier: each checks it again, with its own keys.
        if self.oauth_verifier is not None and jws.unverified_claim("iss") == self.oauth_verifier.issuer:
            return PrincipalType.OAUTH_ACCESS_TOKEN, self.oauth_verifier
        return PrincipalType.SESSION_TOKEN, self.verifier

    def _gateway_response(self, kind: PrincipalType, token: str, event: Mapping[str, Any], stage_arn: str) -> dict:
        if len(token) > MAX_TOKEN_BYTES:
            raise Unauthenticated(Reason.TOO_LARGE)
        if not token.isascii() or not token.isprintable():
            raise Unauthenticated(Reason.MALFORMED, "not a printable ASCII credential")
        retry_after = None
        try:
            auth = self.gateway.check_request(kind, token, event).auth
        except RateLimited as limited:
            if limited.auth is None:
                raise GatewayUnavailable("rate limited, and the gateway named no identity to admit") from None
            auth, retry_after = limited.auth, limited.retry_after_seconds
        response = self._response(auth, stage_arn)
        request_context = event.get("requestContext") if isinstance(event.get("requestContext"), Mapping) else {}
        request_id = request_context.get("requestId")
        if isinstance(request_id, str) and request_id:
            response["context"]["gatewayCheckedRequestId"] = request_id
        if retry_after is not None:
            response["context"]["gatewayRetryAfter"] = retry_after
        return response


def _stage_prefix(method_arn: Any) -> str:
    """``arn:...:<api>/<stage>`` cut from a method ARN without parsing it (the memo's hot path)."""
    if not isinstance(method_arn, str):
        return ""
    first = method_arn.find("/")
    second = method_arn.find("/", first + 1) if first >= 0 else -1
    return method_arn[:second] if second >= 0 else ""


def _looks_like_jwt(token: str) -> bool:
    """A compact JWS has three dot-separated segments, and every JWT's header segment starts ``eyJ``
    (base64url of ``{"``). Such a bearer that does not parse is a broken JWT (401 ``malformed`` here,
    at no cost), never an opaque token to ask Wacht's gateway about: garbage must not cost a gateway
    call, nor turn into a 5xx while the gateway is down."""
    return token.count(".") == 2 or token.startswith("eyJ")
