"""The Powertools REST resolver every function uses: CORS, the route check, errors as JSON.

Every answer is ``{"message": "..."}`` with a fixed text; what went wrong in detail goes to the
log only (never a token, a secret or an exception's text into a response):

    Unauthenticated 401 (``token expired`` past tokenExpiresAt + skew, else ``unauthenticated``)
    Forbidden 403 (its message) · RateLimited 429 ``rate limited`` with Retry-After · NotFound 404 · BadRequest 400
    KeysUnavailable / GatewayUnavailable / StoreUnavailable / SecretUnavailable (store unanswered) 503 · Wacht API 404 / 502 / 504
    SecretUnavailable (missing, unreadable), RouteNotDeclared, anything else: 500 ``internal error``

Per request, the middleware also fixes the invocation's Budget (``current_budget``) from the
Lambda context, which the stores and the Wacht client spend.

Routing is on the event's ``resource`` template, not on the URL path: behind a custom domain
with a base path mapping, ``path`` is ``/v1/documents/1`` while ``resource`` stays
``/documents/{documentId}``. The base path is whatever precedes the resource's concrete path,
found per event (it is not known in advance), and cut off before Powertools matches.

CORS: Powertools adds the headers for ``ALLOWED_ORIGIN`` to every response, errors included,
when the request's ``Origin`` is that origin (browsers always send it on cross-origin calls);
API Gateway's own errors get the same headers from the template's Gateway Responses.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from wacht_auth import (
    ConfigurationError,
    Forbidden,
    GatewayUnavailable,
    KeysUnavailable,
    RateLimited,
    Reason,
    RouteNotDeclared,
    Unauthenticated,
)
from wacht_auth.config import clock_skew_from_environ
from wacht_auth.decisions import GATEWAY_UNAVAILABLE, DecisionMetrics
from wacht_auth.wacht_api import WachtApiNotFound, WachtApiTimeout, WachtApiUnavailable

from .backend_secret import SecretUnavailable
from .budget import Budget
from .errors import BadRequest, NotFound, StoreUnavailable
from .request_auth import gateway_from_environ, remember_auth, route_auth

__all__ = ["ALLOW_HEADERS", "ApiResolver", "current_budget", "json_error", "make_resolver", "without_base_path"]

_BUDGET_KEY = "wacht_budget"
_UNAVAILABLE = "service temporarily unavailable, retry later"

ALLOW_HEADERS = ["Authorization", "Content-Type"]
"""The same list the template gives API Gateway's CORS preflight."""


def json_error(status: int, message: str) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"message": message})


class ApiResolver(APIGatewayRestResolver):
    """Powertools' REST resolver, routing behind any base path (see the module docstring)."""

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        return super().resolve(without_base_path(event), context)


def without_base_path(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """``event`` with its ``path`` cut to the resource's concrete path; unchanged when there is no base path.

    ``/v1/documents/abc`` with resource ``/documents/{documentId}`` becomes ``/documents/abc``. A path
    that does not end in the resource's shape is left alone (the resolver then answers 404).
    """
    path, resource = event.get("path"), event.get("resource")
    if not isinstance(path, str) or not isinstance(resource, str) or not resource.startswith("/"):
        return event
    match = _resource_suffix(resource).fullmatch(path)
    if match is None or not match.group("base"):
        return event
    return {**event, "path": path[len(match.group("base")):]}


@functools.lru_cache(maxsize=64)
def _resource_suffix(resource: str) -> re.Pattern[str]:
    # Each {name} matches one path segment, {name+} the rest; literal segments match themselves.
    parts = [_segment_pattern(segment) for segment in resource.strip("/").split("/")]
    concrete = "/" + "/".join(parts) if resource != "/" else ""
    return re.compile(f"(?P<base>(?:/[^/]+)*?){concrete}/*")


def _segment_pattern(segment: str) -> str:
    if re.fullmatch(r"\{\w+\+\}", segment):
        return ".+"
    if re.fullmatch(r"\{\w+\}", segment):
        return "[^/]+"
    return re.escape(segment)


def current_budget(app: Any) -> Budget:
    """The time this invocation may still spend on DynamoDB, secrets and Wacht (fixed per request)."""
    budget = app.context.get(_BUDGET_KEY)
    return budget if isinstance(budget, Budget) else Budget.from_context(app.lambda_context)


FUNCTIONS_SERVICE = "wacht-functions"
"""The ``service`` dimension of the outage metric the functions publish (the authorizer's is ``wacht-authorizer``)."""


def make_resolver(
    logger: Any,
    environ: Mapping[str, str] | None = None,
    *,
    clock: Callable[[], float] = time.time,
    metrics: DecisionMetrics | None = None,
) -> ApiResolver:
    """A resolver whose every route first passes ``route_auth`` (the route table's requirement and the
    token's expiry on ``clock``) and gets its Budget.

    ``ALLOWED_ORIGIN`` is required: a function without it would answer browsers with no CORS headers.
    ``WACHT_CLOCK_SKEW_SECONDS`` (default 5) is the verifier's tolerance, applied to ``tokenExpiresAt`` too.
    A per-request gateway re-check that fails publishes ``GatewayUnavailable`` (namespace WachtAuthorizer,
    ``service=wacht-functions``) through ``metrics``: behind API Gateway's cached Allow most API-key
    requests are judged here, not by the authorizer, and an outage must still raise the alarm.
    """
    env = os.environ if environ is None else environ
    allowed_origin = env.get("ALLOWED_ORIGIN", "").strip()
    if not allowed_origin:
        raise ConfigurationError("ALLOWED_ORIGIN", "is not set (the browser origin of the app, e.g. https://app.example.com)")
    clock_skew_seconds = clock_skew_from_environ(env)
    gateway = gateway_from_environ(env)
    app = ApiResolver(cors=CORSConfig(allow_origin=allowed_origin, allow_headers=ALLOW_HEADERS, max_age=600))

    def enforce_route(app: ApiResolver, next_middleware: Any) -> Response:
        budget = Budget.from_context(app.lambda_context)
        app.append_context(**{_BUDGET_KEY: budget})
        auth = route_auth(
            app.current_event.raw_event,
            now=clock(),
            clock_skew_seconds=clock_skew_seconds,
            gateway=gateway,
            gateway_timeout_seconds=budget.remaining_seconds(),
        )
        remember_auth(app, auth)
        return next_middleware(app)

    app.use(middlewares=[enforce_route])
    _register_error_handlers(app, logger, metrics or DecisionMetrics(service=FUNCTIONS_SERVICE))
    return app


def _register_error_handlers(app: ApiResolver, logger: Any, metrics: DecisionMetrics) -> None:
    @app.exception_handler(Unauthenticated)
    def unauthenticated(error: Unauthenticated) -> Response:
        logger.info("unauthenticated", extra={"reason": error.reason.value, "detail": error.detail})
        return json_error(401, "token expired" if error.reason is Reason.EXPIRED else "unauthenticated")

    @app.exception_handler(Forbidden)
    def forbidden(error: Forbidden) -> Response:
        logger.info("forbidden", extra={"refusal": error.message})
        return json_error(403, error.message)

    @app.exception_handler(KeysUnavailable)
    def keys_unavailable(error: KeysUnavailable) -> Response:
        logger.error("key set unavailable", extra={"error": str(error)})
        return json_error(503, "authentication temporarily unavailable, retry later")

    @app.exception_handler(RateLimited)
    def rate_limited(error: RateLimited) -> Response:
        logger.info("rate limited", extra={"retry_after_seconds": error.retry_after_seconds})
        return Response(
            status_code=429,
            content_type=content_types.APPLICATION_JSON,
            body={"message": "rate limited"},
            headers={"Retry-After": str(error.retry_after_seconds)},
        )

    @app.exception_handler(GatewayUnavailable)
    def gateway_unavailable(error: GatewayUnavailable) -> Response:
        logger.error("Wacht gateway check unavailable", extra={"error": str(error)})
        metrics.publish(GATEWAY_UNAVAILABLE)
        return json_error(503, "authentication temporarily unavailable, retry later")

    @app.exception_handler(BadRequest)
    def bad_request(error: BadRequest) -> Response:
        logger.info("bad request", extra={"refusal": error.message})
        return json_error(400, error.message)

    @app.exception_handler(NotFound)
    def not_found(error: NotFound) -> Response:
        return json_error(404, error.message)

    @app.exception_handler(StoreUnavailable)
    def store_unavailable(error: StoreUnavailable) -> Response:
        logger.error("DynamoDB unavailable", extra={"cause": error.cause})
        return json_error(503, _UNAVAILABLE)

    @app.exception_handler(RouteNotDeclared)
    def route_not_declared(error: RouteNotDeclared) -> Response:
        logger.error("route not declared in api_routes.ROUTES", extra={"method": error.method, "resource": error.resource})
        return json_error(500, "internal error")

    @app.exception_handler(SecretUnavailable)
    def secret_unavailable(error: SecretUnavailable) -> Response:
        logger.error("Wacht backend credential unavailable", extra={"error": str(error)})  # names the store, never the value
        return json_error(503, _UNAVAILABLE) if error.retryable else json_error(500, "internal error")

    @app.exception_handler(WachtApiNotFound)
    def wacht_not_found(error: WachtApiNotFound) -> Response:
        return json_error(404, "not found")

    @app.exception_handler(WachtApiUnavailable)
    def wacht_unavailable(error: WachtApiUnavailable) -> Response:
        logger.error("Wacht API failed", extra={"error": str(error), "status": error.status})
        return json_error(502, "upstream service failed")

    @app.exception_handler(WachtApiTimeout)
    def wacht_timeout(error: WachtApiTimeout) -> Response:
        logger.error("Wacht API timed out")
        return json_error(504, "upstream service timed out")

    @app.not_found
    def no_such_route(error: NotFoundError) -> Response:
        return json_error(404, "not found")

    @app.exception_handler(Exception)
    def internal_error(error: Exception) -> Response:
        logger.exception("unhandled error")  # the traceback goes to the log, never to the caller
        return json_error(500, "internal error")
