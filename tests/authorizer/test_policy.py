"""The returned policy, evaluated with IAM wildcard rules, is right for every route under caching."""

from __future__ import annotations

import json
from itertools import product

import pytest

from local_stack.iam import is_allowed
from wacht_auth import ROUTES, AuthContext, MethodArn, build_policy, gateway_routes
from wacht_auth.authorizer_context import to_gateway_context

STAGE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod"
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
    policy = build_policy(auth, STAGE)
    for route in gateway_routes():
        arn = f"{STAGE}/{route.method}{_concrete(route.path)}"
        assert is_allowed(policy, arn) is route.requirement.is_met_by(auth), (route, auth)


def test_policy_is_scoped_to_its_own_stage_and_api():
    policy = build_policy(next(iter(_sessions())), STAGE)
    assert not is_allowed(policy, "arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/me")
    assert not is_allowed(policy, "arn:aws:execute-api:eu-west-1:123456789012:other/prod/GET/me")


def test_user_without_members_manage_is_denied_member_changes_at_the_gateway():
    member = AuthContext("u", "s", organization_id="o", organization_permissions=("organization:member",))
    policy = build_policy(member, STAGE)
    assert is_allowed(policy, f"{STAGE}/GET/members")
    assert not is_allowed(policy, f"{STAGE}/PUT/members/123")
    assert not is_allowed(policy, f"{STAGE}/DELETE/members/123")


def test_workspace_permission_does_not_grant_an_organization_permission():
    """Strict scoping (as the Rust SDK): members:manage in the workspace list is not enough."""
    confused = AuthContext("u", "s", organization_id="o", workspace_id="w", workspace_permissions=("members:manage",))
    assert not is_allowed(build_policy(confused, STAGE), f"{STAGE}/PUT/members/123")


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
    policy = json.dumps(build_policy(next(iter(_sessions())), STAGE))
    public = [route for route in ROUTES if not route.requirement.behind_authorizer]
    assert public and all(f"/{route.method}{route.path}\"" not in policy for route in public)


def test_policy_and_context_stay_well_under_api_gateways_budget():
    many = tuple(f"custom:permission-{i}" for i in range(40))
    auth = AuthContext("7" * 18, "8" * 18, "1" * 18, "2" * 18, many, many, 2_000_000_000)
    response = {"principalId": auth.user_id, "policyDocument": build_policy(auth, STAGE), "context": to_gateway_context(auth)}
    assert len(json.dumps(response)) < 8 * 1024
