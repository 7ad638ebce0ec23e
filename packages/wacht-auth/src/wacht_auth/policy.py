"""The IAM policy an authorizer returns: one decision for every route of the stage.

API Gateway caches an authorizer's result per identity source and reuses it for every route
the caller hits next; a policy that only allows the triggering method ARN yields random 403s
elsewhere. So the policy lists every route behind the authorizer: Allow where the principal meets
the route's requirement (its kind, OAuth scopes, organization, workspace, permission), an explicit
Deny where it does not.

Each route is one method-ARN pattern: a ``{parameter}`` becomes ``*``, and so does ``ANY``. IAM's
``*`` also matches ``/``: ``GET/orders/*`` covers a nested ``GET/orders/{id}/audit`` too.
An explicit Deny wins over any Allow, so an over-matching Allow is harmless (the nested route's
own Deny still applies) but an over-matching Deny refuses sessions the nested route allows.
``check_route_table`` refuses a table where that can happen, when a ``PolicyBuilder`` is made
(the authorizer makes one at cold start): such a table fails in tests and at init, never with a wrong policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from .context import AuthContext, PrincipalType
from .routes import ANY, HTTP_METHODS, Requirement, Route, serving_route

__all__ = [
    "InvalidMethodArn",
    "MethodArn",
    "PolicyBuilder",
    "RouteTableError",
    "check_route_table",
    "resource_pattern",
]


class RouteTableError(ValueError):
    """Raised when the policy over a route table would decide some request otherwise than its route's requirement."""


class InvalidMethodArn(ValueError):
    """Raised when an authorizer event's ``methodArn`` is missing or not an execute-api method ARN."""


@dataclass(frozen=True)
class MethodArn:
    """``arn:<partition>:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>``."""

    partition: str
    region: str
    account_id: str
    api_id: str
    stage: str
    method: str
    resource_path: str

    @classmethod
    def parse(cls, arn: str) -> MethodArn:
        """Raise InvalidMethodArn when ``arn`` is not an execute-api method ARN."""
        parts = arn.split(":", 5) if isinstance(arn, str) else []
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "execute-api":
            raise InvalidMethodArn("not an execute-api method ARN")
        _, partition, _, region, account_id, rest = parts
        api_id, _, rest = rest.partition("/")
        stage, _, rest = rest.partition("/")
        method, _, path = rest.partition("/")
        if not all((partition, region, account_id, api_id, stage, method)):
            raise InvalidMethodArn("method ARN is missing a part")
        return cls(partition, region, account_id, api_id, stage, method, "/" + path)

    @property
    def stage_arn(self) -> str:
        """The ARN prefix shared by every route of this API stage."""
        return f"arn:{self.partition}:execute-api:{self.region}:{self.account_id}:{self.api_id}/{self.stage}"


def resource_pattern(route: Route) -> str:
    """The route's method-ARN pattern after the stage: ``GET/orders/*``; ``ANY`` becomes ``*``."""
    method = "*" if route.method == ANY else route.method
    return method + "/" + "/".join("*" if _is_parameter(segment) else segment for segment in route.segments)


class PolicyBuilder:
    """Policies over one route table, checked once when built (``check_route_table``).

    Which routes a session may call is memoised per set of grants, since many sessions share them.
    """

    def __init__(self, routes: Iterable[Route]) -> None:
        routes = tuple(routes)
        check_route_table(routes)
        self.routes = tuple(route for route in routes if route.requirement.behind_authorizer)
        self._patterns = tuple(resource_pattern(route) for route in self.routes)
        self._decisions = lru_cache(maxsize=1024)(self._decide)

    def build(self, auth: AuthContext, stage_arn: str) -> dict:
        """A policy document allowing exactly the routes ``auth`` may call, denying the rest.

        A fresh document each call (callers may keep or change it).
        """
        allowed_flags = self._decisions(
            auth.organization_id is not None,
            auth.workspace_id is not None,
            auth.organization_permissions,
            auth.workspace_permissions,
            auth.principal_type,
            auth.scopes,
        )
        allowed: list[str] = []
        denied: list[str] = []
        for pattern, allow in zip(self._patterns, allowed_flags, strict=True):
            (allowed if allow else denied).append(f"{stage_arn}/{pattern}")
        statements = []
        if allowed:
            statements.append({"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": allowed})
        if denied:
            statements.append({"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": denied})
        return {"Version": "2012-10-17", "Statement": statements}

    def _decide(
        self,
        has_organization: bool,
        has_workspace: bool,
        organization_permissions: tuple[str, ...],
        workspace_permissions: tuple[str, ...],
        principal_type: PrincipalType = PrincipalType.SESSION_TOKEN,
        scopes: tuple[str, ...] = (),
    ) -> tuple[bool, ...]:
        """Allow/deny for each route, from what a principal's grants are (not who it is)."""
        grants = _grants(
            has_organization, has_workspace, organization_permissions, workspace_permissions, principal_type, scopes
        )
        return tuple(route.requirement.is_met_by(grants) for route in self.routes)


def check_route_table(routes: Iterable[Route]) -> None:
    """Raise RouteTableError unless the policy decides every request as its route's requirement does.

    A request served by route B is allowed only if B's statement allows it and no Deny matches it.
    Another route A's pattern matching it changes the answer exactly when some session meets B's
    requirement but not A's (A is denied, B allowed). The check is exhaustive: every pair of
    routes, every session the two requirements can tell apart, and every shape of request (a
    parameter's value matters only by equalling some literal segment or none).
    """
    routes = tuple(routes)
    declared: dict[tuple, Route] = {}
    for route in routes:
        key = (route.method, _shape(route))
        if key in declared:
            first = declared[key]
            raise RouteTableError(
                f"routes {first.method} {first.path} and {route.method} {route.path} are the same route declared twice; keep one"
            )
        declared[key] = route
    gated = [route for route in routes if route.requirement.behind_authorizer]
    for outer in gated:
        pattern = resource_pattern(outer)
        matcher = _compile(pattern)
        for nested in gated:
            if nested is outer or not _methods_may_meet(outer, nested):
                continue
            if _implies(nested.requirement, outer.requirement):
                continue
            request = _request_matched(matcher, outer, nested, routes)
            if request is not None:
                raise RouteTableError(
                    f"route {outer.method} {outer.path} (policy resource {pattern}; IAM's * also matches '/') "
                    f"also matches {request}, served by route {nested.method} {nested.path}, whose requirement "
                    f"({nested.requirement}) does not include {outer.method} {outer.path}'s ({outer.requirement}): "
                    f"the Deny for {outer.method} {outer.path} would refuse sessions that {nested.method} {nested.path} "
                    f"allows. Give {nested.method} {nested.path} the same requirement ({outer.requirement}) or a "
                    f"stricter one, or move it to a path {pattern} cannot match."
                )


def _is_parameter(segment: str) -> bool:
    return segment.startswith("{")


def _shape(route: Route) -> tuple[str | None, ...]:
    """A resource as API Gateway tells them apart: literal segments, and None for any parameter."""
    return tuple(None if _is_parameter(segment) else segment for segment in route.segments)


def _methods_may_meet(outer: Route, nested: Route) -> bool:
    return ANY in (outer.method, nested.method) or outer.method == nested.method


def _compile(pattern: str) -> re.Pattern[str]:
    """IAM wildcard matching: ``*`` is any run of characters, ``/`` included."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def _request_matched(matcher: re.Pattern[str], outer: Route, nested: Route, routes: tuple[Route, ...]) -> str | None:
    """A request (``METHOD /path``) that API Gateway serves with ``nested`` and ``matcher`` matches, or None.

    Each parameter takes a value equal to no literal (its own ``{name}``, tried first so that the
    example reads like the route), then every literal it could be compared with: outer's segments
    and the segments other resources have at its position.
    """
    depth = len(nested.segments)
    outer_literals = {segment for segment in outer.segments if not _is_parameter(segment)}
    choices = []
    for index, segment in enumerate(nested.segments):
        if not _is_parameter(segment):
            choices.append((segment,))
            continue
        rivals = {r.segments[index] for r in routes if len(r.segments) == depth and not _is_parameter(r.segments[index])}
        choices.append((segment, *sorted(outer_literals | rivals)))
    methods = HTTP_METHODS if nested.method == ANY else (nested.method,)
    for values in product(*choices):
        path = "/" + "/".join(values)
        for method in methods:
            if matcher.fullmatch(method + path) and serving_route(method, values, routes) is nested:
                return f"{method} {path}"
    return None


@lru_cache(maxsize=256)
def _implies(stricter: Requirement, weaker: Requirement) -> bool:
    """True when every principal meeting ``stricter`` also meets ``weaker``.

    Only the kinds ``stricter`` takes are tried: a principal of another kind never meets it.
    """
    grant_sets = _grant_sets(stricter, weaker, principal_types=stricter.principals)
    return all(weaker.is_met_by(grants) for grants in grant_sets if stricter.is_met_by(grants))


def _grant_sets(*requirements: Requirement, principal_types: Iterable[PrincipalType] = PrincipalType) -> Iterator[AuthContext]:
    """Every principal the requirements can tell apart: of each kind, with or without an organization
    and a workspace, each permission they name granted or not in either scope, and (for OAuth access
    tokens, the only kind with scopes) each OAuth scope they name granted or not."""
    names = sorted({r.permission for r in requirements if r.permission is not None})
    subsets = _subsets(names)
    scope_subsets = _subsets(sorted({s for r in requirements for s in r.oauth_scopes}))
    for principal_type in sorted(principal_types, key=list(PrincipalType).index):
        scope_choices = scope_subsets if principal_type is PrincipalType.OAUTH_ACCESS_TOKEN else [()]
        for has_organization, has_workspace, organization, workspace, scopes in product(
            (False, True), (False, True), subsets, subsets, scope_choices
        ):
            yield _grants(has_organization, has_workspace, organization, workspace, principal_type, scopes)


def _subsets(names: list[str]) -> list[tuple[str, ...]]:
    return [tuple(n for n, keep in zip(names, mask) if keep) for mask in product((False, True), repeat=len(names))]


def _grants(
    has_organization: bool,
    has_workspace: bool,
    organization_permissions: tuple[str, ...],
    workspace_permissions: tuple[str, ...],
    principal_type: PrincipalType = PrincipalType.SESSION_TOKEN,
    scopes: tuple[str, ...] = (),
) -> AuthContext:
    return AuthContext(
        user_id="grants",
        session_id="grants",
        organization_id="organization" if has_organization else None,
        workspace_id="workspace" if has_workspace else None,
        organization_permissions=organization_permissions,
        workspace_permissions=workspace_permissions,
        principal_type=principal_type,
        scopes=scopes,
    )
