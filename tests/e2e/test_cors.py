"""CORS as a browser on the frontend origin sees it: on success, on gateway-made 401/403, on preflight."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ALLOWED_ORIGIN

pytestmark = pytest.mark.e2e

BROWSER = {"Origin": ALLOWED_ORIGIN}


def _allows_the_frontend(headers: dict[str, str]) -> bool:
    return headers.get("access-control-allow-origin") == ALLOWED_ORIGIN


def test_a_successful_answer_carries_cors_headers(stack, tokens):
    status, headers, _ = stack.request("GET", "/documents", token=tokens["alice"], headers=BROWSER)
    assert status == 200 and _allows_the_frontend(headers)


def test_a_401_from_the_gateway_carries_cors_headers(stack):
    status, headers, _ = stack.request("GET", "/documents", headers=BROWSER)
    assert status == 401 and _allows_the_frontend(headers)
    assert "Authorization" in headers["access-control-allow-headers"]


def test_a_401_from_the_authorizer_carries_cors_headers(stack):
    status, headers, _ = stack.request("GET", "/documents", token="garbage", headers=BROWSER)
    assert status == 401 and _allows_the_frontend(headers)


def test_a_403_from_the_policy_carries_cors_headers(stack, tokens):
    status, headers, _ = stack.request("POST", "/documents", token=tokens["bob"], body={"title": "x"}, headers=BROWSER)
    assert status == 403 and _allows_the_frontend(headers)


def test_a_403_for_an_unknown_route_carries_cors_headers(stack):
    status, headers, _ = stack.request("GET", "/nope", headers=BROWSER)
    assert status == 403 and _allows_the_frontend(headers)


def test_a_400_from_a_function_carries_cors_headers(stack, tokens):
    status, headers, _ = stack.request("POST", "/documents", token=tokens["alice"], body=b"nope", headers=BROWSER)
    assert status == 400 and _allows_the_frontend(headers)


@pytest.mark.parametrize("path", ["/documents", "/documents/abc", "/members/m-1", "/me", "/health"])
def test_preflight_is_answered_from_the_template_without_the_authorizer(stack, path):
    before = stack.authorizer_invocations()
    preflight = {**BROWSER, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}
    status, headers, _ = stack.request("OPTIONS", path, headers=preflight)
    assert status == 200 and _allows_the_frontend(headers)
    assert set(headers["access-control-allow-methods"].split(",")) >= {"GET", "POST", "PUT", "DELETE", "OPTIONS"}
    assert headers["access-control-allow-headers"] == "Authorization,Content-Type"
    assert headers["access-control-max-age"] == "600"
    assert stack.authorizer_invocations() == before
