"""GET /me (the session from the authorizer context) and GET /whoami (the user from Wacht's Backend API)."""

from __future__ import annotations

import pytest

from tests.functions.conftest import BACKEND_SECRET, KNOWN_USER_ID, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event
from tests.functions.servers import wacht_user
from wacht_auth.wacht_api import WachtApi


def test_me_answers_the_session_from_the_authorizer_context(functions):
    auth = session_of(
        organization="72170190012345601",
        workspace="72170190012345777",
        organization_permissions=("organization:admin", "members:manage"),
        workspace_permissions=("workspace:member",),
    )
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/me", auth=auth))
    assert answer.status == 200
    assert answer.body == {
        "user_id": auth.user_id,
        "session_id": auth.session_id,
        "organization_id": "72170190012345601",
        "workspace_id": "72170190012345777",
        "organization_permissions": ["organization:admin", "members:manage"],
        "workspace_permissions": ["workspace:member"],
    }
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_me_without_organization_or_workspace_answers_nulls_and_empty_lists(functions):
    auth = session_of()
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/me", auth=auth))
    assert answer.status == 200
    assert answer.body["organization_id"] is None and answer.body["workspace_id"] is None
    assert answer.body["organization_permissions"] == [] and answer.body["workspace_permissions"] == []


def test_whoami_answers_the_wacht_user_fetched_with_the_backend_secret(functions, wacht_api):
    before = len(wacht_api.requests)
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 200
    assert answer.body == wacht_user(KNOWN_USER_ID)
    request = wacht_api.requests[before]
    assert request["path"] == f"/users/{KNOWN_USER_ID}/details"
    assert request["headers"]["Authorization"] == f"Bearer {BACKEND_SECRET}"
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_whoami_for_a_user_wacht_does_not_know_is_404(functions, wacht_api):
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/whoami", auth=session_of(user_id="999")))
    assert answer.status == 404
    assert answer.body == {"message": "not found"}


@pytest.mark.parametrize("mode", ["forbidden", "rate_limited", "error", "garbage"])
def test_whoami_when_wacht_refuses_or_fails_is_502_with_nothing_leaked(functions, wacht_api, mode):
    wacht_api.mode = mode
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 502
    assert answer.body == {"message": "upstream service failed"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_whoami_with_a_backend_secret_wacht_rejects_is_502_not_401(functions, wacht_api, monkeypatch):
    me = functions["MeFunction"].module
    monkeypatch.setattr(me, "WACHT_API", WachtApi(lambda: "sk_test_revoked", base_url=wacht_api.url))
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 502
    assert answer.body == {"message": "upstream service failed"}


def test_whoami_when_wacht_does_not_answer_in_time_is_504(functions, wacht_api, monkeypatch):
    me = functions["MeFunction"].module
    monkeypatch.setattr(me, "WACHT_API", WachtApi(lambda: BACKEND_SECRET, base_url=wacht_api.url, read_timeout_seconds=0.2))
    wacht_api.mode, wacht_api.delay = "slow", 1.0
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 504
    assert answer.body == {"message": "upstream service timed out"}
