"""API keys and opaque OAuth tokens through one authorizer and the function's per-request re-check,
against a stand-in for Wacht's gateway on 127.0.0.1; the authorizer's Lambda handler answers 401/500."""

from __future__ import annotations

import json

import pytest

from api_routes import ROUTES
from tests.support.gateway import StandInGateway
from wacht_auth import (
    Authorizer,
    AuthorizerHandler,
    DecisionMetrics,
    Forbidden,
    GatewayCheck,
    GatewayUnavailable,
    PrincipalType,
    RateLimited,
    Reason,
    Unauthenticated,
    request_auth,
)
from wacht_auth.authorizer_handler import AuthorizerUnavailable

PREFIX = "acme_live_"
KEY = PREFIX + "k" * 43
OTHER_TENANT_KEY = PREFIX + "o" * 43
ORG_ONLY_KEY = PREFIX + "g" * 43
TOKEN = "opaque-token-0123456789"
STAGE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod"


@pytest.fixture
def gateway():
    with StandInGateway() as running:
        running.add_key(KEY, key_id="901", organization="o1", workspace="w1", permissions=["documents:write"], limit=3)
        running.add_key(OTHER_TENANT_KEY, key_id="902", organization="o2", workspace="w2")
        running.add_key(ORG_ONLY_KEY, key_id="903", organization="o1", permissions=["members:manage"])
        running.add_opaque_token(TOKEN, client_id="oc_client1", scopes=["openid", "profile"])
        yield running


@pytest.fixture
def check(gateway) -> GatewayCheck:
    return GatewayCheck(gateway.url, timeout_seconds=1.0)


@pytest.fixture
def authorizer(verifier, check, clock) -> Authorizer:
    return Authorizer(verifier, ROUTES, gateway=check, api_key_prefix=PREFIX, clock=clock)


def authorizer_event(credential: str, path: str = "/documents", method: str = "GET", request_id: str = "r1") -> dict:
    return {
        "type": "REQUEST",
        "methodArn": f"{STAGE}/{method}{path}",
        "path": path,
        "httpMethod": method,
        "headers": {"Authorization": f"Bearer {credential}"},
        "requestContext": {"requestId": request_id, "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8"}},
    }


def function_event(response: dict, credential: str, resource: str, method: str = "GET", request_id: str = "r2",
                   path: str | None = None) -> dict:
    """The proxy event a function receives behind the (cached) Allow ``response``: its context stringified."""
    context = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in response["context"].items()}
    return {
        "resource": resource,
        "path": path or resource,
        "httpMethod": method,
        "headers": {"Authorization": f"Bearer {credential}"},
        "requestContext": {"requestId": request_id, "authorizer": context, "identity": {"sourceIp": "203.0.113.7"}},
    }


def allowed_patterns(response: dict) -> set[str]:
    allow = next((s["Resource"] for s in response["policyDocument"]["Statement"] if s["Effect"] == "Allow"), [])
    return {arn.split("/prod/", 1)[1] for arn in allow}


def test_an_api_key_is_admitted_to_exactly_the_routes_keys_may_call(authorizer, gateway):
    response = authorizer.authorize(authorizer_event(KEY))
    assert response["principalId"] == "72170182881052673"
    assert allowed_patterns(response) == {"GET/me", "GET/whoami", "GET/documents", "POST/documents",
                                          "GET/documents/*", "DELETE/documents/*"}
    context = response["context"]
    assert (context["principalType"], context["keyId"], context["workspaceId"]) == ("api_key", "901", "w1")
    assert context["checkedByGateway"] is True and context["gatewayCheckedRequestId"] == "r1"
    assert gateway.requests[-1]["principal"] == {"type": "api_key", "value": KEY}
    assert "required_permissions" not in gateway.requests[-1]  # the policy covers every route at once


def test_another_tenants_key_only_ever_names_its_own_tenant(authorizer):
    context = authorizer.authorize(authorizer_event(OTHER_TENANT_KEY))["context"]
    assert (context["organizationId"], context["workspaceId"]) == ("o2", "w2")


def test_a_made_up_key_with_the_right_prefix_is_refused(authorizer):
    with pytest.raises(Unauthenticated) as refused:
        authorizer.authorize(authorizer_event(PREFIX + "x" * 43))
    assert refused.value.reason is Reason.CREDENTIAL_REJECTED


def test_a_key_is_asked_about_on_every_invocation(authorizer, gateway):
    authorizer.authorize(authorizer_event(KEY, request_id="a"))
    authorizer.authorize(authorizer_event(KEY, request_id="b"))
    assert len(gateway.requests) == 2  # never memoised: a revoked key is refused on the next cache miss
    gateway.credentials[KEY].revoked = True
    with pytest.raises(Unauthenticated):
        authorizer.authorize(authorizer_event(KEY, request_id="c"))


def test_an_opaque_token_goes_to_the_gateway_as_an_oauth_access_token(authorizer, gateway):
    response = authorizer.authorize(authorizer_event(TOKEN, path="/whoami"))
    assert gateway.requests[-1]["principal"] == {"type": "oauth_access_token", "value": TOKEN}
    assert response["context"]["clientId"] == "oc_client1"
    assert allowed_patterns(response) == {"GET/me", "GET/whoami"}


def test_a_session_never_reaches_the_gateway(authorizer, gateway, es_key, claims):
    assert authorizer.authorize(authorizer_event(es_key.sign(claims)))["context"]["principalType"] == "session_token"
    assert gateway.requests == []


@pytest.mark.parametrize("broken", ["truncated", "garbage-with-dots", "eyJ-prefix"])
def test_a_broken_jwt_is_a_malformed_401_without_asking_the_gateway_even_while_it_is_down(
    authorizer, gateway, es_key, claims, broken
):
    token = {
        "truncated": es_key.sign(claims)[:-20] + "!",  # a session token cut short: not base64url any more
        "garbage-with-dots": "a.b.c",
        "eyJ-prefix": "eyJ" + "x" * 30,
    }[broken]
    gateway.mode = "down"
    with pytest.raises(Unauthenticated) as refused:
        authorizer.authorize(authorizer_event(token))
    assert refused.value.reason is Reason.MALFORMED
    assert gateway.requests == []


def test_a_key_over_its_limit_is_admitted_and_told_to_wait(authorizer, gateway):
    """An authorizer cannot answer 429: it admits the key and the function answers 429 for this request."""
    gateway.credentials[KEY].used = 3
    response = authorizer.authorize(authorizer_event(KEY, request_id="r9"))
    assert response["context"]["gatewayRetryAfter"] == 60
    with pytest.raises(RateLimited) as limited:
        request_auth(function_event(response, KEY, "/documents", request_id="r9"), ROUTES)
    assert limited.value.retry_after_seconds == 60
    assert len(gateway.requests) == 1  # the function did not ask again for the same request


def test_the_function_does_not_ask_again_for_the_request_the_authorizer_asked_about(authorizer, gateway):
    response = authorizer.authorize(authorizer_event(KEY, request_id="r1"))
    auth = request_auth(function_event(response, KEY, "/documents", request_id="r1"), ROUTES)
    assert auth.key_id == "901" and len(gateway.requests) == 1


def test_behind_a_cached_allow_the_function_asks_per_request(authorizer, gateway, check):
    response = authorizer.authorize(authorizer_event(KEY, request_id="r1"))
    auth = request_auth(function_event(response, KEY, "/documents", request_id="r2"), ROUTES, gateway=check)
    assert auth.workspace_id == "w1" and len(gateway.requests) == 2


def test_a_key_revoked_behind_a_cached_allow_is_refused_on_its_next_request(authorizer, gateway, check):
    response = authorizer.authorize(authorizer_event(KEY, request_id="r1"))
    gateway.credentials[KEY].revoked = True
    with pytest.raises(Unauthenticated) as refused:
        request_auth(function_event(response, KEY, "/documents", request_id="r2"), ROUTES, gateway=check)
    assert refused.value.reason is Reason.CREDENTIAL_REJECTED


def test_the_request_that_goes_over_the_limit_gets_429(authorizer, gateway, check):
    response = authorizer.authorize(authorizer_event(KEY, request_id="r1"))  # 1 of 3
    for request_id in ("r2", "r3"):  # 2 and 3 of 3
        request_auth(function_event(response, KEY, "/documents", request_id=request_id), ROUTES, gateway=check)
    with pytest.raises(RateLimited):
        request_auth(function_event(response, KEY, "/documents", request_id="r4"), ROUTES, gateway=check)


def test_the_route_permission_is_asked_of_the_gateway_and_a_miss_is_403(authorizer, gateway, check):
    response = authorizer.authorize(authorizer_event(OTHER_TENANT_KEY, request_id="r1"))  # no documents:write
    with pytest.raises(Forbidden) as refused:
        request_auth(function_event(response, OTHER_TENANT_KEY, "/documents", "POST", request_id="r2"), ROUTES, gateway=check)
    assert refused.value.message == "Missing required permission: documents:write"


def test_a_key_is_refused_on_a_sessions_only_route_with_a_403(authorizer, check):
    response = authorizer.authorize(authorizer_event(ORG_ONLY_KEY, path="/members/1", method="PUT", request_id="r1"))
    assert "PUT/members/*" not in allowed_patterns(response)  # the policy denies it at API Gateway
    with pytest.raises(Forbidden) as refused:  # and the function refuses it too, were it reached another way
        request_auth(function_event(response, ORG_ONLY_KEY, "/members/{memberId}", "PUT", path="/members/1"), ROUTES, gateway=check)
    assert refused.value.message == "API keys may not call this route"


def test_a_key_without_a_workspace_is_told_why_on_a_workspace_route(authorizer, check):
    response = authorizer.authorize(authorizer_event(ORG_ONLY_KEY, request_id="r1"))
    with pytest.raises(Forbidden) as refused:
        request_auth(function_event(response, ORG_ONLY_KEY, "/documents", request_id="r2"), ROUTES, gateway=check)
    assert refused.value.message == "workspace required: this API key is not scoped to a workspace"


def test_without_a_gateway_a_function_never_lets_a_gateway_principal_through(authorizer):
    response = authorizer.authorize(authorizer_event(KEY, request_id="r1"))
    with pytest.raises(GatewayUnavailable):
        request_auth(function_event(response, KEY, "/documents", request_id="r2"), ROUTES)


@pytest.mark.parametrize("mode", ["down", "slow", "drip", "garbage"])
def test_a_gateway_outage_during_the_recheck_is_a_5xx_never_a_401(authorizer, gateway, check, mode):
    response = authorizer.authorize(authorizer_event(KEY, request_id="r1"))
    gateway.mode, gateway.delay = mode, 3.0
    with pytest.raises(GatewayUnavailable):
        request_auth(function_event(response, KEY, "/documents", request_id="r2"), ROUTES, gateway=check,
                     gateway_timeout_seconds=0.4)


def test_a_handler_answers_401_for_a_rejected_key_and_500_for_a_gateway_outage(authorizer, gateway):
    lines: list[str] = []
    handler = AuthorizerHandler(authorizer, metrics=DecisionMetrics(write=lines.append))
    with pytest.raises(Exception, match="^Unauthorized$"):
        handler(authorizer_event(PREFIX + "x" * 43))
    gateway.mode = "down"
    with pytest.raises(AuthorizerUnavailable):
        handler(authorizer_event(KEY))
    decisions = [next(k for k in json.loads(line) if k not in ("_aws", "service", "Reason")) for line in lines]
    assert decisions == ["Unauthorized", "GatewayUnavailable"]
    assert json.loads(lines[0])["Reason"] == "credential_rejected"
    assert all(KEY not in line for line in lines)


def test_without_a_gateway_an_opaque_token_is_a_malformed_401(verifier, clock):
    plain = Authorizer(verifier, ROUTES, clock=clock)
    with pytest.raises(Unauthenticated) as refused:
        plain.authorize(authorizer_event(TOKEN))
    assert refused.value.reason is Reason.MALFORMED


def test_a_prefix_without_a_gateway_is_a_wiring_error(verifier):
    with pytest.raises(ValueError):
        Authorizer(verifier, ROUTES, api_key_prefix=PREFIX)


def test_a_gateway_principal_context_says_so(authorizer):
    context = authorizer.authorize(authorizer_event(TOKEN, path="/me"))["context"]
    assert context["principalType"] == PrincipalType.OAUTH_ACCESS_TOKEN.value and context["checkedByGateway"] is True
