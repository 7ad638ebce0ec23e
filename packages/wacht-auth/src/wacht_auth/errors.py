"""What can go wrong while authenticating, branched on what the caller must do.

    WachtAuthError
    ├── Unauthenticated     401: no token, or one that is malformed, expired, revoked or not ours
    ├── Forbidden           403: a valid credential that lacks the kind, scope, organization, workspace or permission
    ├── RateLimited         429: Wacht's gateway says this API key or token is over its rate limit (Retry-After)
    ├── KeysUnavailable     5xx: the key set could not be obtained; an outage, never a sign-out
    │   └── KeyNotYetKnown  5xx: a token names a key that may be newer than our copy (a rotation)
    ├── GatewayUnavailable  5xx: Wacht's gateway check gave no usable answer in time; an outage, never a 401
    ├── ConfigurationError  raised at cold start: the deployment itself is misconfigured
    └── RouteNotDeclared    500: a function got a request for a route its route table lacks (a wiring bug)

Messages are fixed strings: never the token, its claims or a secret. The machine-readable
cause of a 401 is ``Unauthenticated.reason``, which logs and metrics use.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "ConfigurationError",
    "Forbidden",
    "GatewayUnavailable",
    "KeyNotYetKnown",
    "KeysUnavailable",
    "RateLimited",
    "Reason",
    "RouteNotDeclared",
    "Unauthenticated",
    "WachtAuthError",
]


class Reason(str, Enum):
    """Why a token was refused: a small fixed set, safe to log and to use as a metric name."""

    MISSING_TOKEN = "missing_token"
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    FORBIDDEN_HEADER = "forbidden_header"
    UNKNOWN_CRIT = "unknown_crit"
    UNKNOWN_KID = "unknown_kid"
    NO_MATCHING_KEY = "no_matching_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    ISSUED_IN_FUTURE = "issued_in_future"
    """``iat`` later than now plus the clock skew: refused before any key lookup, so it never fetches."""
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    """An OAuth access token whose ``aud`` is not this API's configured audience."""
    WRONG_TOKEN_USE = "wrong_token_use"
    """An OAuth JWT whose ``token_use`` is not ``access_token`` (an ``id_token`` is never a bearer credential)."""
    CREDENTIAL_REJECTED = "credential_rejected"
    """Wacht's gateway answered that the API key or opaque access token is unknown, revoked or expired."""
    MISSING_CLAIM = "missing_claim"
    INVALID_CLAIM = "invalid_claim"


class WachtAuthError(Exception):
    """Root of every error this library raises."""


class Unauthenticated(WachtAuthError):
    """Raised when a request carries no usable session token: the caller should sign in again."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__("unauthenticated")
        self.reason = reason
        # A fixed, secret-free explanation for logs (e.g. the name of a missing claim).
        self.detail = detail


class Forbidden(WachtAuthError):
    """Raised when a valid session lacks the organization, workspace or permission a route needs."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RateLimited(WachtAuthError):
    """Raised when Wacht's gateway says a credential is over its rate limit: answer 429 with
    ``Retry-After: retry_after_seconds``."""

    def __init__(self, retry_after_seconds: int, auth: object = None) -> None:
        super().__init__("rate limited")
        self.retry_after_seconds = retry_after_seconds
        self.auth = auth
        """The AuthContext the gateway named with its refusal, when it named one (the authorizer admits it)."""


class GatewayUnavailable(WachtAuthError):
    """Raised when Wacht's gateway check cannot be had: unreachable, slow, dripping, an error status or
    an answer we cannot read. The caller answers 5xx; the credential is neither accepted nor refused."""


class KeysUnavailable(WachtAuthError):
    """Raised when no key set can be had (JWKS unreachable, invalid, and nothing usable cached)."""


class KeyNotYetKnown(KeysUnavailable):
    """Raised for a token whose ``kid`` we do not know and that was issued after our last key-set
    fetch, within the short refetch interval after a fetch nobody asked for (cold start, TTL
    refresh): most likely a key rotated just after that fetch. A retryable 5xx, so the caller is not
    signed out; at most one refetch interval later a refetch answers for it (accepted, or 401).
    """


class ConfigurationError(WachtAuthError):
    """Raised at cold start when an environment variable is missing or malformed; names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


class RouteNotDeclared(WachtAuthError):
    """Raised when a function receives a method and resource its route table does not declare:
    refuse rather than guess the requirement (``wacht_auth.check_template`` finds these before a deploy)."""

    def __init__(self, method: str, resource: str) -> None:
        super().__init__(f"no route {method} {resource} in the route table")
        self.method = method
        self.resource = resource
