"""API Gateway REST (v1) proxy events, shaped like the ones API Gateway hands a function.

Behind the authorizer, ``requestContext.authorizer`` holds the authorizer's context with every
value stringified (API Gateway does that) plus ``principalId``, exactly as the function gets it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from local_stack.api_gateway.events import gateway_context_value
from wacht_auth import AuthContext, to_gateway_context

ALLOWED_ORIGIN = "https://app.example.com"
"""The AllowedOrigin parameter the tests deploy with; requests carry it as their Origin."""

_PARAMETER = re.compile(r"\{(\w+)\}")


def gateway_authorizer_context(auth: AuthContext) -> dict[str, str]:
    """What the function sees under requestContext.authorizer for this principal (booleans as API Gateway writes them)."""
    context = {name: gateway_context_value(value) for name, value in to_gateway_context(auth).items()}
    context["principalId"] = auth.principal_id
    context["integrationLatency"] = "12"
    return context


def proxy_event(
    method: str,
    resource: str,
    *,
    auth: AuthContext | None = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    stage: str = "prod",
) -> dict[str, Any]:
    """A proxy event for ``method`` on the template path ``resource`` (``/documents/{documentId}``).

    ``body``: a str is sent as is, anything else as JSON. ``auth``: None leaves out the authorizer.
    """
    path_parameters = path_parameters or {}
    path = _PARAMETER.sub(lambda m: path_parameters[m.group(1)], resource)
    all_headers = {"Accept": "application/json", "Host": "abc123.execute-api.us-east-1.amazonaws.com", "Origin": ALLOWED_ORIGIN}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    all_headers.update(headers or {})
    request_context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "abc123",
        "resourceId": "r1",
        "stage": stage,
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "requestTimeEpoch": 1767225600000,
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "test"},
        "path": f"/{stage}{path}",
        "resourcePath": resource,
        "httpMethod": method,
        "protocol": "HTTP/1.1",
    }
    if auth is not None:
        request_context["authorizer"] = gateway_authorizer_context(auth)
    query = query or None
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": body if body is None or isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": False,
    }
