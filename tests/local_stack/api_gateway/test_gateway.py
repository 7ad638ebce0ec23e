"""local_stack.api_gateway.gateway: API Gateway's request path, with the real template and stand-in handlers."""

from __future__ import annotations

import base64
import json

import pytest

from local_stack.api_gateway.gateway import LocalGateway
from local_stack.api_gateway.routing import ApiDefinition
from tests.local_stack.conftest import IDENTITY, STAGE_ARN, StubFunction, http_request, raising
from tests.support.servers import FakeClock

ORIGIN_HEADERS = {"Access-Control-Allow-Origin": "http://localhost:5173", "Access-Control-Allow-Headers": "Authorization,Content-Type", "Vary": "Origin"}
BEARER = (("Authorization", "Bearer abc"),)


def allow_all(event: dict) -> dict:
    return {
        "principalId": "user-1",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{STAGE_ARN}/GET/*"},
            {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": f"{STAGE_ARN}/DELETE/*"},
        ]},
        "context": {"userId": "user-1", "count": 3, "admin": True, "ratio": 0.5},
    }


def ok(event: dict) -> dict:
    return {"statusCode": 200, "headers": {"X-Seen": event["resource"]}, "body": json.dumps({"ok": True})}


class Harness:
    def __init__(self, api: ApiDefinition, authorizer=allow_all, function=ok) -> None:
        self.clock = FakeClock(1000.0)
        self.authorizer = StubFunction("AuthorizerFunction", authorizer)
        self.function = StubFunction("DocumentsFunction", function)
        functions = {name: self.function for name in ("DocumentsFunction", "MeFunction", "MembersFunction", "HealthFunction", "HelloFunction")}
        functions["AuthorizerFunction"] = self.authorizer
        self.gateway = LocalGateway(api, functions, IDENTITY, monotonic=self.clock)

    def __call__(self, method: str, path: str, **kwargs):
        response = self.gateway.handle(http_request(method, path, **kwargs))
        body = json.loads(response.body) if response.body else None
        return response.status, dict(response.headers), body


@pytest.fixture
def gateway(api):
    return Harness(api)


def test_a_route_behind_the_authorizer_without_the_identity_header_is_401_and_no_call(gateway):
    status, headers, body = gateway("GET", "/documents")
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert ORIGIN_HEADERS.items() <= headers.items()
    assert gateway.authorizer.events == [] and gateway.function.events == []


def test_an_empty_identity_header_counts_as_missing(gateway):
    assert gateway("GET", "/documents", headers=(("Authorization", ""),))[0] == 401
    assert gateway.authorizer.events == []


def test_an_allowed_request_reaches_the_function_with_stringified_context(gateway):
    status, headers, body = gateway("GET", "/documents/doc%201", headers=BEARER)
    assert (status, body, headers["X-Seen"]) == (200, {"ok": True}, "/documents/{documentId}")
    event = gateway.function.events[0]
    assert event["requestContext"]["authorizer"] == {
        "principalId": "user-1", "integrationLatency": 0, "userId": "user-1", "count": "3", "admin": "true", "ratio": "0.5",
    }
    assert event["pathParameters"] == {"documentId": "doc 1"}


def test_the_authorizer_gets_a_request_event_with_the_method_arn(gateway):
    gateway("GET", "/documents/abc", headers=BEARER, query="a=1")
    event = gateway.authorizer.events[0]
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == f"{STAGE_ARN}/GET/documents/abc"
    assert event["headers"]["Authorization"] == "Bearer abc"
    assert event["queryStringParameters"] == {"a": "1"}
    assert event["resource"] == "/documents/{documentId}"


def test_an_explicit_deny_is_403_with_gateway_response_headers(gateway):
    status, headers, body = gateway("DELETE", "/documents/abc", headers=BEARER)
    assert (status, body) == (403, {"message": "User is not authorized to access this resource with an explicit deny"})
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert ORIGIN_HEADERS.items() <= headers.items()
    assert gateway.function.events == []


def test_no_matching_allow_is_403_without_the_explicit_deny_wording(gateway):
    status, headers, body = gateway("POST", "/documents", headers=BEARER)
    assert (status, body) == (403, {"message": "User is not authorized to access this resource"})
    assert headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert ORIGIN_HEADERS.items() <= headers.items()
    assert gateway.function.events == []


def test_unauthorized_from_the_authorizer_is_401(api):
    gateway = Harness(api, authorizer=raising("Unauthorized"))
    status, headers, body = gateway("GET", "/me", headers=BEARER)
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert ORIGIN_HEADERS.items() <= headers.items()


@pytest.mark.parametrize(
    "authorizer",
    [
        raising("key set unavailable", "AuthorizerUnavailable"),
        raising("unauthorized"),  # not exactly "Unauthorized"
        raising("Task timed out after 5.00 seconds", "Sandbox.Timedout"),
        lambda e: None,
        lambda e: {"policyDocument": allow_all(e)["policyDocument"]},  # no principalId
        lambda e: {**allow_all(e), "policyDocument": {"Statement": []}},
        lambda e: {**allow_all(e), "context": {"permissions": ["a", "b"]}},  # arrays are not allowed
        lambda e: {**allow_all(e), "context": {"nested": {"a": 1}}},
    ],
    ids=["other-exception", "wrong-case", "timeout", "null", "no-principal", "empty-policy", "array-context", "object-context"],
)
def test_any_other_authorizer_failure_is_500_with_gateway_response_headers(api, authorizer):
    gateway = Harness(api, authorizer=authorizer)
    status, headers, body = gateway("GET", "/me", headers=BEARER)
    assert (status, body) == (500, {"message": None})
    assert headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    assert ORIGIN_HEADERS.items() <= headers.items()
    assert gateway.function.events == []


def test_a_cached_policy_serves_every_route_without_calling_again(gateway):
    assert gateway("GET", "/documents", headers=BEARER)[0] == 200
    assert gateway("GET", "/members", headers=BEARER)[0] == 200
    assert gateway("DELETE", "/members/x", headers=BEARER)[0] == 403
    assert len(gateway.authorizer.events) == 1
    assert gateway.gateway.stats.authorizer_cache_hits == 2


def test_the_cache_is_keyed_by_the_identity_value(gateway):
    gateway("GET", "/documents", headers=BEARER)
    gateway("GET", "/documents", headers=(("Authorization", "Bearer other"),))
    assert len(gateway.authorizer.events) == 2


def test_the_cache_key_is_every_identity_value_the_authorizer_event_carries(gateway):
    both = (("Authorization", "Bearer abc"), ("authorization", "garbage"))
    assert gateway("GET", "/documents", headers=both)[0] == 200  # the stand-in allows anything
    event = gateway.authorizer.events[0]
    assert event["headers"]["Authorization"] == "garbage"
    assert event["multiValueHeaders"]["Authorization"] == ["Bearer abc", "garbage"]
    # Neither value alone, nor the same values in another order, is what that policy was granted to.
    for headers in ((("Authorization", "garbage"),), BEARER, tuple(reversed(both))):
        gateway("GET", "/documents", headers=headers)
    assert len(gateway.authorizer.events) == 4
    gateway("GET", "/documents", headers=(("AUTHORIZATION", "Bearer abc"), ("Authorization", "garbage")))
    assert len(gateway.authorizer.events) == 4  # the same values in the same order: the cached entry


def test_a_repeated_identity_header_whose_last_value_is_empty_counts_as_missing(gateway):
    assert gateway("GET", "/documents", headers=(("Authorization", "Bearer abc"), ("Authorization", "")))[0] == 401
    assert gateway.authorizer.events == []


def test_a_cached_policy_expires_after_the_template_ttl(gateway, api):
    ttl = api.authorizers["WachtAuthorizer"].ttl_seconds
    assert ttl == 300  # the template's default AuthorizerCacheTtlSeconds
    gateway("GET", "/documents", headers=BEARER)
    gateway.clock.advance(ttl - 1)
    gateway("GET", "/documents", headers=BEARER)
    assert len(gateway.authorizer.events) == 1
    gateway.clock.advance(1)
    gateway("GET", "/documents", headers=BEARER)
    assert len(gateway.authorizer.events) == 2


def test_a_refusal_is_not_cached(api):
    gateway = Harness(api, authorizer=raising("Unauthorized"))
    gateway("GET", "/me", headers=BEARER)
    gateway("GET", "/me", headers=BEARER)
    assert len(gateway.authorizer.events) == 2


def test_unknown_routes_and_methods_are_missing_authentication_token(gateway):
    for method, path in (("GET", "/nope"), ("PATCH", "/documents"), ("GET", "/documents/a/b"), ("GET", "/")):
        status, headers, body = gateway(method, path, headers=BEARER)
        assert (status, body) == (403, {"message": "Missing Authentication Token"}), (method, path)
        assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        assert ORIGIN_HEADERS.items() <= headers.items()  # DEFAULT_4XX
    assert gateway.authorizer.events == []


def test_preflight_is_answered_from_the_template_without_the_authorizer(gateway):
    status, headers, body = gateway("OPTIONS", "/documents/abc")
    assert status == 200 and body is None
    assert headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST,PUT,DELETE,OPTIONS"
    assert headers["Access-Control-Max-Age"] == "600"
    assert gateway.authorizer.events == [] and gateway.function.events == []


def test_open_routes_skip_the_authorizer_and_carry_no_authorizer_context(gateway):
    assert gateway("GET", "/health")[0] == 200
    assert gateway.authorizer.events == []
    assert "authorizer" not in gateway.function.events[0]["requestContext"]


def test_a_trailing_slash_reaches_the_same_resource(gateway):
    assert gateway("GET", "/health/")[0] == 200


def allow_exactly_get_me(event: dict) -> dict:
    statement = {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{STAGE_ARN}/GET/me"}
    return {"principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}


@pytest.mark.parametrize("path", ["/me/", "/me//", "//me"])
def test_a_path_routed_to_a_resource_is_authorized_as_that_resource(api, path):
    gateway = Harness(api, authorizer=allow_exactly_get_me)
    assert gateway("GET", path, headers=BEARER)[0] == 200  # not a 403 from a method ARN ending in "me/"
    assert gateway.authorizer.events[0]["methodArn"] == f"{STAGE_ARN}/GET/me"
    assert gateway.function.events[0]["resource"] == "/me"


@pytest.mark.parametrize(
    "function",
    [
        raising("boom", "ValueError"),
        lambda e: {"body": "no status"},
        lambda e: {"statusCode": "abc"},
        lambda e: {"statusCode": 200, "body": {"not": "a string"}},
        lambda e: "just a string",
    ],
    ids=["raises", "no-status", "bad-status", "object-body", "not-an-object"],
)
def test_a_failing_or_malformed_function_is_502(api, function):
    gateway = Harness(api, function=function)
    status, headers, body = gateway("GET", "/health")
    assert (status, body) == (502, {"message": "Internal server error"})
    assert ORIGIN_HEADERS.items() <= headers.items()  # DEFAULT_5XX


def test_proxy_answers_are_translated_like_api_gateway(api):
    answer = {
        "statusCode": 201,
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "headers": {"X-One": 1},
        "body": base64.b64encode(b"\x00binary").decode(),
        "isBase64Encoded": True,
    }
    gateway = Harness(api, function=lambda e: answer)
    response = gateway.gateway.handle(http_request("GET", "/health"))
    assert response.status == 201
    assert response.body == b"\x00binary"
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert ("X-One", "1") in response.headers
    assert ("Content-Type", "application/json") in response.headers  # API Gateway's default


def test_a_missing_function_is_502_and_a_missing_authorizer_500(api):
    gateway = LocalGateway(api, {}, IDENTITY)
    assert gateway.handle(http_request("GET", "/health")).status == 502
    assert gateway.handle(http_request("GET", "/me", headers=BEARER)).status == 500
