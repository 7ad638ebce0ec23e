"""GET /me (the caller's session, from the authorizer context) and GET /whoami (their user from Wacht).

The backend secret is fetched on the first /whoami, not at cold start, and cached (BackendSecret).
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths

from api_support import BackendSecret, current_auth, make_resolver
from wacht_auth.wacht_api import WachtApi

logger = Logger()
app = make_resolver(logger)

WACHT_API = WachtApi.from_environ(BackendSecret.from_environ())


@app.get("/me")
def me():
    auth = current_auth(app)
    return {
        "user_id": auth.user_id,
        "session_id": auth.session_id,
        "organization_id": auth.organization_id,
        "workspace_id": auth.workspace_id,
        "organization_permissions": list(auth.organization_permissions),
        "workspace_permissions": list(auth.workspace_permissions),
    }


@app.get("/whoami")
def whoami():
    return WACHT_API.get_user_details(current_auth(app).user_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event, context):
    return app.resolve(event, context)
