"""Who is calling, in a function behind API Gateway: a proxy event in, an AuthContext out.

Defense in depth: API Gateway already ran the authorizer's policy, but a function invoked some
other way (a test, a console invoke, a miswired route) must still refuse. So ``request_auth``
looks the event's route up in the application's route table by method and resource template,
reads the authorizer's context (refusing one past ``tokenExpiresAt`` plus the clock skew) and
enforces the route's requirement again, before the handler does anything.

Principals that Wacht's gateway judged (API keys, opaque OAuth tokens; the context says
``checkedByGateway``) can be revoked or go over their rate limit at any moment, while API Gateway
serves the authorizer's cached Allow for its whole TTL. So ``request_auth`` asks the gateway again
for each request (``recheck_principal``), unless the authorizer asked for this very request (its
context names the request id): a revoked key gets 401 on its next request, a key over its limit
429 with ``Retry-After`` on the request that goes over. Without a ``gateway`` such a principal is a
5xx (GatewayUnavailable), never let through unchecked. Session and JWT access tokens are not
revocable before they expire (Wacht's docs): they cost nothing more.

Routes without the gateway authorizer (``Authorizer: NONE``) carry no context: a public route
has no session, an optional route's session is whatever token the function verifies itself
(``optional_session``). A handler says which kind it serves, and the type says what it gets:
``request_auth(event, routes)`` is an ``AuthContext``, ``request_auth(event, routes,
allow_anonymous=True)`` an ``AuthContext | None``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from .authorizer_context import from_gateway_context
from .bearer import authorization_header, bearer_token
from .context import AuthContext
from .errors import GatewayUnavailable, RateLimited, Reason, RouteNotDeclared, Unauthenticated
from .routes import Access, Requirement, Route, find_route

if TYPE_CHECKING:
    from .gateway_check import GatewayCheck
    from .verify import TokenVerifier

__all__ = ["optional_session", "recheck_principal", "request_auth"]


@overload
def request_auth(
    event: Mapping[str, Any],
    routes: Iterable[Route],
    *,
    allow_anonymous: Literal[False] = False,
    verifier: TokenVerifier | None = None,
    on_refusal: Callable[[Unauthenticated], object] | None = None,
    clock: Callable[[], float] = time.time,
    clock_skew_seconds: int | None = None,
    gateway: GatewayCheck | None = None,
    gateway_timeout_seconds: float | None = None,
) -> AuthContext: ...


@overload
def request_auth(
    event: Mapping[str, Any],
    routes: Iterable[Route],
    *,
    allow_anonymous: bool,
    verifier: TokenVerifier | None = None,
    on_refusal: Callable[[Unauthenticated], object] | None = None,
    clock: Callable[[], float] = time.time,
    clock_skew_seconds: int | None = None,
    gateway: GatewayCheck | None = None,
    gateway_timeout_seconds: float | None = None,
) -> AuthContext | None: ...


def request_auth(
    event: Mapping[str, Any],
    routes: Iterable[Route],
    *,
    allow_anonymous: bool = False,
    verifier: TokenVerifier | None = None,
    on_refusal: Callable[[Unauthenticated], object] | None = None,
    clock: Callable[[], float] = time.time,
    clock_skew_seconds: int | None = None,
    gateway: GatewayCheck | None = None,
    gateway_timeout_seconds: float | None = None,
) -> AuthContext | None:
    """The caller of a proxy ``event``, after enforcing its route's requirement from ``routes``.

    On a route behind the authorizer: the AuthContext from ``requestContext.authorizer`` (see
    ``from_gateway_context`` for ``clock`` and ``clock_skew_seconds``), or Unauthenticated (no,
    malformed or expired context) or Forbidden (the requirement is not met). A principal Wacht's
    gateway judged is re-checked through ``gateway`` within ``gateway_timeout_seconds``
    (``recheck_principal``: RateLimited, Unauthenticated, Forbidden or GatewayUnavailable).

    On a public or optional route (``Authorizer: NONE``), only with ``allow_anonymous=True``:
    None on a public route; on an optional route the session of a valid bearer token when a
    ``verifier`` is given (``optional_session``: None for no token or one it refuses), else None.
    Without ``allow_anonymous`` such a route raises ValueError: a handler that expects a session
    is serving a route the table leaves open, a wiring mistake to fix, not a caller to refuse.

    Raises RouteNotDeclared when ``routes`` has no route for the event's method and resource.
    """
    method = event.get("httpMethod") or ""
    resource = event.get("resource") or ""
    try:
        route = find_route(method, resource, routes)
    except KeyError:
        raise RouteNotDeclared(method, resource) from None
    if not route.requirement.behind_authorizer:
        if not allow_anonymous:
            raise ValueError(
                f"{method} {resource} is {route.requirement.access.value} (no gateway authorizer): "
                "its handler must call request_auth(event, routes, allow_anonymous=True)"
            )
        if route.requirement.access is Access.OPTIONAL and verifier is not None:
            return optional_session(event, verifier, on_refusal)
        return None
    request_context = event.get("requestContext")
    authorizer = request_context.get("authorizer") if isinstance(request_context, Mapping) else None
    auth = route.requirement.require(from_gateway_context(authorizer, clock=clock, clock_skew_seconds=clock_skew_seconds))
    if auth.checked_by_gateway:
        return recheck_principal(event, auth, route.requirement, gateway, timeout_seconds=gateway_timeout_seconds)
    return auth


def recheck_principal(
    event: Mapping[str, Any],
    auth: AuthContext,
    requirement: Requirement,
    gateway: GatewayCheck | None,
    *,
    timeout_seconds: float | None = None,
) -> AuthContext:
    """``auth`` judged again by Wacht's gateway for this request, when the gateway judged it before.

    Returns ``auth`` unchanged for a principal the gateway did not judge (sessions, JWT access
    tokens), and for the request the authorizer itself asked about (``gatewayCheckedRequestId``
    equals this event's ``requestContext.requestId``; RateLimited if it said so then). Otherwise
    asks the gateway with the request's bearer, method, path and the route's permission, and returns
    the fresh AuthContext after enforcing ``requirement`` on it.

    Raises RateLimited (429), Unauthenticated(CREDENTIAL_REJECTED) for a credential revoked since,
    Forbidden, and GatewayUnavailable when the gateway cannot be had or no ``gateway`` is given.
    """
    if not auth.checked_by_gateway:
        return auth
    request_context = event.get("requestContext") if isinstance(event.get("requestContext"), Mapping) else {}
    authorizer = request_context.get("authorizer") if isinstance(request_context.get("authorizer"), Mapping) else {}
    request_id = request_context.get("requestId")
    if isinstance(request_id, str) and request_id and authorizer.get("gatewayCheckedRequestId") == request_id:
        retry_after = authorizer.get("gatewayRetryAfter")
        if retry_after not in (None, ""):
            raise RateLimited(_seconds(retry_after))
        return auth
    if gateway is None:
        raise GatewayUnavailable("a principal judged by Wacht's gateway reached a function that has no gateway to re-check it")
    verdict = gateway.check_request(
        auth.principal_type,
        bearer_token(authorization_header(event)),
        event,
        required_permissions=[requirement.permission] if requirement.permission else [],
        timeout_seconds=timeout_seconds,
    )
    fresh = verdict.auth
    if (fresh.principal_type, fresh.key_id, fresh.client_id) != (auth.principal_type, auth.key_id, auth.client_id):
        # API Gateway keys its cache by the Authorization value, so this is never another credential's context.
        raise Unauthenticated(Reason.INVALID_CLAIM, "the gateway named another credential than the authorizer did")
    return requirement.require(fresh)


def _seconds(value: Any) -> int:
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 10**6 else 1


def optional_session(
    event: Mapping[str, Any],
    verifier: TokenVerifier,
    on_refusal: Callable[[Unauthenticated], object] | None = None,
) -> AuthContext | None:
    """The session of a route with optional auth (no authorizer): None for no token or any token we refuse.

    Never raises Unauthenticated: several Authorization values, a malformed header or a bad token
    all make an anonymous caller (``on_refusal`` hears why, e.g. to log the reason). KeysUnavailable
    propagates: an outage must never look like a sign-out.
    """
    try:
        header = authorization_header(event)
        if header is None:
            return None
        return verifier.verify(bearer_token(header))
    except Unauthenticated as refusal:
        if on_refusal is not None:
            on_refusal(refusal)
        return None
