"""local_stack.api_gateway.gateway: what API Gateway answers when Lambda throttles (TooManyRequestsException)."""

from __future__ import annotations

from local_stack.lambda_runtime.pool import THROTTLED
from tests.local_stack.conftest import raising
from tests.local_stack.api_gateway.test_gateway import BEARER, ORIGIN_HEADERS, Harness, allow_all


def test_a_throttled_function_is_a_500_internal_server_error_not_the_502_of_a_function_error(api):
    gateway = Harness(api, function=raising("Rate Exceeded.", THROTTLED))
    status, headers, body = gateway("GET", "/documents", headers=BEARER)
    assert (status, body) == (500, {"message": "Internal server error"})
    assert headers["x-amzn-ErrorType"] == "InternalServerErrorException"
    assert ORIGIN_HEADERS.items() <= headers.items()  # DEFAULT_5XX's CORS headers: the browser sees the 500


def test_a_function_error_is_still_a_502(api):
    gateway = Harness(api, function=raising("boom", "RuntimeError"))
    assert gateway("GET", "/documents", headers=BEARER)[0] == 502


def test_a_throttled_authorizer_is_a_500_never_a_401_and_nothing_is_cached(api):
    gateway = Harness(api, authorizer=raising("Rate Exceeded.", THROTTLED))
    status, headers, body = gateway("GET", "/documents", headers=BEARER)
    assert (status, body) == (500, {"message": None})
    assert headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    assert gateway.function.events == []
    gateway.authorizer.answer = allow_all  # throttling over: the next request is authorized afresh
    assert gateway("GET", "/documents", headers=BEARER)[0] == 200
    assert len(gateway.authorizer.events) == 2
