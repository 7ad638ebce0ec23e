"""The local stack's settings, read once from the environment into a frozen value.

Every port accepts 0 (a free port, what the tests use); every server binds 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["DEFAULT_BACKEND_SECRET", "StackConfig", "StackConfigError"]

DEFAULT_BACKEND_SECRET = "sk_test_local_stack_only"
"""Shared by the Backend API stand-in and the functions; never a real Wacht secret."""


class StackConfigError(ValueError):
    """Raised for a bad environment variable; the message names it."""


@dataclass(frozen=True)
class StackConfig:
    api_port: int = 3000
    """PORT: the local API Gateway."""
    idp_port: int = 3001
    """WACHT_DEV_IDP_PORT: the dev identity provider (its origin is the issuer)."""
    backend_api_port: int = 3002
    """WACHT_BACKEND_API_PORT: the Wacht Backend API stand-in."""
    admin_port: int = 3003
    """LOCAL_STACK_ADMIN_PORT: stats and authorizer-cache flush for tests (not part of the API)."""
    oauth_port: int = 3004
    """WACHT_DEV_OAUTH_PORT: the dev IdP's OAuth app (its origin is the OAuth issuer)."""
    gateway_port: int = 3005
    """WACHT_GATEWAY_PORT: the Wacht gateway stand-in (API keys, opaque OAuth tokens)."""
    dynamodb_port: int = 8000
    """LOCAL_DYNAMODB_PORT: the embedded moto server (ignored with DYNAMODB_ENDPOINT_URL)."""
    dynamodb_endpoint_url: str | None = None
    """DYNAMODB_ENDPOINT_URL: use this DynamoDB-compatible endpoint instead of the embedded one."""
    allowed_origin: str = "http://localhost:5173"
    """ALLOWED_ORIGIN: the browser origin allowed by CORS (the frontend dev server)."""
    backend_secret: str = DEFAULT_BACKEND_SECRET
    """WACHT_BACKEND_SECRET: what the stand-in expects and the functions send."""
    authorizer_ttl_seconds: int | None = None
    """AUTHORIZER_CACHE_TTL_SECONDS: overrides the template parameter AuthorizerCacheTtlSeconds."""
    region: str = "us-east-1"
    """AWS_REGION: the region in ARNs and for the DynamoDB client."""
    lambda_concurrency: int = 1000
    """LOCAL_LAMBDA_CONCURRENCY: the account's concurrency quota (AWS's default 1000; a new account may have 10),
    shared by every function without a reservation; this machine's room caps it further."""
    fault_injection: bool = False
    """LOCAL_STACK_FAULTS=1: a fault proxy in front of DynamoDB and the admin's /faults switches (the chaos run)."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> StackConfig:
        env = os.environ if environ is None else environ
        defaults = cls()
        ttl = env.get("AUTHORIZER_CACHE_TTL_SECONDS", "").strip()
        endpoint = env.get("DYNAMODB_ENDPOINT_URL", "").strip() or None
        concurrency = env.get("LOCAL_LAMBDA_CONCURRENCY", "").strip()
        if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
            raise StackConfigError(f"DYNAMODB_ENDPOINT_URL must be an http(s) URL, got {endpoint!r}")
        return cls(
            api_port=_port(env, "PORT", defaults.api_port),
            idp_port=_port(env, "WACHT_DEV_IDP_PORT", defaults.idp_port),
            backend_api_port=_port(env, "WACHT_BACKEND_API_PORT", defaults.backend_api_port),
            admin_port=_port(env, "LOCAL_STACK_ADMIN_PORT", defaults.admin_port),
            oauth_port=_port(env, "WACHT_DEV_OAUTH_PORT", defaults.oauth_port),
            gateway_port=_port(env, "WACHT_GATEWAY_PORT", defaults.gateway_port),
            dynamodb_port=_port(env, "LOCAL_DYNAMODB_PORT", defaults.dynamodb_port),
            dynamodb_endpoint_url=endpoint,
            allowed_origin=env.get("ALLOWED_ORIGIN", "").strip() or defaults.allowed_origin,
            backend_secret=env.get("WACHT_BACKEND_SECRET", "").strip() or defaults.backend_secret,
            authorizer_ttl_seconds=_integer(ttl, "AUTHORIZER_CACHE_TTL_SECONDS", 0, 3600) if ttl else None,
            region=env.get("AWS_REGION", "").strip() or defaults.region,
            lambda_concurrency=_integer(concurrency, "LOCAL_LAMBDA_CONCURRENCY", 1, 100_000) if concurrency
            else defaults.lambda_concurrency,
            fault_injection=_flag(env, "LOCAL_STACK_FAULTS"),
        )


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    return _integer(raw, name, 0, 65535) if raw else default


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw not in ("", "0", "1", "true", "false"):
        raise StackConfigError(f"{name} must be 1 or 0, got {raw!r}")
    return raw in ("1", "true")


def _integer(raw: str, name: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise StackConfigError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise StackConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value
