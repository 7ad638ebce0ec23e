"""The one accessor: requestContext.authorizer -> AuthContext, and the route's requirement re-enforced.

A function invoked without the gateway's check (a console invoke, a miswired route) still refuses.
"""

from __future__ import annotations

import pytest

from tests.functions.conftest import new_id, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event

ROUTES_BEHIND_THE_AUTHORIZER = [
    ("MeFunction", "GET", "/me", {}),
    ("MeFunction", "GET", "/whoami", {}),
    ("DocumentsFunction", "GET", "/documents", {}),
    ("DocumentsFunction", "POST", "/documents", {"body": {"title": "t"}}),
    ("DocumentsFunction", "GET", "/documents/{documentId}", {"path_parameters": {"documentId": "a"}}),
    ("DocumentsFunction", "DELETE", "/documents/{documentId}", {"path_parameters": {"documentId": "a"}}),
    ("MembersFunction", "GET", "/members", {}),
    ("MembersFunction", "PUT", "/members/{memberId}", {"path_parameters": {"memberId": "1"}, "body": {"role": "r"}}),
    ("MembersFunction", "DELETE", "/members/{memberId}", {"path_parameters": {"memberId": "1"}}),
]


@pytest.mark.parametrize(("function", "method", "resource", "extra"), ROUTES_BEHIND_THE_AUTHORIZER)
def test_route_behind_the_authorizer_invoked_without_authorizer_context_is_401(functions, function, method, resource, extra):
    answer = functions[function].invoke(proxy_event(method, resource, auth=None, **extra))
    assert answer.status == 401
    assert answer.body == {"message": "unauthenticated"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"principalId": "1"},
        {"userId": "1"},  # no sessionId
        {"userId": "", "sessionId": "2"},
        {"userId": "1", "sessionId": "2", "workspaceId": "3", "workspacePermissions": "not json"},
        {"userId": "1", "sessionId": "2", "workspaceId": "3", "workspacePermissions": '{"a": 1}'},
        {"userId": "1", "sessionId": "2", "tokenExpiresAt": "soon"},
        {"userId": "1" * 129, "sessionId": "2"},
    ],
)
def test_malformed_authorizer_context_is_401_never_a_guess(functions, context):
    event = proxy_event("GET", "/me")
    event["requestContext"]["authorizer"] = context
    answer = functions["MeFunction"].invoke(event)
    assert answer.status == 401
    assert answer.body == {"message": "unauthenticated"}


def test_permission_lists_without_their_active_scope_grant_nothing(functions):
    # A context whose workspace is absent but whose workspace list names the permission.
    event = proxy_event("POST", "/documents", body={"title": "t"})
    event["requestContext"]["authorizer"] = {
        "userId": "1",
        "sessionId": "2",
        "organizationId": new_id(),
        "workspacePermissions": '["documents:write"]',
        "organizationPermissions": "[]",
        "tokenExpiresAt": "4102444800",
    }
    answer = functions["DocumentsFunction"].invoke(event)
    assert answer.status == 403
    assert answer.body == {"message": "workspace required"}


@pytest.mark.parametrize(
    ("method", "resource"),
    [("GET", "/documents/{documentId}/raw"), ("PATCH", "/documents/{documentId}"), ("GET", ""), ("", "/documents")],
)
def test_route_missing_from_the_route_table_is_refused_with_a_bare_500(functions, method, resource):
    auth = session_of(organization=new_id(), workspace=new_id(), workspace_permissions=("documents:write",))
    event = proxy_event("GET", "/documents", auth=auth)
    event["httpMethod"], event["resource"] = method, resource
    answer = functions["DocumentsFunction"].invoke(event)
    assert answer.status == 500
    assert answer.body == {"message": "internal error"}


def test_a_declared_route_the_function_does_not_serve_is_404(functions):
    auth = session_of(organization=new_id(), workspace=new_id())
    answer = functions["MembersFunction"].invoke(proxy_event("GET", "/documents", auth=auth))
    assert answer.status == 404
    assert answer.body == {"message": "not found"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_the_requirement_comes_from_the_route_table_not_from_the_path_the_handler_matched(functions):
    # The event claims the resource is GET /documents (workspace required) while the path is /me:
    # the stricter requirement of the declared resource is enforced.
    auth = session_of(organization=new_id(), workspace=None)
    event = proxy_event("GET", "/me", auth=auth)
    event["resource"] = "/documents"
    answer = functions["MeFunction"].invoke(event)
    assert answer.status == 403
    assert answer.body == {"message": "workspace required"}


def test_a_request_from_another_origin_gets_no_cors_grant(functions):
    auth = session_of()
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/me", auth=auth, headers={"Origin": "https://evil.example"}))
    assert answer.status == 200
    assert "Access-Control-Allow-Origin" not in answer.headers
