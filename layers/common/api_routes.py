"""This app's routes and what each requires: the one table reviewers audit.

The application's side of wacht_auth: the authorizer builds its policy from it
(``Authorizer(verifier, ROUTES)``), the functions re-check their route's requirement
(``api_support.request_auth``), the local gateway, the smoke test and the template tests read it
(the template must declare exactly these routes, wired to these functions). A top-level module of
the layer, beside api_support, so the authorizer imports it without api_support's dependencies.
"""

from __future__ import annotations

from wacht_auth import AUTHENTICATED, OPTIONAL, ORGANIZATION, PUBLIC, WORKSPACE, Route, Scope, permission

__all__ = ["ROUTES"]

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
