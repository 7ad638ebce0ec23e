"""The local API Gateway: what a REST API stage does between the client and the functions.

For each request, in API Gateway's order:
1. match a resource (none, or no such method: 403 Missing Authentication Token);
2. OPTIONS with a preflight: the mock answer from the template, no authorizer;
3. behind an authorizer: a missing identity source is 401 without invoking it; otherwise the
   cached result for exactly the identity values the authorizer's event carries (every value of
   a repeated header; TTL from the template) or a REQUEST authorizer call:
   ``Unauthorized`` is 401, any other failure or a malformed answer 500, and the policy is
   evaluated against the method ARN (local_stack.api_gateway.iam): an explicit Deny is 403 "... with an
   explicit deny", no matching Allow a plain 403, as API Gateway words them;
4. the function gets a proxy event (authorizer context stringified); an error or a malformed
   answer is 502.
A throttled Lambda (TooManyRequestsException, local_stack.lambda_runtime.pool) is modelled as API
Gateway answers it: for the proxy integration 500 ``{"message": "Internal server error"}``
(the 429 is not passed on; AWS re:Post "API Gateway proxy integration does not forward Lambda
throttling (HTTP 429)", knowledge center "api-gateway-internal-server-error"), for the
authorizer 500 as for any authorizer failure other than ``Unauthorized``: never a 401.
Invocations run concurrently: nothing here serialises them.
Gateway-made answers carry the template's Gateway Response headers (local_stack.api_gateway.responses).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..http_service import HttpRequest, HttpResponse
from ..lambda_runtime.pool import THROTTLED, FunctionError
from . import responses
from .authorizer_cache import AuthorizerCache, AuthorizerResult
from .events import ApiIdentity, authorizer_event, gateway_context_value, proxy_event
from .iam import Decision, PolicyError, evaluate
from .routing import ApiDefinition, RouteMatch
from .sam_template import ApiRoute, AuthorizerSpec

__all__ = ["GatewayStats", "LocalGateway"]

_log = logging.getLogger(__name__)

INTEGRATION_THROTTLED = responses.GatewayError("INTEGRATION_FAILURE", 500, "Internal server error",
                                               "InternalServerErrorException")
"""The proxy integration's Lambda was throttled: 500, not the 502 of a function error."""


class Invocable(Protocol):
    """What the gateway needs of a function: LocalFunction in the stack, a stand-in in unit tests.

    ``invoke`` returns the handler's answer or raises FunctionError, as a Lambda invoke reports it.
    """

    name: str

    def invoke(self, event: Any, request_id: str | None = None) -> Any: ...


@dataclass
class GatewayStats:
    """Counters the tests read (through the admin server): nothing here is on the API port."""

    requests: int = 0
    authorizer_invocations: int = 0
    authorizer_cache_hits: int = 0
    statuses: Counter = field(default_factory=Counter)

    def to_json(self) -> dict:
        return {
            "requests": self.requests,
            "authorizer_invocations": self.authorizer_invocations,
            "authorizer_cache_hits": self.authorizer_cache_hits,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


class _Refused(Exception):
    def __init__(self, error: responses.GatewayError) -> None:
        self.error = error


class LocalGateway:
    def __init__(
        self,
        api: ApiDefinition,
        functions: Mapping[str, Invocable],
        identity: ApiIdentity,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        access_log: Callable[[str], None] | None = None,
    ) -> None:
        self.api = api
        self.functions = functions
        self.identity = identity
        self.caches = {name: AuthorizerCache(spec.ttl_seconds, clock=monotonic) for name, spec in api.authorizers.items()}
        self.stats = GatewayStats()
        self._clock = clock
        self._monotonic = monotonic
        self._access_log = access_log
        self._stats_lock = threading.Lock()

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        started = self._monotonic()
        note: list[str] = []
        try:
            response = self._handle(request, request_id, note)
        except _Refused as refusal:
            response = responses.render(refusal.error, self.api.gateway_responses, request_id)
        with self._stats_lock:
            self.stats.requests += 1
            self.stats.statuses[response.status] += 1
        if self._access_log is not None:
            elapsed_ms = (self._monotonic() - started) * 1000
            self._access_log(f'{request.method} {request.path} {response.status} {elapsed_ms:.1f}ms {" ".join(note)}'.rstrip())
        return response

    def flush_authorizer_caches(self) -> None:
        for cache in self.caches.values():
            cache.flush()

    def _handle(self, request: HttpRequest, request_id: str, note: list[str]) -> HttpResponse:
        match = self.api.match(request.path)
        if match is None:
            raise _Refused(responses.MISSING_AUTHENTICATION_TOKEN)
        if request.method == "OPTIONS" and match.resource.preflight_headers is not None:
            headers = (("Content-Type", "application/json"), ("x-amzn-RequestId", request_id))
            return HttpResponse(200, headers + tuple(match.resource.preflight_headers.items()), b"")
        route = match.resource.methods.get(request.method) or match.resource.methods.get("ANY")
        if route is None:
            raise _Refused(responses.MISSING_AUTHENTICATION_TOKEN)
        context = None
        if route.authorizer is not None:
            context = self._authorize(request, match, route, request_id, note)
        return self._integrate(request, match, route, request_id, context, note)

    def _authorize(self, request: HttpRequest, match: RouteMatch, route: ApiRoute, request_id: str, note: list[str]) -> dict:
        spec = self.api.authorizers[route.authorizer]
        # The key is every value of each identity header, which is what the event carries
        # (``multiValueHeaders``); the one in ``headers`` (the last) decides "missing".
        identity = tuple(request.header_values(name) for name in spec.identity_headers)
        if not all(values and values[-1] for values in identity):
            note.append("authorizer=skipped(no identity source)")
            raise _Refused(responses.UNAUTHORIZED)
        cache = self.caches[spec.name]
        result = cache.get(identity)
        if result is None:
            note.append("authorizer=invoked")
            result = self._invoke_authorizer(spec, request, match, request_id)
            cache.put(identity, result)
        else:
            note.append("authorizer=cached")
            with self._stats_lock:
                self.stats.authorizer_cache_hits += 1
        method_arn = self.identity.method_arn(request.method, request.path)
        try:
            decision = evaluate(result.policy_document, method_arn)
        except PolicyError:  # validated when received; kept for safety
            raise _Refused(responses.AUTHORIZER_CONFIGURATION_ERROR) from None
        if decision is Decision.EXPLICIT_DENY:
            raise _Refused(responses.EXPLICIT_DENY)
        if decision is not Decision.ALLOW:
            raise _Refused(responses.ACCESS_DENIED)
        return {"principalId": result.principal_id, "integrationLatency": 0, **result.context}

    def _invoke_authorizer(self, spec: AuthorizerSpec, request: HttpRequest, match: RouteMatch, request_id: str) -> AuthorizerResult:
        with self._stats_lock:
            self.stats.authorizer_invocations += 1
        function = self.functions.get(spec.function)
        if function is None:
            raise _Refused(responses.AUTHORIZER_CONFIGURATION_ERROR)
        event = authorizer_event(request, match, self.identity, request_id, now=self._clock())
        try:
            answer = function.invoke(event, request_id)
        except FunctionError as failure:
            if failure.message == "Unauthorized":  # exactly this text; anything else is a 500
                raise _Refused(responses.UNAUTHORIZED) from None
            _log.warning("authorizer %s failed: %s", spec.function, failure.kind)
            raise _Refused(responses.AUTHORIZER_CONFIGURATION_ERROR) from None
        try:
            return _authorizer_result(answer, self.identity.method_arn(request.method, request.path))
        except (PolicyError, TypeError, ValueError) as problem:
            _log.warning("authorizer %s answered malformed: %s", spec.function, problem)
            raise _Refused(responses.AUTHORIZER_CONFIGURATION_ERROR) from None

    def _integrate(
        self, request: HttpRequest, match: RouteMatch, route: ApiRoute, request_id: str, context: dict | None, note: list[str]
    ) -> HttpResponse:
        function = self.functions.get(route.function)
        note.append(f"function={route.function}")
        if function is None:
            raise _Refused(responses.INTEGRATION_FAILURE)
        event = proxy_event(request, match, self.identity, request_id, authorizer=context, now=self._clock())
        try:
            answer = function.invoke(event, request_id)
            return _proxy_response(answer, request_id)
        except FunctionError as failure:
            note.append(f"error={failure.kind}")
            raise _Refused(INTEGRATION_THROTTLED if failure.kind == THROTTLED else responses.INTEGRATION_FAILURE) from None
        except (TypeError, ValueError) as problem:
            _log.warning("function %s answered malformed: %s", route.function, problem)
            note.append("error=MalformedProxyResponse")
            raise _Refused(responses.INTEGRATION_FAILURE) from None


def _authorizer_result(answer: Any, method_arn: str) -> AuthorizerResult:
    """Validate an authorizer's answer as API Gateway does; ValueError/PolicyError if malformed."""
    if not isinstance(answer, Mapping):
        raise ValueError("authorizer answer is not an object")
    principal_id = answer.get("principalId")
    if not isinstance(principal_id, str) or not principal_id:
        raise ValueError("principalId must be a non-empty string")
    policy = answer.get("policyDocument")
    evaluate(policy, method_arn)  # raises PolicyError for a malformed document
    context = answer.get("context") or {}
    if not isinstance(context, Mapping):
        raise ValueError("context must be an object")
    for key, value in context.items():
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise ValueError(f"context value {key!r} must be a string, number or boolean")
    stringified = {key: gateway_context_value(value) for key, value in context.items() if value is not None}
    return AuthorizerResult(principal_id, policy, stringified)


def _proxy_response(answer: Any, request_id: str) -> HttpResponse:
    """A Lambda proxy integration answer as an HTTP response; ValueError/TypeError if malformed."""
    if not isinstance(answer, Mapping):
        raise ValueError("proxy answer is not an object")
    status = answer.get("statusCode")
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise ValueError("statusCode must be an HTTP status")
    headers: list[tuple[str, str]] = []
    for name, values in (answer.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values]
    multi_names = {name.lower() for name, _ in headers}
    for name, value in (answer.get("headers") or {}).items():
        if name.lower() not in multi_names:
            headers.append((name, str(value)))
    names = {name.lower() for name, _ in headers}
    if "content-type" not in names:
        headers.append(("Content-Type", "application/json"))
    headers.append(("x-amzn-RequestId", request_id))
    body = answer.get("body")
    if body is None:
        payload = b""
    elif not isinstance(body, str):
        raise TypeError("body must be a string")
    elif answer.get("isBase64Encoded"):
        payload = base64.b64decode(body)
    else:
        payload = body.encode()
    return HttpResponse(status, tuple(headers), payload)
