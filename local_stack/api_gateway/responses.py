"""Answers API Gateway makes itself (not the function), with its own status codes and texts.

Each carries the headers the template's Gateway Responses configure for its type, falling back
to DEFAULT_4XX / DEFAULT_5XX as API Gateway does, so the browser sees CORS headers on a 401.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from ..http_service import HttpResponse

__all__ = [
    "ACCESS_DENIED",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "EXPLICIT_DENY",
    "GatewayError",
    "INTEGRATION_FAILURE",
    "MISSING_AUTHENTICATION_TOKEN",
    "UNAUTHORIZED",
    "render",
]


@dataclass(frozen=True)
class GatewayError:
    response_type: str
    """The Gateway Response type whose configured headers apply."""
    status: int
    message: str | None
    error_type: str
    """API Gateway's ``x-amzn-ErrorType`` header."""


UNAUTHORIZED = GatewayError("UNAUTHORIZED", 401, "Unauthorized", "UnauthorizedException")
ACCESS_DENIED = GatewayError("ACCESS_DENIED", 403, "User is not authorized to access this resource", "AccessDeniedException")
"""The authorizer's policy has no Allow matching the method ARN (an implicit deny)."""
EXPLICIT_DENY = GatewayError(
    "ACCESS_DENIED",
    403,
    "User is not authorized to access this resource with an explicit deny",
    "AccessDeniedException",
)
"""A Deny statement of the authorizer's policy matches the method ARN (AWS knowledge center,
"api-gateway-403-error-lambda-authorizer": the two denies answer different texts)."""
MISSING_AUTHENTICATION_TOKEN = GatewayError(
    "MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token", "MissingAuthenticationTokenException"
)
AUTHORIZER_CONFIGURATION_ERROR = GatewayError(
    "AUTHORIZER_CONFIGURATION_ERROR", 500, None, "AuthorizerConfigurationException"
)
"""An authorizer that raised anything but ``Unauthorized``, timed out or answered malformed."""
INTEGRATION_FAILURE = GatewayError("DEFAULT_5XX", 502, "Internal server error", "InternalServerErrorException")
"""The function raised, timed out, or returned something that is not a proxy response."""


def render(error: GatewayError, configured: Mapping[str, Mapping[str, str]], request_id: str) -> HttpResponse:
    default = "DEFAULT_4XX" if error.status < 500 else "DEFAULT_5XX"
    extra = configured.get(error.response_type, configured.get(default, {}))
    headers = (
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", request_id),
        ("x-amzn-ErrorType", error.error_type),
        *extra.items(),
    )
    return HttpResponse(error.status, headers, json.dumps({"message": error.message}, separators=(",", ":")).encode())
