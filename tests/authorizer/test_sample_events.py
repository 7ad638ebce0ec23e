"""Every events/authorizer/*.json, invoked as `sam local invoke AuthorizerFunction -e ... --env-vars <env file>` would.

Session and OAuth JWT events need only events/env.json (inline key sets: no network). API-key and
opaque-token events are judged by Wacht's gateway: they take events/env.gateway.json, whose gateway is
`make dev`'s stand-in on 127.0.0.1:3005; here a stand-in on a free port holding the same sample
credentials (events/dev-keys/gateway-credentials.json) takes its place.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from local_stack.api_gateway.iam import is_allowed
from local_stack.wacht.gateway import CredentialBook, GatewayStandIn, sample_credentials
from tests.authorizer.test_handler import invoke, load_authorizer

EVENTS = Path(__file__).resolve().parents[2] / "events"
ENV_FILES = {"env.json": json.loads((EVENTS / "env.json").read_text()),
             "env.gateway.json": json.loads((EVENTS / "env.gateway.json").read_text())}
ENV = ENV_FILES["env.json"]["AuthorizerFunction"]
GATEWAY_ENV = ENV_FILES["env.gateway.json"]["AuthorizerFunction"]
STAGE = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod"
ALICE = "72170182881052673"
ALLOW = "allow"
# name: (env file it needs, documented answer, logged refusal reason for a 401)
EXPECTED = {
    "valid": ("env.json", ALLOW, None),
    "no-workspace": ("env.json", ALLOW, None),
    "expired": ("env.json", "401", "expired"),
    "missing-header": ("env.json", "401", "missing_token"),
    "bad-signature": ("env.json", "401", "bad_signature"),
    "oauth-valid": ("env.json", ALLOW, None),
    "oauth-id-token": ("env.json", "401", "wrong_token_use"),
    "oauth-wrong-audience": ("env.json", "401", "wrong_audience"),
    "oauth-session-key": ("env.json", "401", "unsupported_algorithm"),
    "api-key": ("env.gateway.json", ALLOW, None),
    "api-key-without-workspace": ("env.gateway.json", ALLOW, None),
    "api-key-unknown": ("env.gateway.json", "401", "credential_rejected"),
    "oauth-opaque": ("env.gateway.json", ALLOW, None),
}
GATEWAY_JUDGED = sorted(name for name, (env_file, _, _) in EXPECTED.items() if env_file == "env.gateway.json")


def sample(name: str) -> dict:
    return json.loads((EVENTS / "authorizer" / f"{name}.json").read_text())


def test_every_sample_event_is_covered_here():
    assert {path.stem for path in (EVENTS / "authorizer").glob("*.json")} == set(EXPECTED)


@pytest.fixture(scope="module")
def stand_in():
    """`make dev`'s gateway stand-in, holding the sample credentials, on a free port."""
    book = CredentialBook()
    for value, credential in sample_credentials(json.loads((EVENTS / "dev-keys" / "gateway-credentials.json").read_text())).items():
        book.add(value, credential)
    gateway = GatewayStandIn(GATEWAY_ENV["WACHT_API_KEY_PREFIX"], book)
    service = gateway.serve(0)
    yield gateway, service.origin
    service.stop()


@pytest.fixture
def authorizer(monkeypatch):
    return load_authorizer(monkeypatch, ENV)


@pytest.fixture
def gateway_authorizer(monkeypatch, stand_in):
    assert GATEWAY_ENV["WACHT_GATEWAY_URL"] == "http://127.0.0.1:3005"  # `make dev`'s; the test's port instead
    return load_authorizer(monkeypatch, {**GATEWAY_ENV, "WACHT_GATEWAY_URL": stand_in[1]})


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_event_gets_its_documented_answer(request, name):
    env_file, answer, reason = EXPECTED[name]
    authorizer = request.getfixturevalue("gateway_authorizer" if env_file == "env.gateway.json" else "authorizer")
    result, logs = invoke(authorizer, sample(name))
    if answer == "401":
        assert isinstance(result, Exception) and str(result) == "Unauthorized"
        assert f'"reason":"{reason}"' in logs
    else:
        assert isinstance(result, dict), result
        assert result["principalId"] in (ALICE, "api_key:72170300000000002")
        assert is_allowed(result["policyDocument"], f"{STAGE}/GET/me")
    # Networkless: both key sets come from the env file (WACHT_JWKS, WACHT_OAUTH_JWKS).
    assert authorizer.AUTHORIZER.verifier.keys.fetch_count == 0
    assert authorizer.AUTHORIZER.oauth_verifier.keys.fetch_count == 0


def test_the_oauth_token_acts_for_its_user_and_client_with_its_scopes_and_no_tenant(authorizer):
    result, _ = invoke(authorizer, sample("oauth-valid"))
    context, policy = result["context"], result["policyDocument"]
    assert (context["principalType"], context["userId"], context["clientId"]) == ("oauth_access_token", ALICE, "72170500000000001")
    assert json.loads(context["scopes"]) == ["openid", "profile"] and "workspaceId" not in context
    assert is_allowed(policy, f"{STAGE}/GET/whoami")
    assert not is_allowed(policy, f"{STAGE}/GET/documents") and not is_allowed(policy, f"{STAGE}/PUT/members/1")


def test_no_workspace_token_is_denied_the_workspace_routes_only(authorizer):
    result, _ = invoke(authorizer, sample("no-workspace"))
    policy = result["policyDocument"]
    assert "workspaceId" not in result["context"]
    assert not is_allowed(policy, f"{STAGE}/GET/documents")
    assert is_allowed(policy, f"{STAGE}/GET/me") and is_allowed(policy, f"{STAGE}/PUT/members/1")


def test_the_api_key_is_admitted_to_its_workspace_routes_and_never_to_the_members_routes(gateway_authorizer, stand_in):
    gateway, _ = stand_in
    checks = gateway.stats.checks
    result, _ = invoke(gateway_authorizer, sample("api-key"))
    context, policy = result["context"], result["policyDocument"]
    assert gateway.stats.checks == checks + 1  # judged by the gateway, for this request
    assert (context["principalType"], context["keyId"], context["workspaceId"]) == ("api_key", "72170300000000001", "72170190012345777")
    assert context["checkedByGateway"] is True and context["gatewayCheckedRequestId"] == sample("api-key")["requestContext"]["requestId"]
    assert is_allowed(policy, f"{STAGE}/GET/documents") and is_allowed(policy, f"{STAGE}/POST/documents")
    assert is_allowed(policy, f"{STAGE}/GET/whoami") and is_allowed(policy, f"{STAGE}/DELETE/documents/1")
    assert not any(is_allowed(policy, f"{STAGE}/{route}") for route in ("GET/members", "PUT/members/1", "DELETE/members/1"))


def test_the_organization_key_is_denied_the_workspace_routes(gateway_authorizer):
    result, _ = invoke(gateway_authorizer, sample("api-key-without-workspace"))
    assert "workspaceId" not in result["context"] and "userId" not in result["context"]
    assert not is_allowed(result["policyDocument"], f"{STAGE}/GET/documents")
    assert is_allowed(result["policyDocument"], f"{STAGE}/GET/me")


def test_the_opaque_token_is_judged_by_the_gateway(gateway_authorizer, stand_in):
    gateway, _ = stand_in
    checks = gateway.stats.checks
    result, _ = invoke(gateway_authorizer, sample("oauth-opaque"))
    assert gateway.stats.checks == checks + 1
    assert (result["context"]["principalType"], result["context"]["clientId"]) == ("oauth_access_token", "72170500000000001")
    assert json.loads(result["context"]["scopes"]) == ["profile"]


@pytest.mark.parametrize("name", GATEWAY_JUDGED)
def test_gateway_judged_events_are_refused_with_env_json_alone(authorizer, name):
    """Without env.gateway.json no gateway or key prefix is configured: every bearer is judged as a
    session JWT, so an API key or opaque token is a malformed one (401), never let through."""
    result, logs = invoke(authorizer, sample(name))
    assert isinstance(result, Exception) and str(result) == "Unauthorized" and '"reason":"malformed"' in logs


@pytest.mark.parametrize("name", GATEWAY_JUDGED)
def test_gateway_judged_events_are_a_500_while_the_gateway_is_not_running(monkeypatch, name):
    """env.gateway.json with `make dev` not running: an outage (500), never a 401 and never an Allow."""
    with socket.socket() as unused:  # a port nothing listens on once closed
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    authorizer = load_authorizer(monkeypatch, {**GATEWAY_ENV, "WACHT_GATEWAY_URL": url})
    result, _ = invoke(authorizer, sample(name))
    assert isinstance(result, Exception) and str(result) != "Unauthorized"
    assert type(result).__name__ == "AuthorizerUnavailable"


@pytest.mark.parametrize("env_file", sorted(ENV_FILES))
def test_the_env_file_declares_only_variables_the_template_gives_each_function(env_file):
    """sam local --env-vars only overrides variables the template declares for that function."""
    from local_stack.api_gateway.sam_template import load_source

    source = load_source()
    for function, variables in ENV_FILES[env_file].items():
        declared = {
            **source["Globals"]["Function"]["Environment"]["Variables"],
            **source["Resources"][function]["Properties"]["Environment"]["Variables"],
        }
        assert set(variables) <= set(declared), function
