"""The REQUEST authorizer as a Lambda handler: the Authorizer's decision, logged and counted.

Answers: the policy and context for a valid token; ``Unauthorized`` (API Gateway: 401) for a
missing or invalid one; any other exception (API Gateway: 500) when the key set cannot be had,
the event is not an authorizer event, or anything unexpected happens, so an outage never looks
like a sign-out.

Every invocation logs its refusal reason (never the token) and publishes exactly one decision
metric (``DecisionMetrics``), written before it returns or raises and stamped with its own time:
the alarms of the package README's "Logs and metrics" read these.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .authorizer import Authorizer
from .decisions import (
    ALLOW,
    BAD_EVENT,
    GATEWAY_UNAVAILABLE,
    INTERNAL_ERROR,
    KEY_NOT_YET_KNOWN,
    KEYS_UNAVAILABLE,
    UNAUTHORIZED,
    DecisionMetrics,
)
from .errors import GatewayUnavailable, KeyNotYetKnown, KeysUnavailable, Unauthenticated
from .policy import InvalidMethodArn
from .routes import Route

if TYPE_CHECKING:
    from .config import Settings

__all__ = ["AuthorizerHandler", "AuthorizerUnavailable", "LoggerLike"]


class LoggerLike(Protocol):
    """What the handler logs through: ``logging.Logger`` and Powertools' ``Logger`` both fit."""

    def debug(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def info(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def warning(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def error(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def exception(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...


class AuthorizerUnavailable(Exception):
    """Raised to Lambda for every 500: any exception other than ``Unauthorized`` is API Gateway's 500."""


class AuthorizerHandler:
    """``handler(event, context)``: a Lambda handler for an API Gateway REQUEST authorizer.

    Build it at module scope (cold start) and assign it to the handler name, or call it from one.
    ``logger`` gets the lines below with their fields in ``extra`` (stdlib ``logging.getLogger
    ("wacht_auth.authorizer")`` by default; a Powertools Logger also gets the request id as its
    correlation id). ``metrics`` writes the decision lines (default: namespace ``WachtAuthorizer``,
    dimension ``service=wacht-authorizer``, to stdout). ``jwks_url`` goes with the outage log line.

    ====================  =======  ==================================================  ===============
    decision              level    message (``extra``)                                 answer
    ====================  =======  ==================================================  ===============
    Allow                 DEBUG    ``allowed`` (``principal_id``)                      policy, context
    Unauthorized          INFO     ``token refused`` (``reason``, ``detail``)          401
    KeyNotYetKnown        WARNING  ``unknown kid newer than our key set; ...``         500, retryable
    KeysUnavailable       ERROR    ``key set unavailable`` (``error``, ``jwks_url``)   500
    GatewayUnavailable    ERROR    ``gateway check unavailable`` (``error``)           500
    BadEvent              ERROR    ``not a REQUEST authorizer event ...``              500
    InternalError         ERROR    ``unexpected error`` (with the traceback)           500
    ====================  =======  ==================================================  ===============
    """

    def __init__(
        self,
        authorizer: Authorizer,
        *,
        logger: LoggerLike | None = None,
        metrics: DecisionMetrics | None = None,
        jwks_url: str | None = None,
    ) -> None:
        self.authorizer = authorizer
        self.logger: LoggerLike = logger if logger is not None else logging.getLogger("wacht_auth.authorizer")
        self.metrics = metrics if metrics is not None else DecisionMetrics()
        self.jwks_url = jwks_url

    @classmethod
    def from_environ(
        cls,
        routes: Iterable[Route],
        *,
        logger: LoggerLike | None = None,
        metrics: DecisionMetrics | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> AuthorizerHandler:
        """The whole cold start: ``Settings.from_environ``, then ``from_settings``.

        Raises ConfigurationError naming a bad ``WACHT_*`` variable, RouteTableError for a route table
        whose policy could decide a request wrongly: at import, so the deployment fails loudly.
        """
        from .config import Settings

        return cls.from_settings(Settings.from_environ(environ), routes, logger=logger, metrics=metrics)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        routes: Iterable[Route],
        *,
        logger: LoggerLike | None = None,
        metrics: DecisionMetrics | None = None,
    ) -> AuthorizerHandler:
        """A TokenVerifier for sessions; an AccessTokenVerifier when ``settings.oauth`` is set; a
        GatewayCheck when ``settings.gateway_url`` is; the ``Authorizer`` over ``routes``; and a first
        fetch of each key set (a failure is logged as an error, and the next request tries again).
        """
        from .verify import TokenVerifier

        oauth_verifier = None
        if settings.oauth is not None:
            from .access_tokens import AccessTokenVerifier

            oauth_verifier = AccessTokenVerifier.from_oauth_settings(settings.oauth)
        gateway = None
        if settings.gateway_url is not None:
            from .gateway_check import GatewayCheck

            gateway = GatewayCheck(settings.gateway_url)
        authorizer = Authorizer(
            TokenVerifier.from_settings(settings),
            routes,
            oauth_verifier=oauth_verifier,
            gateway=gateway,
            api_key_prefix=settings.api_key_prefix,
        )
        handler = cls(authorizer, logger=logger, metrics=metrics, jwks_url=settings.jwks_url)
        if not authorizer.verifier.keys.prime():
            handler.logger.error("JWKS fetch failed at cold start", extra={"jwks_url": settings.jwks_url})
        if oauth_verifier is not None and not oauth_verifier.keys.prime():
            handler.logger.error("OAuth JWKS fetch failed at cold start", extra={"jwks_url": settings.oauth.jwks_url})
        return handler

    def __call__(self, event: Mapping[str, Any], context: object = None) -> dict[str, Any]:
        """The authorizer response for ``event``; raises ``Exception("Unauthorized")`` for a 401 and
        AuthorizerUnavailable for a 500."""
        logger = self.logger
        decision, reason = INTERNAL_ERROR, None  # whatever escapes the cases below
        try:
            set_correlation_id = getattr(logger, "set_correlation_id", None)
            if set_correlation_id is not None:  # Powertools: every line of this invocation carries it
                set_correlation_id((event.get("requestContext") or {}).get("requestId"))
            response = self.authorizer.authorize(event)
            logger.debug("allowed", extra={"principal_id": response["principalId"]})
            decision = ALLOW
            return response
        except Unauthenticated as refusal:
            decision, reason = UNAUTHORIZED, refusal.reason.value
            logger.info("token refused", extra={"reason": reason, "detail": refusal.detail})
            raise Exception("Unauthorized") from None  # exactly this message: API Gateway's 401
        except KeyNotYetKnown:
            # Likely a key rotation newer than our copy of the key set: retryable, not a sign-out. Not
            # an outage alarm either (anyone can send an unknown kid), so a warning.
            decision = KEY_NOT_YET_KNOWN
            logger.warning("unknown kid newer than our key set; refetch allowed after the cooldown")
            raise AuthorizerUnavailable("key not yet known") from None
        except GatewayUnavailable as outage:
            decision = GATEWAY_UNAVAILABLE
            logger.error("gateway check unavailable", extra={"error": str(outage)})
            raise AuthorizerUnavailable("gateway check unavailable") from None
        except KeysUnavailable as outage:
            decision = KEYS_UNAVAILABLE
            jwks_url = getattr(outage, "jwks_url", None) or self.jwks_url
            logger.error("key set unavailable", extra={"error": str(outage), "jwks_url": jwks_url})
            raise AuthorizerUnavailable("key set unavailable") from None
        except InvalidMethodArn:
            decision = BAD_EVENT
            logger.error("not a REQUEST authorizer event (methodArn missing or malformed)")
            raise AuthorizerUnavailable("bad authorizer event") from None
        except Exception:
            logger.exception("unexpected error")
            raise AuthorizerUnavailable("internal error") from None
        finally:
            self.metrics.publish(decision, reason)
