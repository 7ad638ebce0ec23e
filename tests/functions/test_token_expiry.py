"""A token API Gateway still honours from its cache after ``exp``: the function refuses it with
401 ``token expired`` once ``tokenExpiresAt`` plus the verifier's clock skew has passed, so the
app's one refresh-and-retry recovers (the gateway keeps a cached Allow up to its TTL past exp)."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from aws_lambda_powertools import Logger

from api_support import current_auth, make_resolver, route_auth
from tests.functions.conftest import new_id, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event
from tests.functions.harness import LambdaContext
from wacht_auth import ConfigurationError, Reason, Unauthenticated

EXPIRED = {"message": "token expired"}


def session_expiring_at(expires_at: int):
    return replace(session_of(organization=new_id(), workspace=new_id()), expires_at=expires_at)


def resolver_at(now: float, environ: dict | None = None):
    """A resolver serving GET /me whose clock reads ``now``."""
    app = make_resolver(Logger(service="test"), {"ALLOWED_ORIGIN": ALLOWED_ORIGIN, **(environ or {})}, clock=lambda: now)

    @app.get("/me")
    def me():
        return {"user_id": current_auth(app).user_id}

    return app


def call(app, auth):
    response = app.resolve(proxy_event("GET", "/me", auth=auth), LambdaContext())
    return response["statusCode"], json.loads(response["body"]), response.get("multiValueHeaders") or response.get("headers")


@pytest.mark.parametrize(("seconds_past_exp", "status"), [(-60, 200), (0, 200), (4.9, 200), (5, 401), (300, 401)])
def test_a_token_is_refused_once_exp_plus_the_five_second_skew_has_passed(seconds_past_exp, status):
    exp = 1_800_000_000
    code, body, _ = call(resolver_at(exp + seconds_past_exp), session_expiring_at(exp))
    assert code == status
    if status == 401:
        assert body == EXPIRED


def test_the_skew_is_the_verifiers_setting_from_the_environment():
    exp = 1_800_000_000
    strict = resolver_at(exp + 1, {"WACHT_CLOCK_SKEW_SECONDS": "0"})
    lenient = resolver_at(exp + 30, {"WACHT_CLOCK_SKEW_SECONDS": "60"})
    assert call(strict, session_expiring_at(exp))[:2] == (401, EXPIRED)
    assert call(lenient, session_expiring_at(exp))[0] == 200


def test_a_bad_skew_setting_fails_at_cold_start_naming_it():
    with pytest.raises(ConfigurationError) as raised:
        make_resolver(Logger(service="test"), {"ALLOWED_ORIGIN": ALLOWED_ORIGIN, "WACHT_CLOCK_SKEW_SECONDS": "soon"})
    assert raised.value.variable == "WACHT_CLOCK_SKEW_SECONDS"


def test_the_expired_answer_carries_the_cors_headers():
    exp = 1_800_000_000
    _, _, headers = call(resolver_at(exp + 600), session_expiring_at(exp))
    assert headers["Access-Control-Allow-Origin"] in (ALLOWED_ORIGIN, [ALLOWED_ORIGIN])


def test_expiry_is_judged_before_the_routes_requirement():
    # An expired session that also lacks the workspace: 401 (refresh and retry), not 403.
    exp = 1_800_000_000
    auth = replace(session_of(), expires_at=exp)
    event = proxy_event("GET", "/documents", auth=auth)
    with pytest.raises(Unauthenticated) as raised:
        route_auth(event, now=exp + 10, clock_skew_seconds=5)
    assert raised.value.reason is Reason.EXPIRED


@pytest.mark.parametrize(
    ("function", "method", "resource", "extra"),
    [
        ("MeFunction", "GET", "/me", {}),
        ("MeFunction", "GET", "/whoami", {}),
        ("DocumentsFunction", "POST", "/documents", {"body": {"title": "t"}}),
        ("MembersFunction", "DELETE", "/members/{memberId}", {"path_parameters": {"memberId": "1"}}),
    ],
)
def test_every_function_refuses_a_context_whose_token_has_expired(functions, wacht_api, function, method, resource, extra):
    auth = replace(
        session_of(organization=new_id(), workspace=new_id(), organization_permissions=("members:manage",), workspace_permissions=("documents:write",)),
        expires_at=int(time.time()) - 6,
    )
    before = len(wacht_api.requests)
    answer = functions[function].invoke(proxy_event(method, resource, auth=auth, **extra))
    assert answer.status == 401
    assert answer.body == EXPIRED
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert len(wacht_api.requests) == before  # refused before any work


def test_a_context_without_token_expires_at_is_unauthenticated(functions):
    event = proxy_event("GET", "/me")
    event["requestContext"]["authorizer"] = {"userId": "1", "sessionId": "2", "organizationPermissions": "[]", "workspacePermissions": "[]"}
    answer = functions["MeFunction"].invoke(event)
    assert answer.status == 401
    assert answer.body == {"message": "unauthenticated"}
