"""The Powertools REST resolver every function uses: CORS, the route check, errors as JSON.

Every answer is ``{"message": "..."}`` with a fixed text; what went wrong in detail goes to the
log only (never a token, a secret or an exception's text into a response):

    Unauthenticated 401 · Forbidden 403 (its message) · NotFound 404 · BadRequest 400
    KeysUnavailable / StoreUnavailable 503 · Wacht API 404 / 502 / 504
    SecretUnavailable, RouteNotDeclared, anything else: 500 ``internal error``

CORS: Powertools adds the headers for ``ALLOWED_ORIGIN`` to every response, errors included,
when the request's ``Origin`` is that origin (browsers always send it on cross-origin calls);
API Gateway's own errors get the same headers from the template's Gateway Responses.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from wacht_auth import ConfigurationError, Forbidden, KeysUnavailable, Unauthenticated
from wacht_auth.wacht_api import WachtApiNotFound, WachtApiTimeout, WachtApiUnavailable

from .backend_secret import SecretUnavailable
from .errors import BadRequest, NotFound, RouteNotDeclared, StoreUnavailable
from .request_auth import remember_auth, route_auth

__all__ = ["ALLOW_HEADERS", "json_error", "make_resolver"]

ALLOW_HEADERS = ["Authorization", "Content-Type"]
"""The same list the template gives API Gateway's CORS preflight."""


def json_error(status: int, message: str) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"message": message})


def make_resolver(logger: Any, environ: Mapping[str, str] | None = None) -> APIGatewayRestResolver:
    """A resolver whose every route first passes ``route_auth`` (the route table's requirement).

    ``ALLOWED_ORIGIN`` is required: a function without it would answer browsers with no CORS headers.
    """
    env = os.environ if environ is None else environ
    allowed_origin = env.get("ALLOWED_ORIGIN", "").strip()
    if not allowed_origin:
        raise ConfigurationError("ALLOWED_ORIGIN", "is not set (the browser origin of the app, e.g. https://app.example.com)")
    app = APIGatewayRestResolver(cors=CORSConfig(allow_origin=allowed_origin, allow_headers=ALLOW_HEADERS, max_age=600))

    def enforce_route(app: APIGatewayRestResolver, next_middleware: Any) -> Response:
        remember_auth(app, route_auth(app.current_event.raw_event))
        return next_middleware(app)

    app.use(middlewares=[enforce_route])
    _register_error_handlers(app, logger)
    return app


def _register_error_handlers(app: APIGatewayRestResolver, logger: Any) -> None:
    @app.exception_handler(Unauthenticated)
    def unauthenticated(error: Unauthenticated) -> Response:
        logger.info("unauthenticated", extra={"reason": error.reason.value, "detail": error.detail})
        return json_error(401, "unauthenticated")

    @app.exception_handler(Forbidden)
    def forbidden(error: Forbidden) -> Response:
        logger.info("forbidden", extra={"refusal": error.message})
        return json_error(403, error.message)

    @app.exception_handler(KeysUnavailable)
    def keys_unavailable(error: KeysUnavailable) -> Response:
        logger.error("key set unavailable", extra={"error": str(error)})
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
        return json_error(503, error.message)

    @app.exception_handler(RouteNotDeclared)
    def route_not_declared(error: RouteNotDeclared) -> Response:
        logger.error("route not declared in wacht_auth.ROUTES", extra={"method": error.method, "resource": error.resource})
        return json_error(500, "internal error")

    @app.exception_handler(SecretUnavailable)
    def secret_unavailable(error: SecretUnavailable) -> Response:
        logger.error("Wacht backend credential unavailable", extra={"error": str(error)})  # names the store, never the value
        return json_error(500, "internal error")

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
