"""The settings' URL checks: issuer origins, the key set's URL, https except on loopback.

Standard library only and no dataclasses, so ``wacht_auth.prefetch`` can check the key set's URL
(exactly as ``Settings.from_environ`` does, with these same functions) before anything heavy
loads, and send its request at once.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from .errors import ConfigurationError

__all__ = [
    "checked_origin",
    "checked_url",
    "is_loopback_host",
    "jwks_url_from_environ",
    "origin_from_publishable_key",
    "session_issuer_from_environ",
]

_PUBLISHABLE_KEY_PREFIXES = ("pk_test_", "pk_live_")


def jwks_url_from_environ(env: Mapping[str, str]) -> str:
    """Where the session key set is fetched: ``WACHT_JWKS_URL``, else ``<issuer>/.well-known/jwks.json``.
    Raises ConfigurationError naming the variable, as ``Settings.from_environ`` (which calls it)."""
    issuer = session_issuer_from_environ(env)
    jwks_url_raw = env.get("WACHT_JWKS_URL", "").strip()
    return checked_url(jwks_url_raw, "WACHT_JWKS_URL") if jwks_url_raw else f"{issuer}/.well-known/jwks.json"


def origin_from_publishable_key(key: str) -> str:
    """Decode ``pk_test_``/``pk_live_`` + base64(URL) into the frontend API origin.

    Raises ConfigurationError for a key that has the wrong prefix or does not decode to a URL.
    """
    key = key.strip()
    prefix = next((p for p in _PUBLISHABLE_KEY_PREFIXES if key.startswith(p)), None)
    if prefix is None:
        raise ConfigurationError("WACHT_PUBLISHABLE_KEY", "must start with pk_test_ or pk_live_")
    encoded = key[len(prefix) :]
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ConfigurationError("WACHT_PUBLISHABLE_KEY", "is not base64 of a URL") from None
    return checked_origin(decoded, "WACHT_PUBLISHABLE_KEY", allow_path=True)  # wacht.md: take its origin


def session_issuer_from_environ(env: Mapping[str, str]) -> str:
    """The session tokens' issuer: ``WACHT_DEPLOYMENT_URL``'s origin, else ``WACHT_PUBLISHABLE_KEY``'s."""
    deployment_url = env.get("WACHT_DEPLOYMENT_URL", "").strip()
    if deployment_url:
        return checked_origin(deployment_url, "WACHT_DEPLOYMENT_URL")
    publishable_key = env.get("WACHT_PUBLISHABLE_KEY", "").strip()
    if publishable_key:
        return origin_from_publishable_key(publishable_key)
    raise ConfigurationError(
        "WACHT_DEPLOYMENT_URL", "is not set (set it, or WACHT_PUBLISHABLE_KEY, to the Wacht frontend API origin)"
    )


def checked_url(value: str, variable: str) -> str:
    """Accept https anywhere, plain http only on a loopback host (local development)."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise ConfigurationError(variable, "is not a valid URL") from None
    if not host or parts.scheme.lower() not in ("https", "http"):
        raise ConfigurationError(variable, "must be an absolute https:// URL")
    if parts.scheme.lower() == "http" and not is_loopback_host(host):
        raise ConfigurationError(variable, "must use https (plain http is allowed only for loopback hosts)")
    if parts.username or parts.password:
        raise ConfigurationError(variable, "must not carry credentials")
    return value


def checked_origin(value: str, variable: str, *, allow_path: bool = False) -> str:
    """The canonical origin: lowercase scheme and host, no default port (as Wacht writes ``iss``).

    Without ``allow_path``, anything after the origin but a trailing slash is an error.
    """
    checked_url(value, variable)
    parts = urlsplit(value)
    if not allow_path and (parts.path not in ("", "/") or parts.query or parts.fragment):
        raise ConfigurationError(variable, "must be an origin such as https://frontend.example.com, without a path")
    scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    host = f"[{host}]" if ":" in host else host  # hostname is lowercased and unbracketed
    default_port = {"https": 443, "http": 80}[scheme]
    return f"{scheme}://{host}" if port in (None, default_port) else f"{scheme}://{host}:{port}"


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback IP (as urlsplit gives a hostname: lower-case, unbracketed)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
