"""The vocabulary of a route table: routes, what each requires, and how a request finds its route.

The table itself belongs to the application, which passes it in:
the authorizer builds its policy from it (``Authorizer(verifier, routes)``), the functions
re-check their route's requirement with ``find_route``, and the template tests compare it with
template.yaml. Nothing here knows an application's paths or permission names.

How API Gateway picks the resource for a request path is written once, here (``best_resource``):
the policy checks its table with it (``serving_route``) and the local stack's gateway routes its
requests with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TypeVar

from .context import AuthContext, PrincipalType, Scope
from .errors import Forbidden, Reason, Unauthenticated

__all__ = [
    "ANY",
    "AUTHENTICATED",
    "SESSIONS_ONLY",
    "HTTP_METHODS",
    "OPTIONAL",
    "ORGANIZATION",
    "PUBLIC",
    "WORKSPACE",
    "Access",
    "Requirement",
    "Route",
    "best_resource",
    "find_route",
    "gateway_routes",
    "permission",
    "serving_route",
]

HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
ANY = "ANY"
"""API Gateway's catch-all method: serves every HTTP method the resource does not declare itself."""

SESSIONS_ONLY = frozenset({PrincipalType.SESSION_TOKEN})
"""Who may call a route unless its requirement says otherwise (``callable_by``): signed-in users only,
so turning on OAuth or API keys in a deployment opens no route that did not ask for them."""

_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")  # RFC 6749 §3.3 scope-token
_PARAMETER = re.compile(r"\{[A-Za-z0-9_]+\}")
_LITERAL = re.compile(r"[A-Za-z0-9._~:@!$&'()+,;=-]+")
_Resource = TypeVar("_Resource")


class Access(str, Enum):
    """What a route asks of its caller; the first two are the routes without the gateway authorizer.

    ``PUBLIC`` and ``OPTIONAL`` routes must say ``Auth: {Authorizer: NONE}`` in the template (the
    authorizer's policy covers only the others); every other value is checked twice, by the
    authorizer's policy and again by the function (``request_auth``).
    """

    PUBLIC = "public"
    """No authorizer, no token looked at."""
    OPTIONAL = "optional"
    """No gateway authorizer; the function verifies a token itself if one is sent."""
    AUTHENTICATED = "authenticated"
    """A valid session, nothing more."""
    ORGANIZATION = "organization"
    """An active organization is required."""
    WORKSPACE = "workspace"
    """An active workspace is required."""
    PERMISSION = "permission"
    """A permission in a scope (which must be active) is required."""


@dataclass(frozen=True)
class Requirement:
    """What a route requires: an Access, and for ``Access.PERMISSION`` the permission and its scope;
    which kinds of principal may call it, and which OAuth scopes an OAuth access token needs.

    Use the constants (``PUBLIC``, ``OPTIONAL``, ``AUTHENTICATED``, ``ORGANIZATION``, ``WORKSPACE``)
    or ``permission(name, scope)``, then ``.callable_by(...)`` to let other principals in; a permission
    without a scope (or a scope elsewhere) is a ValueError. By default only sessions may call a route.
    """

    access: Access
    permission: str | None = None
    scope: Scope | None = None
    principals: frozenset[PrincipalType] = field(default=SESSIONS_ONLY)
    """The kinds of principal that may call the route; any other kind is refused with a 403."""
    oauth_scopes: tuple[str, ...] = ()
    """Every one of these scopes must have been granted to an OAuth access token (other principals have no scopes)."""

    def __post_init__(self) -> None:
        if (self.access is Access.PERMISSION) != (self.permission is not None and self.scope is not None):
            raise ValueError("a permission requirement needs both a permission and a scope, and only it has them")
        if not self.principals or not all(isinstance(kind, PrincipalType) for kind in self.principals):
            raise ValueError("principals must be a non-empty set of PrincipalType")
        if not all(isinstance(s, str) and _SCOPE_TOKEN.fullmatch(s) for s in self.oauth_scopes):
            raise ValueError("oauth_scopes must be OAuth scope tokens (no spaces, quotes or backslashes)")
        if self.oauth_scopes and PrincipalType.OAUTH_ACCESS_TOKEN not in self.principals:
            raise ValueError("oauth_scopes only mean something on a route that OAuth access tokens may call")

    def callable_by(self, *principals: PrincipalType, oauth_scopes: Iterable[str] = ()) -> Requirement:
        """This requirement for exactly these kinds of principal (and, for OAuth, these scopes).

        ``WORKSPACE.callable_by(PrincipalType.SESSION_TOKEN, PrincipalType.API_KEY)``: sessions and API
        keys with an active workspace. List ``SESSION_TOKEN`` too to keep sessions in.
        """
        return replace(self, principals=frozenset(principals), oauth_scopes=tuple(dict.fromkeys(oauth_scopes)))

    @property
    def behind_authorizer(self) -> bool:
        """True when API Gateway runs the authorizer for the route (False: PUBLIC and OPTIONAL)."""
        return self.access not in (Access.PUBLIC, Access.OPTIONAL)

    def is_met_by(self, auth: AuthContext | None) -> bool:
        """True when ``auth`` may call a route with this requirement (None: no valid session).

        Only a refusal (Unauthenticated, Forbidden) means "not met"; any other exception is a
        programming error and propagates, so it surfaces as a 500 in tests, not as a silent deny.
        """
        try:
            self.enforce(auth)
        except (Unauthenticated, Forbidden):
            return False
        return True

    def enforce(self, auth: AuthContext | None) -> AuthContext | None:
        """Return ``auth`` when it meets the requirement; raise Unauthenticated or Forbidden.

        ``None`` (no session) passes a PUBLIC or OPTIONAL requirement and is Unauthenticated for the
        others. With a session in hand, ``require`` says the same with a precise type.
        """
        if not self.behind_authorizer:
            return auth
        if auth is None:
            raise Unauthenticated(Reason.MISSING_TOKEN)
        return self.require(auth)

    def require(self, auth: AuthContext) -> AuthContext:
        """Return ``auth`` when its principal meets the requirement; else raise Forbidden.

        In this order: the principal's kind (``API keys may not call this route``), an OAuth token's
        scopes (``Missing required scope: <s>``), then the organization, workspace or permission.
        """
        if auth.principal_type not in self.principals:
            raise Forbidden(f"{auth.principal_type.plural} may not call this route")
        if auth.principal_type is PrincipalType.OAUTH_ACCESS_TOKEN:
            for needed in self.oauth_scopes:
                if needed not in auth.scopes:
                    raise Forbidden(f"Missing required scope: {needed}")
        if self.access is Access.ORGANIZATION:
            auth.require_organization()
        elif self.access is Access.WORKSPACE:
            auth.require_workspace()
        elif self.access is Access.PERMISSION:
            auth.protect(self.permission, self.scope)
        return auth

    def __str__(self) -> str:
        """What the requirement asks for, in words (route-table error messages)."""
        words = self._access_words()
        if self.principals != SESSIONS_ONLY and self.behind_authorizer:
            kinds = ", ".join(kind.plural for kind in PrincipalType if kind in self.principals)
            words += f" (callers: {kinds}"
            words += f"; OAuth scopes: {' '.join(self.oauth_scopes)})" if self.oauth_scopes else ")"
        return words

    def _access_words(self) -> str:
        if self.access is Access.PERMISSION:
            return f"permission {self.permission} in the {self.scope.value}"
        return {
            Access.PUBLIC: "nothing",
            Access.OPTIONAL: "an optional session",
            Access.AUTHENTICATED: "a session",
            Access.ORGANIZATION: "an active organization",
            Access.WORKSPACE: "an active workspace",
        }[self.access]


PUBLIC = Requirement(Access.PUBLIC)
OPTIONAL = Requirement(Access.OPTIONAL)
AUTHENTICATED = Requirement(Access.AUTHENTICATED)
ORGANIZATION = Requirement(Access.ORGANIZATION)
WORKSPACE = Requirement(Access.WORKSPACE)


def permission(name: str, scope: Scope) -> Requirement:
    """A route that needs permission ``name`` in ``scope``, strictly: an organization permission is
    looked for only in ``permissions.organization``, a workspace one only in ``permissions.workspace``,
    and only while that organization or workspace is active (403 ``Missing required permission: <name>``).
    """
    return Requirement(Access.PERMISSION, name, scope)


@dataclass(frozen=True)
class Route:
    """One row of the route table: a method on a resource path, what it requires, and the function serving it."""

    method: str
    """An HTTP method in capitals, or ``ANY``."""
    path: str
    """API Gateway resource path; ``{name}`` marks a path parameter (one whole segment)."""
    requirement: Requirement
    function: str
    """Logical id of the function in template.yaml that serves the route."""

    def __post_init__(self) -> None:
        if self.method not in HTTP_METHODS and self.method != ANY:
            raise ValueError(f"route {self.method} {self.path}: method must be one of {', '.join(HTTP_METHODS)} or ANY")
        if not isinstance(self.path, str) or not self.path.startswith("/"):
            raise ValueError(f"route {self.method} {self.path}: the path must start with '/'")
        for segment in self.segments:
            if segment.endswith("+}"):
                raise ValueError(
                    f"route {self.method} {self.path}: greedy path parameters ({segment}) are not supported; "
                    "their method-ARN pattern cannot be checked against the other routes"
                )
            if not (_PARAMETER.fullmatch(segment) or _LITERAL.fullmatch(segment)):
                raise ValueError(
                    f"route {self.method} {self.path}: segment {segment!r} must be a literal "
                    "(letters, digits, -._~ and the like; no '*', '?' or braces) or a whole {parameter}"
                )

    @property
    def segments(self) -> tuple[str, ...]:
        """The path's segments: ``/orders/{orderId}`` → ``("orders", "{orderId}")``."""
        return tuple(self.path[1:].split("/")) if self.path != "/" else ()


def gateway_routes(routes: Iterable[Route]) -> tuple[Route, ...]:
    """The routes API Gateway sends through the authorizer."""
    return tuple(route for route in routes if route.requirement.behind_authorizer)


def find_route(method: str, path: str, routes: Iterable[Route]) -> Route:
    """The route serving ``method`` on resource ``path`` (the template form), as API Gateway picks
    it: the route declared for that method, else the resource's ``ANY`` route. KeyError if none.
    """
    route = _route_on_resource(method, path, tuple(routes))
    if route is None:
        raise KeyError(f"no route {method} {path}")
    return route


def serving_route(method: str, segments: tuple[str, ...], routes: Iterable[Route]) -> Route | None:
    """The route API Gateway invokes for ``method`` on a request path (its segments, as sent): the
    resource ``best_resource`` picks, then its route for ``method``, else its ``ANY``. None if there
    is none (API Gateway answers 403 Missing Authentication Token; it never tries a less specific resource).
    """
    table = tuple(routes)
    found = best_resource(segments, table, lambda route: route.segments)
    return None if found is None else _route_on_resource(method, found[0].path, table)


def best_resource(
    segments: tuple[str, ...], resources: Iterable[_Resource], segments_of: Callable[[_Resource], tuple[str, ...]]
) -> tuple[_Resource, dict[str, str]] | None:
    """The resource API Gateway picks for a request path, with the path parameters it binds; None if none matches.

    ``segments`` are the request path's (as sent, not decoded); ``segments_of(resource)`` a resource's
    template segments: a literal, a ``{name}`` (one whole segment) or a ``{name+}`` (the rest, one or
    more segments). Among the resources that match, the most specific wins: at the first segment
    where they differ, a literal beats a ``{name}``, which beats a ``{name+}``.
    """
    best: tuple[tuple[int, ...], _Resource, dict[str, str]] | None = None
    for resource in resources:
        template = segments_of(resource)
        parameters = _bind(template, segments)
        if parameters is None:
            continue
        rank = tuple(0 if part.endswith("+}") else 1 if part.startswith("{") else 2 for part in template)
        if best is None or rank > best[0]:
            best = (rank, resource, parameters)
    return None if best is None else (best[1], best[2])


def _bind(template: tuple[str, ...], segments: tuple[str, ...]) -> dict[str, str] | None:
    """The parameters when ``template`` matches ``segments``, else None."""
    parameters: dict[str, str] = {}
    for index, part in enumerate(template):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest:
                return None
            parameters[part[1:-2]] = "/".join(rest)
            return parameters
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            parameters[part[1:-1]] = segments[index]
        elif part != segments[index]:
            return None
    return parameters if len(segments) == len(template) else None


def _route_on_resource(method: str, path: str, routes: tuple[Route, ...]) -> Route | None:
    """The route declared on resource ``path`` for ``method``, else its ``ANY`` route, else None."""
    on_resource = [route for route in routes if route.path == path]
    for wanted in (method, ANY):
        for route in on_resource:
            if route.method == wanted:
                return route
    return None
