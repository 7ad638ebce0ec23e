"""What our gateway checks send as ``resource``: the concrete path the client requested, as Wacht's
own callers do.

Wacht's SDKs pass ``resource`` through from their caller (wacht-platform/js-backend
``src/api/gateway.ts``, wacht-platform/wacht-rs ``src/gateway.rs``); Wacht's own API middleware sends
the request's URI path (wacht-platform/platform ``platform/src/middleware/deployment_context.rs``,
``machine_deployment.rs``: ``req.uri().path()``), and the gateway normalises it as a path and matches
rate-limit rules' ``endpoints`` against it by equality (``platform/src/gateway/handlers.rs``,
``models/src/api_key.rs``). So both the authorizer and the functions' re-check send the event's
``path`` (base path included, no query string), never the route template.
"""

from __future__ import annotations

import pytest

from api_routes import ROUTES
from tests.support.gateway import StandInGateway
from wacht_auth import Authorizer, GatewayCheck, PrincipalType, request_auth

PREFIX = "acme_live_"
KEY = PREFIX + "k" * 43
STAGE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod"
DOCUMENT = "018f2a3b4c5d0123456789abcdef"


@pytest.fixture
def gateway():
    with StandInGateway() as running:
        running.add_key(KEY, key_id="901", organization="o1", workspace="w1", permissions=["documents:write"])
        yield running


def _event(request_id: str, context: dict | None = None) -> dict:
    """GET /v1/documents/<id>?fields=title behind a custom domain whose base path mapping is /v1."""
    request_context = {"requestId": request_id, "identity": {"sourceIp": "203.0.113.7"}}
    if context is not None:
        request_context["authorizer"] = context
    return {
        "type": "REQUEST",
        "methodArn": f"{STAGE}/GET/documents/{DOCUMENT}",
        "resource": "/documents/{documentId}",
        "path": f"/v1/documents/{DOCUMENT}",
        "httpMethod": "GET",
        "headers": {"Authorization": f"Bearer {KEY}"},
        "queryStringParameters": {"fields": "title"},
        "pathParameters": {"documentId": DOCUMENT},
        "requestContext": request_context,
    }


def test_the_authorizer_and_the_functions_recheck_send_the_concrete_request_path(verifier, gateway, clock):
    check = GatewayCheck(gateway.url, timeout_seconds=1.0)
    response = Authorizer(verifier, ROUTES, gateway=check, api_key_prefix=PREFIX, clock=clock).authorize(_event("r1"))
    assert gateway.requests[-1]["resource"] == f"/v1/documents/{DOCUMENT}"
    assert gateway.requests[-1]["method"] == "GET"

    context = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in response["context"].items()}
    auth = request_auth(_event("r2", context), ROUTES, gateway=check, clock=clock)  # a later request: re-checked
    assert auth.principal_type is PrincipalType.API_KEY
    assert len(gateway.requests) == 2
    assert gateway.requests[-1]["resource"] == f"/v1/documents/{DOCUMENT}"  # not /documents/{documentId}
