"""The verifier as it was through ``jwt.decode`` (PyJWT 2.15): the oracle that the faster
verifier (wacht_auth.jws + verify) must agree with on every token (tests/authorizer/test_verify_matches_pyjwt.py).

Kept verbatim but for its imports and the bearer-header parsing it does not judge (``wacht_auth.bearer``);
not used by the product.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import time
from collections.abc import Callable
from typing import Any

import jwt

from wacht_auth.config import Settings
from wacht_auth.context import AuthContext
from wacht_auth.errors import ConfigurationError, Reason, Unauthenticated
from wacht_auth.expiring import ExpiringCache
from wacht_auth.jwks import JwksCache, fetch_jwks
from wacht_auth.keys import SUPPORTED_ALGORITHMS, KeySet

__all__ = ["MAX_TOKEN_BYTES", "TokenVerifier", "unverified_header"]

MAX_TOKEN_BYTES = 8192
"""Longer than any session token Wacht issues; API Gateway caps all headers at 10 KB anyway."""

_FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c")
_REQUIRED_CLAIMS = ["exp", "iat", "sub"]
# PyJWT checks the signature, the issuer and that the required claims are present; the time
# claims are checked below against the injected clock (PyJWT reads the wall clock itself).
_DECODE_OPTIONS = {"require": _REQUIRED_CLAIMS, "verify_exp": False, "verify_nbf": False, "verify_iat": False}
_PYJWT_REASONS = (
    (jwt.ExpiredSignatureError, Reason.EXPIRED),
    (jwt.ImmatureSignatureError, Reason.NOT_YET_VALID),
    (jwt.InvalidIssuerError, Reason.WRONG_ISSUER),
    (jwt.MissingRequiredClaimError, Reason.MISSING_CLAIM),
    (jwt.InvalidSignatureError, Reason.BAD_SIGNATURE),
    (jwt.InvalidAlgorithmError, Reason.UNSUPPORTED_ALGORITHM),
    (jwt.DecodeError, Reason.MALFORMED),
)


class TokenVerifier:
    """Verifies session tokens for one deployment. Build one per process, outside the handler."""

    def __init__(
        self,
        issuer: str,
        keys: JwksCache,
        *,
        clock_skew_seconds: int = 5,
        clock: Callable[[], float] = time.time,
        cache_size: int = 1024,
    ) -> None:
        self.issuer = issuer
        self.keys = keys
        self.clock_skew_seconds = self._skew = clock_skew_seconds
        self._clock = clock
        self._verified = ExpiringCache(cache_size, clock)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs) -> TokenVerifier:
        """The production wiring: a static key set from ``WACHT_JWKS``, else a fetching cache."""
        if settings.inline_jwks is not None:
            try:
                keys = JwksCache.static(KeySet.from_jwks(settings.inline_jwks))
            except ValueError as error:
                raise ConfigurationError("WACHT_JWKS", str(error)) from None
        else:
            url = settings.jwks_url
            keys = JwksCache(lambda: fetch_jwks(url))
        return cls(settings.issuer, keys, clock_skew_seconds=settings.clock_skew_seconds, **kwargs)

    def verify(self, token: str) -> AuthContext:
        """The AuthContext of a valid token.

        Raises Unauthenticated (with a Reason) for any token we will not accept, and
        KeysUnavailable when the key set cannot be had: the caller must answer 5xx, not 401.
        """
        cached = self._verified.get(token)
        if cached is not None:
            return cached
        if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
            raise Unauthenticated(Reason.TOO_LARGE if isinstance(token, str) else Reason.MALFORMED)
        auth = self._verify_uncached(token)
        self._verified.put(token, auth, expires_at=auth.expires_at + self._skew)
        return auth

    def _verify_uncached(self, token: str) -> AuthContext:
        header = unverified_header(token)
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in SUPPORTED_ALGORITHMS:
            raise Unauthenticated(Reason.UNSUPPORTED_ALGORITHM)
        if any(name in header for name in _FORBIDDEN_HEADERS):
            raise Unauthenticated(Reason.FORBIDDEN_HEADER)
        if "crit" in header:
            raise Unauthenticated(Reason.UNKNOWN_CRIT)
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise Unauthenticated(Reason.MALFORMED, "kid")
        # Refused before any key lookup: a token from the future must never make us fetch keys.
        issued_at = _unverified_issued_at(token)
        if issued_at is not None and issued_at > self._clock() + self._skew:
            raise Unauthenticated(Reason.ISSUED_IN_FUTURE)
        # The latest wall time it may have been issued, by our clock: iat's one-second resolution
        # plus the issuer's allowed skew. Only tells a possible key rotation from a key that is not ours.
        latest_issue_time = issued_at + 1 + self._skew if issued_at is not None else None
        claims = None
        for key in self.keys.candidates(kid, algorithm, latest_issue_time):
            if algorithm not in key.algorithms:
                raise Unauthenticated(Reason.UNSUPPORTED_ALGORITHM, "alg does not match the key")
            try:
                claims = jwt.decode(
                    token,
                    key.public_key,
                    algorithms=[algorithm],
                    issuer=self.issuer,
                    options=_DECODE_OPTIONS,
                )
                break
            except jwt.InvalidSignatureError:
                continue  # a kid-less token may match several keys: try the next one
            except jwt.PyJWTError as error:
                raise _unauthenticated(error) from None
        if claims is None:
            raise Unauthenticated(Reason.BAD_SIGNATURE)
        self._check_times(claims)
        return AuthContext.from_claims(claims)

    def _check_times(self, claims: dict[str, Any]) -> None:
        """exp and iat are required numbers, nbf an optional one; each allows the clock skew."""
        now = self._clock()
        expires_at = _numeric(claims, "exp")
        issued_at = _numeric(claims, "iat")
        not_before = _numeric(claims, "nbf") if "nbf" in claims else None
        if now >= expires_at + self._skew:
            raise Unauthenticated(Reason.EXPIRED)
        if issued_at > now + self._skew:
            raise Unauthenticated(Reason.ISSUED_IN_FUTURE)
        if not_before is not None and not_before > now + self._skew:
            raise Unauthenticated(Reason.NOT_YET_VALID)


def _numeric(claims: dict[str, Any], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Unauthenticated(Reason.INVALID_CLAIM, name)
    return value


def _unverified_issued_at(token: str) -> float | None:
    """The token's ``iat``, decoded but NOT verified (None when absent or not a finite number).

    Used only to refuse a token from the future and to tell a likely key rotation from an unknown
    key, never to accept anything; ``jwt.decode`` and ``_check_times`` are the authority.
    """
    try:
        value = _decoded_segment(token.split(".", 2)[1]).get("iat")
    except (IndexError, ValueError, AttributeError, binascii.Error, RecursionError):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, decoded but NOT verified: only for choosing a key and refusing early.

    PyJWT's get_unverified_header also decodes payload and signature (~20 µs); this reads only
    the header. ``jwt.decode`` parses the same bytes again and is the authority.
    """
    segment, dot, _ = token.partition(".")
    if not dot or not segment:
        raise Unauthenticated(Reason.MALFORMED)
    try:
        header = _decoded_segment(segment)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Unauthenticated(Reason.MALFORMED) from None
    if not isinstance(header, dict):
        raise Unauthenticated(Reason.MALFORMED)
    return header


def _decoded_segment(segment: str) -> Any:
    """A JWT segment as JSON: base64url without its padding. Raises ValueError (binascii.Error is one)."""
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _unauthenticated(error: Exception) -> Unauthenticated:
    for error_type, reason in _PYJWT_REASONS:
        if isinstance(error, error_type):
            detail = getattr(error, "claim", "") if reason is Reason.MISSING_CLAIM else ""
            return Unauthenticated(reason, detail)
    return Unauthenticated(Reason.INVALID_CLAIM)
