"""Tenant isolation across users of different organizations and workspaces, through the whole stack."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.e2e


def _ids(stack, token, path):
    status, _, body = stack.request("GET", path, token=token)
    assert status == 200, body
    return {item.get("id") or item.get("member_id") for item in body["items"]}


def test_documents_of_one_workspace_are_invisible_to_another_organization(stack, tokens):
    alice, carol = tokens["alice"], tokens["carol"]
    title = f"acme-secret-{uuid.uuid4().hex[:8]}"
    acme_doc = stack.request("POST", "/documents", token=alice, body={"title": title})[2]
    globex_doc = stack.request("POST", "/documents", token=carol, body={"title": "globex plan"})[2]

    assert acme_doc["id"] in _ids(stack, alice, "/documents")
    assert acme_doc["id"] not in _ids(stack, carol, "/documents")
    assert globex_doc["id"] not in _ids(stack, alice, "/documents")
    assert stack.request("GET", f"/documents/{acme_doc['id']}", token=carol)[0] == 404
    assert stack.request("DELETE", f"/documents/{acme_doc['id']}", token=carol)[0] == 404
    assert stack.request("GET", f"/documents/{acme_doc['id']}", token=alice)[2]["title"] == title  # still there


def test_documents_of_one_workspace_are_invisible_in_a_sibling_workspace(stack, tokens):
    doc = stack.request("POST", "/documents", token=tokens["alice"], body={"title": "docs only"})[2]
    legal = stack.mint("alice", workspace="Acme Legal")
    assert doc["id"] not in _ids(stack, legal, "/documents")
    assert stack.request("GET", f"/documents/{doc['id']}", token=legal)[0] == 404


def test_members_of_one_organization_are_invisible_to_another(stack, tokens):
    member = f"m-{uuid.uuid4().hex[:8]}"
    assert stack.request("PUT", f"/members/{member}", token=tokens["alice"], body={"role": "organization:member"})[0] == 200
    assert member in _ids(stack, tokens["bob"], "/members")  # same organization, another user
    assert member not in _ids(stack, tokens["carol"], "/members")
    assert stack.request("DELETE", f"/members/{member}", token=tokens["carol"])[0] == 404
    assert member in _ids(stack, tokens["alice"], "/members")


def test_a_token_naming_another_tenant_gets_only_that_tenants_data(stack, tokens):
    """Tenancy follows the signed claims: a token for Globex sees Globex, whoever asks for it."""
    doc = stack.request("POST", "/documents", token=tokens["carol"], body={"title": "globex only"})[2]
    alice_in_globex = stack.mint(sub="72170182881052673", organization="72170190012345602", workspace="72170190012345779")
    assert doc["id"] in _ids(stack, alice_in_globex, "/documents")
    assert doc["id"] not in _ids(stack, tokens["alice"], "/documents")
