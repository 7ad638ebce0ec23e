"""What the API functions share: the resolver, who is calling, request input, tenant-scoped data.

    resolver        make_resolver: Powertools REST resolver with CORS, the route check and JSON errors
    request_auth    route_auth / current_auth: requestContext.authorizer -> AuthContext, requirement re-enforced
    errors          BadRequest 400, NotFound 404, StoreUnavailable 503, RouteNotDeclared 500
    bodies          JSON bodies (size cap, known fields) and ids checked before they enter keys
    pagination      ?limit= and the opaque, sort-key-only ?cursor=
    dynamodb        DataTable: the table's client, built once; Query/GetItem/conditional writes only
    tenancy         TenantPartition: one tenant's slice of the table
    documents       DocumentStore (needs a workspace), members: MemberStore (needs an organization)
    backend_secret  BackendSecret: the Wacht backend secret from Secrets Manager / SSM / local env

Depends on wacht_auth, never the other way round. boto3 and requests are imported only when a
table or a client is built, so /health and /hello do not load them.
"""

from .backend_secret import BackendSecret, SecretUnavailable
from .bodies import MAX_BODY_BYTES, valid_id
from .documents import Document, DocumentDraft, DocumentStore
from .dynamodb import DataTable
from .errors import ApiError, BadRequest, NotFound, RouteNotDeclared, StoreUnavailable
from .members import Member, MemberRole, MemberStore
from .pagination import PageRequest
from .request_auth import current_auth, route_auth
from .resolver import json_error, make_resolver

__all__ = [
    "MAX_BODY_BYTES",
    "ApiError",
    "BackendSecret",
    "BadRequest",
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
    "current_auth",
    "json_error",
    "make_resolver",
    "route_auth",
    "valid_id",
]
