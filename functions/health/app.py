"""GET /health: public liveness check (no authorizer, no token looked at)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from api_support import make_resolver, make_tracer

logger = Logger()
tracer = make_tracer(patch_modules=())  # no outbound call to trace
app = make_resolver(logger)


@app.get("/health")
def health():
    return {"status": "ok"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
