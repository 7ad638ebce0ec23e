"""Verify Wacht session tokens and decide what a session may do.

The public surface is ``__all__`` below; see the package README for a walk-through. Light on
import by design (an authorizer's cold start): PyJWT and cryptography only. The Backend API
client (``wacht_auth.wacht_api``) pulls in requests and is imported on its own.
"""

from .answers import JsonAnswers
from .authorizer import Authorizer, authorization_header
from .authorizer_context import from_gateway_context, to_gateway_context
from .authorizer_handler import AuthorizerHandler
from .config import Settings, origin_from_publishable_key
from .context import AuthContext, Scope, is_valid_id
from .decisions import DecisionMetrics
from .errors import (
    ConfigurationError,
    Forbidden,
    KeyNotYetKnown,
    KeysUnavailable,
    Reason,
    RouteNotDeclared,
    Unauthenticated,
    WachtAuthError,
)
from .function_auth import optional_session, request_auth
from .jwks import JwksCache, JwksFetchError, fetch_jwks
from .keys import Jwk, KeySet
from .policy import InvalidMethodArn, MethodArn, PolicyBuilder, RouteTableError, check_route_table
from .routes import (
    ANY,
    AUTHENTICATED,
    OPTIONAL,
    ORGANIZATION,
    PUBLIC,
    WORKSPACE,
    Access,
    Requirement,
    Route,
    find_route,
    gateway_routes,
    permission,
)
from .template_check import TemplateError, check_template
from .verify import TokenVerifier, bearer_token

__all__ = [
    "ANY",
    "AUTHENTICATED",
    "OPTIONAL",
    "ORGANIZATION",
    "PUBLIC",
    "WORKSPACE",
    "Access",
    "AuthContext",
    "Authorizer",
    "AuthorizerHandler",
    "ConfigurationError",
    "DecisionMetrics",
    "Forbidden",
    "InvalidMethodArn",
    "JsonAnswers",
    "Jwk",
    "JwksCache",
    "JwksFetchError",
    "KeyNotYetKnown",
    "KeySet",
    "KeysUnavailable",
    "MethodArn",
    "PolicyBuilder",
    "Reason",
    "Requirement",
    "Route",
    "RouteNotDeclared",
    "RouteTableError",
    "Scope",
    "Settings",
    "TemplateError",
    "TokenVerifier",
    "Unauthenticated",
    "WachtAuthError",
    "authorization_header",
    "bearer_token",
    "check_route_table",
    "check_template",
    "fetch_jwks",
    "find_route",
    "from_gateway_context",
    "gateway_routes",
    "is_valid_id",
    "optional_session",
    "origin_from_publishable_key",
    "permission",
    "request_auth",
    "to_gateway_context",
]
