"""local_stack.api_gateway.events: events as API Gateway sends them, read back by the real libraries."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import APIGatewayAuthorizerRequestEvent

from local_stack.wacht.dev_idp import DevIdentityProvider
from local_stack.api_gateway.events import authorizer_event, gateway_context_value, proxy_event
from local_stack.api_gateway.gateway import _authorizer_result
from tests.local_stack.conftest import IDENTITY, STAGE_ARN, http_request
from api_routes import ROUTES
from wacht_auth import Authorizer, JwksCache, MethodArn, TokenVerifier, fetch_jwks, from_gateway_context

HEADERS = (("Authorization", "Bearer t"), ("Accept", "a"), ("Accept", "b"), ("User-Agent", "tests"))


@pytest.fixture
def documents_match(api):
    return api.match("/documents/abc%2Fdef")


def test_a_proxy_event_has_every_rest_v1_field(documents_match):
    event = proxy_event(http_request("POST", "/documents/abc%2Fdef", headers=HEADERS, query="x=1&x=2&y=", body=b'{"a":1}'),
                        documents_match, IDENTITY, "req-1", authorizer={"userId": "u"}, now=1767225600.5)
    assert event["resource"] == "/documents/{documentId}"
    assert event["path"] == "/documents/abc/def"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["Accept"] == "b"  # the last value wins
    assert event["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["pathParameters"] == {"documentId": "abc/def"}
    assert event["stageVariables"] is None
    assert (event["body"], event["isBase64Encoded"]) == ('{"a":1}', False)
    context = event["requestContext"]
    assert context["resourcePath"] == "/documents/{documentId}"
    assert context["requestId"] == "req-1"
    assert context["stage"] == "prod" and context["path"] == "/prod/documents/abc/def"
    assert context["requestTimeEpoch"] == 1767225600500
    assert context["requestTime"] == "01/Jan/2026:00:00:00 +0000"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["authorizer"] == {"userId": "u"}


def test_powertools_reads_the_proxy_event(documents_match):
    event = APIGatewayProxyEvent(proxy_event(http_request("GET", "/documents/abc%2Fdef", headers=HEADERS), documents_match, IDENTITY, "r"))
    assert event.resource == "/documents/{documentId}"
    assert event.request_context.request_id == "r"
    assert event.headers.get("authorization") == "Bearer t"
    assert event.body is None and not event.query_string_parameters


def test_an_authorizer_event_is_a_request_event_with_the_method_arn(documents_match):
    event = authorizer_event(http_request("GET", "/documents/abc%2Fdef", headers=HEADERS), documents_match, IDENTITY, "r")
    assert event["type"] == "REQUEST"
    assert event["methodArn"] == f"{STAGE_ARN}/GET/documents/abc%2Fdef"
    assert MethodArn.parse(event["methodArn"]).stage_arn == STAGE_ARN
    parsed = APIGatewayAuthorizerRequestEvent(event)
    assert parsed.headers.get("authorization") == "Bearer t"
    assert parsed.parsed_arn.api_id == "api1" and parsed.parsed_arn.stage == "prod"
    assert "authorizer" not in event["requestContext"]


def test_a_header_sent_in_several_cases_is_one_entry_carrying_every_value(documents_match):
    headers = (("Authorization", "Bearer first"), ("authorization", "garbage"), ("AUTHORIZATION", "Bearer last"))
    request = http_request("GET", "/documents/abc%2Fdef", headers=headers)
    for event in (authorizer_event(request, documents_match, IDENTITY, "r"), proxy_event(request, documents_match, IDENTITY, "r")):
        assert [k for k in event["headers"] if k.lower() == "authorization"] == ["Authorization"]
        assert event["headers"]["Authorization"] == request.header("Authorization") == "Bearer last"
        assert [k for k in event["multiValueHeaders"] if k.lower() == "authorization"] == ["Authorization"]
        assert event["multiValueHeaders"]["Authorization"] == ["Bearer first", "garbage", "Bearer last"]


@pytest.mark.parametrize(("value", "text"), [(True, "true"), (False, "false"), (3, "3"), (1.5, "1.5"), ("s", "s")])
def test_context_values_are_stringified_as_api_gateway_does(value, text):
    assert gateway_context_value(value) == text


def test_the_real_authorizer_answers_our_event_and_the_function_reads_the_context_back(api):
    """Dev IdP token -> our REQUEST event -> wacht_auth.Authorizer -> gateway stringification -> from_gateway_context."""
    idp = DevIdentityProvider(allowed_origin="http://localhost:5173")
    service = idp.serve(0)
    try:
        verifier = TokenVerifier(idp.issuer, JwksCache(lambda: fetch_jwks(f"{idp.issuer}/.well-known/jwks.json")))
        token = idp.keys.sign({
            "iss": idp.issuer, "sub": "u1", "sid": "s1", "iat": 1767225600, "exp": 4102444800,
            "organization": "o1", "workspace": "w1",
            "permissions": {"organization": ["members:manage"], "workspace": ["documents:write"]},
        })
        request = http_request("GET", "/members", headers=(("Authorization", f"Bearer {token}"),))
        answer = Authorizer(verifier, ROUTES).authorize(authorizer_event(request, api.match("/members"), IDENTITY, "r"))
        result = _authorizer_result(answer, IDENTITY.method_arn("GET", "/members"))
        assert all(isinstance(v, str) for v in result.context.values())
        auth = from_gateway_context({"principalId": result.principal_id, **result.context})
        assert (auth.user_id, auth.organization_id, auth.workspace_id) == ("u1", "o1", "w1")
        assert auth.organization_permissions == ("members:manage",)
        assert auth.expires_at == 4102444800
    finally:
        service.stop()
