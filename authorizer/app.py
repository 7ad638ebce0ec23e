"""API Gateway REQUEST authorizer for Wacht session tokens (thin: the logic is in wacht_auth).

Answers: a policy covering every route of the stage plus a flat context for a valid token;
``Unauthorized`` (API Gateway: 401) for a missing or invalid one; any other error (API Gateway:
500) when the key set cannot be had, so an outage never looks like a sign-out.

Every invocation publishes exactly one decision metric (``wacht_auth.decisions``), written before
it returns or raises and stamped with its own time.
"""

from __future__ import annotations

# First, before the heavy imports below: the cold start's key-set fetch runs while they load
# (standard library only; nothing is fetched when WACHT_JWKS gives the key set inline).
from wacht_auth.prefetch import prefetch_jwks

prefetch_jwks()

from aws_lambda_powertools import Logger  # noqa: E402 - after the prefetch on purpose

from api_routes import ROUTES  # noqa: E402
from wacht_auth import Authorizer, InvalidMethodArn, KeyNotYetKnown, KeysUnavailable, Settings, TokenVerifier, Unauthenticated
from wacht_auth.decisions import (  # noqa: E402
    ALLOW,
    BAD_EVENT,
    INTERNAL_ERROR,
    KEY_NOT_YET_KNOWN,
    KEYS_UNAVAILABLE,
    SERVICE,
    UNAUTHORIZED,
    DecisionMetrics,
)

logger = Logger(service=SERVICE)
DECISIONS = DecisionMetrics()

# Cold start: a bad configuration fails here, naming the variable (every request then gets a 500).
SETTINGS = Settings.from_environ()
AUTHORIZER = Authorizer(TokenVerifier.from_settings(SETTINGS), ROUTES)  # a bad route table fails here too
if not AUTHORIZER.verifier.keys.prime():
    logger.error("JWKS fetch failed at cold start", extra={"jwks_url": SETTINGS.jwks_url})


class AuthorizerUnavailable(Exception):
    """Any exception other than 'Unauthorized' makes API Gateway answer 500."""


def lambda_handler(event, context):
    decision, reason = INTERNAL_ERROR, None  # whatever escapes the cases below
    try:
        logger.set_correlation_id((event.get("requestContext") or {}).get("requestId"))
        response = AUTHORIZER.authorize(event)
        logger.debug("allowed", extra={"user_id": response["principalId"]})
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
    except KeysUnavailable as outage:
        decision = KEYS_UNAVAILABLE
        logger.error("key set unavailable", extra={"error": str(outage), "jwks_url": SETTINGS.jwks_url})
        raise AuthorizerUnavailable("key set unavailable") from None
    except InvalidMethodArn:
        decision = BAD_EVENT
        logger.error("not a REQUEST authorizer event (methodArn missing or malformed)")
        raise AuthorizerUnavailable("bad authorizer event") from None
    except Exception:
        logger.exception("unexpected error")
        raise AuthorizerUnavailable("internal error") from None
    finally:
        DECISIONS.publish(decision, reason)
