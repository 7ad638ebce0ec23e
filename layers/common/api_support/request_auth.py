"""Who is calling: the one way a function turns ``requestContext.authorizer`` into an AuthContext.

Defense in depth: the gateway already checked the route's requirement, but a function invoked
some other way (a test, a console invoke, a miswired route) must still refuse. So the route is
looked up in the app's route table (api_routes.ROUTES) by the event's method and resource template, and its requirement
is enforced again here, before any handler runs.

Expiry: API Gateway serves a cached Allow for the authorizer's TTL per Authorization value, so a
token can reach a function up to that long past its ``exp``. The function refuses it once
``tokenExpiresAt`` plus the verifier's clock skew has passed (401 ``token expired``): the app's
one refresh-and-retry then recovers, exactly as for a 401 from the authorizer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from api_routes import ROUTES
from wacht_auth import AuthContext, Reason, Unauthenticated, find_route, from_gateway_context

if TYPE_CHECKING:  # verifying a token needs PyJWT and cryptography: only /hello does (optional_session)
    from wacht_auth import TokenVerifier

from .errors import RouteNotDeclared

__all__ = ["current_auth", "optional_session", "refuse_if_expired", "remember_auth", "route_auth"]

_AUTH_KEY = "wacht_auth"


def route_auth(
    event: Mapping[str, Any], *, now: float | None = None, clock_skew_seconds: int = 5
) -> AuthContext | None:
    """The caller's AuthContext, after enforcing the route's requirement; None on public/optional routes.

    Raises Unauthenticated (no or malformed authorizer context; EXPIRED once ``tokenExpiresAt`` +
    ``clock_skew_seconds`` is not after ``now``, default the wall clock), Forbidden (the requirement
    is not met) or RouteNotDeclared (the method and resource are not in ROUTES).
    """
    method = event.get("httpMethod") or ""
    resource = event.get("resource") or ""
    try:
        route = find_route(method, resource, ROUTES)
    except KeyError:
        raise RouteNotDeclared(method, resource) from None
    if not route.requirement.behind_authorizer:
        return None
    request_context = event.get("requestContext")
    authorizer = request_context.get("authorizer") if isinstance(request_context, Mapping) else None
    auth = refuse_if_expired(from_gateway_context(authorizer), time.time() if now is None else now, clock_skew_seconds)
    return route.requirement.enforce(auth)


def refuse_if_expired(auth: AuthContext, now: float, clock_skew_seconds: int) -> AuthContext:
    """``auth`` while its token is valid by the verifier's rule (``now < exp + skew``); else EXPIRED."""
    if now >= auth.expires_at + clock_skew_seconds:
        raise Unauthenticated(Reason.EXPIRED, "tokenExpiresAt has passed: a cached Allow outlived the token")
    return auth


def optional_session(
    event: Mapping[str, Any],
    verifier: TokenVerifier,
    on_refusal: Callable[[Unauthenticated], None] = lambda refusal: None,
) -> AuthContext | None:
    """The session of a route with optional auth (no authorizer): None for no token or any token we refuse.

    Never raises Unauthenticated: several Authorization values, a malformed header or a bad token
    all make an anonymous caller (``on_refusal`` hears why). KeysUnavailable propagates: an outage
    must never look like a sign-out.
    """
    from wacht_auth import authorization_header, bearer_token  # here: see the imports above

    try:
        header = authorization_header(event)
        if header is None:
            return None
        return verifier.verify(bearer_token(header))
    except Unauthenticated as refusal:
        on_refusal(refusal)
        return None


def remember_auth(app: Any, auth: AuthContext | None) -> None:
    app.append_context(**{_AUTH_KEY: auth})


def current_auth(app: Any) -> AuthContext:
    """The AuthContext ``route_auth`` established for this request; Unauthenticated if there is none.

    Handlers of routes behind the authorizer call this; on a public route it refuses.
    """
    auth = app.context.get(_AUTH_KEY)
    if not isinstance(auth, AuthContext):
        raise Unauthenticated(Reason.MISSING_TOKEN, "no authenticated session for this route")
    return auth
