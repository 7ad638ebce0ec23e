"""Everything under events/ is either a sample event that a test invokes against the real handler,
or one of the files those invocations need (the env files and the development keys), kept consistent.

The per-folder tests (tests/authorizer/test_sample_events.py, tests/functions/test_events.py) each
name the answer of every event in their folder; this test fails for an event file that neither
names, in any folder, so a new sample cannot be committed without a test that runs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization

from tests.authorizer.test_sample_events import EXPECTED as AUTHORIZER_EVENTS
from tests.functions.test_events import EXPECTED_STATUS as FUNCTION_EVENTS

EVENTS = Path(__file__).resolve().parents[2] / "events"
KEYS = EVENTS / "dev-keys"
SUPPORT_FILES = {
    "env.json", "env.gateway.json",
    "dev-keys/dev-signing-key.pem", "dev-keys/jwks.json",
    "dev-keys/dev-oauth-signing-key.pem", "dev-keys/oauth-jwks.json",
    "dev-keys/gateway-credentials.json",
}


def test_every_file_under_events_is_a_tested_event_or_a_file_they_need():
    files = {path.relative_to(EVENTS).as_posix() for path in EVENTS.rglob("*") if path.is_file()}
    tested = {f"authorizer/{name}.json" for name in AUTHORIZER_EVENTS} | {f"api/{name}.json" for name in FUNCTION_EVENTS}
    assert files - SUPPORT_FILES == tested, "an event file without a test, or a tested event that is missing"
    assert SUPPORT_FILES <= files


def test_the_key_sets_are_the_public_halves_of_the_dev_keys_and_the_env_files_carry_them():
    env = json.loads((EVENTS / "env.json").read_text())
    gateway_env = json.loads((EVENTS / "env.gateway.json").read_text())
    for pem, key_set_file, variable in (("dev-signing-key.pem", "jwks.json", "WACHT_JWKS"),
                                        ("dev-oauth-signing-key.pem", "oauth-jwks.json", "WACHT_OAUTH_JWKS")):
        key_set = json.loads((KEYS / key_set_file).read_text())
        (published,) = key_set["keys"]
        private = serialization.load_pem_private_key((KEYS / pem).read_bytes(), password=None)
        assert jwt.PyJWK.from_dict(published).key.public_numbers() == private.public_key().public_numbers()
        assert json.loads(env["AuthorizerFunction"][variable]) == key_set
        assert json.loads(gateway_env["AuthorizerFunction"][variable]) == key_set
    # env.gateway.json is env.json plus the gateway: the networkless events answer the same under either.
    assert {k: v for k, v in gateway_env["AuthorizerFunction"].items() if not k.startswith(("WACHT_GATEWAY", "WACHT_API_KEY"))} \
        == env["AuthorizerFunction"]


def test_every_sample_credential_is_used_by_an_event():
    credentials = json.loads((KEYS / "gateway-credentials.json").read_text())["credentials"]
    texts = [path.read_text() for path in EVENTS.glob("*/*.json") if path.parent.name in ("authorizer", "api")]
    for credential in credentials:
        assert any(f"Bearer {credential['value']}" in text for text in texts), credential["identity"]["key_name"]


def test_make_devs_gateway_stand_in_knows_the_sample_credentials_under_the_prefix_env_gateway_json_names():
    from local_stack.config import StackConfig
    from local_stack.stack import DEV_API_KEY_PREFIX, LocalStack

    stack = LocalStack(StackConfig())  # built, not started: nothing listens
    known = stack.wacht_gateway.book.credentials
    for credential in json.loads((KEYS / "gateway-credentials.json").read_text())["credentials"]:
        assert known[credential["value"]].principal_type == credential["principal_type"]
    gateway_env = json.loads((EVENTS / "env.gateway.json").read_text())["AuthorizerFunction"]
    assert gateway_env["WACHT_API_KEY_PREFIX"] == DEV_API_KEY_PREFIX == stack.wacht_gateway.key_prefix
    assert gateway_env["WACHT_GATEWAY_URL"] == f"http://127.0.0.1:{StackConfig().gateway_port}"
