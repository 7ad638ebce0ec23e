"""Every route of the API and what it requires: the one table reviewers audit.

Read by the authorizer (to build a policy for every route of the stage), by the functions (to
re-check their route's requirement), by the local gateway and by the template tests (which
assert that template.yaml declares exactly these routes, wired to these functions).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .context import AuthContext, Scope
from .errors import Reason, Unauthenticated

__all__ = ["Access", "ROUTES", "Requirement", "Route", "find_route", "gateway_routes"]


class Access(str, Enum):
    PUBLIC = "public"
    """No authorizer, no token looked at."""
    OPTIONAL = "optional"
    """No gateway authorizer; the function verifies a token itself if one is sent."""
    AUTHENTICATED = "authenticated"
    ORGANIZATION = "organization"
    """An active organization is required."""
    WORKSPACE = "workspace"
    """An active workspace is required."""
    PERMISSION = "permission"
    """A permission in a scope (which must be active) is required."""


@dataclass(frozen=True)
class Requirement:
    access: Access
    permission: str | None = None
    scope: Scope | None = None

    def __post_init__(self) -> None:
        if (self.access is Access.PERMISSION) != (self.permission is not None and self.scope is not None):
            raise ValueError("a permission requirement needs both a permission and a scope, and only it has them")

    @property
    def behind_authorizer(self) -> bool:
        return self.access not in (Access.PUBLIC, Access.OPTIONAL)

    def is_met_by(self, auth: AuthContext | None) -> bool:
        """True when ``auth`` may call a route with this requirement (None: no valid session)."""
        try:
            self.enforce(auth)
        except Exception:  # noqa: BLE001 - Unauthenticated or Forbidden: not met
            return False
        return True

    def enforce(self, auth: AuthContext | None) -> AuthContext | None:
        """Return ``auth`` when it meets the requirement; raise Unauthenticated or Forbidden."""
        if not self.behind_authorizer:
            return auth
        if auth is None:
            raise Unauthenticated(Reason.MISSING_TOKEN)
        if self.access is Access.ORGANIZATION:
            auth.require_organization()
        elif self.access is Access.WORKSPACE:
            auth.require_workspace()
        elif self.access is Access.PERMISSION:
            auth.protect(self.permission, self.scope)
        return auth


PUBLIC = Requirement(Access.PUBLIC)
OPTIONAL = Requirement(Access.OPTIONAL)
AUTHENTICATED = Requirement(Access.AUTHENTICATED)
ORGANIZATION = Requirement(Access.ORGANIZATION)
WORKSPACE = Requirement(Access.WORKSPACE)


def permission(name: str, scope: Scope) -> Requirement:
    return Requirement(Access.PERMISSION, name, scope)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    """API Gateway resource path; ``{name}`` marks a path parameter."""
    requirement: Requirement
    function: str
    """Logical id of the function in template.yaml that serves the route."""


ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", PUBLIC, "HealthFunction"),
    Route("GET", "/hello", OPTIONAL, "HelloFunction"),
    Route("GET", "/me", AUTHENTICATED, "MeFunction"),
    Route("GET", "/whoami", AUTHENTICATED, "MeFunction"),
    Route("GET", "/documents", WORKSPACE, "DocumentsFunction"),
    Route("POST", "/documents", permission("documents:write", Scope.WORKSPACE), "DocumentsFunction"),
    Route("GET", "/documents/{documentId}", WORKSPACE, "DocumentsFunction"),
    Route("DELETE", "/documents/{documentId}", permission("documents:write", Scope.WORKSPACE), "DocumentsFunction"),
    Route("GET", "/members", ORGANIZATION, "MembersFunction"),
    Route("PUT", "/members/{memberId}", permission("members:manage", Scope.ORGANIZATION), "MembersFunction"),
    Route("DELETE", "/members/{memberId}", permission("members:manage", Scope.ORGANIZATION), "MembersFunction"),
)


def gateway_routes() -> tuple[Route, ...]:
    """The routes API Gateway sends through the authorizer."""
    return tuple(route for route in ROUTES if route.requirement.behind_authorizer)


def find_route(method: str, path: str) -> Route:
    """The route declared for ``method`` and resource ``path`` (the template form). KeyError if none."""
    for route in ROUTES:
        if route.method == method and route.path == path:
            return route
    raise KeyError(f"no route {method} {path}")
