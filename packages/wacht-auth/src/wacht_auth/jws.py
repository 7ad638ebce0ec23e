"""A token in JWS compact serialization, parsed once, and its signature checked with PyJWT's algorithms.

``jwt.decode`` checks every segment's base64url alphabet byte by byte in a Python generator:
about a fifth of a first-seen decision. Here one compiled regular expression checks all three
segments with the same rules (PyJWT 2.15's ``_decode_base64url_segment``: the base64url alphabet,
at most two ``=`` and only to a multiple of four, no length of 4n+1, canonical trailing bits),
each segment is decoded once, and the signature is verified by PyJWT's public algorithm objects
(``jwt.algorithms``), which PyJWT itself uses. What ``jwt.decode`` checks of the claims is in
``verify.TokenVerifier._check_claims``; the differential test holds the two to the same verdicts.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from typing import Any

from jwt.algorithms import get_default_algorithms

from .errors import Reason, Unauthenticated

__all__ = ["CompactJws", "signature_verifies", "unverified_header"]

_B64 = "[A-Za-z0-9_-]"
# A whole number of 4-character groups, then optionally 2 or 3 characters whose unused low bits
# are zero (their last character is then one of these), padded with "=" or not.
_SEGMENT = rf"(?:{_B64}{{4}})*(?:{_B64}[AQgw](?:==)?|{_B64}{{2}}[AEIMQUYcgkosw048]=?)?"
_COMPACT = re.compile(rf"({_SEGMENT})\.({_SEGMENT})\.({_SEGMENT})")

_UNPARSED = object()


def _decoded(segment: str) -> bytes:
    """A segment that matched ``_SEGMENT``: always valid base64url (padding restored)."""
    return base64.urlsafe_b64decode(segment.rstrip("=") + "=" * (-len(segment.rstrip("=")) % 4))


def _json(data: bytes) -> Any:
    """JSON as PyJWT reads it (bytes: UTF-8/16/32 detected); MALFORMED for anything else.

    RecursionError included: on Python 3.12.0/3.12.1 a header of 2000 nested arrays raises it
    (a 2.7 KB token), and it must be a 401 like any other malformed token, never a 500.
    """
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise Unauthenticated(Reason.MALFORMED) from None


class CompactJws:
    """``header.payload.signature``: the header decoded (a JSON object), the rest decoded on demand."""

    __slots__ = ("_claims", "header", "payload_segment", "signature", "signing_input")

    def __init__(self, header: dict[str, Any], signing_input: str, payload_segment: str, signature: bytes) -> None:
        self.header = header
        self.signing_input = signing_input
        self.payload_segment = payload_segment
        self.signature = signature
        self._claims: Any = _UNPARSED

    @classmethod
    def parse(cls, token: str) -> CompactJws:
        """Raises Unauthenticated(MALFORMED) unless ``token`` is three well-formed segments whose
        header is a JSON object. Signature and claims are not checked here."""
        match = _COMPACT.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            raise Unauthenticated(Reason.MALFORMED)
        header_segment, payload_segment, signature_segment = match.groups()
        header = _json(_decoded(header_segment))
        if not isinstance(header, dict):
            raise Unauthenticated(Reason.MALFORMED)
        signing_input = token[: match.end(2)]
        return cls(header, signing_input, payload_segment, _decoded(signature_segment))

    def claims(self) -> dict[str, Any]:
        """The payload as a JSON object (NOT verified by itself); MALFORMED otherwise. Decoded once."""
        if self._claims is _UNPARSED:
            try:
                claims = _json(_decoded(self.payload_segment))
                self._claims = claims if isinstance(claims, dict) else Unauthenticated(Reason.MALFORMED)
            except Unauthenticated as refusal:
                self._claims = refusal
        if isinstance(self._claims, Unauthenticated):
            raise Unauthenticated(self._claims.reason)
        return self._claims

    def unverified_claim(self, name: str) -> Any:
        """The payload's ``name``, decoded but NOT verified: None when absent or the payload does not parse.

        Only to pick a verifier or to refuse early, never to accept anything.
        """
        try:
            return self.claims().get(name)
        except Unauthenticated:
            return None


def signature_verifies(jws: CompactJws, algorithm: str, public_key: Any) -> bool:
    """True when ``public_key`` (a cryptography key object) signed ``jws`` with ``algorithm``."""
    return _algorithms()[algorithm].verify(jws.signing_input.encode("ascii"), public_key, jws.signature)


@functools.cache
def _algorithms() -> dict[str, Any]:
    """PyJWT's algorithm objects for the asymmetric algorithms we accept (never HS* or none).

    Built on first use: parsing needs no ``cryptography``, so the parser runs wherever PyJWT does.
    """
    from .keys import SUPPORTED_ALGORITHMS

    return {name: algorithm for name, algorithm in get_default_algorithms().items() if name in SUPPORTED_ALGORITHMS}


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, decoded but NOT verified: only for choosing a key and refusing early.

    Raises Unauthenticated(MALFORMED) for a token that is not three well-formed segments or whose
    header is not a JSON object (nested too deep included).
    """
    return CompactJws.parse(token).header


