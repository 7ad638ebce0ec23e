"""local_stack.api_gateway.iam: IAM policy evaluation as API Gateway applies an authorizer's policy."""

from __future__ import annotations

import pytest

from local_stack.api_gateway.iam import Decision, PolicyError, evaluate, is_allowed, matches
from tests.support.tokens import session_claims
from api_routes import ROUTES
from wacht_auth import AuthContext, PolicyBuilder

STAGE = "arn:aws:execute-api:us-east-1:123456789012:api1/prod"
POLICY = PolicyBuilder(ROUTES)


def _policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(*resources: str, action: str = "execute-api:Invoke") -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": list(resources)}


def _deny(*resources: str) -> dict:
    return {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": list(resources)}


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("a*c", "abc", True),
        ("a*c", "ac", True),
        ("a*c", "a/b:c", True),  # * crosses / and :
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("a?c", "abbc", False),
        ("abc", "abcd", False),  # whole-string match
        ("a.c", "abc", False),  # regex characters are literal
        ("a[b]c", "a[b]c", True),
        ("*", "", True),
    ],
)
def test_wildcards_follow_iam(pattern, value, expected):
    assert matches(pattern, value) is expected


def test_an_allow_matching_the_method_arn_allows():
    assert is_allowed(_policy(_allow(f"{STAGE}/GET/documents")), f"{STAGE}/GET/documents")


def test_no_matching_statement_is_an_implicit_deny():
    assert not is_allowed(_policy(_allow(f"{STAGE}/GET/documents")), f"{STAGE}/POST/documents")


def test_an_explicit_deny_wins_over_an_allow_in_any_order():
    arn = f"{STAGE}/DELETE/documents/1"
    assert not is_allowed(_policy(_allow(f"{STAGE}/*"), _deny(f"{STAGE}/DELETE/*")), arn)
    assert not is_allowed(_policy(_deny(f"{STAGE}/DELETE/*"), _allow(f"{STAGE}/*")), arn)


def test_evaluate_tells_an_explicit_deny_from_an_implicit_one():
    policy = _policy(_allow(f"{STAGE}/GET/*"), _deny(f"{STAGE}/DELETE/*"))
    assert evaluate(policy, f"{STAGE}/GET/documents") is Decision.ALLOW
    assert evaluate(policy, f"{STAGE}/DELETE/documents/1") is Decision.EXPLICIT_DENY
    assert evaluate(policy, f"{STAGE}/POST/documents") is Decision.IMPLICIT_DENY


def test_a_conditional_deny_counts_as_an_explicit_deny():
    conditional_deny = {**_deny("*"), "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.1"}}}
    assert evaluate(_policy(_allow("*"), conditional_deny), f"{STAGE}/GET/x") is Decision.EXPLICIT_DENY


def test_a_malformed_statement_after_a_matching_deny_is_still_an_error():
    with pytest.raises(PolicyError):
        evaluate(_policy(_deny("*"), {"Effect": "Allow", "Resource": "*"}), f"{STAGE}/GET/x")


def test_a_path_wildcard_covers_deeper_paths_as_iam_does():
    assert is_allowed(_policy(_allow(f"{STAGE}/GET/documents/*")), f"{STAGE}/GET/documents/a/b")


def test_resources_are_case_sensitive_and_actions_are_not():
    assert not is_allowed(_policy(_allow(f"{STAGE}/GET/Documents")), f"{STAGE}/GET/documents")
    assert is_allowed(_policy(_allow(f"{STAGE}/GET/documents", action="Execute-API:invoke")), f"{STAGE}/GET/documents")
    assert is_allowed(_policy(_allow(f"{STAGE}/GET/documents", action="execute-api:*")), f"{STAGE}/GET/documents")


def test_another_action_does_not_allow_invoke():
    assert not is_allowed(_policy(_allow(f"{STAGE}/*", action="execute-api:ManageConnections")), f"{STAGE}/GET/x")


def test_a_single_statement_object_and_a_single_resource_string_are_accepted():
    policy = {"Statement": {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{STAGE}/GET/x"}}
    assert is_allowed(policy, f"{STAGE}/GET/x")


def test_not_resource_and_not_action_invert_the_match():
    not_resource = {"Effect": "Allow", "Action": "execute-api:Invoke", "NotResource": [f"{STAGE}/DELETE/*"]}
    assert is_allowed(_policy(not_resource), f"{STAGE}/GET/x")
    assert not is_allowed(_policy(not_resource), f"{STAGE}/DELETE/x")
    not_action = {"Effect": "Deny", "NotAction": "execute-api:Invoke", "Resource": "*"}
    assert is_allowed(_policy(_allow("*"), not_action), f"{STAGE}/GET/x")


def test_conditions_fail_closed():
    conditional_allow = {**_allow("*"), "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1"}}}
    conditional_deny = {**_deny("*"), "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.1"}}}
    assert not is_allowed(_policy(conditional_allow), f"{STAGE}/GET/x")
    assert not is_allowed(_policy(_allow("*"), conditional_deny), f"{STAGE}/GET/x")


@pytest.mark.parametrize(
    "document",
    [
        None,
        "Allow",
        {},
        {"Statement": []},
        {"Statement": ["Allow"]},
        _policy({"Effect": "Maybe", "Action": "execute-api:Invoke", "Resource": "*"}),
        _policy({"Effect": "Allow", "Resource": "*"}),
        _policy({"Effect": "Allow", "Action": "execute-api:Invoke"}),
        _policy({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*", "NotResource": "x"}),
        _policy({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": []}),
        _policy({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": [1]}),
    ],
)
def test_a_malformed_policy_is_an_error_not_a_decision(document):
    with pytest.raises(PolicyError):
        is_allowed(document, f"{STAGE}/GET/x")


def test_the_real_authorizer_policy_allows_exactly_what_the_route_table_says():
    reader = AuthContext.from_claims(session_claims("https://issuer.test", workspace_permissions=["workspace:member"]))
    policy = POLICY.build(reader, STAGE)
    assert is_allowed(policy, f"{STAGE}/GET/documents")
    assert is_allowed(policy, f"{STAGE}/GET/documents/abc123")
    assert not is_allowed(policy, f"{STAGE}/POST/documents")
    assert not is_allowed(policy, f"{STAGE}/DELETE/documents/abc123")
    assert not is_allowed(policy, f"{STAGE}/GET/unknown")
    assert not is_allowed(policy, "arn:aws:execute-api:us-east-1:123456789012:other/prod/GET/documents")
    assert evaluate(policy, f"{STAGE}/POST/documents") is Decision.EXPLICIT_DENY  # every route is named
    assert evaluate(policy, f"{STAGE}/GET/unknown") is Decision.IMPLICIT_DENY
