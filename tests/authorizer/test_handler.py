"""authorizer/app.py as Lambda runs it: env at cold start, events in, policies or errors out."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from tests.support.servers import JwksServer
from tests.support.tokens import SigningKey, jwks, session_claims
from wacht_auth import ConfigurationError

APP = Path(__file__).resolve().parents[2] / "authorizer" / "app.py"
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/documents"
CONTEXT_KEYS = {"principalType", "userId", "sessionId", "organizationId", "workspaceId", "organizationPermissions", "workspacePermissions", "tokenExpiresAt"}


def load_authorizer(monkeypatch, env: dict[str, str]):
    """A fresh import of app.py with ``env``: a cold start."""
    for name in ("WACHT_DEPLOYMENT_URL", "WACHT_PUBLISHABLE_KEY", "WACHT_JWKS_URL", "WACHT_JWKS", "WACHT_CLOCK_SKEW_SECONDS",
                 "WACHT_OAUTH_ISSUER", "WACHT_OAUTH_AUDIENCE", "WACHT_OAUTH_JWKS_URL", "WACHT_OAUTH_JWKS",
                 "WACHT_GATEWAY_URL", "WACHT_API_KEY_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Test")
    spec = importlib.util.spec_from_file_location(f"authorizer_app_{id(env)}", APP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(authorization: str | None, method_arn: str = METHOD_ARN) -> dict:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": "/documents",
        "path": "/documents",
        "httpMethod": "GET",
        "headers": headers,
        "requestContext": {"requestId": "req-123", "stage": "prod"},
    }


def invoke(module, evt: dict) -> tuple[object, str]:
    """(response or raised exception, everything the handler logged)."""
    out = io.StringIO()
    module.logger.registered_handler.stream = out
    with redirect_stdout(out):
        try:
            result = module.lambda_handler(evt, None)
        except Exception as error:  # noqa: BLE001 - the error itself is what we assert on
            result = error
    return result, out.getvalue()


def published_metrics(output: str) -> list[tuple[str, dict]]:
    """(metric name, its blob) for every EMF line in ``output``."""
    blobs = [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]
    return [(metric["Name"], blob) for blob in blobs for directive in blob["_aws"]["CloudWatchMetrics"] for metric in directive["Metrics"]]


@pytest.fixture
def key():
    return SigningKey("dev-1")


@pytest.fixture
def server(key):
    with JwksServer(jwks(key)) as running:
        yield running


@pytest.fixture
def authorizer(monkeypatch, server):
    return load_authorizer(monkeypatch, {"WACHT_DEPLOYMENT_URL": server.origin})


def test_valid_token_gets_a_policy_and_the_flat_context(authorizer, server, key):
    claims = session_claims(server.origin, workspace_permissions=["documents:write"])
    response, _ = invoke(authorizer, event(f"Bearer {key.sign(claims)}"))
    assert response["principalId"] == claims["sub"]
    assert set(response["context"]) == CONTEXT_KEYS
    assert all(isinstance(value, (str, int, bool)) for value in response["context"].values())
    assert json.loads(response["context"]["workspacePermissions"]) == ["documents:write"]
    assert json.loads(response["context"]["organizationPermissions"]) == []
    assert response["context"]["tokenExpiresAt"] == claims["exp"]


def test_context_omits_absent_organization_and_workspace(authorizer, server, key):
    claims = session_claims(server.origin, organization=None, workspace=None)
    response, _ = invoke(authorizer, event(f"Bearer {key.sign(claims)}"))
    assert set(response["context"]) == CONTEXT_KEYS - {"organizationId", "workspaceId"}


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Basic abc", "Bearer not.a.jwt", "Bearer {expired}", "Bearer {forged}", "Bearer {wrong_issuer}"],
)
def test_every_invalid_token_raises_exactly_unauthorized(authorizer, server, key, authorization):
    now_claims = session_claims(server.origin)
    tokens = {
        "expired": key.sign(session_claims(server.origin, now=1_600_000_000)),
        "forged": SigningKey("dev-1").sign(now_claims),
        "wrong_issuer": key.sign({**now_claims, "iss": "https://evil.example"}),
    }
    header = authorization.format(**tokens) if authorization else authorization
    error, logs = invoke(authorizer, event(header))
    assert isinstance(error, Exception) and str(error) == "Unauthorized"
    assert '"reason"' in logs
    for token in tokens.values():
        assert token not in logs


def test_two_different_authorization_headers_are_refused(authorizer, server, key):
    """API Gateway caches our decision under its identity source: it must be the token we verify."""
    evt = event(f"Bearer {key.sign(session_claims(server.origin))}")
    evt["headers"]["authorization"] = "Bearer not-a-token-at-all"
    error, logs = invoke(authorizer, evt)
    assert str(error) == "Unauthorized" and '"reason":"malformed"' in logs


def test_repeated_authorization_values_in_multi_value_headers_are_refused(authorizer, server, key):
    token = key.sign(session_claims(server.origin))
    evt = event(f"Bearer {token}")
    evt["multiValueHeaders"] = {"Authorization": [f"Bearer {token}", "Bearer other"]}
    error, _ = invoke(authorizer, evt)
    assert str(error) == "Unauthorized"


def test_the_same_value_in_headers_and_multi_value_headers_is_fine(authorizer, server, key):
    token = key.sign(session_claims(server.origin))
    evt = event(f"Bearer {token}")
    evt["multiValueHeaders"] = {"Authorization": [f"Bearer {token}"]}
    response, _ = invoke(authorizer, evt)
    assert "policyDocument" in response


@pytest.mark.parametrize("alg", [[], {}])
def test_a_header_alg_of_the_wrong_type_is_a_401_not_a_500(authorizer, alg):
    import base64

    header = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=").decode()
    error, _ = invoke(authorizer, event(f"Bearer {header}.e30.x"))
    assert str(error) == "Unauthorized"


def test_a_key_newer_than_our_key_set_is_a_retryable_500_logged_as_a_warning(authorizer, server, key):
    invoke(authorizer, event(f"Bearer {key.sign(session_claims(server.origin))}"))  # fetched: the cooldown runs
    rotated = SigningKey("dev-2")
    server.document = jwks(key, rotated)
    error, logs = invoke(authorizer, event(f"Bearer {rotated.sign(session_claims(server.origin))}"))
    assert isinstance(error, Exception) and str(error) != "Unauthorized"
    assert '"level":"WARNING"' in logs and '"level":"ERROR"' not in logs
    assert [name for name, _ in published_metrics(logs)] == ["KeyNotYetKnown"]


def test_header_name_is_case_insensitive(authorizer, server, key):
    evt = event(None)
    evt["headers"] = {"authorization": f"Bearer {key.sign(session_claims(server.origin))}"}
    response, _ = invoke(authorizer, evt)
    assert "policyDocument" in response


def test_jwks_outage_is_a_500_not_a_401_and_is_logged_as_an_error(monkeypatch, key):
    with JwksServer(jwks(key)) as down:
        down.mode = "error"
        module = load_authorizer(monkeypatch, {"WACHT_DEPLOYMENT_URL": down.origin})
        error, logs = invoke(module, event(f"Bearer {key.sign(session_claims(down.origin))}"))
    assert isinstance(error, Exception) and str(error) != "Unauthorized"
    assert '"level":"ERROR"' in logs and "key set unavailable" in logs
    assert [name for name, _ in published_metrics(logs)] == ["KeysUnavailable"]  # in the invocation itself


def test_malformed_method_arn_is_a_500(authorizer, server, key):
    error, logs = invoke(authorizer, event(f"Bearer {key.sign(session_claims(server.origin))}", method_arn="nonsense"))
    assert isinstance(error, Exception) and str(error) != "Unauthorized"
    assert [name for name, _ in published_metrics(logs)] == ["BadEvent"]


def test_an_unexpected_error_is_a_500_logged_and_counted_as_internal_error(authorizer, server, key, monkeypatch):
    def broken(event):
        raise RuntimeError("a bug somewhere in the library")

    monkeypatch.setattr(authorizer.AUTHORIZER, "authorize", broken)
    token = key.sign(session_claims(server.origin))
    error, logs = invoke(authorizer, event(f"Bearer {token}"))
    assert isinstance(error, Exception) and str(error) != "Unauthorized"
    assert '"level":"ERROR"' in logs and "unexpected error" in logs and token not in logs
    assert [name for name, _ in published_metrics(logs)] == ["InternalError"]


def test_valid_token_is_never_logged(authorizer, server, key, monkeypatch):
    token = key.sign(session_claims(server.origin))
    authorizer.logger.setLevel("DEBUG")
    _, logs = invoke(authorizer, event(f"Bearer {token}"))
    assert "allowed" in logs and token not in logs and token.split(".")[1] not in logs


def test_each_invocation_publishes_its_decision_in_the_invocation(authorizer, server, key):
    _, allow_logs = invoke(authorizer, event(f"Bearer {key.sign(session_claims(server.origin))}"))
    _, refusal_logs = invoke(authorizer, event("Bearer nope"))
    [(allow, allow_blob)] = published_metrics(allow_logs)
    [(refusal, refusal_blob)] = published_metrics(refusal_logs)
    assert (allow, allow_blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"]) == ("Allow", [["service"]])
    assert (refusal, refusal_blob["Reason"]) == ("Unauthorized", "malformed")
    assert refusal_blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"], ["service", "Reason"]]
    assert allow_blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "WachtAuthorizer"
    assert allow_blob["service"] == refusal_blob["service"] == "wacht-authorizer"


def test_repeated_token_costs_no_new_verification(authorizer, server, key):
    token = key.sign(session_claims(server.origin))
    first, _ = invoke(authorizer, event(f"Bearer {token}"))
    server.mode = "error"
    authorizer.AUTHORIZER.verifier.keys._fetched_at = float("-inf")  # keys would now need a (failing) refresh
    second, _ = invoke(authorizer, event(f"Bearer {token}"))
    assert second == first


def test_inline_jwks_verifies_without_any_network(monkeypatch, key):
    module = load_authorizer(monkeypatch, {"WACHT_DEPLOYMENT_URL": "https://dev.wacht.local", "WACHT_JWKS": json.dumps(jwks(key))})
    response, _ = invoke(module, event(f"Bearer {key.sign(session_claims('https://dev.wacht.local'))}"))
    assert response["principalId"]
    assert module.AUTHORIZER.verifier.keys.fetch_count == 0


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({}, "WACHT_DEPLOYMENT_URL"),
        ({"WACHT_DEPLOYMENT_URL": "http://frontend.example.com"}, "WACHT_DEPLOYMENT_URL"),
        ({"WACHT_PUBLISHABLE_KEY": "pk_live_%%%"}, "WACHT_PUBLISHABLE_KEY"),
        ({"WACHT_DEPLOYMENT_URL": "https://f.example", "WACHT_JWKS": "{not json"}, "WACHT_JWKS"),
        ({"WACHT_DEPLOYMENT_URL": "https://f.example", "WACHT_JWKS": '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}'}, "WACHT_JWKS"),
    ],
)
def test_bad_configuration_fails_the_cold_start_naming_the_variable(monkeypatch, env, variable):
    with pytest.raises(ConfigurationError) as caught:
        load_authorizer(monkeypatch, env)
    assert caught.value.variable == variable


def test_authorizer_import_path_stays_light(monkeypatch, key):
    """No boto3, botocore client, requests or X-Ray on the cold-start path (design.md: ~170 ms). Powertools imports the bare botocore package (0.6 ms) for its user agent."""
    import subprocess

    code = (
        "import sys, app; heavy = [m for m in ('boto3', 'botocore.client', 'requests', 'aws_xray_sdk') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    root = APP.parent.parent
    env = {"PATH": "/usr/bin:/bin", "WACHT_DEPLOYMENT_URL": "https://f.example", "WACHT_JWKS": json.dumps(jwks(key)),
           "PYTHONPATH": f"{root / 'authorizer'}:{root / 'layers' / 'common'}:{root / 'packages' / 'wacht-auth' / 'src'}"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
    # With every other caller turned on (OAuth key set inline, a gateway, an API key prefix): still light.
    env.update(WACHT_OAUTH_ISSUER="https://auth.example", WACHT_OAUTH_AUDIENCE="https://api.example",
               WACHT_OAUTH_JWKS=json.dumps(jwks(SigningKey("oauth-1", "RS256"))),
               WACHT_GATEWAY_URL="http://127.0.0.1:9", WACHT_API_KEY_PREFIX="acme_live_")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
