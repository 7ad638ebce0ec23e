"""API keys and OAuth principals at the functions: each request re-checked through Wacht's gateway
(a stand-in on 127.0.0.1, WACHT_GATEWAY_URL), answered 200 / 401 / 403 / 429 + Retry-After / 503."""

from __future__ import annotations

import json

import pytest

from tests.functions.conftest import new_id
from tests.functions.events import proxy_event
from tests.functions.harness import load_function
from tests.support.gateway import StandInGateway
from wacht_auth import AuthContext, PrincipalType

KEY = "acme_live_" + "k" * 43
OTHER_KEY = "acme_live_" + "o" * 43
EXP = 2_000_000_000


@pytest.fixture(scope="module")
def gateway():
    with StandInGateway() as running:
        yield running


@pytest.fixture
def tenant(gateway):
    """A fresh workspace with a key that may write documents (limit 5 requests) and a read-only key."""
    organization, workspace = new_id(), new_id()
    gateway.mode = "ok"
    gateway.credentials.clear()
    gateway.add_key(KEY, key_id="901", organization=organization, workspace=workspace, permissions=["documents:write"], limit=5)
    gateway.add_key(OTHER_KEY, key_id="902", organization=organization, workspace=workspace)
    return organization, workspace


@pytest.fixture(scope="module")
def documents(parameters, table_name, local_environment, gateway):
    return load_function("DocumentsFunction", parameters, {"DataTable": table_name},
                         {**local_environment, "WACHT_GATEWAY_URL": gateway.url})


@pytest.fixture(scope="module")
def me(parameters, table_name, local_environment, gateway):
    return load_function("MeFunction", parameters, {"DataTable": table_name}, {**local_environment, "WACHT_GATEWAY_URL": gateway.url})


def key_context(key_id: str, organization: str, workspace: str, permissions=("documents:write",)) -> AuthContext:
    """What the authorizer handed over for this key (a cached Allow from an earlier request)."""
    return AuthContext("72170182881052673", None, organization, workspace, permissions, permissions, EXP,
                       principal_type=PrincipalType.API_KEY, key_id=key_id, checked_by_gateway=True)


def call(documents, method, key, auth, body=None):
    return documents.invoke(proxy_event(method, "/documents", auth=auth, body=body, headers={"Authorization": f"Bearer {key}"}))


def test_an_api_key_writes_and_reads_its_workspace_documents(documents, tenant, gateway):
    auth = key_context("901", *tenant)
    created = call(documents, "POST", KEY, auth, {"title": "by key", "body": "x"})
    assert created.status == 201 and created.body["created_by"] == "72170182881052673"
    listed = call(documents, "GET", KEY, auth)
    assert listed.status == 200 and [d["title"] for d in listed.body["items"]] == ["by key"]
    assert [r["principal"]["value"] for r in gateway.requests[-2:]] == [KEY, KEY]  # asked per request
    assert gateway.requests[-2]["required_permissions"] == ["documents:write"]


def test_a_revoked_key_gets_401_on_its_next_request(documents, tenant, gateway):
    auth = key_context("901", *tenant)
    assert call(documents, "GET", KEY, auth).status == 200
    gateway.credentials[KEY].revoked = True
    answer = call(documents, "GET", KEY, auth)
    assert (answer.status, answer.body) == (401, {"message": "unauthenticated"})


def test_the_request_over_the_limit_gets_429_with_retry_after(documents, tenant, gateway):
    auth = key_context("901", *tenant)
    statuses = [call(documents, "GET", KEY, auth).status for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    answer = call(documents, "GET", KEY, auth)
    assert answer.headers["Retry-After"] == "60" and answer.body == {"message": "rate limited"}


def test_a_key_without_the_permission_gets_403(documents, tenant):
    answer = call(documents, "POST", OTHER_KEY, key_context("902", *tenant, permissions=()), {"title": "t", "body": ""})
    assert (answer.status, answer.body) == (403, {"message": "Missing required permission: documents:write"})


@pytest.mark.parametrize("mode", ["down", "garbage", "slow"])
def test_a_gateway_outage_is_503_not_a_sign_out(documents, tenant, gateway, mode):
    gateway.mode, gateway.delay = mode, 2.0
    answer = documents.invoke(
        proxy_event("GET", "/documents", auth=key_context("901", *tenant), headers={"Authorization": f"Bearer {KEY}"}),
        timeout_seconds=1.0,  # the invocation's budget bounds the check
    )
    assert answer.status == 503


def test_a_gateway_outage_at_the_function_publishes_the_outage_metric(documents, tenant, gateway, capsys):
    # Behind API Gateway's cached Allow the functions, not the authorizer, meet the outage: GatewayUnavailableAlarm reads both.
    capsys.readouterr()
    gateway.mode = "down"
    answer = call(documents, "GET", KEY, key_context("901", *tenant))
    assert answer.status == 503
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert [(line["service"], line["GatewayUnavailable"]) for line in lines] == [("wacht-functions", [1.0])]
    assert lines[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "WachtAuthorizer"


def test_an_oauth_token_is_refused_on_documents_with_a_403(documents, tenant):
    token = AuthContext("72170182881052673", None, expires_at=EXP, principal_type=PrincipalType.OAUTH_ACCESS_TOKEN,
                        client_id="oc_client1", scopes=("profile",))
    answer = documents.invoke(proxy_event("GET", "/documents", auth=token))
    assert (answer.status, answer.body) == (403, {"message": "OAuth access tokens may not call this route"})


def test_me_names_an_api_key_principal(me, tenant):
    auth = key_context("901", *tenant)
    answer = me.invoke(proxy_event("GET", "/me", auth=auth, headers={"Authorization": f"Bearer {KEY}"}))
    assert answer.status == 200
    assert (answer.body["principal_type"], answer.body["key_id"], answer.body["workspace_id"]) == ("api_key", "901", tenant[1])


def test_another_tenants_key_never_sees_this_tenants_documents(documents, tenant, gateway):
    """The key's tenant comes from Wacht's answer for that key, never from the request."""
    created = call(documents, "POST", KEY, key_context("901", *tenant), {"title": "tenant A only", "body": ""})
    assert created.status == 201
    foreign = "acme_live_" + "f" * 43
    gateway.add_key(foreign, key_id="999", organization=new_id(), workspace=new_id(), permissions=["documents:write"])
    # Even a context claiming tenant A (it cannot: contexts come from the authorizer) is replaced by the
    # gateway's fresh identity for the key, and then refused as another credential than the context named.
    forged = call(documents, "GET", foreign, key_context("901", *tenant))
    assert forged.status == 401
    own = call(documents, "GET", foreign, key_context("999", new_id(), new_id()))
    assert own.status == 200 and own.body["items"] == []
    answer = documents.invoke(proxy_event("GET", "/documents/{documentId}", auth=key_context("999", new_id(), new_id()),
                                          path_parameters={"documentId": created.body["id"]},
                                          headers={"Authorization": f"Bearer {foreign}"}))
    assert answer.status == 404


def test_whoami_refuses_an_api_key_without_a_user(me, gateway):
    ownerless = "acme_live_" + "n" * 43
    gateway.mode = "ok"
    gateway.add_key(ownerless, key_id="904", organization=new_id(), owner=None)
    auth = AuthContext(None, None, "o9", None, (), (), EXP, principal_type=PrincipalType.API_KEY, key_id="904",
                       checked_by_gateway=True)
    answer = me.invoke(proxy_event("GET", "/whoami", auth=auth, headers={"Authorization": f"Bearer {ownerless}"}))
    assert (answer.status, answer.body) == (403, {"message": "this API key has no user"})


def test_whoami_needs_the_profile_scope_of_an_oauth_token(me):
    token = AuthContext("72170182881052673", None, expires_at=EXP, principal_type=PrincipalType.OAUTH_ACCESS_TOKEN,
                        client_id="oc_client1", scopes=("openid",))
    answer = me.invoke(proxy_event("GET", "/whoami", auth=token))
    assert (answer.status, answer.body) == (403, {"message": "Missing required scope: profile"})
