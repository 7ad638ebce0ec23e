"""GET /hello: optional auth. No gateway authorizer: this function verifies a bearer token itself.

A valid token: ``hello <userId>``. No token, or anything we refuse (a bad token, a malformed
header, several Authorization values): ``hello stranger``, never a 401. When the key set cannot
be had (KeysUnavailable) the answer is 503, not "stranger": an outage must never look like a
sign-out, the same rule the authorizer follows.
"""

from wacht_auth.prefetch import prefetch_jwks

prefetch_jwks()  # the key-set fetch overlaps the imports below (as in the authorizer)

from aws_lambda_powertools import Logger  # noqa: E402
from aws_lambda_powertools.logging import correlation_paths  # noqa: E402

from api_support import make_resolver, make_tracer, optional_session  # noqa: E402
from wacht_auth import Settings, TokenVerifier  # noqa: E402

logger = Logger()
tracer = make_tracer(patch_modules=())  # the key-set fetch uses urllib, which X-Ray does not patch
app = make_resolver(logger)

VERIFIER = TokenVerifier.from_settings(Settings.from_environ())
if not VERIFIER.keys.prime():
    logger.error("JWKS fetch failed at cold start")


def _log_refusal(refusal):
    logger.info("optional token refused", extra={"reason": refusal.reason.value})


@app.get("/hello")
def hello():
    auth = optional_session(app.current_event.raw_event, VERIFIER, _log_refusal)
    return {"message": f"hello {auth.user_id}" if auth else "hello stranger"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
