"""Regenerate the sample events, their development keys and env files (``make events``).

Everything is signed by DEVELOPMENT keys committed in events/dev-keys/, under dev-only issuers
(``https://dev-only.wacht.invalid`` for sessions, ``https://oauth.dev-only.wacht.invalid`` for the
OAuth app), so `sam local invoke` verifies them without any network through ``WACHT_JWKS`` and
``WACHT_OAUTH_JWKS`` in events/env.json. No real deployment ever trusts these keys or issuers.

API keys and opaque OAuth tokens can only be judged by Wacht's gateway: their events need
events/env.gateway.json (env.json plus ``WACHT_GATEWAY_URL=http://127.0.0.1:3005`` and the
``dev_live_`` key prefix) and `make dev` running, whose gateway stand-in knows the sample
credentials listed in events/dev-keys/gateway-credentials.json.

Every function event behind the authorizer (events/api/) carries exactly the context the authorizer
produces for its caller: this script runs the real one (wacht_auth's Authorizer over the app's route
table, settings from env.gateway.json) against an in-process gateway stand-in holding the sample
credentials (a session event keeps its file's route, base path and body; only its caller is
refreshed). One thing is pinned: an API key's context is good for an hour from the check (Wacht
names no expiry), so the gateway check runs with its clock an hour before 2100-01-01, as the sample
tokens expire then too; sample events must keep working.

Pass ``--new-key`` to replace the dev key pairs as well.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common")]

from api_routes import ROUTES  # noqa: E402
from local_stack.api_gateway.events import gateway_context_value  # noqa: E402
from local_stack.wacht.gateway import CredentialBook, GatewayStandIn, sample_credentials  # noqa: E402
from wacht_auth import AccessTokenVerifier, Authorizer, GatewayCheck, Settings, TokenVerifier  # noqa: E402
from wacht_auth.gateway_check import UNKNOWN_EXPIRY_SECONDS  # noqa: E402

EVENTS = ROOT / "events"
KEY_DIR = EVENTS / "dev-keys"
PRIVATE_KEY = KEY_DIR / "dev-signing-key.pem"
JWKS_FILE = KEY_DIR / "jwks.json"
OAUTH_PRIVATE_KEY = KEY_DIR / "dev-oauth-signing-key.pem"
OAUTH_JWKS_FILE = KEY_DIR / "oauth-jwks.json"
CREDENTIALS_FILE = KEY_DIR / "gateway-credentials.json"
ENV_FILE = EVENTS / "env.json"
GATEWAY_ENV_FILE = EVENTS / "env.gateway.json"
DEV_ISSUER = "https://dev-only.wacht.invalid"
DEV_KID = "dev-only-1"
DEV_OAUTH_ISSUER = "https://oauth.dev-only.wacht.invalid"
DEV_OAUTH_KID = "dev-only-oauth-1"
DEV_OAUTH_AUDIENCE = "https://api.dev-only.wacht.invalid"
DEV_GATEWAY_URL = "http://127.0.0.1:3005"
"""`make dev`'s gateway stand-in (WACHT_GATEWAY_PORT's default)."""
DEV_API_KEY_PREFIX = "dev_live_"
"""`make dev`'s WachtApiKeyPrefix (local_stack.stack.DEV_API_KEY_PREFIX)."""
LONG_LIVED_EXP = 4_102_444_800  # 2100-01-01: sample tokens must keep working
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/documents"
STAGE_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod"
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
LATER_REQUEST_ID = "d7b0ab07-8c72-11e6-9a41-93e8deadbeef"
"""A later request served by API Gateway's cached Allow: the function asks the gateway again."""

ALICE = {
    "sub": "72170182881052673",
    "sid": "72170182881052690",
    "organization": "72170190012345601",
    "workspace": "72170190012345777",
    "permissions": {"organization": ["organization:admin", "members:manage"], "workspace": ["workspace:admin", "documents:write"]},
}
SESSIONS = {  # the sessions events/api/ uses, by the events that use them (ALICE for every other one)
    "documents-create-without-permission": {
        "sub": "72170182881052674", "sid": "72170182881052691", "organization": ALICE["organization"], "workspace": ALICE["workspace"],
        "permissions": {"organization": ["organization:member"], "workspace": ["workspace:member"]}},
    "documents-list-without-workspace": {
        "sub": "72170182881052675", "sid": "72170182881052692", "organization": ALICE["organization"],
        "permissions": {"organization": ["organization:member"], "workspace": []}},
}
OAUTH_CLIENT = "72170500000000001"
# The sample credentials `make dev`'s gateway stand-in knows (readable on purpose: dev only).
API_KEY = f"{DEV_API_KEY_PREFIX}sample0workspace0key0for0events0only000000"
ORG_ONLY_API_KEY = f"{DEV_API_KEY_PREFIX}sample0organization0key0for0events0only0"
UNKNOWN_API_KEY = f"{DEV_API_KEY_PREFIX}sample0made0up0key0nobody0issued00000000"
OPAQUE_TOKEN = "dev_oat_sample0opaque0oauth0token0for0events0only00"
SAMPLE_CREDENTIALS = [
    {"value": API_KEY, "principal_type": "api_key", "permissions": ["documents:write"],
     "identity": {"key_id": "72170300000000001", "deployment_id": "1", "app_slug": "aa_1", "key_name": "sample workspace key",
                  "owner_user_id": ALICE["sub"], "organization_id": ALICE["organization"], "workspace_id": ALICE["workspace"]}},
    {"value": ORG_ONLY_API_KEY, "principal_type": "api_key", "permissions": ["members:manage"],
     "identity": {"key_id": "72170300000000002", "deployment_id": "1", "app_slug": "aa_1", "key_name": "sample organization key",
                  "owner_user_id": None, "organization_id": ALICE["organization"], "workspace_id": None}},
    {"value": OPAQUE_TOKEN, "principal_type": "oauth_access_token", "permissions": ["profile"], "scopes": ["profile"],
     "client_id": OAUTH_CLIENT, "expires_at": LONG_LIVED_EXP,
     "identity": {"key_id": "72170400000000001", "deployment_id": "1", "app_slug": "oa_1", "key_name": OAUTH_CLIENT,
                  "owner_user_id": ALICE["sub"], "organization_id": None, "workspace_id": None}},
]


def _load_or_create(path: Path, new_key: bool, generate):
    if path.exists() and not new_key:
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = generate()
    KEY_DIR.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return key


def _jwks(key, kid: str, alg: str) -> dict:
    algorithm = ECAlgorithm if alg == "ES256" else RSAAlgorithm
    jwk = json.loads(algorithm.to_jwk(key.public_key()))
    jwk.update(kid=kid, alg=alg, use="sig")
    return {"keys": [jwk]}


def _token(key, claims: dict, *, kid: str = DEV_KID) -> str:
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": kid})


def _oauth_token(key, claims: dict) -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": DEV_OAUTH_KID, "typ": "JWT"})


def _event(authorization: str | None, *, method: str = "GET", path: str = "/documents", resource: str = "/documents",
           request_id: str = REQUEST_ID) -> dict:
    """A REQUEST authorizer event as API Gateway sends it."""
    headers = {"Accept": "application/json", "Host": "abcdef1234.execute-api.us-east-1.amazonaws.com"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return {
        "type": "REQUEST",
        "methodArn": f"{STAGE_ARN}/{method}{path}",
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/prod{path}",
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "stage": "prod",
            "requestId": request_id,
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "sample-event"},
        },
    }


def _filled_path(resource: str, path_parameters: dict[str, str]) -> str:
    """``resource`` with each ``{name}`` replaced by its value: the path a request for it had."""
    for name, value in path_parameters.items():
        resource = resource.replace(f"{{{name}}}", value)
    return resource


def _proxy_event(method: str, resource: str, path_parameters: dict[str, str], credential: str, answer: dict,
                 *, request_id: str = REQUEST_ID, body: dict | None = None) -> dict:
    """The proxy event a function receives behind the authorizer's ``answer`` for ``credential``."""
    path = _filled_path(resource, path_parameters)
    headers = {"Accept": "application/json", "Host": "abc123.execute-api.us-east-1.amazonaws.com", "Origin": "https://app.example.com"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    event = {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "resourceId": "r1", "stage": "prod", "requestId": request_id,
            "requestTimeEpoch": 1767225600000, "identity": {"sourceIp": "203.0.113.7", "userAgent": "sample-event"},
            "path": f"/prod{path}", "resourcePath": resource, "httpMethod": method, "protocol": "HTTP/1.1",
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }
    return _with_authorizer_answer(event, credential, answer)


def _with_authorizer_answer(event: dict, credential: str, answer: dict) -> dict:
    """``event`` as API Gateway hands it over behind the authorizer's ``answer`` for ``credential``:
    the context's values stringified under ``requestContext.authorizer``, ``principalId`` added."""
    context = {name: gateway_context_value(value) for name, value in answer["context"].items()}
    headers = {**event["headers"], "Authorization": f"Bearer {credential}"}
    request_context = {**event["requestContext"],
                       "authorizer": {**context, "principalId": answer["principalId"], "integrationLatency": "12"}}
    return {**event, "headers": headers, "multiValueHeaders": {name: [value] for name, value in headers.items()},
            "requestContext": request_context}


def _authorizer(env: dict[str, str], gateway_url: str) -> Authorizer:
    """The real authorizer as AuthorizerHandler.from_settings builds it, with the gateway check's
    clock pinned (see the module docstring)."""
    settings = Settings.from_environ({**env, "WACHT_GATEWAY_URL": gateway_url})
    pinned = GatewayCheck(settings.gateway_url, clock=lambda: LONG_LIVED_EXP - UNKNOWN_EXPIRY_SECONDS)
    return Authorizer(TokenVerifier.from_settings(settings), ROUTES,
                      oauth_verifier=AccessTokenVerifier.from_oauth_settings(settings.oauth),
                      gateway=pinned, api_key_prefix=settings.api_key_prefix)


def _function_events(authorizer: Authorizer, oauth_profile: str, oauth_email: str) -> dict[str, dict]:
    """Each function event from the authorizer's answer for that very request (same request id: the
    authorizer asked the gateway for it, so the function does not ask again), except the one served
    by an earlier request's cached Allow."""
    document = {"documentId": "018f2a3b4c5d0123456789abcdef"}
    member = {"memberId": "72170182881052699"}
    cases = {  # name: (credential, method, resource, path parameters, body)
        "me-oauth": (oauth_profile, "GET", "/me", {}, None),
        "whoami-oauth": (oauth_profile, "GET", "/whoami", {}, None),
        "whoami-oauth-without-profile": (oauth_email, "GET", "/whoami", {}, None),
        "documents-list-oauth": (oauth_profile, "GET", "/documents", {}, None),
        "me-oauth-opaque": (OPAQUE_TOKEN, "GET", "/me", {}, None),
        "me-api-key": (API_KEY, "GET", "/me", {}, None),
        "documents-list-api-key": (API_KEY, "GET", "/documents", {}, None),
        "documents-create-api-key": (API_KEY, "POST", "/documents", {}, {"title": "Created by an API key", "body": "Hello"}),
        "documents-get-api-key": (API_KEY, "GET", "/documents/{documentId}", document, None),
        "members-put-api-key": (API_KEY, "PUT", "/members/{memberId}", member, {"role": "organization:member"}),
        "documents-list-api-key-without-workspace": (ORG_ONLY_API_KEY, "GET", "/documents", {}, None),
    }
    events = {}
    for name, (credential, method, resource, parameters, body) in cases.items():
        path = _filled_path(resource, parameters)
        answer = authorizer.authorize(_event(f"Bearer {credential}", method=method, path=path, resource=resource))
        events[name] = _proxy_event(method, resource, parameters, credential, answer, body=body)
    earlier = authorizer.authorize(_event(f"Bearer {API_KEY}"))
    events["documents-list-api-key-next-request"] = _proxy_event("GET", "/documents", {}, API_KEY, earlier,
                                                                 request_id=LATER_REQUEST_ID)
    return events


def _session_events(authorizer: Authorizer, key, now: int, generated: set[str]) -> dict[str, dict]:
    """The session events of events/api/ (each file kept as it is: its route, base path, body), their
    context replaced by the authorizer's answer for a session token of ALICE or of ``SESSIONS[name]``.
    Events without an authorizer context (public and optional routes) stay as they are."""
    events = {}
    for path in sorted((EVENTS / "api").glob("*.json")):
        event = json.loads(path.read_text())
        if path.stem in generated or not event["requestContext"].get("authorizer"):
            continue
        token = _token(key, {"iss": DEV_ISSUER, "iat": now, "exp": LONG_LIVED_EXP, **SESSIONS.get(path.stem, ALICE)})
        route_path = _filled_path(event["resource"], event["pathParameters"] or {})
        answer = authorizer.authorize(_event(f"Bearer {token}", method=event["httpMethod"], path=route_path,
                                             resource=event["resource"], request_id=event["requestContext"]["requestId"]))
        events[path.stem] = _with_authorizer_answer(event, token, answer)
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new-key", action="store_true", help="replace the dev key pairs too")
    args = parser.parse_args()

    key = _load_or_create(PRIVATE_KEY, args.new_key, lambda: ec.generate_private_key(ec.SECP256R1()))
    oauth_key = _load_or_create(OAUTH_PRIVATE_KEY, args.new_key,
                                lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    key_set, oauth_key_set = _jwks(key, DEV_KID, "ES256"), _jwks(oauth_key, DEV_OAUTH_KID, "RS256")
    JWKS_FILE.write_text(json.dumps(key_set, indent=2) + "\n")
    OAUTH_JWKS_FILE.write_text(json.dumps(oauth_key_set, indent=2) + "\n")
    CREDENTIALS_FILE.write_text(json.dumps({
        "comment": "Development only: the credentials `make dev`'s gateway stand-in knows, so that the sample "
                   "events' API keys and opaque OAuth token are judged as documented (scripts/make_events.py).",
        "credentials": SAMPLE_CREDENTIALS,
    }, indent=2) + "\n")

    now = int(time.time())
    base = {"iss": DEV_ISSUER, "iat": now, "exp": LONG_LIVED_EXP, **ALICE}
    no_workspace = {k: v for k, v in base.items() if k != "workspace"}
    no_workspace["permissions"] = {"organization": ALICE["permissions"]["organization"], "workspace": []}
    stranger = ec.generate_private_key(ec.SECP256R1())  # a key nobody trusts, thrown away
    access = {"iss": DEV_OAUTH_ISSUER, "sub": ALICE["sub"], "aud": DEV_OAUTH_AUDIENCE, "iat": now, "exp": LONG_LIVED_EXP,
              "jti": "sample-access-token-1", "client_id": OAUTH_CLIENT, "scope": "openid profile", "token_use": "access_token"}
    oauth_profile = _oauth_token(oauth_key, access)
    oauth_email = _oauth_token(oauth_key, {**access, "jti": "sample-access-token-2", "scope": "openid email"})
    events = {
        "valid": _event(f"Bearer {_token(key, base)}"),
        "expired": _event(f"Bearer {_token(key, {**base, 'iat': now - 7200, 'exp': now - 3600})}"),
        "missing-header": _event(None),
        "bad-signature": _event(f"Bearer {_token(stranger, base)}"),
        "no-workspace": _event(f"Bearer {_token(key, no_workspace)}"),
        "oauth-valid": _event(f"Bearer {oauth_profile}"),
        # The OAuth app's id_token: same key and issuer, but never a bearer (Wacht's guide: check token_use).
        "oauth-id-token": _event(f"Bearer {_oauth_token(oauth_key, {**access, 'aud': OAUTH_CLIENT, 'token_use': 'id_token'})}"),
        "oauth-wrong-audience": _event(f"Bearer {_oauth_token(oauth_key, {**access, 'aud': 'https://another-api.example'})}"),
        "oauth-session-key": _event(f"Bearer {_token(key, access)}"),  # an OAuth token signed with the session key
        "api-key": _event(f"Bearer {API_KEY}"),
        "api-key-without-workspace": _event(f"Bearer {ORG_ONLY_API_KEY}"),
        "api-key-unknown": _event(f"Bearer {UNKNOWN_API_KEY}"),
        "oauth-opaque": _event(f"Bearer {OPAQUE_TOKEN}"),
    }
    for name, event in events.items():
        (EVENTS / "authorizer" / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n")

    dev = {"WACHT_DEPLOYMENT_URL": DEV_ISSUER, "WACHT_JWKS": json.dumps(key_set, separators=(",", ":"))}
    oauth = {"WACHT_OAUTH_ISSUER": DEV_OAUTH_ISSUER, "WACHT_OAUTH_AUDIENCE": DEV_OAUTH_AUDIENCE,
             "WACHT_OAUTH_JWKS": json.dumps(oauth_key_set, separators=(",", ":"))}
    gateway = {"WACHT_GATEWAY_URL": DEV_GATEWAY_URL, "WACHT_API_KEY_PREFIX": DEV_API_KEY_PREFIX}
    env = {"AuthorizerFunction": {**dev, **oauth}, "HelloFunction": dict(dev)}
    ENV_FILE.write_text(json.dumps(env, indent=2) + "\n")
    # The functions re-check API keys and opaque tokens with the gateway on a later request.
    gateway_env = {"AuthorizerFunction": {**dev, **oauth, **gateway}, "HelloFunction": dict(dev),
                   **{function: {"WACHT_GATEWAY_URL": DEV_GATEWAY_URL}
                      for function in ("MeFunction", "DocumentsFunction", "MembersFunction")}}
    GATEWAY_ENV_FILE.write_text(json.dumps(gateway_env, indent=2) + "\n")

    book = CredentialBook()
    for value, credential in sample_credentials({"credentials": SAMPLE_CREDENTIALS}).items():
        book.add(value, credential)
    service = GatewayStandIn(DEV_API_KEY_PREFIX, book).serve(0)
    try:
        authorizer = _authorizer(gateway_env["AuthorizerFunction"], service.origin)
        function_events = _function_events(authorizer, oauth_profile, oauth_email)
        function_events.update(_session_events(authorizer, key, now, set(function_events)))
    finally:
        service.stop()
    for name, event in function_events.items():
        (EVENTS / "api" / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n")
    print(f"wrote {len(events)} authorizer events, {len(function_events)} function events, the dev key sets, "
          f"{CREDENTIALS_FILE.relative_to(ROOT)}, {ENV_FILE.relative_to(ROOT)} and {GATEWAY_ENV_FILE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
