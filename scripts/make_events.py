"""Regenerate the sample events' tokens and the dev key set (``make events``).

The tokens are signed by a DEVELOPMENT key committed in events/dev-keys/ with a dev-only issuer
(``https://dev-only.wacht.invalid``), so `sam local invoke` verifies them without any network
through ``WACHT_JWKS`` in events/env.json. No real deployment ever trusts this key or issuer.
Pass ``--new-key`` to replace the dev key pair as well.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
KEY_DIR = EVENTS / "dev-keys"
PRIVATE_KEY = KEY_DIR / "dev-signing-key.pem"
JWKS_FILE = KEY_DIR / "jwks.json"
ENV_FILE = EVENTS / "env.json"
DEV_ISSUER = "https://dev-only.wacht.invalid"
DEV_KID = "dev-only-1"
LONG_LIVED_EXP = 4_102_444_800  # 2100-01-01: sample tokens must keep working
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/documents"

ALICE = {
    "sub": "72170182881052673",
    "sid": "72170182881052690",
    "organization": "72170190012345601",
    "workspace": "72170190012345777",
    "permissions": {"organization": ["organization:admin", "members:manage"], "workspace": ["workspace:admin", "documents:write"]},
}


def _load_or_create_key(new_key: bool) -> ec.EllipticCurvePrivateKey:
    if PRIVATE_KEY.exists() and not new_key:
        return serialization.load_pem_private_key(PRIVATE_KEY.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    KEY_DIR.mkdir(parents=True, exist_ok=True)
    PRIVATE_KEY.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return key


def _jwks(key: ec.EllipticCurvePrivateKey) -> dict:
    jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=DEV_KID, alg="ES256", use="sig")
    return {"keys": [jwk]}


def _token(key, claims: dict, *, kid: str = DEV_KID) -> str:
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})


def _event(authorization: str | None) -> dict:
    headers = {"Accept": "application/json", "Host": "abcdef1234.execute-api.us-east-1.amazonaws.com"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "resource": "/documents",
        "path": "/documents",
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "resourcePath": "/documents",
            "httpMethod": "GET",
            "path": "/prod/documents",
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "sample-event"},
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-key", action="store_true", help="replace the dev key pair too")
    args = parser.parse_args()

    key = _load_or_create_key(args.new_key)
    key_set = _jwks(key)
    JWKS_FILE.write_text(json.dumps(key_set, indent=2) + "\n")

    now = int(time.time())
    base = {"iss": DEV_ISSUER, "iat": now, "exp": LONG_LIVED_EXP, **ALICE}
    no_workspace = {k: v for k, v in base.items() if k != "workspace"}
    no_workspace["permissions"] = {"organization": ALICE["permissions"]["organization"], "workspace": []}
    stranger = ec.generate_private_key(ec.SECP256R1())  # a key nobody trusts, thrown away
    events = {
        "valid": _event(f"Bearer {_token(key, base)}"),
        "expired": _event(f"Bearer {_token(key, {**base, 'iat': now - 7200, 'exp': now - 3600})}"),
        "missing-header": _event(None),
        "bad-signature": _event(f"Bearer {_token(stranger, base)}"),
        "no-workspace": _event(f"Bearer {_token(key, no_workspace)}"),
    }
    for name, event in events.items():
        (EVENTS / "authorizer" / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n")

    env = json.loads(ENV_FILE.read_text()) if ENV_FILE.exists() else {}
    dev = {"WACHT_DEPLOYMENT_URL": DEV_ISSUER, "WACHT_JWKS": json.dumps(key_set, separators=(",", ":"))}
    for function in ("AuthorizerFunction", "HelloFunction"):
        env.setdefault(function, {}).update(dev)
    ENV_FILE.write_text(json.dumps(env, indent=2) + "\n")
    print(f"wrote {len(events)} authorizer events, {JWKS_FILE.relative_to(ROOT)} and {ENV_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
