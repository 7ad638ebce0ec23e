"""GET /me (the session from the authorizer context) and GET /whoami (the user from Wacht's Backend
API, cut to the public allowlist)."""

from __future__ import annotations

import json

import pytest

from api_support import PUBLIC_USER_FIELDS, BackendSecret, UserDirectory, public_user
from tests.functions.conftest import BACKEND_SECRET, KNOWN_USER_ID, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event
from tests.functions.servers import BACKEND_ONLY_FIELDS
from wacht_auth.wacht_api import WachtApi, WachtApiUnavailable


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
        "principal_type": "session_token",
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


def test_whoami_answers_the_allowlisted_user_fetched_with_the_backend_secret(functions, wacht_api):
    before = len(wacht_api.requests)
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 200
    assert answer.body == {
        "id": KNOWN_USER_ID,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "username": "ada",
        "profile_picture_url": "",
        "primary_email_address": "ada@example.com",
        "email_addresses": ["ada@example.com"],
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    request = wacht_api.requests[before]
    assert request["path"] == f"/users/{KNOWN_USER_ID}/details"
    assert request["headers"]["Authorization"] == f"Bearer {BACKEND_SECRET}"
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_whoami_never_relays_backend_only_fields(functions, wacht_api):
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 200
    assert set(answer.body) == set(PUBLIC_USER_FIELDS)
    relayed = json.dumps(answer.body)
    for name in BACKEND_ONLY_FIELDS:
        assert name not in relayed
    for value in ("cus_backend_only", "backend-only", "198.51.100.23"):
        assert value not in relayed


def test_public_user_keeps_only_strings_and_address_strings():
    user = {
        "id": "1",
        "first_name": {"nested": "object"},
        "username": None,
        "primary_email_address": {"id": "9", "email": "a@example.com", "verified": True},
        "email_addresses": [{"email": "a@example.com", "verification_strategy": "otp"}, "b@example.com", 7, {"id": "x"}],
        "private_metadata": {"k": "v"},
    }
    assert public_user(user, "1") == {
        "id": "1",
        "first_name": None,
        "last_name": None,
        "username": None,
        "profile_picture_url": None,
        "primary_email_address": "a@example.com",
        "email_addresses": ["a@example.com", "b@example.com"],
        "created_at": None,
        "updated_at": None,
    }


def test_a_user_object_for_another_id_is_never_shown():
    with pytest.raises(WachtApiUnavailable):
        public_user({"id": "2", "first_name": "Someone else"}, "1")


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
    monkeypatch.setattr(me, "USERS", UserDirectory(WachtApi(base_url=wacht_api.url), BackendSecret(value="sk_test_revoked")))
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 502
    assert answer.body == {"message": "upstream service failed"}


def test_whoami_when_wacht_does_not_answer_in_time_is_504(functions, wacht_api):
    # A 2 s invocation: the 1 s margin to answer leaves 1 s for Wacht, which sleeps 3 s.
    wacht_api.mode, wacht_api.delay = "slow", 3.0
    answer = functions["MeFunction"].invoke(proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)), timeout_seconds=2)
    assert answer.status == 504
    assert answer.body == {"message": "upstream service timed out"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
