"""local_stack.backend_api: the Wacht Backend API stand-in, over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from local_stack.backend_api import BackendApiStandIn
from local_stack.personas import PERSONAS

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


def test_an_unknown_user_is_404_in_wachts_error_shape(api):
    assert _get(api, "/users/1/details", f"Bearer {SECRET}") == (404, {"errors": [{"message": "User not found", "code": 404}]})


def test_other_paths_are_404(api):
    assert _get(api, "/users", f"Bearer {SECRET}")[0] == 404
