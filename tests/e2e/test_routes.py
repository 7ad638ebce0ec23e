"""The route table's behaviours over real HTTP: 200 / 401 / 403 / 404 / 400, as API Gateway answers them."""

from __future__ import annotations

import pytest

from tests.support.tokens import SigningKey, session_claims
from api_routes import ROUTES
from wacht_auth import gateway_routes

pytestmark = pytest.mark.e2e

UNAUTHORIZED = {"message": "Unauthorized"}
DENIED = {"message": "User is not authorized to access this resource with an explicit deny"}
"""Our authorizer denies every route it does not allow explicitly, so API Gateway words its 403 so."""
MISSING_TOKEN = {"message": "Missing Authentication Token"}


def _concrete(path: str) -> str:
    return path.replace("{documentId}", "doc-1").replace("{memberId}", "member-1")


def test_a_trailing_slash_is_routed_and_authorized_as_the_resource_without_it(stack, tokens):
    assert stack.request("GET", "/me/", token=tokens["alice"])[0] == 200
    assert stack.request("GET", "/documents/", token=tokens["alice"])[0] == 200
    assert stack.request("GET", "/me/", token="garbage")[::2] == (401, UNAUTHORIZED)


def test_a_doubled_leading_slash_over_http_is_a_path_not_a_host(stack, tokens):
    assert stack.request("GET", "//me", token=tokens["alice"])[0] == 200


def test_health_is_public_even_with_a_bad_token(stack):
    assert stack.request("GET", "/health")[::2] == (200, {"status": "ok"})
    assert stack.request("GET", "/health", token="not-a-jwt")[0] == 200


def test_hello_greets_strangers_and_verified_users(stack, tokens):
    assert stack.request("GET", "/hello")[2] == {"message": "hello stranger"}
    assert stack.request("GET", "/hello", token="garbage")[2] == {"message": "hello stranger"}
    assert stack.request("GET", "/hello", token=tokens["alice"])[2] == {"message": "hello 72170182881052673"}


@pytest.mark.parametrize("route", gateway_routes(ROUTES), ids=lambda r: f"{r.method} {r.path}")
def test_every_protected_route_without_a_token_is_401_without_invoking_the_authorizer(stack, route):
    before = stack.authorizer_invocations()
    status, headers, body = stack.request(route.method, _concrete(route.path), body={} if route.method in ("POST", "PUT") else None)
    assert (status, body) == (401, UNAUTHORIZED)
    assert headers["x-amzn-errortype"] == "UnauthorizedException"
    assert stack.authorizer_invocations() == before


def test_a_malformed_token_is_401(stack):
    assert stack.request("GET", "/me", token="not-a-jwt")[::2] == (401, UNAUTHORIZED)


def test_a_non_bearer_scheme_is_401(stack, tokens):
    status, _, body = stack.request("GET", "/me", headers={"Authorization": f"Basic {tokens['alice']}"})
    assert (status, body) == (401, UNAUTHORIZED)


def test_an_expired_token_is_401(stack):
    expired = stack.mint("alice", expires_in=-60)
    assert stack.request("GET", "/me", token=expired)[::2] == (401, UNAUTHORIZED)


def test_a_token_signed_by_someone_else_under_a_published_kid_is_401(stack):
    kid = stack.stats()["idp"]["current_kid"]
    forged = SigningKey(kid).sign(session_claims(stack.idp))  # right kid and issuer, wrong private key
    assert stack.request("GET", "/me", token=forged)[::2] == (401, UNAUTHORIZED)


def test_unknown_paths_and_methods_are_missing_authentication_token(stack, tokens):
    assert stack.request("GET", "/nope", token=tokens["alice"])[::2] == (403, MISSING_TOKEN)
    assert stack.request("PATCH", "/documents", token=tokens["alice"])[::2] == (403, MISSING_TOKEN)
    assert stack.request("GET", "/documents/a/b", token=tokens["alice"])[::2] == (403, MISSING_TOKEN)


def test_me_reflects_the_verified_session(stack, tokens):
    status, _, body = stack.request("GET", "/me", token=tokens["alice"])
    assert status == 200
    assert body["user_id"] == "72170182881052673"
    assert body["organization_id"] == "72170190012345601"
    assert body["workspace_id"] == "72170190012345777"
    assert body["workspace_permissions"] == ["workspace:admin", "documents:write"]


def test_me_works_without_any_organization(stack, tokens):
    status, _, body = stack.request("GET", "/me", token=tokens["dave"])
    assert status == 200
    assert (body["organization_id"], body["workspace_id"]) == (None, None)


def test_whoami_returns_the_user_from_the_backend_api_stand_in(stack, tokens):
    status, _, body = stack.request("GET", "/whoami", token=tokens["carol"])
    assert status == 200
    assert (body["id"], body["primary_email_address"]) == ("72170182881052675", "carol@globex.test")


def test_whoami_works_for_any_user_the_dev_idp_mints_a_token_for(stack):
    stranger = stack.mint(sub="99999999999999999")
    status, _, body = stack.request("GET", "/whoami", token=stranger)
    assert (status, body["id"]) == (200, "99999999999999999")


def test_whoami_for_a_user_wacht_does_not_know_is_404(stack):
    stranger = stack.mint(sub="not-a-snowflake")  # the stand-in knows every decimal snowflake, nothing else
    assert stack.request("GET", "/whoami", token=stranger)[0] == 404


def test_routes_needing_a_tenant_are_403_without_one(stack, tokens):
    for method, path in (("GET", "/documents"), ("GET", "/documents/x"), ("GET", "/members")):
        assert stack.request(method, path, token=tokens["dave"])[::2] == (403, DENIED), path


def test_document_lifecycle_for_a_writer(stack, tokens):
    alice = tokens["alice"]
    status, _, created = stack.request("POST", "/documents", token=alice, body={"title": "Plan", "body": "text"})
    assert status == 201
    assert stack.request("GET", f"/documents/{created['id']}", token=alice)[::2] == (200, created)
    assert created["id"] in [d["id"] for d in stack.request("GET", "/documents", token=alice)[2]["items"]]
    assert stack.request("DELETE", f"/documents/{created['id']}", token=alice)[0] == 204
    assert stack.request("GET", f"/documents/{created['id']}", token=alice)[0] == 404


def test_a_reader_may_list_but_not_write_documents(stack, tokens):
    bob = tokens["bob"]
    assert stack.request("GET", "/documents", token=bob)[0] == 200
    assert stack.request("POST", "/documents", token=bob, body={"title": "x"})[::2] == (403, DENIED)
    assert stack.request("DELETE", "/documents/anything", token=bob)[::2] == (403, DENIED)


def test_documents_write_is_scoped_to_the_active_workspace(stack):
    legal = stack.mint("alice", workspace="Acme Legal")  # workspace:member there, no documents:write
    assert stack.request("GET", "/documents", token=legal)[0] == 200
    assert stack.request("POST", "/documents", token=legal, body={"title": "x"})[::2] == (403, DENIED)


def test_an_unknown_document_is_404(stack, tokens):
    assert stack.request("GET", "/documents/doesnotexist", token=tokens["alice"])[0] == 404


@pytest.mark.parametrize("body", [b"not json", {"title": ""}, {"title": "x", "owner": "me"}, ["a list"]])
def test_a_bad_document_body_is_400(stack, tokens, body):
    status, _, answer = stack.request("POST", "/documents", token=tokens["alice"], body=body)
    assert status == 400, answer


def test_member_management_needs_members_manage(stack, tokens):
    assert stack.request("PUT", "/members/m-77", token=tokens["alice"], body={"role": "organization:member"})[0] == 200
    assert stack.request("GET", "/members", token=tokens["bob"])[0] == 200
    assert stack.request("PUT", "/members/m-77", token=tokens["bob"], body={"role": "organization:admin"})[::2] == (403, DENIED)
    assert stack.request("DELETE", "/members/m-77", token=tokens["bob"])[::2] == (403, DENIED)
    assert stack.request("DELETE", "/members/m-77", token=tokens["alice"])[0] == 204
    assert stack.request("DELETE", "/members/m-77", token=tokens["alice"])[0] == 404


def test_a_bad_member_body_is_400(stack, tokens):
    assert stack.request("PUT", "/members/m-78", token=tokens["alice"], body={"role": "Not A Role"})[0] == 400
