"""Verify every Wacht caller (session tokens, OAuth access tokens, API keys) and decide what it may do.

The public surface is ``__all__`` below; see the package README for a walk-through. Importing the
package costs nothing: each name is imported from its module on first use (PEP 562), so
``wacht_auth.prefetch`` can start the key-set fetch before PyJWT and cryptography load (an
authorizer's cold start), and ``from wacht_auth import X`` imports only what X needs. The Backend
API client (``wacht_auth.wacht_api``) pulls in requests and is imported on its own.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ below imports lazily
    from .access_tokens import AccessTokenVerifier
    from .answers import JsonAnswers
    from .authorizer import Authorizer
    from .authorizer_context import from_gateway_context, to_gateway_context
    from .authorizer_handler import AuthorizerHandler
    from .bearer import authorization_header, bearer_token
    from .config import OAuthSettings, Settings, origin_from_publishable_key
    from .context import AuthContext, PrincipalType, Scope, is_valid_id
    from .decisions import DecisionMetrics
    from .errors import (
        ConfigurationError,
        Forbidden,
        GatewayUnavailable,
        KeyNotYetKnown,
        KeysUnavailable,
        RateLimited,
        Reason,
        RouteNotDeclared,
        Unauthenticated,
        WachtAuthError,
    )
    from .function_auth import optional_session, recheck_principal, request_auth
    from .gateway_check import GatewayCheck, GatewayVerdict
    from .jwks import JwksCache, JwksFetchError, fetch_jwks
    from .keys import Jwk, KeySet
    from .policy import InvalidMethodArn, MethodArn, PolicyBuilder, RouteTableError, check_route_table
    from .routes import (
        ANY,
        AUTHENTICATED,
        OPTIONAL,
        ORGANIZATION,
        PUBLIC,
        SESSIONS_ONLY,
        WORKSPACE,
        Access,
        Requirement,
        Route,
        find_route,
        gateway_routes,
        permission,
    )
    from .template_check import TemplateError, check_template
    from .verify import TokenVerifier

__all__ = [
    "ANY",
    "AUTHENTICATED",
    "OPTIONAL",
    "ORGANIZATION",
    "PUBLIC",
    "SESSIONS_ONLY",
    "WORKSPACE",
    "Access",
    "AccessTokenVerifier",
    "AuthContext",
    "Authorizer",
    "AuthorizerHandler",
    "ConfigurationError",
    "DecisionMetrics",
    "Forbidden",
    "GatewayCheck",
    "GatewayUnavailable",
    "GatewayVerdict",
    "InvalidMethodArn",
    "JsonAnswers",
    "Jwk",
    "JwksCache",
    "JwksFetchError",
    "KeyNotYetKnown",
    "KeySet",
    "KeysUnavailable",
    "MethodArn",
    "OAuthSettings",
    "PolicyBuilder",
    "PrincipalType",
    "RateLimited",
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
    "recheck_principal",
    "request_auth",
    "to_gateway_context",
]

_MODULE_OF = {
    "AccessTokenVerifier": "access_tokens",
    "JsonAnswers": "answers",
    "Authorizer": "authorizer",
    "from_gateway_context": "authorizer_context",
    "to_gateway_context": "authorizer_context",
    "AuthorizerHandler": "authorizer_handler",
    "authorization_header": "bearer",
    "bearer_token": "bearer",
    "DecisionMetrics": "decisions",
    "RouteNotDeclared": "errors",
    "optional_session": "function_auth",
    "request_auth": "function_auth",
    "recheck_principal": "function_auth",
    "GatewayCheck": "gateway_check",
    "GatewayVerdict": "gateway_check",
    "TemplateError": "template_check",
    "check_template": "template_check",
    "Settings": "config",
    "OAuthSettings": "config",
    "origin_from_publishable_key": "config",
    "AuthContext": "context",
    "Scope": "context",
    "PrincipalType": "context",
    "is_valid_id": "context",
    "ConfigurationError": "errors",
    "Forbidden": "errors",
    "GatewayUnavailable": "errors",
    "RateLimited": "errors",
    "KeyNotYetKnown": "errors",
    "KeysUnavailable": "errors",
    "Reason": "errors",
    "Unauthenticated": "errors",
    "WachtAuthError": "errors",
    "JwksCache": "jwks",
    "JwksFetchError": "jwks",
    "fetch_jwks": "jwks",
    "Jwk": "keys",
    "KeySet": "keys",
    "InvalidMethodArn": "policy",
    "MethodArn": "policy",
    "PolicyBuilder": "policy",
    "RouteTableError": "policy",
    "check_route_table": "policy",
    "ANY": "routes",
    "AUTHENTICATED": "routes",
    "Access": "routes",
    "OPTIONAL": "routes",
    "ORGANIZATION": "routes",
    "PUBLIC": "routes",
    "SESSIONS_ONLY": "routes",
    "Requirement": "routes",
    "Route": "routes",
    "WORKSPACE": "routes",
    "find_route": "routes",
    "gateway_routes": "routes",
    "permission": "routes",
    "TokenVerifier": "verify",
}
"""Which submodule defines each public name."""


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
