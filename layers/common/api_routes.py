"""This app's routes and what each requires: the one table reviewers audit.

The application's side of wacht_auth: the authorizer builds its policy from it
(``Authorizer(verifier, ROUTES)``), the functions re-check their route's requirement
(``api_support.request_auth``), the local gateway, the smoke test and the template tests read it
(the template must declare exactly these routes, wired to these functions). A top-level module of
the layer, beside api_support, so the authorizer imports it without api_support's dependencies.

Who may call what: /me and /whoami take every kind of caller (an OAuth token needs the ``profile``
scope for /whoami, which reads the user's profile from Wacht); the /documents routes take sessions
and API keys (the key's workspace and permissions); /members takes sessions only (the default).
"""

from __future__ import annotations

from wacht_auth import AUTHENTICATED, OPTIONAL, ORGANIZATION, PUBLIC, WORKSPACE, PrincipalType, Route, Scope, permission

__all__ = ["ROUTES"]

_EVERY_CALLER = (PrincipalType.SESSION_TOKEN, PrincipalType.OAUTH_ACCESS_TOKEN, PrincipalType.API_KEY)
_SESSIONS_AND_KEYS = (PrincipalType.SESSION_TOKEN, PrincipalType.API_KEY)
_WRITE_DOCUMENTS = permission("documents:write", Scope.WORKSPACE).callable_by(*_SESSIONS_AND_KEYS)

ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", PUBLIC, "HealthFunction"),
    Route("GET", "/hello", OPTIONAL, "HelloFunction"),
    Route("GET", "/me", AUTHENTICATED.callable_by(*_EVERY_CALLER), "MeFunction"),
    Route("GET", "/whoami", AUTHENTICATED.callable_by(*_EVERY_CALLER, oauth_scopes=["profile"]), "MeFunction"),
    Route("GET", "/documents", WORKSPACE.callable_by(*_SESSIONS_AND_KEYS), "DocumentsFunction"),
    Route("POST", "/documents", _WRITE_DOCUMENTS, "DocumentsFunction"),
    Route("GET", "/documents/{documentId}", WORKSPACE.callable_by(*_SESSIONS_AND_KEYS), "DocumentsFunction"),
    Route("DELETE", "/documents/{documentId}", _WRITE_DOCUMENTS, "DocumentsFunction"),
    Route("GET", "/members", ORGANIZATION, "MembersFunction"),
    Route("PUT", "/members/{memberId}", permission("members:manage", Scope.ORGANIZATION), "MembersFunction"),
    Route("DELETE", "/members/{memberId}", permission("members:manage", Scope.ORGANIZATION), "MembersFunction"),
)
