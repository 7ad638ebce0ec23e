"""Every events/authorizer/*.json, invoked as `sam local invoke AuthorizerFunction -e ... --env-vars events/env.json` would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_stack.api_gateway.iam import is_allowed
from tests.authorizer.test_handler import invoke, load_authorizer

EVENTS = Path(__file__).resolve().parents[2] / "events"
ENV = json.loads((EVENTS / "env.json").read_text())["AuthorizerFunction"]
STAGE = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod"
EXPECTED = {"valid": "allow", "no-workspace": "allow", "expired": "401", "missing-header": "401", "bad-signature": "401"}


def test_every_sample_event_is_covered_here():
    assert {path.stem for path in (EVENTS / "authorizer").glob("*.json")} == set(EXPECTED)


@pytest.fixture
def authorizer(monkeypatch):
    return load_authorizer(monkeypatch, ENV)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_event_gets_its_documented_answer(authorizer, name):
    result, _ = invoke(authorizer, json.loads((EVENTS / "authorizer" / f"{name}.json").read_text()))
    if EXPECTED[name] == "401":
        assert isinstance(result, Exception) and str(result) == "Unauthorized"
    else:
        assert result["principalId"] == "72170182881052673"
        assert authorizer.AUTHORIZER.verifier.keys.fetch_count == 0  # networkless: WACHT_JWKS


def test_no_workspace_token_is_denied_the_workspace_routes_only(authorizer):
    result, _ = invoke(authorizer, json.loads((EVENTS / "authorizer" / "no-workspace.json").read_text()))
    policy = result["policyDocument"]
    assert "workspaceId" not in result["context"]
    assert not is_allowed(policy, f"{STAGE}/GET/documents")
    assert is_allowed(policy, f"{STAGE}/GET/me") and is_allowed(policy, f"{STAGE}/PUT/members/1")


def test_the_env_file_declares_only_variables_the_template_gives_the_function():
    """sam local --env-vars only overrides variables the template declares for that function."""
    from local_stack.api_gateway.sam_template import load_source

    source = load_source()
    declared = {
        **source["Globals"]["Function"]["Environment"]["Variables"],
        **source["Resources"]["AuthorizerFunction"]["Properties"]["Environment"]["Variables"],
    }
    assert set(ENV) <= set(declared)
