"""local_stack.drills.callers: what the drills expect of each caller is what the route table says.

The load judges every answer by these expectations; were they to drift from layers/common/api_routes.py,
the drill would pass or fail for the wrong reason. So each caller, as the AuthContext the authorizer
would build for it, is put to every route's requirement (``Requirement.is_met_by``).
"""

from __future__ import annotations

import pytest

from api_routes import ROUTES
from local_stack.drills.callers import EVERY_CALLER, OTHER_CALLERS, SESSIONS, Caller, SessionCaller
from wacht_auth import AuthContext, PrincipalType


def _context(caller: Caller) -> AuthContext:
    if isinstance(caller, SessionCaller):
        permissions = caller.body["permissions"]
        return AuthContext(caller.user_id, "sess", caller.organization, caller.workspace,
                           tuple(permissions["organization"]), tuple(permissions["workspace"]))
    if caller.kind == "api_key":
        granted = tuple(caller.permissions)
        return AuthContext(None, None, caller.organization, caller.workspace,
                           granted if caller.organization else (), granted if caller.workspace else (),
                           principal_type=PrincipalType.API_KEY, key_id="1", checked_by_gateway=True)
    return AuthContext(caller.user_id, None, principal_type=PrincipalType.OAUTH_ACCESS_TOKEN, client_id="c",
                       scopes=tuple(caller.scope.split()), checked_by_gateway=caller.kind == "oauth_opaque")


def _expected(caller: Caller, method: str, path: str) -> bool:
    """Whether the drill expects the route to let ``caller`` through (its own, hand-written answers)."""
    return {
        ("GET", "/me"): True,
        ("GET", "/whoami"): caller.whoami_status == 200 or caller.user_id is None,  # a key without a user: the function's 403
        ("GET", "/documents"): caller.reads_documents,
        ("GET", "/documents/{documentId}"): caller.reads_documents,
        ("POST", "/documents"): caller.writes_documents,
        ("DELETE", "/documents/{documentId}"): caller.writes_documents,
        ("GET", "/members"): caller.lists_members,
        ("PUT", "/members/{memberId}"): caller.manages_members,
        ("DELETE", "/members/{memberId}"): caller.manages_members,
    }[(method, path)]


@pytest.mark.parametrize("caller", EVERY_CALLER, ids=lambda caller: f"{caller.kind}:{caller.label}")
def test_the_drills_expectations_of_each_caller_are_the_route_tables(caller):
    context = _context(caller)
    for route in ROUTES:
        if route.requirement.behind_authorizer:
            assert _expected(caller, route.method, route.path) == route.requirement.is_met_by(context), route


def test_every_kind_of_caller_is_in_the_first_six_clients_and_every_caller_in_the_mix():
    assert {caller.kind for caller in EVERY_CALLER[:6]} == {"session", "api_key", "oauth_jwt", "oauth_opaque"}
    assert sorted(map(id, EVERY_CALLER)) == sorted(map(id, SESSIONS + OTHER_CALLERS))
