"""Settings read once from the environment into a frozen value.

Every problem is a ConfigurationError naming the variable, raised at cold start, so a broken
deployment fails loudly (a 500 and a log line) instead of answering every caller with 401.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigurationError
from .origins import checked_origin, checked_url, is_loopback_host, origin_from_publishable_key
from .origins import jwks_url_from_environ as _jwks_url_from
from .origins import session_issuer_from_environ as _issuer_from

__all__ = ["OAuthSettings", "Settings", "clock_skew_from_environ", "is_loopback_host", "origin_from_publishable_key"]

_DEFAULT_CLOCK_SKEW_SECONDS = 5
_MAX_CLOCK_SKEW_SECONDS = 300
_API_KEY_PREFIX = re.compile(r"[A-Za-z0-9_]{2,64}")
_JWT_START = "eyJ"
"""base64url of '{"': how every JWT's header segment begins; an API key prefix must not overlap it."""


@dataclass(frozen=True)
class Settings:
    """How this deployment verifies Wacht session tokens."""

    issuer: str
    """The Wacht frontend API origin; a token's ``iss`` must equal it exactly."""
    jwks_url: str
    """Where the key set is fetched from (``<issuer>/.well-known/jwks.json`` unless overridden)."""
    inline_jwks: Mapping[str, Any] | None = None
    """A key set given in the environment: used instead of fetching, never refreshed."""
    clock_skew_seconds: int = _DEFAULT_CLOCK_SKEW_SECONDS
    oauth: OAuthSettings | None = None
    """The OAuth app whose JWT access tokens are verified here (None: OAuth JWTs are not accepted)."""
    gateway_url: str | None = None
    """Wacht's gateway (``POST {gateway_url}/v1/authz/check``) for API keys and opaque OAuth tokens;
    None: neither is accepted, and every bearer is judged as a JWT as before."""
    api_key_prefix: str | None = None
    """A bearer starting with this prefix is an API key (needs ``gateway_url``)."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ``WACHT_*`` variables; raise ConfigurationError naming the first bad one."""
        env = os.environ if environ is None else environ
        issuer = _issuer_from(env)
        jwks_url = _jwks_url_from(env)
        oauth = OAuthSettings.from_environ(env)
        if oauth is not None and oauth.issuer == issuer:
            raise ConfigurationError(
                "WACHT_OAUTH_ISSUER", "must differ from the session issuer (tokens are told apart by their iss)"
            )
        gateway_raw = env.get("WACHT_GATEWAY_URL", "").strip()
        gateway_url = checked_url(gateway_raw, "WACHT_GATEWAY_URL").rstrip("/") if gateway_raw else None
        prefix = env.get("WACHT_API_KEY_PREFIX", "").strip() or None
        if prefix is not None and not _API_KEY_PREFIX.fullmatch(prefix):
            raise ConfigurationError("WACHT_API_KEY_PREFIX", "must be letters, digits and '_' (e.g. acme_live_), 2-64 characters")
        if prefix is not None and (_JWT_START.startswith(prefix) or prefix.startswith(_JWT_START)):
            raise ConfigurationError("WACHT_API_KEY_PREFIX", f"must not be {prefix!r}: every JWT (session tokens too) starts with {_JWT_START}")
        if prefix is not None and gateway_url is None:
            raise ConfigurationError("WACHT_API_KEY_PREFIX", "needs WACHT_GATEWAY_URL: only Wacht's gateway can judge an API key")
        return cls(
            issuer=issuer,
            jwks_url=jwks_url,
            inline_jwks=_inline_jwks_from(env.get("WACHT_JWKS", "").strip()),
            clock_skew_seconds=_skew_from(env.get("WACHT_CLOCK_SKEW_SECONDS", "").strip()),
            oauth=oauth,
            gateway_url=gateway_url,
            api_key_prefix=prefix,
        )


@dataclass(frozen=True)
class OAuthSettings:
    """The OAuth app (Wacht as an OAuth provider) whose JWT access tokens this API accepts."""

    issuer: str
    """The OAuth app's issuer origin (``https://<oauth host>``); an access token's ``iss`` must equal it."""
    audience: str
    """This API's identifier; an access token's ``aud`` must equal it."""
    jwks_url: str
    """``<issuer>/.well-known/jwks.json`` unless overridden."""
    inline_jwks: Mapping[str, Any] | None = None

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> OAuthSettings | None:
        """``WACHT_OAUTH_ISSUER`` and ``WACHT_OAUTH_AUDIENCE`` (both or neither), optional
        ``WACHT_OAUTH_JWKS_URL`` / ``WACHT_OAUTH_JWKS``; None when no OAuth issuer is configured."""
        issuer_raw = env.get("WACHT_OAUTH_ISSUER", "").strip()
        audience = env.get("WACHT_OAUTH_AUDIENCE", "").strip()
        if not issuer_raw:
            if audience or env.get("WACHT_OAUTH_JWKS_URL", "").strip() or env.get("WACHT_OAUTH_JWKS", "").strip():
                raise ConfigurationError("WACHT_OAUTH_ISSUER", "is not set, but other WACHT_OAUTH_* variables are")
            return None
        issuer = checked_origin(issuer_raw, "WACHT_OAUTH_ISSUER")
        if not audience:
            raise ConfigurationError("WACHT_OAUTH_AUDIENCE", "is not set (the aud this API's access tokens carry)")
        jwks_url_raw = env.get("WACHT_OAUTH_JWKS_URL", "").strip()
        jwks_url = (
            checked_url(jwks_url_raw, "WACHT_OAUTH_JWKS_URL") if jwks_url_raw else f"{issuer}/.well-known/jwks.json"
        )
        return cls(
            issuer=issuer,
            audience=audience,
            jwks_url=jwks_url,
            inline_jwks=_inline_jwks_from(env.get("WACHT_OAUTH_JWKS", "").strip(), "WACHT_OAUTH_JWKS"),
        )


def clock_skew_from_environ(environ: Mapping[str, str] | None = None) -> int:
    """``WACHT_CLOCK_SKEW_SECONDS`` alone (0-300, default 5): functions judge ``tokenExpiresAt`` with it."""
    env = os.environ if environ is None else environ
    return _skew_from(env.get("WACHT_CLOCK_SKEW_SECONDS", "").strip())


def _inline_jwks_from(raw: str, variable: str = "WACHT_JWKS") -> Mapping[str, Any] | None:
    if not raw:
        return None
    try:
        document = json.loads(raw)
    except ValueError:
        raise ConfigurationError(variable, "is not valid JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list) or not document["keys"]:
        raise ConfigurationError(variable, 'must be a JSON object {"keys": [...]} with at least one key')
    return document


def _skew_from(raw: str) -> int:
    if not raw:
        return _DEFAULT_CLOCK_SKEW_SECONDS
    try:
        skew = int(raw)
    except ValueError:
        raise ConfigurationError("WACHT_CLOCK_SKEW_SECONDS", f"must be an integer, got {raw!r}") from None
    if not 0 <= skew <= _MAX_CLOCK_SKEW_SECONDS:
        raise ConfigurationError("WACHT_CLOCK_SKEW_SECONDS", f"must be between 0 and {_MAX_CLOCK_SKEW_SECONDS}")
    return skew
