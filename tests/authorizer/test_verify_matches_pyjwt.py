"""The verifier gives the verdict the PyJWT-based one gave, on valid tokens and on many broken ones.

wacht_auth.jws parses a token once with a compiled expression and verifies with PyJWT's algorithm
objects instead of ``jwt.decode`` (issue 15: first-seen cost). The oracle is the previous verifier
(tests/support/pyjwt_reference.py), unchanged but for its imports. Both must accept the same
tokens with the same AuthContext and refuse the others with the same reason; the one allowed
difference is deliberate: a token PyJWT's own parser calls malformed is MALFORMED before any key
lookup, where the old verifier could first name another fault of the same token.
"""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import pyjwt_reference
from tests.support.servers import FakeClock
from tests.support.tokens import SigningKey, jwks, session_claims
from wacht_auth import JwksCache, KeySet, Reason, TokenVerifier, Unauthenticated, WachtAuthError

ISSUER = "https://clerk.example.wacht"
ES_KEY = SigningKey("es-1")
RS_KEY = SigningKey("rs-1", "RS256")
NOW = 1_800_000_000.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _verdict(verifier_class, token: str):
    keys = JwksCache.static(KeySet.from_jwks(jwks(ES_KEY, RS_KEY)))
    verifier = verifier_class(ISSUER, keys, clock=FakeClock(start=NOW))
    try:
        return ("accepted", verifier.verify(token))
    except Unauthenticated as refusal:
        return ("refused", refusal.reason, refusal.detail if refusal.reason is Reason.MISSING_CLAIM else "")
    except WachtAuthError as error:
        return ("error", type(error).__name__)


def _pyjwt_parser_refuses(token: str) -> bool:
    try:
        jwt.api_jws.PyJWS()._load(token)
    except jwt.DecodeError:
        return True
    return False


def assert_same_verdict(token: str) -> None:
    ours, reference = _verdict(TokenVerifier, token), _verdict(pyjwt_reference.TokenVerifier, token)
    if ours != reference:
        assert ours[:2] == ("refused", Reason.MALFORMED) and _pyjwt_parser_refuses(token), (token, ours, reference)


def _signed(key: SigningKey, header: dict, payload: bytes) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(payload)}"
    algorithm = jwt.get_algorithm_by_name(key.algorithm)  # whatever the header claims
    return f"{signing_input}.{_b64(algorithm.sign(signing_input.encode(), key.private_key))}"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=6,
)
CLAIM_NAMES = st.sampled_from(["iss", "sub", "sid", "iat", "exp", "nbf", "aud", "jti", "organization", "workspace", "permissions"])
HEADER_NAMES = st.sampled_from(["alg", "kid", "typ", "b64", "crit", "jku", "x5c", "cty"])


@st.composite
def tokens(draw) -> str:
    key = draw(st.sampled_from([ES_KEY, RS_KEY]))
    claims = session_claims(ISSUER, now=NOW - draw(st.integers(-30, 4000)))
    for name in draw(st.lists(CLAIM_NAMES, max_size=2)):
        if draw(st.booleans()):
            claims.pop(name, None)
        else:
            claims[name] = draw(JSON_VALUES)
    header = {"alg": key.algorithm, "kid": key.kid, "typ": "JWT"}
    for name in draw(st.lists(HEADER_NAMES, max_size=2)):
        if draw(st.booleans()):
            header.pop(name, None)
        else:
            header[name] = draw(JSON_VALUES | st.sampled_from(["ES256", "RS256", "HS256", "none", "es-1", "rs-1", False]))
    payload = draw(st.sampled_from([json.dumps(claims).encode(), b"", b"[1]", b"{", json.dumps(claims).encode("utf-16")]))
    token = _signed(key, header, payload)
    mutation = draw(st.sampled_from(["none", "replace", "insert", "delete", "pad", "dots"]))
    if mutation == "none":
        return token
    position = draw(st.integers(0, len(token) - 1))
    character = draw(st.sampled_from(list("Aa0-_=+/.!~ \n\x00é")))
    if mutation == "replace":
        return token[:position] + character + token[position + 1:]
    if mutation == "insert":
        return token[:position] + character + token[position:]
    if mutation == "delete":
        return token[:position] + token[position + 1:]
    if mutation == "pad":
        segments = token.split(".")
        index = draw(st.integers(0, 2))
        segments[index] += "=" * draw(st.integers(1, 3))
        return ".".join(segments)
    return token + "." + draw(st.sampled_from(["", "x", "e30"]))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens())
def test_the_verdict_matches_pyjwts_on_generated_tokens(token):
    assert_same_verdict(token)


@pytest.mark.parametrize(
    "header, payload",
    [
        ({"alg": "ES256", "kid": "es-1"}, {"aud": "x"}),
        ({"alg": "ES256", "kid": "es-1"}, {"aud": ""}),
        ({"alg": "ES256", "kid": "es-1"}, {"jti": 5}),
        ({"alg": "ES256", "kid": "es-1"}, {"iss": None}),
        ({"alg": "ES256", "kid": "es-1"}, {"iss": 7}),
        ({"alg": "ES256", "kid": "es-1"}, {"exp": None}),
        ({"alg": "ES256", "kid": "es-1", "b64": False}, {}),
        ({"alg": "ES256", "kid": "es-1", "b64": True}, {}),
        ({"alg": "ES256"}, {}),
    ],
)
def test_the_verdict_matches_pyjwts_on_claims_and_headers_it_checks(header, payload):
    claims = {**session_claims(ISSUER, now=NOW), **payload}
    assert_same_verdict(_signed(ES_KEY, header, json.dumps(claims).encode()))


def test_an_unencoded_payload_header_with_an_empty_payload_matches_pyjwts_verdict():
    token = _signed(ES_KEY, {"alg": "ES256", "kid": "es-1", "b64": False}, b"")
    assert_same_verdict(token)


@pytest.mark.parametrize("padding", ["=", "==", "==="])
def test_padded_segments_get_pyjwts_verdict(padding):
    header, payload, signature = _signed(ES_KEY, {"alg": "ES256", "kid": "es-1"}, json.dumps(session_claims(ISSUER, now=NOW)).encode()).split(".")
    for token in (f"{header}{padding}.{payload}.{signature}", f"{header}.{payload}{padding}.{signature}", f"{header}.{payload}.{signature}{padding}"):
        assert_same_verdict(token)


def test_a_valid_token_is_accepted_by_both():
    token = ES_KEY.sign(session_claims(ISSUER, now=NOW))
    assert _verdict(TokenVerifier, token)[0] == "accepted"
    assert_same_verdict(token)


def test_a_null_kid_from_the_future_is_refused_for_its_time_first_as_before():
    # Found by the generated tokens: the reasons keep jwt.decode's order (iat before the header's kid).
    payload = json.dumps(session_claims(ISSUER, now=NOW + 60)).encode()
    assert_same_verdict(_signed(ES_KEY, {"alg": "ES256", "kid": None, "typ": "JWT"}, payload))
