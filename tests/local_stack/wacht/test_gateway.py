"""local_stack.wacht.gateway: the gateway stand-in's API keys, its judging and its error paths."""

from __future__ import annotations

import json

import pytest

from local_stack.wacht.gateway import Credential, CredentialBook, GatewayStandIn, sample_credentials
from tests.local_stack.conftest import http_request

ORG, WORKSPACE = "72170190012345601", "72170190012345777"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def _call(gateway: GatewayStandIn, method: str, path: str, body=None, raw: bytes | None = None):
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    response = gateway.handle(http_request(method, path, body=data))
    return response.status, json.loads(response.body)


def _check(gateway: GatewayStandIn, value: str, kind: str = "api_key", required: list[str] | None = None):
    body = {"principal": {"type": kind, "value": value}, "resource": "/documents", "method": "GET"}
    if required is not None:
        body["required_permissions"] = required
    return _call(gateway, "POST", "/v1/authz/check", body)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(clock) -> GatewayStandIn:
    return GatewayStandIn("dev_live_", CredentialBook(clock))


def _issue(gateway: GatewayStandIn, **extra) -> dict:
    status, answer = _call(gateway, "POST", "/api-keys", {"name": "ci", "organization": ORG, "workspace": WORKSPACE,
                                                         "permissions": ["documents:write"], **extra})
    assert status == 201, answer
    return answer


def test_an_issued_key_is_judged_with_its_scope_and_permissions(gateway):
    issued = _issue(gateway)
    assert issued["key"].startswith("dev_live_") and issued["key_id"].isdigit()
    status, answer = _check(gateway, issued["key"], required=["documents:write"])
    assert status == 200 and answer["allowed"] is True
    assert answer["identity"]["key_id"] == issued["key_id"]
    assert (answer["identity"]["organization_id"], answer["identity"]["workspace_id"]) == (ORG, WORKSPACE)
    assert answer["permissions"] == ["documents:write"]


def test_a_missing_permission_is_permission_denied(gateway):
    status, answer = _check(gateway, _issue(gateway)["key"], required=["members:manage"])
    assert (status, answer["allowed"], answer["reason"]) == (200, False, "permission_denied")


def test_unknown_revoked_and_wrong_type_credentials_are_401(gateway):
    issued = _issue(gateway)
    assert _check(gateway, "dev_live_nope")[0] == 401
    assert _check(gateway, issued["key"], kind="oauth_access_token")[0] == 401
    assert _call(gateway, "DELETE", f"/api-keys/{issued['key_id']}") == (200, {"key_id": issued["key_id"], "revoked": True})
    status, answer = _check(gateway, issued["key"])
    assert (status, answer["allowed"], answer["identity"]) == (401, False, None)
    assert _call(gateway, "DELETE", f"/api-keys/{issued['key_id']}")[0] == 404


def test_a_key_over_its_limit_is_rate_limited_until_its_window_ends(gateway, clock):
    key = _issue(gateway, rate_limit_per_minute=2)["key"]
    assert [_check(gateway, key)[1]["allowed"] for _ in range(2)] == [True, True]
    clock.now += 20.5
    status, answer = _check(gateway, key)
    assert (status, answer["allowed"], answer["reason"], answer["retry_after"]) == (200, False, "rate_limited", 39_500)
    clock.now += 39.5
    assert _check(gateway, key)[1]["allowed"] is True


def test_an_expired_opaque_token_is_401(gateway, clock):
    gateway.book.add("dev_oat_x", Credential("oauth_access_token", {"key_id": "1"}, ["profile"], ["profile"], "9",
                                             expires_at=clock.now + 10))
    status, answer = _check(gateway, "dev_oat_x", kind="oauth_access_token")
    assert status == 200 and answer["metadata"]["scopes"] == ["profile"]
    assert answer["headers"] == {"x-wacht-oauth-client-id": "9"}
    clock.now += 10
    assert _check(gateway, "dev_oat_x", kind="oauth_access_token")[0] == 401


def test_down_answers_503(gateway):
    gateway.mode = "down"
    assert _check(gateway, _issue(gateway)["key"])[0] == 503


@pytest.mark.parametrize(("body", "names"), [
    ([], "JSON object"),
    ({"organization": ORG, "permissions": []}, "name is required"),
    ({"name": "ci", "permissions": []}, "organization is required"),
    ({"name": "", "organization": ORG, "permissions": []}, "name must be a non-empty string"),
    ({"name": "ci", "organization": ORG, "workspace": 7, "permissions": []}, "workspace must be"),
    ({"name": "ci", "organization": ORG}, "permissions must be a list"),
    ({"name": "ci", "organization": ORG, "permissions": ["ok", ""]}, "permissions must be a list"),
    ({"name": "ci", "organization": ORG, "permissions": [], "rate_limit_per_minute": 0}, "rate_limit_per_minute"),
    ({"name": "ci", "organization": ORG, "permissions": [], "rate_limit_per_minute": True}, "rate_limit_per_minute"),
    ({"name": "ci", "organization": ORG, "permissions": [], "owner": "1"}, "unknown field(s): owner"),
])
def test_a_bad_api_key_request_is_a_400_naming_the_problem(gateway, body, names):
    status, answer = _call(gateway, "POST", "/api-keys", body)
    assert status == 400 and answer["error"] == "invalid_request"
    assert names in answer["message"]
    assert gateway.book.credentials == {}


def test_bodies_that_are_not_json_are_400(gateway):
    assert _call(gateway, "POST", "/api-keys", raw=b"{nope") == (400, {"error": "invalid_request", "message": "body must be JSON"})
    assert _call(gateway, "POST", "/v1/authz/check", raw=b"\xff")[0] == 400


def test_unknown_routes_are_404(gateway):
    assert _call(gateway, "GET", "/api-keys")[0] == 404
    assert _call(gateway, "DELETE", "/api-keys/123")[0] == 404


def test_sample_credentials_are_judged_like_issued_ones(gateway):
    document = {"credentials": [
        {"value": "dev_live_sample", "principal_type": "api_key", "permissions": ["documents:write"],
         "identity": {"key_id": "1", "organization_id": ORG, "workspace_id": WORKSPACE}},
        {"value": "dev_oat_sample", "principal_type": "oauth_access_token", "scopes": ["profile"], "client_id": "7",
         "expires_at": 1_800_000_060, "identity": {"key_id": "2", "owner_user_id": "9"}},
    ]}
    for value, credential in sample_credentials(document).items():
        gateway.book.add(value, credential)
    assert _check(gateway, "dev_live_sample", required=["documents:write"])[1]["allowed"] is True
    status, answer = _check(gateway, "dev_oat_sample", kind="oauth_access_token")
    assert status == 200 and answer["metadata"]["scopes"] == ["profile"] and answer["metadata"]["expires_at"] == "2027-01-15T08:01:00Z"
    assert _check(gateway, "dev_oat_sample", kind="api_key")[0] == 401  # the type must match too


@pytest.mark.parametrize("document", [
    [], {"credentials": {}}, {"credentials": [{"principal_type": "api_key", "identity": {}}]},
    {"credentials": [{"value": "k", "principal_type": "session_token", "identity": {}}]},
    {"credentials": [{"value": "k", "principal_type": "api_key"}]},
    # a permission list written as one string would become one permission per character
    {"credentials": [{"value": "k", "principal_type": "api_key", "identity": {}, "permissions": "documents:write"}]},
    {"credentials": [{"value": "k", "principal_type": "oauth_access_token", "identity": {}, "scopes": "profile"}]},
    {"credentials": [{"value": "k", "principal_type": "oauth_access_token", "identity": {}, "expires_at": "2100"}]},
    {"credentials": [{"value": "k", "principal_type": "oauth_access_token", "identity": {}, "client_id": 7}]},
])
def test_a_malformed_samples_document_is_refused_naming_the_entry(document):
    with pytest.raises(ValueError, match=r"credentials"):
        sample_credentials(document)


def test_every_check_is_counted_by_its_outcome(gateway, clock):
    """What the admin's /stats reports: each check once, under what it answered (the fault switch's
    "down" and "slow" as faulted, whatever the credential)."""
    issued = _issue(gateway, rate_limit_per_minute=1)
    _check(gateway, issued["key"])  # allowed
    _check(gateway, issued["key"])  # rate_limited
    _check(gateway, issued["key"], required=["members:manage"])  # permission_denied (judged before the limit)
    _check(gateway, "dev_live_nope")  # rejected
    _call(gateway, "POST", "/v1/authz/check", raw=b"{")  # bad_request
    gateway.mode = "down"
    _check(gateway, issued["key"])
    gateway.mode, gateway.slow_seconds = "slow", 0.0
    _check(gateway, issued["key"])
    _call(gateway, "POST", "/api-keys", {"name": "ci", "organization": ORG, "permissions": []})  # not a check
    assert gateway.stats.to_json() == {"checks": 7, "allowed": 1, "permission_denied": 1, "rate_limited": 1,
                                       "rejected": 1, "bad_request": 1, "faulted": 2}
