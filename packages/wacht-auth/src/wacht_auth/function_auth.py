"""Who is calling, in a function behind API Gateway: a proxy event in, an AuthContext out.

Defense in depth: API Gateway already ran the authorizer's policy, but a function invoked some
other way (a test, a console invoke, a miswired route) must still refuse. So ``request_auth``
looks the event's route up in the application's route table by method and resource template,
reads the authorizer's context (refusing one past ``tokenExpiresAt`` plus the clock skew) and
enforces the route's requirement again, before the handler does anything.

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
from .context import AuthContext
from .errors import RouteNotDeclared, Unauthenticated
from .routes import Access, Route, find_route

if TYPE_CHECKING:
    from .verify import TokenVerifier

__all__ = ["optional_session", "request_auth"]


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
) -> AuthContext | None:
    """The caller of a proxy ``event``, after enforcing its route's requirement from ``routes``.

    On a route behind the authorizer: the AuthContext from ``requestContext.authorizer`` (see
    ``from_gateway_context`` for ``clock`` and ``clock_skew_seconds``), or Unauthenticated (no,
    malformed or expired context) or Forbidden (the requirement is not met).

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
    auth = from_gateway_context(authorizer, clock=clock, clock_skew_seconds=clock_skew_seconds)
    return route.requirement.require(auth)


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
    from .authorizer import authorization_header  # imports PyJWT: only optional routes pay for it
    from .verify import bearer_token

    try:
        header = authorization_header(event)
        if header is None:
            return None
        return verifier.verify(bearer_token(header))
    except Unauthenticated as refusal:
        if on_refusal is not None:
            on_refusal(refusal)
        return None
