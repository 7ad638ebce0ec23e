"""Who is calling: the one way a function turns ``requestContext.authorizer`` into an AuthContext.

Defense in depth: the gateway already checked the route's requirement, but a function invoked
some other way (a test, a console invoke, a miswired route) must still refuse. So the route is
looked up in wacht_auth.ROUTES by the event's method and resource template, and its requirement
is enforced again here, before any handler runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wacht_auth import AuthContext, Reason, Unauthenticated, find_route, from_gateway_context

from .errors import RouteNotDeclared

__all__ = ["current_auth", "remember_auth", "route_auth"]

_AUTH_KEY = "wacht_auth"


def route_auth(event: Mapping[str, Any]) -> AuthContext | None:
    """The caller's AuthContext, after enforcing the route's requirement; None on public/optional routes.

    Raises Unauthenticated (no or malformed authorizer context), Forbidden (the requirement is not
    met) or RouteNotDeclared (the method and resource are not in ROUTES).
    """
    method = event.get("httpMethod") or ""
    resource = event.get("resource") or ""
    try:
        route = find_route(method, resource)
    except KeyError:
        raise RouteNotDeclared(method, resource) from None
    if not route.requirement.behind_authorizer:
        return None
    request_context = event.get("requestContext")
    authorizer = request_context.get("authorizer") if isinstance(request_context, Mapping) else None
    return route.requirement.enforce(from_gateway_context(authorizer))


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
