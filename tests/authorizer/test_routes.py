"""The route table's values: requirements, route validation and lookup."""

from __future__ import annotations

import pytest

from api_routes import ROUTES
from wacht_auth import AuthContext, Requirement, Route, Scope, find_route, gateway_routes
from wacht_auth.routes import AUTHENTICATED, ORGANIZATION, PUBLIC, WORKSPACE, Access, permission

MEMBER = AuthContext("u", "s", organization_id="o", workspace_id="w", workspace_permissions=("documents:write",))


def test_a_refusal_means_not_met():
    assert WORKSPACE.is_met_by(MEMBER)
    assert not ORGANIZATION.is_met_by(AuthContext("u", "s"))  # Forbidden
    assert not AUTHENTICATED.is_met_by(None)  # Unauthenticated
    assert not permission("members:manage", Scope.ORGANIZATION).is_met_by(MEMBER)


def test_a_programming_error_in_a_check_propagates_instead_of_denying_everyone():
    """A bug must surface (a 500 in tests), not turn into a silent deny for every session."""
    not_a_context = {"workspace_id": "w"}
    with pytest.raises(AttributeError):
        WORKSPACE.is_met_by(not_a_context)


def test_a_bug_inside_a_requirement_propagates(monkeypatch):
    def broken_protect(self, permission=None, scope=None):
        raise KeyError("bug")

    monkeypatch.setattr(AuthContext, "protect", broken_protect)
    with pytest.raises(KeyError):
        permission("documents:write", Scope.WORKSPACE).is_met_by(MEMBER)


@pytest.mark.parametrize(
    ("requirement", "words"),
    [
        (PUBLIC, "nothing"),
        (AUTHENTICATED, "a session"),
        (ORGANIZATION, "an active organization"),
        (WORKSPACE, "an active workspace"),
        (permission("documents:write", Scope.WORKSPACE), "permission documents:write in the workspace"),
        (Requirement(Access.OPTIONAL), "an optional session"),
    ],
)
def test_a_requirement_says_what_it_asks_for(requirement, words):
    assert str(requirement) == words


@pytest.mark.parametrize(
    ("method", "path", "problem"),
    [
        ("FETCH", "/me", "method must be one of"),
        ("get", "/me", "method must be one of"),
        ("GET", "me", "must start with '/'"),
        ("GET", "/files/{proxy+}", "greedy path parameters"),
        ("GET", "/files/*", "must be a literal"),
        ("GET", "/files/a?b", "must be a literal"),
        ("GET", "/files//x", "must be a literal"),
        ("GET", "/files/{id}.pdf", "must be a literal"),
        ("GET", "/files/", "must be a literal"),
    ],
)
def test_a_malformed_route_is_refused_with_a_clear_error(method, path, problem):
    with pytest.raises(ValueError, match=problem):
        Route(method, path, AUTHENTICATED, "FilesFunction")


def test_segments_split_the_path():
    assert Route("GET", "/documents/{documentId}", WORKSPACE, "F").segments == ("documents", "{documentId}")
    assert Route("GET", "/", PUBLIC, "F").segments == ()


def test_find_route_prefers_the_declared_method_then_any():
    routes = (
        Route("ANY", "/reports", WORKSPACE, "ReportsFunction"),
        Route("GET", "/reports", AUTHENTICATED, "ReportsFunction"),
    )
    assert find_route("GET", "/reports", routes) is routes[1]
    assert find_route("POST", "/reports", routes) is routes[0]
    with pytest.raises(KeyError):
        find_route("GET", "/other", routes)


def test_gateway_routes_take_a_table():
    routes = (Route("GET", "/health", PUBLIC, "HealthFunction"), Route("GET", "/me", AUTHENTICATED, "MeFunction"))
    assert gateway_routes(routes) == routes[1:]
    assert gateway_routes(ROUTES) == tuple(route for route in ROUTES if route.requirement.behind_authorizer)


def test_serving_route_picks_the_most_specific_resource_then_the_method_then_any():
    from wacht_auth.routes import serving_route

    routes = (
        Route("GET", "/reports/{id}", AUTHENTICATED, "F"),
        Route("ANY", "/reports/latest", AUTHENTICATED, "F"),
        Route("GET", "/reports/{id}/{part}", AUTHENTICATED, "F"),
        Route("PUT", "/reports/latest/{part}", AUTHENTICATED, "F"),
    )
    assert serving_route("GET", ("reports", "7"), routes) is routes[0]
    assert serving_route("GET", ("reports", "latest"), routes) is routes[1]  # a literal beats a parameter
    assert serving_route("GET", ("reports", "latest", "x"), routes) is None  # no fallback to /reports/{id}/{part}
    assert serving_route("PUT", ("reports", "latest", "x"), routes) is routes[3]
    assert serving_route("GET", ("reports",), routes) is None
    assert serving_route("GET", (), routes) is None


def test_best_resource_binds_parameters_and_ranks_a_greedy_parameter_last():
    from wacht_auth.routes import best_resource

    resources = ("/files/{key+}", "/files/{id}/meta", "/files/readme", "/{proxy+}")

    def pick(*segments):
        found = best_resource(segments, resources, lambda path: tuple(path[1:].split("/")))
        return found and (found[0], found[1])

    assert pick("files", "readme") == ("/files/readme", {})
    assert pick("files", "a%2Fb", "meta") == ("/files/{id}/meta", {"id": "a%2Fb"})  # values as sent
    assert pick("files", "a", "b") == ("/files/{key+}", {"key": "a/b"})
    assert pick("other") == ("/{proxy+}", {"proxy": "other"})
    assert pick() is None  # a greedy parameter needs at least one segment
