"""AuthContext checks, the route requirements built on them, and the gateway context codec."""

from __future__ import annotations

import pytest

from api_routes import ROUTES
from wacht_auth import (
    Access,
    AuthContext,
    Forbidden,
    Requirement,
    Scope,
    Unauthenticated,
    find_route,
    from_gateway_context,
    to_gateway_context,
)

FULL = AuthContext(
    "u1", "s1", "o1", "w1", ("organization:admin", "members:manage"), ("workspace:member", "documents:write"), 2_000_000_000
)
NO_SCOPES = AuthContext("u2", "s2", expires_at=2_000_000_000)


def test_has_is_strictly_scoped():
    assert FULL.has("members:manage", Scope.ORGANIZATION)
    assert not FULL.has("members:manage", Scope.WORKSPACE)
    assert FULL.has("documents:write", Scope.WORKSPACE)
    assert not FULL.has("documents:write", Scope.ORGANIZATION)


def test_protect_returns_the_context_when_allowed():
    assert FULL.protect("documents:write", Scope.WORKSPACE) is FULL
    assert NO_SCOPES.protect() is NO_SCOPES


@pytest.mark.parametrize(
    ("auth", "permission", "scope", "message"),
    [
        (NO_SCOPES, None, Scope.WORKSPACE, "workspace required"),
        (NO_SCOPES, None, Scope.ORGANIZATION, "organization required"),
        (NO_SCOPES, "documents:write", Scope.WORKSPACE, "workspace required"),
        (FULL, "billing:manage", Scope.ORGANIZATION, "Missing required permission: billing:manage"),
        (FULL, "members:manage", Scope.WORKSPACE, "Missing required permission: members:manage"),
    ],
)
def test_protect_raises_forbidden_with_a_clear_message(auth, permission, scope, message):
    with pytest.raises(Forbidden) as caught:
        auth.protect(permission, scope)
    assert caught.value.message == message


def test_a_permission_without_a_scope_is_a_programming_error():
    with pytest.raises(ValueError):
        FULL.protect("documents:write")


def test_requirement_needs_its_permission_and_scope_together():
    with pytest.raises(ValueError):
        Requirement(Access.PERMISSION, "documents:write")
    with pytest.raises(ValueError):
        Requirement(Access.AUTHENTICATED, "documents:write", Scope.WORKSPACE)


def test_routes_behind_the_authorizer_refuse_no_session():
    with pytest.raises(Unauthenticated):
        find_route("GET", "/me", ROUTES).requirement.enforce(None)
    assert find_route("GET", "/hello", ROUTES).requirement.enforce(None) is None


def test_route_table_is_unique_and_every_route_names_a_function():
    keys = [(route.method, route.path) for route in ROUTES]
    assert len(keys) == len(set(keys))
    assert all(route.function.endswith("Function") for route in ROUTES)
    with pytest.raises(KeyError):
        find_route("PATCH", "/me", ROUTES)


def test_gateway_context_round_trips_as_api_gateway_stringifies_it():
    flat = to_gateway_context(FULL)
    stringified = {key: str(value) for key, value in flat.items()}  # what the function receives
    assert from_gateway_context(stringified) == FULL


def test_gateway_context_without_scopes_round_trips():
    assert from_gateway_context({k: str(v) for k, v in to_gateway_context(NO_SCOPES).items()}) == NO_SCOPES


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {},
        {"userId": "u"},
        {"userId": "", "sessionId": "s"},
        {"userId": "u", "sessionId": "s", "workspaceId": "w", "workspacePermissions": "not json"},
        {"userId": "u", "sessionId": "s", "workspaceId": "w", "workspacePermissions": '{"a": 1}'},
        {"userId": "u", "sessionId": "s", "tokenExpiresAt": "soon"},
        {"userId": "u" * 200, "sessionId": "s"},
    ],
)
def test_missing_or_malformed_gateway_context_is_unauthenticated(raw):
    with pytest.raises(Unauthenticated):
        from_gateway_context(raw)
