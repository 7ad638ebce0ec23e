"""Lambda events shaped as API Gateway (REST, v1) sends them.

- ``proxy_event``: the ``AWS_PROXY`` integration event a function receives; the authorizer's
  context reaches it under ``requestContext.authorizer`` with every value a string.
- ``authorizer_event``: the ``REQUEST`` authorizer event, carrying ``methodArn``
  (``arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>``) and the request.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..http_service import HttpRequest
from .routing import RouteMatch, canonical_path

__all__ = ["ApiIdentity", "authorizer_event", "gateway_context_value", "proxy_event"]


@dataclass(frozen=True)
class ApiIdentity:
    """Where this API 'is deployed': the parts of its ARNs and request contexts."""

    region: str
    account_id: str
    api_id: str
    stage: str

    def method_arn(self, method: str, raw_path: str) -> str:
        """The ARN the authorizer's policy is judged against, for the path as routing matched it."""
        path = canonical_path(raw_path)
        return f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/{self.stage}/{method}{path}"


def gateway_context_value(value: Any) -> str:
    """How API Gateway stringifies an authorizer context value (bool as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def proxy_event(
    request: HttpRequest,
    match: RouteMatch,
    api: ApiIdentity,
    request_id: str,
    *,
    authorizer: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> dict:
    """The proxy integration event; ``authorizer`` is the (already stringified) authorizer context."""
    event = _request_parts(request, match, api, request_id, now)
    body = request.body.decode("utf-8", errors="replace") if request.body else None
    event.update(stageVariables=None, body=body, isBase64Encoded=False)
    if authorizer is not None:
        event["requestContext"]["authorizer"] = dict(authorizer)
    return event


def authorizer_event(request: HttpRequest, match: RouteMatch, api: ApiIdentity, request_id: str, *, now: float | None = None) -> dict:
    event = _request_parts(request, match, api, request_id, now)
    method = event["httpMethod"]
    return {
        "type": "REQUEST",
        "methodArn": api.method_arn(method, request.path),
        **event,
        "pathParameters": event["pathParameters"] or {},
        "stageVariables": {},
    }


def _request_parts(request: HttpRequest, match: RouteMatch, api: ApiIdentity, request_id: str, now: float | None) -> dict:
    now = time.time() if now is None else now
    headers, multi_headers = _headers(request)
    query, multi_query = _query(request.query)
    path = unquote(request.path)
    return {
        "resource": match.resource.path,
        "path": path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": dict(match.path_parameters) or None,
        "requestContext": {
            "resourceId": _resource_id(match.resource.path),
            "resourcePath": match.resource.path,
            "httpMethod": request.method,
            "extendedRequestId": request_id[:16],
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{api.stage}{path}",
            "accountId": api.account_id,
            "protocol": "HTTP/1.1",
            "stage": api.stage,
            "domainPrefix": api.api_id,
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": request.client_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": request.header("User-Agent"),
                "user": None,
                "apiKey": None,
                "apiKeyId": None,
                "clientCert": None,
            },
            "domainName": request.header("Host") or "",
            "apiId": api.api_id,
        },
    }


def _headers(request: HttpRequest) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    added = (
        ("X-Forwarded-For", request.client_ip),
        ("X-Forwarded-Proto", "http"),
    )
    spelling: dict[str, str] = {}
    present = {name.lower() for name, _ in request.headers}
    for name, value in (*request.headers, *(h for h in added if h[0].lower() not in present)):
        # One entry per header whatever the case of each occurrence (named as first sent), so the
        # event holds one Authorization: ``headers`` the last value (what API Gateway keeps, and
        # what the gateway reads), ``multiValueHeaders`` every value, in order.
        key = spelling.setdefault(name.lower(), name)
        single[key] = value
        multi.setdefault(key, []).append(value)
    return single, multi


def _query(raw: str) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not raw:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw, keep_blank_values=True):
        single[name] = value
        multi.setdefault(name, []).append(value)
    return (single, multi) if single else (None, None)


def _resource_id(path: str) -> str:
    """A stable 6-character id per resource, like API Gateway's."""
    return hashlib.sha1(path.encode()).hexdigest()[:6]
