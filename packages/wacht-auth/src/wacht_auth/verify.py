"""Verifying a Wacht session token: header rules, key choice, signature and claims.

Stricter than both official SDKs: ``exp``, ``iat``, ``sub`` and the session id are required
(PyJWT only checks ``exp`` when present), the algorithm is pinned to the key that verifies it,
keys named by the token itself (``jku``, ``x5u``, ``jwk``, ``x5c``) are refused, and any ``crit``
header is refused (we implement no JWS extension). A token whose ``iat`` is later than now plus
the clock skew is refused before any key lookup, so it can never make us fetch keys. Verified
tokens are remembered until they expire, so a repeated token costs a dict lookup instead of a
signature check.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from .config import Settings
from .bearer import bearer_token as bearer_token
from .context import AuthContext
from .errors import ConfigurationError, Reason, Unauthenticated
from .expiring import ExpiringCache
from .jwks import JwksCache, fetch_jwks
from .jws import CompactJws, signature_verifies
from .jws import unverified_header as unverified_header
from .keys import SUPPORTED_ALGORITHMS, KeySet
from .prefetch import claim_prefetch


__all__ = ["MAX_TOKEN_BYTES", "TokenVerifier", "bearer_token", "key_cache", "unverified_header"]

MAX_TOKEN_BYTES = 8192
"""Longer than any session token Wacht issues; API Gateway caps all headers at 10 KB anyway."""

_FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c")


def key_cache(inline_jwks: Mapping[str, Any] | None, jwks_url: str, variable: str) -> JwksCache:
    """One issuer's key cache: static from an inline key set (``variable`` names it in a
    ConfigurationError), else fetching ``jwks_url`` and taking over a prefetch of that URL
    (``wacht_auth.prefetch``) when the cold start began one."""
    if inline_jwks is not None:
        try:
            return JwksCache.static(KeySet.from_jwks(inline_jwks))
        except ValueError as error:
            raise ConfigurationError(variable, str(error)) from None
    return JwksCache(lambda: fetch_jwks(jwks_url), prefetched=claim_prefetch(jwks_url))


class TokenVerifier:
    """Verifies session tokens for one deployment. Build one per process, outside the handler.

    ``AccessTokenVerifier`` (``wacht_auth.access_tokens``) reuses the same steps for OAuth access
    tokens with its own issuer, key set, algorithm and claim rules (``algorithms``, ``required_claims``,
    ``_check_claims``, ``_context``).
    """

    algorithms: frozenset[str] = SUPPORTED_ALGORITHMS
    """The ``alg`` values accepted in a token's header; any other is UNSUPPORTED_ALGORITHM before any key is used."""
    required_claims: tuple[str, ...] = ("exp", "iat", "sub")
    """Present and not null (as PyJWT's ``require`` option); the session id is required by AuthContext."""

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
        self.jwks_url: str | None = None
        """Where ``keys`` come from, for the outage log line (set by ``from_settings``)."""
        self.clock_skew_seconds = self._skew = clock_skew_seconds
        self._clock = clock
        self._verified = ExpiringCache(cache_size, clock)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs) -> TokenVerifier:
        """The production wiring: a static key set from ``WACHT_JWKS``, else a fetching cache."""
        keys = key_cache(settings.inline_jwks, settings.jwks_url, "WACHT_JWKS")
        verifier = cls(settings.issuer, keys, clock_skew_seconds=settings.clock_skew_seconds, **kwargs)
        verifier.jwks_url = settings.jwks_url
        return verifier

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
        jws = CompactJws.parse(token)  # every segment checked once; MALFORMED before any key lookup
        header = jws.header
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self.algorithms:
            raise Unauthenticated(Reason.UNSUPPORTED_ALGORITHM)
        if any(name in header for name in _FORBIDDEN_HEADERS):
            raise Unauthenticated(Reason.FORBIDDEN_HEADER)
        if "crit" in header:
            raise Unauthenticated(Reason.UNKNOWN_CRIT)
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise Unauthenticated(Reason.MALFORMED, "kid")
        # Refused before any key lookup: a token from the future must never make us fetch keys.
        issued_at = _unverified_issued_at(jws)
        if issued_at is not None and issued_at > self._clock() + self._skew:
            raise Unauthenticated(Reason.ISSUED_IN_FUTURE)
        # What jwt.decode refused after that check (the order the reasons keep):
        if "kid" in header and kid is None:
            # A null kid is no kid at all for key choice, but PyJWT refuses it (INVALID_CLAIM, as before).
            raise Unauthenticated(Reason.INVALID_CLAIM, "kid")
        if header.get("b64", True) is False:
            # RFC 7797's unencoded payload needs "b64" in "crit" (refused above): as PyJWT refuses it.
            raise Unauthenticated(Reason.MALFORMED if jws.payload_segment else Reason.INVALID_CLAIM, "b64")
        # The latest wall time it may have been issued, by our clock: iat's one-second resolution
        # plus the issuer's allowed skew. Only tells a possible key rotation from a key that is not ours.
        # A token that names another issuer (an OAuth access token where only sessions are read) is
        # not ours either: its unknown kid never makes us fetch, nor answers 5xx within the cooldown.
        ours = jws.unverified_claim("iss") in (None, self.issuer)
        latest_issue_time = issued_at + 1 + self._skew if issued_at is not None and ours else None
        for key in self.keys.candidates(kid, algorithm, latest_issue_time):
            if algorithm not in key.algorithms:
                raise Unauthenticated(Reason.UNSUPPORTED_ALGORITHM, "alg does not match the key")
            if signature_verifies(jws, algorithm, key.public_key):
                break
            # a kid-less token may match several keys: try the next one
        else:
            raise Unauthenticated(Reason.BAD_SIGNATURE)
        claims = jws.claims()  # only now: an unsigned payload's shape never decides a refusal
        self._check_claims(claims)
        self._check_times(claims)
        return self._context(claims)

    def _context(self, claims: dict[str, Any]) -> AuthContext:
        """The AuthContext of verified claims (a session's, current or legacy shape)."""
        return AuthContext.from_claims(claims)

    def _check_claims(self, claims: dict[str, Any]) -> None:
        """What ``jwt.decode`` checked, in its order, with the reasons it mapped to.

        Required claims present and not null; ``iss`` a string equal to the issuer; no ``aud``
        (session tokens have none, and PyJWT refuses one it was not told to expect); ``sub`` and
        ``jti`` strings when present.
        """
        self._check_required_and_issuer(claims)
        if claims.get("aud"):
            raise Unauthenticated(Reason.INVALID_CLAIM, "aud")
        for name in ("sub", "jti"):
            if name in claims and not isinstance(claims[name], str):
                raise Unauthenticated(Reason.INVALID_CLAIM, name)

    def _check_required_and_issuer(self, claims: dict[str, Any]) -> None:
        """Every ``required_claims`` entry present and not null, then ``iss`` a string equal to the issuer."""
        for name in self.required_claims:
            if claims.get(name) is None:
                raise Unauthenticated(Reason.MISSING_CLAIM, name)
        if "iss" not in claims:
            raise Unauthenticated(Reason.MISSING_CLAIM, "iss")
        if not isinstance(claims["iss"], str) or claims["iss"] != self.issuer:
            raise Unauthenticated(Reason.WRONG_ISSUER)

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


def _unverified_issued_at(jws: CompactJws) -> float | None:
    """The token's ``iat``, decoded but NOT verified (None when absent or not a finite number).

    Used only to refuse a token from the future and to tell a likely key rotation from an unknown
    key, never to accept anything; the signature check and ``_check_times`` are the authority.
    """
    value = jws.unverified_claim("iat")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value
