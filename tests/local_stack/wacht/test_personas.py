"""local_stack.wacht.personas: the dev users every part of the stack agrees on."""

from __future__ import annotations

import pytest

from local_stack.wacht.personas import PERSONAS, find_persona, persona_by_user_id
from api_routes import ROUTES
from wacht_auth import AuthContext, find_route


def _auth(body: dict) -> AuthContext:
    return AuthContext.from_claims({**body, "sid": "s", "iat": 0, "exp": 1})


def _may(persona: str, method: str, path: str, workspace: str | None = None) -> bool:
    return find_route(method, path, ROUTES).requirement.is_met_by(_auth(find_persona(persona).token_request(workspace_id=workspace)))


def test_ids_are_unique_decimal_snowflakes():
    user_ids = [p.user_id for p in PERSONAS]
    assert len(set(user_ids)) == len(user_ids) and all(u.isdigit() for u in user_ids)
    assert persona_by_user_id(PERSONAS[2].user_id) is PERSONAS[2]
    assert persona_by_user_id("0") is None


def test_the_personas_cover_the_cases_the_frontend_demonstrates():
    assert _may("alice", "POST", "/documents") and _may("alice", "PUT", "/members/{memberId}")
    assert not _may("alice", "POST", "/documents", workspace="Acme Legal")
    assert _may("bob", "GET", "/documents") and not _may("bob", "POST", "/documents")
    assert _may("bob", "GET", "/members") and not _may("bob", "PUT", "/members/{memberId}")
    assert _may("carol", "POST", "/documents") and _may("carol", "PUT", "/members/{memberId}")
    assert _may("dave", "GET", "/me") and not _may("dave", "GET", "/documents") and not _may("dave", "GET", "/members")


def test_alice_and_carol_are_in_different_tenants():
    alice, carol = find_persona("alice").token_request(), find_persona("carol").token_request()
    assert alice["organization"] != carol["organization"] and alice["workspace"] != carol["workspace"]


def test_a_workspace_can_be_named_by_id_or_name():
    alice = find_persona("alice")
    legal = alice.organizations[0].workspaces[1]
    assert alice.token_request(workspace_id="Acme Legal") == alice.token_request(workspace_id=legal.id)
    assert alice.token_request(workspace_id=legal.id)["permissions"]["workspace"] == ["workspace:member"]


@pytest.mark.parametrize(("persona", "organization", "workspace"), [
    ("bob", None, "Acme Legal"), ("alice", "Globex", None), ("dave", None, "Acme Docs"), ("dave", "Acme", None),
])
def test_asking_for_a_tenant_the_persona_is_not_in_is_an_error(persona, organization, workspace):
    with pytest.raises(KeyError):
        find_persona(persona).token_request(organization, workspace)


def test_an_unknown_persona_names_the_known_ones():
    with pytest.raises(KeyError, match="alice, bob, carol, dave"):
        find_persona("eve")
