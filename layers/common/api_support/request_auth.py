"""Who is calling: this app's route table handed to wacht_auth's ``request_auth``, and the result kept per request.

The reading itself is the package's (``wacht_auth.request_auth``): the route is looked up in
api_routes.ROUTES by the event's method and resource template, the authorizer's context is refused
once ``tokenExpiresAt`` plus the clock skew has passed (401 ``token expired``: the app's one
refresh-and-retry then recovers, exactly as for a 401 from the authorizer), and the route's
requirement is enforced again, before any handler runs. Public and optional routes get None here;
an optional route's handler verifies a token itself (``optional_session``, the package's too).

API keys and opaque OAuth tokens are asked about again through Wacht's gateway on every request
(``WACHT_GATEWAY_URL``; the package's ``recheck_principal``): revoked → 401, over the limit → 429
with ``Retry-After``, gateway down or slow → 503 within the request's budget.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from api_routes import ROUTES
from wacht_auth import AuthContext, GatewayCheck, Reason, Unauthenticated, optional_session, request_auth
from wacht_auth.origins import checked_url

__all__ = ["current_auth", "gateway_from_environ", "optional_session", "remember_auth", "route_auth"]

_AUTH_KEY = "wacht_auth"


def gateway_from_environ(environ: Mapping[str, str] | None = None) -> GatewayCheck | None:
    """Wacht's gateway check at ``WACHT_GATEWAY_URL``; None when unset (no API keys or opaque tokens then)."""
    env = os.environ if environ is None else environ
    url = env.get("WACHT_GATEWAY_URL", "").strip()
    return GatewayCheck(checked_url(url, "WACHT_GATEWAY_URL")) if url else None


def route_auth(
    event: Mapping[str, Any],
    *,
    now: float | None = None,
    clock_skew_seconds: int = 5,
    gateway: GatewayCheck | None = None,
    gateway_timeout_seconds: float | None = None,
) -> AuthContext | None:
    """The caller's AuthContext, after enforcing the route's requirement; None on public/optional routes.

    Raises Unauthenticated (no or malformed authorizer context; EXPIRED once ``tokenExpiresAt`` +
    ``clock_skew_seconds`` is not after ``now``, default the wall clock; a revoked key), Forbidden
    (the requirement is not met), RateLimited, GatewayUnavailable (a key or opaque token that
    ``gateway`` could not re-check) or RouteNotDeclared (the method and resource are not in ROUTES).
    """
    clock = {} if now is None else {"clock": lambda: now}
    return request_auth(
        event,
        ROUTES,
        allow_anonymous=True,
        clock_skew_seconds=clock_skew_seconds,
        gateway=gateway,
        gateway_timeout_seconds=gateway_timeout_seconds,
        **clock,
    )


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
