"""API keys and OAuth access tokens through the running stack (``make dev``'s own wiring): the dev
OAuth app and Wacht's gateway stand-in, the authorizer's cache on (the template's TTL)."""

from __future__ import annotations

import pytest

from tests.support.stack import RunningStack, running_stack

ORG, WORKSPACE = "72170190012345601", "72170190012345777"
USER, CLIENT = "72170182881052673", "72170500000000001"


@pytest.fixture(scope="module")
def stack() -> RunningStack:
    """A stack of its own: the gateway fault switch needs LOCAL_STACK_FAULTS=1."""
    with running_stack({"LOCAL_STACK_FAULTS": "1"}) as running:
        yield running


def _api_key(stack: RunningStack, workspace: str | None = WORKSPACE, **extra) -> dict:
    body = {"name": "e2e", "organization": ORG, "workspace": workspace, "permissions": ["documents:write"], **extra}
    status, _, answer = stack.request("POST", "/api-keys", base=stack.gateway, body=body)
    assert status == 201, answer
    return answer


def _oauth_token(stack: RunningStack, token_format: str, scope: str = "profile") -> str:
    body = {"sub": USER, "client_id": CLIENT, "scope": scope, "format": token_format}
    status, _, answer = stack.request("POST", "/oauth/tokens", base=stack.oauth, body=body)
    assert status == 200, answer
    return answer["token"]


def test_an_api_key_creates_and_lists_documents_in_its_workspace(stack):
    key = _api_key(stack)["key"]
    status, _, created = stack.request("POST", "/documents", token=key, body={"title": "From a key"})
    assert status == 201, created
    status, _, listed = stack.request("GET", "/documents", token=key)
    assert status == 200 and created["id"] in [item["id"] for item in listed["items"]]
    other = _api_key(stack, workspace="72170190012345999")["key"]
    status, _, elsewhere = stack.request("GET", "/documents", token=other)
    assert status == 200 and created["id"] not in [item["id"] for item in elsewhere["items"]]


def test_a_revoked_key_is_refused_on_its_next_request_despite_the_authorizer_cache(stack):
    issued = _api_key(stack)
    assert stack.request("GET", "/documents", token=issued["key"])[0] == 200
    invocations = stack.authorizer_invocations()
    status, _, _ = stack.request("DELETE", f"/api-keys/{issued['key_id']}", base=stack.gateway)
    assert status == 200
    status, _, answer = stack.request("GET", "/documents", token=issued["key"])
    assert status == 401, answer
    assert stack.authorizer_invocations() == invocations  # the cached Allow was used; the function refused


def test_a_key_over_its_limit_gets_429_with_retry_after(stack):
    key = _api_key(stack, rate_limit_per_minute=2)["key"]
    assert [stack.request("GET", "/documents", token=key)[0] for _ in range(2)] == [200, 200]
    status, headers, answer = stack.request("GET", "/documents", token=key)
    assert status == 429, answer
    assert 1 <= int(headers["retry-after"]) <= 60


def test_an_oauth_jwt_may_read_me_but_not_documents(stack):
    token = _oauth_token(stack, "jwt")
    status, _, me = stack.request("GET", "/me", token=token)
    assert status == 200, me
    assert (me["principal_type"], me["user_id"], me["client_id"], me["scopes"]) == ("oauth_access_token", USER, CLIENT, ["profile"])
    assert stack.request("GET", "/documents", token=token)[0] == 403


def test_an_opaque_oauth_token_reads_me_until_revoked(stack):
    token = _oauth_token(stack, "opaque")
    status, _, me = stack.request("GET", "/me", token=token)
    assert status == 200 and (me["principal_type"], me["client_id"]) == ("oauth_access_token", CLIENT)
    assert stack.request("POST", "/oauth/revoke", base=stack.oauth, body={"token": token})[2] == {"revoked": True}
    assert stack.request("GET", "/me", token=token)[0] == 401


def test_a_gateway_outage_is_a_5xx_never_a_401(stack):
    cached = _api_key(stack)["key"]
    assert stack.request("GET", "/documents", token=cached)[0] == 200
    fresh = _api_key(stack)["key"]
    try:
        assert stack.request("POST", "/faults", base=stack.admin, body={"gateway": "down"})[2]["gateway"] == "down"
        assert stack.request("GET", "/documents", token=fresh)[0] == 500  # the authorizer cannot admit it
        assert stack.request("GET", "/documents", token=cached)[0] == 503  # the function cannot re-check it
        stack.request("POST", "/faults", base=stack.admin, body={"gateway": "slow"})
        assert stack.request("GET", "/me", token=_oauth_token(stack, "opaque"))[0] == 500
    finally:
        stack.request("POST", "/faults", base=stack.admin, body={"gateway": "up"})
    assert stack.request("GET", "/documents", token=fresh)[0] == 200


def test_the_banners_examples_work_for_each_kind_of_caller(stack):
    """Each ``curl -X POST <url> ... -d '<json>'`` the banner prints, sent as printed, gives a credential
    the API accepts: a session token, an OAuth JWT (on /me) and an API key (on /documents)."""
    import json
    import re

    text = stack.log_path.read_text()
    banner = text[text.index("Try it:"):text.index("The example React app")]
    minted = re.findall(r"curl -s -X POST (\S+) -H 'Content-Type: application/json' \\\n\s+-d '([^']+)'", banner)
    assert [url for url, _ in minted] == [f"{stack.idp}/tokens", f"{stack.oauth}/oauth/tokens", f"{stack.gateway}/api-keys"]
    credentials = []
    for url, body in minted:
        status, _, answer = stack.request("POST", "", base=url, body=json.loads(body))
        assert status in (200, 201), answer
        credentials.append(answer.get("token") or answer.get("key"))
    session, oauth, key = credentials
    assert stack.request("GET", "/me", token=session)[2]["principal_type"] == "session_token"
    assert stack.request("GET", "/me", token=oauth)[2]["principal_type"] == "oauth_access_token"
    assert stack.request("GET", "/documents", token=key)[0] == 200
