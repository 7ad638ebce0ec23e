"""GET /me (the caller, from the authorizer context) and GET /whoami (their user from Wacht).

Both take sessions, OAuth access tokens and API keys (api_routes). /whoami answers for the
principal's user; an API key without an owner user gets 403.

The backend secret is fetched on the first /whoami, not at cold start, and cached (BackendSecret).
/whoami answers only the allowlisted public fields (api_support.users).
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from api_support import UserDirectory, current_auth, current_budget, make_resolver, make_tracer
from wacht_auth import Forbidden

logger = Logger()
tracer = make_tracer(patch_modules=("botocore", "requests"))  # the secret store and Wacht
app = make_resolver(logger)

USERS = UserDirectory.from_environ()


@app.get("/me")
def me():
    auth = current_auth(app)
    principal = {"client_id": auth.client_id, "scopes": list(auth.scopes)} if auth.client_id else {}
    if auth.key_id is not None:
        principal["key_id"] = auth.key_id
    return {
        "principal_type": auth.principal_type.value,
        **principal,
        "user_id": auth.user_id,
        "session_id": auth.session_id,
        "organization_id": auth.organization_id,
        "workspace_id": auth.workspace_id,
        "organization_permissions": list(auth.organization_permissions),
        "workspace_permissions": list(auth.workspace_permissions),
    }


@app.get("/whoami")
def whoami():
    user_id = current_auth(app).user_id
    if user_id is None:
        raise Forbidden("this API key has no user")
    return USERS.public_user(user_id, current_budget(app))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event, context):
    return app.resolve(event, context)
