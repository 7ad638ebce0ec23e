"""What a request can do wrong or run into, beyond authentication, branched on the HTTP answer.

    ApiError
    ├── BadRequest          400: the body, a query parameter or a path id is not acceptable
    ├── NotFound            404: no such item in the caller's tenant (whether or not it exists elsewhere)
    └── StoreUnavailable    503: DynamoDB kept throttling or failing, could not be reached, or did not answer in time

Authentication errors are wacht_auth's (Unauthenticated 401, Forbidden 403, KeysUnavailable 503, and
RouteNotDeclared 500 for an event naming a route missing from api_routes.ROUTES: a wiring bug)
and the Backend API's are wacht_auth.wacht_api's (404 / 502 / 504). ``message`` is what the
caller sees: fixed text, never an exception's string or a value from AWS.
"""

from __future__ import annotations

__all__ = ["ApiError", "BadRequest", "NotFound", "StoreUnavailable"]


class ApiError(Exception):
    """Root of api_support's errors; ``status`` and ``message`` are the answer."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ApiError):
    """Raised when the request itself is unacceptable; the message says what to fix."""

    status = 400


class NotFound(ApiError):
    """Raised when an item is not in the caller's tenant."""

    status = 404

    def __init__(self, message: str = "not found") -> None:
        super().__init__(message)


class StoreUnavailable(ApiError):
    """Raised when DynamoDB keeps throttling or failing, cannot be reached, or does not answer within the budget."""

    status = 503

    def __init__(self, cause: str) -> None:
        super().__init__("service temporarily unavailable, retry later")
        self.cause = cause
        """The AWS error code or connection failure, for the log only."""

