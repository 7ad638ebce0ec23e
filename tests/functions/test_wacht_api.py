"""The Backend API client against a local server speaking wacht.md's shapes."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.functions.conftest import BACKEND_SECRET, KNOWN_USER_ID
from tests.functions.servers import wacht_user
from wacht_auth.wacht_api import DEFAULT_API_URL, WORKER_THREAD_NAME, WachtApi, WachtApiNotFound, WachtApiTimeout, WachtApiUnavailable


class Client:
    """WachtApi with the secret and the timeout bound, as the tests below call it."""

    def __init__(self, url: str, secret: str = BACKEND_SECRET, timeout_seconds: float = 5.0) -> None:
        self.api = WachtApi(base_url=url)
        self.secret = secret
        self.timeout_seconds = timeout_seconds

    def get_user(self, user_id: str) -> dict:
        return self.api.users.get_user(user_id, secret=self.secret, timeout_seconds=self.timeout_seconds)


def client(url: str, secret: str = BACKEND_SECRET, **kwargs) -> Client:
    return Client(url, secret, **kwargs)


def test_user_details_are_the_raw_user_object_fetched_with_the_bearer_secret(wacht_api):
    before = len(wacht_api.requests)
    assert client(wacht_api.url).get_user(KNOWN_USER_ID) == wacht_user(KNOWN_USER_ID)
    request = wacht_api.requests[before]
    assert request["method"] == "GET"
    assert request["path"] == f"/users/{KNOWN_USER_ID}/details"
    assert request["headers"]["Authorization"] == f"Bearer {BACKEND_SECRET}"
    assert request["headers"]["User-Agent"].startswith("wacht-sam-authorizer/")


def test_a_user_id_cannot_steer_the_request_to_another_path(wacht_api):
    before = len(wacht_api.requests)
    with pytest.raises(WachtApiNotFound):
        client(wacht_api.url).get_user("../../organizations/1")
    assert wacht_api.requests[before]["path"] == "/users/..%2F..%2Forganizations%2F1/details"


def test_unknown_user_is_not_found(wacht_api):
    with pytest.raises(WachtApiNotFound) as raised:
        client(wacht_api.url).get_user("404404")
    assert raised.value.status == 404


@pytest.mark.parametrize(("mode", "status"), [("forbidden", 403), ("rate_limited", 429), ("error", 500)])
def test_refusals_and_failures_are_unavailable_with_wachts_message(wacht_api, mode, status):
    wacht_api.mode = mode
    with pytest.raises(WachtApiUnavailable) as raised:
        client(wacht_api.url).get_user(KNOWN_USER_ID)
    assert raised.value.status == status
    assert f"HTTP {status}" in str(raised.value)


def test_a_rejected_secret_is_unavailable_and_the_message_does_not_carry_it(wacht_api):
    with pytest.raises(WachtApiUnavailable) as raised:
        client(wacht_api.url, secret="sk_test_wrong_value").get_user(KNOWN_USER_ID)
    assert raised.value.status == 401
    assert "Invalid API key" in str(raised.value)
    assert "sk_test_wrong_value" not in str(raised.value)


def test_a_body_that_is_not_json_is_unavailable(wacht_api):
    wacht_api.mode = "garbage"
    with pytest.raises(WachtApiUnavailable):
        client(wacht_api.url).get_user(KNOWN_USER_ID)


def test_no_answer_within_the_deadline_is_a_timeout(wacht_api):
    wacht_api.mode, wacht_api.delay = "slow", 1.0
    with pytest.raises(WachtApiTimeout):
        client(wacht_api.url, timeout_seconds=0.2).get_user(KNOWN_USER_ID)


def test_a_dripping_answer_is_a_timeout_at_the_deadline_not_per_read(wacht_api):
    # Every byte arrives 50 ms after the last, far inside any per-read timeout: only a deadline
    # on the whole exchange stops it (the body is a few hundred bytes: tens of seconds in all).
    wacht_api.mode, wacht_api.delay = "drip", 0.05
    started = time.monotonic()
    with pytest.raises(WachtApiTimeout):
        client(wacht_api.url, timeout_seconds=0.5).get_user(KNOWN_USER_ID)
    assert time.monotonic() - started < 3.0  # bound check: the drip alone would take > 20 s


def test_the_worker_stops_reading_a_drip_soon_after_the_deadline(wacht_api):
    wacht_api.mode, wacht_api.delay = "drip", 0.05
    with pytest.raises(WachtApiTimeout):
        client(wacht_api.url, timeout_seconds=0.3).get_user(KNOWN_USER_ID)
    for _ in range(60):  # bounded: 3 s at most
        if not any(t.name == WORKER_THREAD_NAME for t in threading.enumerate()):
            break
        time.sleep(0.05)
    assert [t for t in threading.enumerate() if t.name == WORKER_THREAD_NAME] == []


def test_no_time_left_is_a_timeout_without_a_request(wacht_api):
    before = len(wacht_api.requests)
    with pytest.raises(WachtApiTimeout):
        client(wacht_api.url, timeout_seconds=0).get_user(KNOWN_USER_ID)
    assert len(wacht_api.requests) == before


def test_json_nested_deeper_than_the_parser_goes_is_unavailable_not_a_crash(wacht_api):
    wacht_api.mode = "nested"
    with pytest.raises(WachtApiUnavailable):
        client(wacht_api.url).get_user(KNOWN_USER_ID)


def test_an_unreachable_api_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(WachtApiUnavailable):
        client(f"http://127.0.0.1:{closed_port}").get_user(KNOWN_USER_ID)


def test_base_url_comes_from_the_environment_with_wachts_default():
    assert WachtApi.from_environ({}).base_url == DEFAULT_API_URL == "https://api.wacht.dev"
    assert WachtApi.from_environ({"WACHT_API_URL": "http://127.0.0.1:9/"}).base_url == "http://127.0.0.1:9"


def test_importing_wacht_auth_does_not_import_requests():
    import subprocess
    import sys

    from local_stack.api_gateway.sam_template import PROJECT_ROOT

    code = "import sys; sys.path.insert(0, 'packages/wacht-auth/src'); import wacht_auth; print('requests' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
    assert result.stdout.strip() == "False"
