"""API Gateway REQUEST authorizer for every Wacht caller (thin: the logic is in wacht_auth).

Session tokens always; OAuth JWT access tokens when ``WACHT_OAUTH_ISSUER`` is set; API keys
(``WACHT_API_KEY_PREFIX``) and opaque OAuth tokens through Wacht's gateway when ``WACHT_GATEWAY_URL``
is set. Answers: a policy covering every route of the stage plus a flat context for a valid
credential; ``Unauthorized`` (API Gateway: 401) for a missing or invalid one; any other error (API
Gateway: 500) when a key set or the gateway cannot be had, so an outage never looks like a sign-out.

The handler is the package's ``AuthorizerHandler``: every invocation logs its refusal reason
(never the token) and publishes exactly one decision metric (``wacht_auth.DecisionMetrics``),
written before it returns or raises and stamped with its own time.
"""

from __future__ import annotations

# First, before the heavy imports below: the cold start's key-set fetch runs while they load
# (standard library only; nothing is fetched when WACHT_JWKS gives the key set inline).
from wacht_auth.prefetch import prefetch_jwks

prefetch_jwks()

from aws_lambda_powertools import Logger  # noqa: E402 - after the prefetch on purpose

from api_routes import ROUTES  # noqa: E402
from wacht_auth import AuthorizerHandler, DecisionMetrics  # noqa: E402
from wacht_auth.decisions import SERVICE  # noqa: E402

logger = Logger(service=SERVICE)
DECISIONS = DecisionMetrics()

# Cold start: a bad configuration fails here, naming the variable (every request then gets a 500);
# a bad route table fails here too. The key sets are fetched now (failures are logged).
HANDLER = AuthorizerHandler.from_environ(ROUTES, logger=logger, metrics=DECISIONS)
AUTHORIZER = HANDLER.authorizer


def lambda_handler(event, context):
    return HANDLER(event, context)
