"""The returned policy, evaluated with IAM wildcard rules, is right for every route under caching."""

from __future__ import annotations

import json
from itertools import product

import pytest

from local_stack.api_gateway.iam import Decision, evaluate, is_allowed
from api_routes import ROUTES
from wacht_auth import AuthContext, MethodArn, Route, Scope, gateway_routes
from wacht_auth.authorizer_context import to_gateway_context
from wacht_auth.policy import PolicyBuilder, RouteTableError, check_route_table, resource_pattern
from wacht_auth.routes import AUTHENTICATED, PUBLIC, WORKSPACE, permission

STAGE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod"
POLICY = PolicyBuilder(ROUTES)
CONCRETE_PATHS = {"{documentId}": "doc_123", "{memberId}": "72170182881052699"}

ORG_PERMISSION_SETS = [(), ("organization:member",), ("organization:admin", "members:manage")]
WS_PERMISSION_SETS = [(), ("workspace:member",), ("documents:write",)]


def _concrete(path: str) -> str:
    for template, value in CONCRETE_PATHS.items():
        path = path.replace(template, value)
    return path


def _sessions():
    for has_org, has_ws, org_perms, ws_perms in product([True, False], [True, False], ORG_PERMISSION_SETS, WS_PERMISSION_SETS):
        yield AuthContext(
            user_id="u1",
            session_id="s1",
            organization_id="o1" if has_org else None,
            workspace_id="w1" if has_ws else None,
            organization_permissions=org_perms if has_org else (),
            workspace_permissions=ws_perms if has_ws else (),
            expires_at=2_000_000_000,
        )


@pytest.mark.parametrize("auth", list(_sessions()), ids=repr)
def test_cached_policy_decides_every_route_as_its_requirement_says(auth):
    """Whichever route triggered the authorizer, the one cached policy answers each route right."""
    policy = POLICY.build(auth, STAGE)
    for route in gateway_routes(ROUTES):
        arn = f"{STAGE}/{route.method}{_concrete(route.path)}"
        assert is_allowed(policy, arn) is route.requirement.is_met_by(auth), (route, auth)


def test_policy_is_scoped_to_its_own_stage_and_api():
    policy = POLICY.build(next(iter(_sessions())), STAGE)
    assert not is_allowed(policy, "arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/me")
    assert not is_allowed(policy, "arn:aws:execute-api:eu-west-1:123456789012:other/prod/GET/me")


def test_user_without_members_manage_is_denied_member_changes_at_the_gateway():
    member = AuthContext("u", "s", organization_id="o", organization_permissions=("organization:member",))
    policy = POLICY.build(member, STAGE)
    assert is_allowed(policy, f"{STAGE}/GET/members")
    assert not is_allowed(policy, f"{STAGE}/PUT/members/123")
    assert not is_allowed(policy, f"{STAGE}/DELETE/members/123")


def test_workspace_permission_does_not_grant_an_organization_permission():
    """Strict scoping (as the Rust SDK): members:manage in the workspace list is not enough."""
    confused = AuthContext("u", "s", organization_id="o", workspace_id="w", workspace_permissions=("members:manage",))
    assert not is_allowed(POLICY.build(confused, STAGE), f"{STAGE}/PUT/members/123")


def test_method_arn_parsing_is_partition_aware():
    arn = MethodArn.parse("arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/prod/GET/documents/doc_1")
    assert arn.stage_arn == "arn:aws-cn:execute-api:cn-north-1:123456789012:abc123/prod"
    assert (arn.method, arn.resource_path) == ("GET", "/documents/doc_1")


@pytest.mark.parametrize(
    "arn",
    ["", "arn:aws:lambda:us-east-1:1:function:x", "arn:aws:execute-api:us-east-1:1:abc", "arn:aws:execute-api:us-east-1:1:abc/prod", None],
)
def test_malformed_method_arns_are_rejected(arn):
    with pytest.raises(ValueError):
        MethodArn.parse(arn)


def test_public_routes_are_not_in_the_policy():
    policy = json.dumps(POLICY.build(next(iter(_sessions())), STAGE))
    public = [route for route in ROUTES if not route.requirement.behind_authorizer]
    assert public and all(f"/{route.method}{route.path}\"" not in policy for route in public)


def test_policy_and_context_stay_well_under_api_gateways_budget():
    many = tuple(f"custom:permission-{i}" for i in range(40))
    auth = AuthContext("7" * 18, "8" * 18, "1" * 18, "2" * 18, many, many, 2_000_000_000)
    response = {"principalId": auth.user_id, "policyDocument": POLICY.build(auth, STAGE), "context": to_gateway_context(auth)}
    assert len(json.dumps(response)) < 8 * 1024


# --- the route table's check: patterns that over-match must not change a decision ---

WORKSPACE_MEMBER = AuthContext("u", "s", organization_id="o", workspace_id="w", workspace_permissions=("workspace:member",))
PLAIN_SESSION = AuthContext("u", "s")


def _table(*routes: Route) -> tuple[Route, ...]:
    return routes


def test_the_current_route_table_is_accepted():
    check_route_table(ROUTES)
    assert PolicyBuilder(ROUTES).routes == gateway_routes(ROUTES)


def test_a_nested_route_needing_less_than_its_parent_pattern_is_refused_with_what_to_do():
    """The issue's example: PUT /members/* (members:manage) would deny a session-only nested route."""
    routes = _table(
        *ROUTES,
        Route("PUT", "/members/{memberId}/preferences", AUTHENTICATED, "MembersFunction"),
    )
    with pytest.raises(RouteTableError) as caught:
        PolicyBuilder(routes)
    message = str(caught.value)
    assert "route PUT /members/{memberId} (policy resource PUT/members/*" in message
    assert "also matches PUT /members/" in message and "served by route PUT /members/{memberId}/preferences" in message
    assert "(a session) does not include" in message and "(permission members:manage in the organization)" in message
    assert "Give PUT /members/{memberId}/preferences the same requirement" in message
    assert "or move it to a path PUT/members/* cannot match" in message


def test_a_nested_route_at_least_as_strict_as_its_parent_pattern_is_accepted_and_decided_right():
    """The Allow on GET/documents/* also covers .../audit, but audit's own Deny wins where it must."""
    audit = Route("GET", "/documents/{documentId}/audit", permission("audit:read", Scope.WORKSPACE), "DocumentsFunction")
    builder = PolicyBuilder((*ROUTES, audit))
    policy = builder.build(WORKSPACE_MEMBER, STAGE)
    assert is_allowed(policy, f"{STAGE}/GET/documents/doc_1")
    assert not is_allowed(policy, f"{STAGE}/GET/documents/doc_1/audit")
    auditor = AuthContext("u", "s", workspace_id="w", workspace_permissions=("audit:read",))
    assert is_allowed(builder.build(auditor, STAGE), f"{STAGE}/GET/documents/doc_1/audit")


def test_a_weaker_nested_route_is_refused_even_where_only_some_sessions_differ():
    audit = Route("GET", "/documents/{documentId}/audit", AUTHENTICATED, "DocumentsFunction")
    with pytest.raises(RouteTableError, match=r"GET /documents/\{documentId\} \(policy resource GET/documents/\*"):
        check_route_table((*ROUTES, audit))


def test_a_literal_sibling_is_served_by_itself_and_may_be_stricter():
    """GET /documents/search is not a request for GET /documents/{documentId}: API Gateway prefers the literal."""
    search = Route("GET", "/documents/search", permission("documents:search", Scope.WORKSPACE), "DocumentsFunction")
    builder = PolicyBuilder((*ROUTES, search))
    policy = builder.build(WORKSPACE_MEMBER, STAGE)
    assert is_allowed(policy, f"{STAGE}/GET/documents/doc_1")
    assert not is_allowed(policy, f"{STAGE}/GET/documents/search")


def test_a_literal_sibling_weaker_than_the_parameter_route_is_refused():
    search = Route("GET", "/documents/search", AUTHENTICATED, "DocumentsFunction")
    with pytest.raises(RouteTableError, match="also matches GET /documents/search, served by route GET /documents/search"):
        check_route_table((*ROUTES, search))


def test_any_becomes_a_wildcard_method_that_covers_every_verb():
    routes = _table(Route("ANY", "/reports", WORKSPACE, "ReportsFunction"))
    builder = PolicyBuilder(routes)
    assert resource_pattern(routes[0]) == "*/reports"
    member_policy = builder.build(WORKSPACE_MEMBER, STAGE)
    plain_policy = builder.build(PLAIN_SESSION, STAGE)
    for verb in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        assert is_allowed(member_policy, f"{STAGE}/{verb}/reports")
        assert evaluate(plain_policy, f"{STAGE}/{verb}/reports") is Decision.EXPLICIT_DENY


def test_an_any_route_over_a_weaker_method_of_the_same_resource_is_refused():
    routes = _table(
        Route("ANY", "/reports", WORKSPACE, "ReportsFunction"),
        Route("GET", "/reports", AUTHENTICATED, "ReportsFunction"),
    )
    with pytest.raises(RouteTableError, match=r"route ANY /reports \(policy resource \*/reports.*also matches GET /reports"):
        check_route_table(routes)


def test_an_any_routes_wildcard_method_also_spans_path_segments():
    """``*/audit`` matches ``GET/documents/doc_1/audit``: the method's ``*`` crosses '/' too."""
    routes = _table(
        Route("ANY", "/audit", permission("audit:read", Scope.ORGANIZATION), "AuditFunction"),
        Route("GET", "/documents/{documentId}/audit", WORKSPACE, "DocumentsFunction"),
    )
    with pytest.raises(RouteTableError, match=r"also matches GET /documents/\{documentId\}/audit"):
        check_route_table(routes)


def test_public_routes_take_no_part_in_the_check():
    routes = _table(
        Route("GET", "/files/{fileId}", permission("files:read", Scope.WORKSPACE), "FilesFunction"),
        Route("GET", "/files/{fileId}/thumbnail", PUBLIC, "FilesFunction"),
    )
    check_route_table(routes)


def test_the_same_route_declared_twice_is_refused():
    with pytest.raises(RouteTableError, match="declared twice"):
        check_route_table((*ROUTES, Route("GET", "/me", WORKSPACE, "MeFunction")))


def test_a_policy_builder_takes_its_routes_as_a_parameter():
    builder = PolicyBuilder(_table(Route("GET", "/reports", WORKSPACE, "ReportsFunction")))
    policy = builder.build(WORKSPACE_MEMBER, STAGE)
    assert policy["Statement"] == [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": [f"{STAGE}/GET/reports"]}]
