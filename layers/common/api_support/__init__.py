"""What the API functions share: the resolver, who is calling, request input, tenant-scoped data.

    resolver        make_resolver: Powertools REST resolver with CORS, the route check, base paths, JSON errors
    request_auth    route_auth / current_auth: requestContext.authorizer -> AuthContext, requirement and expiry
                    re-enforced; optional_session for routes with optional auth
    budget          Budget: the invocation's remaining time, which every outbound call is sized from
    sdk             AWS SDK clients sized to a budget rung, each attempt bounded as a whole; reading what they raise
    errors          BadRequest 400, NotFound 404, StoreUnavailable 503 (RouteNotDeclared 500 is wacht_auth's)
    bodies          JSON bodies (size cap, depth, known fields) and ids checked before they enter keys
    pagination      ?limit= and the opaque, sort-key-only ?cursor=
    dynamodb        DataTable: the table's clients, built once; Query/GetItem/conditional writes only
    tenancy         TenantPartition: one tenant's slice of the table
    documents       DocumentStore (needs a workspace), members: MemberStore (needs an organization)
    backend_secret  BackendSecret: the Wacht backend secret from Secrets Manager / SSM / local env
    users           UserDirectory: /whoami's allowlisted view of the Wacht user
    tracing         make_tracer: Powertools Tracer, on only in Lambda with tracing active

Depends on wacht_auth, never the other way round. boto3 and requests are imported only when a
table or a client is built, so /health and /hello do not load them.
"""

from .backend_secret import BackendSecret, SecretUnavailable
from .bodies import MAX_BODY_BYTES, valid_id
from .budget import Budget
from .documents import Document, DocumentDraft, DocumentStore
from .dynamodb import DataTable
from wacht_auth import RouteNotDeclared

from .errors import ApiError, BadRequest, NotFound, StoreUnavailable
from .members import Member, MemberRole, MemberStore
from .pagination import PageRequest
from .request_auth import current_auth, optional_session, route_auth
from .resolver import current_budget, json_error, make_resolver, without_base_path
from .tracing import make_tracer
from .users import PUBLIC_USER_FIELDS, UserDirectory, public_user

__all__ = [
    "MAX_BODY_BYTES",
    "PUBLIC_USER_FIELDS",
    "ApiError",
    "BackendSecret",
    "BadRequest",
    "Budget",
    "DataTable",
    "Document",
    "DocumentDraft",
    "DocumentStore",
    "Member",
    "MemberRole",
    "MemberStore",
    "NotFound",
    "PageRequest",
    "RouteNotDeclared",
    "SecretUnavailable",
    "StoreUnavailable",
    "UserDirectory",
    "current_auth",
    "current_budget",
    "json_error",
    "make_resolver",
    "make_tracer",
    "optional_session",
    "public_user",
    "route_auth",
    "valid_id",
    "without_base_path",
]
