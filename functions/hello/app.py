"""GET /hello: optional auth. No gateway authorizer: this function verifies a bearer token itself.

A valid token: ``hello <userId>``. No token, or one we refuse: ``hello stranger``. When the key
set cannot be had (KeysUnavailable) the answer is 503, not "stranger": an outage must never look
like a sign-out, the same rule the authorizer follows.
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from api_support import make_resolver
from wacht_auth import Settings, TokenVerifier, Unauthenticated, authorization_header, bearer_token

logger = Logger()
app = make_resolver(logger)

VERIFIER = TokenVerifier.from_settings(Settings.from_environ())
if not VERIFIER.keys.prime():
    logger.error("JWKS fetch failed at cold start")


@app.get("/hello")
def hello():
    header = authorization_header(app.current_event.raw_event)
    if header is None:
        return {"message": "hello stranger"}
    try:
        auth = VERIFIER.verify(bearer_token(header))
    except Unauthenticated as refusal:
        logger.info("optional token refused", extra={"reason": refusal.reason.value})
        return {"message": "hello stranger"}
    return {"message": f"hello {auth.user_id}"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event, context):
    return app.resolve(event, context)
