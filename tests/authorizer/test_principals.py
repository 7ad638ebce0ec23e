"""One context contract for every principal: sessions, OAuth access tokens and API keys; who may call each route."""

from __future__ import annotations

import pytest

from api_routes import ROUTES
from local_stack.api_gateway.iam import is_allowed
from wacht_auth import (
    AUTHENTICATED,
    WORKSPACE,
    AuthContext,
    Forbidden,
    PrincipalType,
    Route,
    Scope,
    Unauthenticated,
    find_route,
    from_gateway_context,
    gateway_routes,
    permission,
    to_gateway_context,
)
from wacht_auth.policy import PolicyBuilder, RouteTableError, check_route_table

EXP = 2_000_000_000
STAGE = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod"

SESSION = AuthContext("u1", "s1", "o1", "w1", ("members:manage",), ("documents:write",), EXP)
OAUTH = AuthContext(
    "u2", "s2", expires_at=EXP, principal_type=PrincipalType.OAUTH_ACCESS_TOKEN, client_id="oc_client1", scopes=("openid", "profile")
)
OAUTH_NO_PROFILE = AuthContext(
    "u2", None, expires_at=EXP, principal_type=PrincipalType.OAUTH_ACCESS_TOKEN, client_id="oc_client1", scopes=("openid",)
)
WORKSPACE_KEY = AuthContext(
    "u3", None, "o1", "w1", ("documents:write",), ("documents:write",), EXP,
    principal_type=PrincipalType.API_KEY, key_id="901", checked_by_gateway=True,
)
OWNERLESS_ORG_KEY = AuthContext(
    None, None, "o1", None, ("members:manage",), (), EXP, principal_type=PrincipalType.API_KEY, key_id="902",
    checked_by_gateway=True,
)


def _as_function_receives(auth: AuthContext) -> dict:
    return {key: str(value).lower() if isinstance(value, bool) else str(value) for key, value in to_gateway_context(auth).items()}


@pytest.mark.parametrize("auth", [SESSION, OAUTH, OAUTH_NO_PROFILE, WORKSPACE_KEY, OWNERLESS_ORG_KEY], ids=repr)
def test_every_principal_round_trips_through_the_gateway_context(auth):
    flat = to_gateway_context(auth)
    assert all(isinstance(value, (str, int, bool)) for value in flat.values())  # API Gateway takes nothing else
    assert from_gateway_context(_as_function_receives(auth)) == auth


def test_a_context_without_a_principal_type_is_a_session_as_before():
    flat = _as_function_receives(SESSION)
    del flat["principalType"]
    assert from_gateway_context(flat) == SESSION


def test_principal_ids_name_the_user_or_else_the_key():
    assert SESSION.principal_id == "u1"
    assert WORKSPACE_KEY.principal_id == "u3"
    assert OWNERLESS_ORG_KEY.principal_id == "api_key:902"
    userless_client = AuthContext(
        user_id=None, session_id=None, principal_type=PrincipalType.OAUTH_ACCESS_TOKEN, client_id="oc_1", checked_by_gateway=True
    )
    assert userless_client.principal_id == "oauth_client:oc_1"  # never "api_key:None"


@pytest.mark.parametrize(
    "raw",
    [
        {"principalType": "password", "userId": "u", "sessionId": "s"},
        {"principalType": "oauth_access_token", "userId": "u"},  # no clientId
        {"principalType": "api_key", "userId": "u"},  # no keyId
        {"principalType": "api_key", "keyId": "k 1"},  # not an id
        {"principalType": "session_token", "userId": "u"},  # a session without its session id
        {"principalType": "oauth_access_token", "clientId": "c", "scopes": '"profile"'},  # scopes not a list
    ],
)
def test_a_context_lacking_what_identifies_its_principal_is_refused(raw):
    with pytest.raises(Unauthenticated):
        from_gateway_context({**raw, "tokenExpiresAt": str(EXP)})


@pytest.mark.parametrize(
    ("auth", "requirement", "message"),
    [
        (OAUTH, WORKSPACE.callable_by(PrincipalType.OAUTH_ACCESS_TOKEN), "workspace required: an OAuth access token acts for no workspace"),
        (OWNERLESS_ORG_KEY, WORKSPACE.callable_by(PrincipalType.API_KEY), "workspace required: this API key is not scoped to a workspace"),
        (
            AuthContext("u", None, principal_type=PrincipalType.API_KEY, key_id="9"),
            permission("members:manage", Scope.ORGANIZATION).callable_by(PrincipalType.API_KEY),
            "organization required: this API key is not scoped to an organization",
        ),
        (AuthContext("u", "s"), WORKSPACE, "workspace required"),  # a session's text is unchanged
    ],
)
def test_a_principal_without_the_tenant_is_refused_with_a_403_that_says_why(auth, requirement, message):
    with pytest.raises(Forbidden) as refused:
        requirement.require(auth)
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        (WORKSPACE_KEY, "API keys may not call this route"),
        (OAUTH, "OAuth access tokens may not call this route"),
    ],
)
def test_routes_accept_only_sessions_unless_they_say_otherwise(auth, message):
    with pytest.raises(Forbidden) as refused:
        AUTHENTICATED.require(auth)
    assert refused.value.message == message


def test_an_oauth_route_needs_every_scope_it_names():
    requirement = AUTHENTICATED.callable_by(PrincipalType.OAUTH_ACCESS_TOKEN, oauth_scopes=["profile", "email"])
    with pytest.raises(Forbidden) as refused:
        requirement.require(OAUTH)
    assert refused.value.message == "Missing required scope: email"
    assert AUTHENTICATED.callable_by(PrincipalType.OAUTH_ACCESS_TOKEN, oauth_scopes=["profile"]).require(OAUTH) is OAUTH


def test_scopes_grant_no_workspace_permission():
    """A scope named like a permission does not stand in for it: an OAuth token has no workspace."""
    token = AuthContext("u", None, principal_type=PrincipalType.OAUTH_ACCESS_TOKEN, client_id="c", scopes=("documents:write",))
    needs = permission("documents:write", Scope.WORKSPACE).callable_by(PrincipalType.OAUTH_ACCESS_TOKEN)
    assert not needs.is_met_by(token)


@pytest.mark.parametrize(
    "bad",
    [
        lambda: AUTHENTICATED.callable_by(),
        lambda: AUTHENTICATED.callable_by("api_key"),
        lambda: AUTHENTICATED.callable_by(PrincipalType.SESSION_TOKEN, oauth_scopes=["profile"]),
        lambda: AUTHENTICATED.callable_by(PrincipalType.OAUTH_ACCESS_TOKEN, oauth_scopes=["two words"]),
    ],
)
def test_a_requirement_that_cannot_mean_anything_is_a_programming_error(bad):
    with pytest.raises(ValueError):
        bad()


# This app's table (issue 14): /me all three; /documents sessions and API keys; /members sessions only.
@pytest.mark.parametrize(
    ("method", "path", "session", "oauth", "workspace_key"),
    [
        ("GET", "/me", True, True, True),
        ("GET", "/whoami", True, True, True),
        ("GET", "/documents", True, False, True),
        ("POST", "/documents", True, False, True),
        ("GET", "/documents/{documentId}", True, False, True),
        ("DELETE", "/documents/{documentId}", True, False, True),
        ("GET", "/members", True, False, False),
        ("PUT", "/members/{memberId}", True, False, False),
        ("DELETE", "/members/{memberId}", True, False, False),
    ],
)
def test_the_app_route_table_says_who_may_call_each_route(method, path, session, oauth, workspace_key):
    requirement = find_route(method, path, ROUTES).requirement
    assert requirement.is_met_by(SESSION) is session
    assert requirement.is_met_by(OAUTH) is oauth
    assert requirement.is_met_by(WORKSPACE_KEY) is workspace_key


def test_whoami_needs_the_profile_scope_and_me_needs_none():
    assert not find_route("GET", "/whoami", ROUTES).requirement.is_met_by(OAUTH_NO_PROFILE)
    assert find_route("GET", "/me", ROUTES).requirement.is_met_by(OAUTH_NO_PROFILE)


def test_an_org_key_with_members_manage_is_still_denied_member_changes():
    """The kind is checked first: an API key with the permission may not call a sessions-only route."""
    with pytest.raises(Forbidden) as refused:
        find_route("PUT", "/members/{memberId}", ROUTES).requirement.require(OWNERLESS_ORG_KEY)
    assert refused.value.message == "API keys may not call this route"


@pytest.mark.parametrize("auth", [SESSION, OAUTH, OAUTH_NO_PROFILE, WORKSPACE_KEY, OWNERLESS_ORG_KEY], ids=repr)
def test_the_cached_policy_denies_every_route_a_principal_kind_may_not_call(auth):
    policy = PolicyBuilder(ROUTES).build(auth, STAGE)
    for route in gateway_routes(ROUTES):
        path = route.path.replace("{documentId}", "d1").replace("{memberId}", "72170182881052699")
        assert is_allowed(policy, f"{STAGE}/{route.method}{path}") is route.requirement.is_met_by(auth), route


def test_route_table_check_sees_the_principal_dimension():
    """GET /docs/* matches GET /docs/{id}/audit: a nested route that API keys may call under an outer
    route they may not would be refused by the outer route's Deny."""
    keys_and_sessions = WORKSPACE.callable_by(PrincipalType.SESSION_TOKEN, PrincipalType.API_KEY)
    with pytest.raises(RouteTableError, match="API keys"):
        check_route_table(
            [
                Route("GET", "/docs/{id}", WORKSPACE, "F"),
                Route("GET", "/docs/{id}/audit", keys_and_sessions, "F"),
            ]
        )
    check_route_table([Route("GET", "/docs/{id}", keys_and_sessions, "F"), Route("GET", "/docs/{id}/audit", WORKSPACE, "F")])


def test_route_table_check_sees_oauth_scopes():
    outer = AUTHENTICATED.callable_by(PrincipalType.OAUTH_ACCESS_TOKEN, oauth_scopes=["admin"])
    nested = AUTHENTICATED.callable_by(PrincipalType.OAUTH_ACCESS_TOKEN, oauth_scopes=["read"])
    with pytest.raises(RouteTableError):
        check_route_table([Route("GET", "/x/{id}", outer, "F"), Route("GET", "/x/{id}/y", nested, "F")])
    stricter = AUTHENTICATED.callable_by(PrincipalType.OAUTH_ACCESS_TOKEN, oauth_scopes=["admin", "read"])
    check_route_table([Route("GET", "/x/{id}", outer, "F"), Route("GET", "/x/{id}/y", stricter, "F")])


@pytest.mark.parametrize("flag", [None, "false", "", "no"])
def test_an_api_key_context_is_always_rechecked_whatever_its_flag_says(flag):
    """Fail closed: an API key can be revoked at any moment, so it is re-checked even if the flag is lost."""
    flat = _as_function_receives(WORKSPACE_KEY)
    flat.pop("checkedByGateway")
    if flag is not None:
        flat["checkedByGateway"] = flag
    assert from_gateway_context(flat).checked_by_gateway


@pytest.mark.parametrize("flag", ["true", "True", True])
def test_an_opaque_oauth_context_is_rechecked_however_true_is_spelled(flag):
    flat = {**_as_function_receives(OAUTH), "checkedByGateway": flag}
    assert from_gateway_context(flat).checked_by_gateway
