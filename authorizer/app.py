"""API Gateway REQUEST authorizer for Wacht session tokens (thin: the logic is in wacht_auth).

Answers: a policy covering every route of the stage plus a flat context for a valid token;
``Unauthorized`` (API Gateway: 401) for a missing or invalid one; any other error (API Gateway:
500) when the key set cannot be had, so an outage never looks like a sign-out.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from wacht_auth import Authorizer, InvalidMethodArn, KeyNotYetKnown, KeysUnavailable, Settings, TokenVerifier, Unauthenticated
from wacht_auth.decisions import ALLOW, BAD_EVENT, KEY_NOT_YET_KNOWN, KEYS_UNAVAILABLE, DecisionCounter

logger = Logger(service="wacht-authorizer")
metrics = Metrics(namespace="WachtAuthorizer", service="wacht-authorizer")

# Cold start: a bad configuration fails here, naming the variable (every request then gets a 500).
SETTINGS = Settings.from_environ()
AUTHORIZER = Authorizer(TokenVerifier.from_settings(SETTINGS))
if not AUTHORIZER.verifier.keys.prime():
    logger.error("JWKS fetch failed at cold start", extra={"jwks_url": SETTINGS.jwks_url})


def _publish(counts) -> None:
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.flush_metrics()


DECISIONS = DecisionCounter(_publish)


class AuthorizerUnavailable(Exception):
    """Any exception other than 'Unauthorized' makes API Gateway answer 500."""


def lambda_handler(event, context):
    request_id = (event.get("requestContext") or {}).get("requestId")
    logger.set_correlation_id(request_id)
    try:
        response = AUTHORIZER.authorize(event)
    except Unauthenticated as refusal:
        DECISIONS.count(f"Unauthorized_{refusal.reason.value}")
        logger.info("token refused", extra={"reason": refusal.reason.value, "detail": refusal.detail})
        raise Exception("Unauthorized") from None  # exactly this message: API Gateway's 401
    except KeyNotYetKnown:
        # Likely a key rotation newer than our copy of the key set: retryable, not a sign-out. Not
        # an outage alarm either (anyone can send an unknown kid), so a warning and a batched count.
        DECISIONS.count(KEY_NOT_YET_KNOWN)
        logger.warning("unknown kid newer than our key set; refetch allowed after the cooldown")
        raise AuthorizerUnavailable("key not yet known") from None
    except KeysUnavailable as outage:
        DECISIONS.count(KEYS_UNAVAILABLE, urgent=True)
        logger.error("key set unavailable", extra={"error": str(outage), "jwks_url": SETTINGS.jwks_url})
        raise AuthorizerUnavailable("key set unavailable") from None
    except InvalidMethodArn:
        DECISIONS.count(BAD_EVENT, urgent=True)
        logger.error("not a REQUEST authorizer event (methodArn missing or malformed)")
        raise AuthorizerUnavailable("bad authorizer event") from None
    DECISIONS.count(ALLOW)
    logger.debug("allowed", extra={"user_id": response["principalId"]})
    return response
