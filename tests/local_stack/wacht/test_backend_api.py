"""local_stack.wacht.backend_api: the Wacht Backend API stand-in, over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from local_stack.wacht.backend_api import BackendApiStandIn, made_up_user_details
from local_stack.wacht.personas import PERSONAS

SECRET = "sk_test_unit"


@pytest.fixture
def api():
    service = BackendApiStandIn(SECRET).serve(0)
    yield service.origin
    service.stop()


def _get(origin: str, path: str, authorization: str | None):
    headers = {"Authorization": authorization} if authorization else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{origin}{path}", headers=headers), timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.id)
def test_every_persona_has_user_details(api, persona):
    status, user = _get(api, f"/users/{persona.user_id}/details", f"Bearer {SECRET}")
    assert status == 200
    assert (user["id"], user["primary_email_address"], user["username"]) == (persona.user_id, persona.email, persona.id)
    assert user["email_addresses"][0]["email"] == persona.email and "data" not in user


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", SECRET, f"bearer {SECRET}x"])
def test_without_the_backend_secret_it_is_401_in_wachts_error_shape(api, authorization):
    status, body = _get(api, f"/users/{PERSONAS[0].user_id}/details", authorization)
    assert status == 401
    assert body["errors"][0]["code"] == 401 and body["errors"][0]["message"]


def test_other_paths_are_404(api):
    assert _get(api, "/users", f"Bearer {SECRET}")[0] == 404


@pytest.mark.parametrize("user_id", ["1", "99999999999999999", "72170182881059999", str(2**63 - 1)])
def test_any_other_snowflake_gets_a_made_up_user_so_whoami_works_with_any_dev_token(api, user_id):
    status, user = _get(api, f"/users/{user_id}/details", f"Bearer {SECRET}")
    assert status == 200
    assert (user["id"], user["username"], user["primary_email_address"]) == (
        user_id, f"dev-user-{user_id}", f"user-{user_id}@dev-users.test")
    assert user["email_addresses"][0]["user_id"] == user_id and user["disabled"] is False and "data" not in user


def test_the_made_up_user_is_the_same_every_time_and_differs_between_ids(api):
    first = _get(api, "/users/99999999999999999/details", f"Bearer {SECRET}")
    again = _get(api, "/users/99999999999999999/details", f"Bearer {SECRET}")
    other = _get(api, "/users/99999999999999998/details", f"Bearer {SECRET}")
    assert first == again
    assert first[1]["last_name"] != other[1]["last_name"]


def test_a_persona_keeps_its_own_record_not_a_made_up_one(api):
    alice = PERSONAS[0]
    assert _get(api, f"/users/{alice.user_id}/details", f"Bearer {SECRET}")[1]["first_name"] == alice.first_name


@pytest.mark.parametrize("user_id", ["not-a-snowflake", "0", "007", "-1", "1.5", "%EF%BC%91%EF%BC%92", str(2**63), "1" * 20, "%2e%2e"])
def test_an_id_that_is_not_a_decimal_snowflake_is_404_in_wachts_error_shape(api, user_id):
    assert _get(api, f"/users/{user_id}/details", f"Bearer {SECRET}") == (
        404, {"errors": [{"message": "User not found", "code": 404}]})


def test_made_up_user_details_refuses_an_id_that_is_not_a_snowflake():
    with pytest.raises(ValueError, match="decimal snowflake"):
        made_up_user_details("abc")
