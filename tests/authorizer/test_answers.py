"""JsonAnswers: every answer carries the allowed origin, and the package's errors become the
answers the frontend relies on (401 refresh, 403 no access, 503 retry) with fixed text."""

from __future__ import annotations

import json

import pytest

from wacht_auth import ConfigurationError, Forbidden, JsonAnswers, KeysUnavailable, Reason, RouteNotDeclared, Unauthenticated

ORIGIN = "https://app.example.com"


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (Unauthenticated(Reason.EXPIRED), 401, "token expired"),
        (Unauthenticated(Reason.BAD_SIGNATURE, "detail for the log"), 401, "unauthenticated"),
        (Forbidden("Missing required permission: orders:write"), 403, "Missing required permission: orders:write"),
        (KeysUnavailable("https://f.example/.well-known/jwks.json: HTTP 500"), 503, "authentication temporarily unavailable, retry later"),
        (RouteNotDeclared("GET", "/secret"), 500, "internal error"),
        (ConfigurationError("WACHT_JWKS", "is not valid JSON"), 500, "internal error"),
    ],
)
def test_each_error_is_its_answer_with_the_cors_origin_and_a_fixed_message(error, status, message):
    answer = JsonAnswers(ORIGIN).error(error)
    assert answer["statusCode"] == status
    assert answer["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    assert json.loads(answer["body"]) == {"message": message}


def test_a_json_answer_carries_the_origin_and_its_own_headers():
    answer = JsonAnswers(ORIGIN).json(201, {"id": "1"}, headers={"Location": "/orders/1"})
    assert answer == {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "Access-Control-Allow-Origin": ORIGIN, "Location": "/orders/1"},
        "body": '{"id": "1"}',
    }


def test_the_origin_comes_from_allowed_origin_and_is_written_canonically():
    assert JsonAnswers.from_environ({"ALLOWED_ORIGIN": " https://App.Example.com:443/ "}).allowed_origin == ORIGIN


@pytest.mark.parametrize("value", ["", "app.example.com", "http://app.example.com", "https://app.example.com/path", "*"])
def test_a_missing_or_unusable_allowed_origin_is_a_configuration_error_naming_it(value):
    with pytest.raises(ConfigurationError) as bad:
        JsonAnswers.from_environ({"ALLOWED_ORIGIN": value})
    assert bad.value.variable == "ALLOWED_ORIGIN"


def test_a_loopback_origin_may_use_http_for_local_development():
    assert JsonAnswers("http://localhost:5173").allowed_origin == "http://localhost:5173"


def test_rate_limited_is_429_with_retry_after_and_a_gateway_outage_is_503():
    from wacht_auth import GatewayUnavailable, RateLimited

    answers = JsonAnswers(ORIGIN)
    limited = answers.error(RateLimited(42))
    assert (limited["statusCode"], limited["headers"]["Retry-After"], json.loads(limited["body"])) == (
        429, "42", {"message": "rate limited"})
    assert limited["headers"]["Access-Control-Allow-Origin"] == ORIGIN
    outage = answers.error(GatewayUnavailable("Wacht's gateway answered HTTP 503"))
    assert (outage["statusCode"], json.loads(outage["body"])) == (503, {"message": "authentication temporarily unavailable, retry later"})
