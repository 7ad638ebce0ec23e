"""Which JWKS entries become keys: only asymmetric signing keys, each bound to its algorithm."""

from __future__ import annotations

import pytest

from tests.support.tokens import SigningKey
from wacht_auth import KeySet


def test_ec_key_without_alg_is_bound_to_its_curve():
    jwk = SigningKey("k", "ES384").jwk
    del jwk["alg"]
    (key,) = KeySet.from_jwks({"keys": [jwk]}).keys
    assert key.algorithms == {"ES384"}


def test_rsa_key_without_alg_allows_the_rs_family():
    jwk = SigningKey("r", "RS256").jwk
    del jwk["alg"]
    (key,) = KeySet.from_jwks({"keys": [jwk]}).keys
    assert key.algorithms == {"RS256", "RS384", "RS512"}


@pytest.mark.parametrize(
    "mutate",
    [
        lambda jwk: {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"},
        lambda jwk: {**jwk, "alg": "ES384"},  # alg disagrees with the P-256 curve
        lambda jwk: {**jwk, "alg": "HS256"},
        lambda jwk: {**jwk, "use": "enc"},
        lambda jwk: {**jwk, "d": "private-part"},
        lambda jwk: {**jwk, "crv": "secp256k1"},
        lambda jwk: {**jwk, "kid": 7},
        lambda jwk: {**jwk, "x": "not-base64!"},
        lambda jwk: {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        lambda jwk: "not an object",
    ],
    ids=["oct", "alg-mismatch", "hs-alg", "use-enc", "private", "curve", "kid-type", "bad-x", "okp", "string"],
)
def test_unusable_entries_are_skipped(mutate):
    good = SigningKey("good").jwk
    keys = KeySet.from_jwks({"keys": [mutate(SigningKey("bad").jwk), good]})
    assert [key.kid for key in keys.keys] == ["good"]


def test_small_rsa_keys_are_skipped():
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = SigningKey("weak", "RS256", private_key=rsa.generate_private_key(public_exponent=65537, key_size=1024))
    with pytest.raises(ValueError, match="no usable"):
        KeySet.from_jwks({"keys": [weak.jwk]})


@pytest.mark.parametrize("document", [{}, {"keys": "x"}, [], {"keys": []}])
def test_a_document_without_usable_keys_is_an_error(document):
    with pytest.raises(ValueError):
        KeySet.from_jwks(document)
