"""Dependencies that hang or drip: the function still answers its documented 503 / 504, with CORS
headers, before its Lambda timeout (template.yaml's Timeout unless a test says otherwise).

Real servers on 127.0.0.1: a socket that accepts and never answers stands in for a stuck
DynamoDB, Secrets Manager or SSM endpoint; the Backend API server and an AWS JSON endpoint
(DynamoDB, Secrets Manager, SSM) drip their answers byte by byte.
The elapsed-time checks are bounds against the timeout, not measurements.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.functions.conftest import KNOWN_USER_ID, new_id, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event
from tests.functions.harness import load_function
from api_support.sdk import ATTEMPT_THREAD_NAME
from tests.functions.servers import DrippingAws, HangingServer

AUTH = session_of(organization=new_id(), workspace=new_id(), organization_permissions=("members:manage",), workspace_permissions=("documents:write",))
UNAVAILABLE = {"message": "service temporarily unavailable, retry later"}


@pytest.fixture
def hanging():
    with HangingServer() as server:
        yield server


def timed_invoke(function, event, timeout_seconds=None):
    started = time.monotonic()
    answer = function.invoke(event, timeout_seconds=timeout_seconds)
    return answer, time.monotonic() - started


def test_dynamodb_that_accepts_and_never_answers_is_503_before_the_template_timeout(hanging, parameters, table_name, local_environment):
    documents = load_function("DocumentsFunction", parameters, {"DataTable": table_name}, {**local_environment, "DYNAMODB_ENDPOINT_URL": hanging.url})
    assert documents.timeout_seconds == 10  # template.yaml's Timeout, which the context counts down from
    answer, elapsed = timed_invoke(documents, proxy_event("GET", "/documents", auth=AUTH))
    assert answer.status == 503
    assert answer.body == UNAVAILABLE
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert elapsed < documents.timeout_seconds
    assert hanging.connections == 3  # every attempt the budget allowed, each on a fresh connection


def test_a_short_invocation_gives_dynamodb_fewer_and_shorter_attempts(hanging, parameters, table_name, local_environment):
    members = load_function("MembersFunction", parameters, {"DataTable": table_name}, {**local_environment, "DYNAMODB_ENDPOINT_URL": hanging.url})
    event = proxy_event("PUT", "/members/{memberId}", auth=AUTH, path_parameters={"memberId": "1"}, body={"role": "organization:member"})
    answer, elapsed = timed_invoke(members, event, timeout_seconds=2.5)
    assert answer.status == 503
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert elapsed < 2.5


@pytest.mark.parametrize(("store", "timeout_seconds"), [("secretsmanager", None), ("ssm", 3.0)])
def test_a_secret_store_that_never_answers_is_503_before_the_timeout(hanging, parameters, table_name, wacht_api, monkeypatch, store, timeout_seconds):
    # As deployed: no WACHT_BACKEND_SECRET, only the store and the name; every AWS client goes to the hung endpoint.
    monkeypatch.setenv("AWS_ENDPOINT_URL", hanging.url)
    me = load_function("MeFunction", {**parameters, "WachtBackendSecretStore": store}, {"DataTable": table_name})
    before = len(wacht_api.requests)
    answer, elapsed = timed_invoke(me, proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)), timeout_seconds)
    assert answer.status == 503
    assert answer.body == UNAVAILABLE
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert elapsed < (timeout_seconds or me.timeout_seconds)
    assert hanging.connections >= 1
    assert len(wacht_api.requests) == before  # no secret, no call to Wacht


def test_a_backend_api_that_drips_its_answer_is_504_before_the_template_timeout(functions, wacht_api):
    # One byte every 50 ms: each read is quick, the ~600-byte answer would take half a minute.
    wacht_api.mode, wacht_api.delay = "drip", 0.05
    me = functions["MeFunction"]
    answer, elapsed = timed_invoke(me, proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 504
    assert answer.body == {"message": "upstream service timed out"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert elapsed < me.timeout_seconds


# ---- AWS answers that drip: each SDK attempt is bounded as a whole, not per read ----

DRIP_INTERVAL_SECONDS = 0.4  # one byte every 0.4 s: far below any read timeout, minutes for the whole answer


@pytest.fixture
def dripping():
    with DrippingAws(DRIP_INTERVAL_SECONDS) as server:
        yield server
    # Abandoned attempts end once their peer stops: none outlives the server for long.
    deadline = time.monotonic() + 5
    while any(t.name == ATTEMPT_THREAD_NAME for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [t.name for t in threading.enumerate() if t.name == ATTEMPT_THREAD_NAME] == []


@pytest.mark.parametrize("event", [
    proxy_event("GET", "/documents", auth=AUTH),
    proxy_event("GET", "/documents/{documentId}", auth=AUTH, path_parameters={"documentId": "0000000001"}),
], ids=["Query", "GetItem"])
def test_dynamodb_that_drips_its_answer_is_503_before_the_template_timeout(dripping, parameters, table_name, local_environment, event):
    documents = load_function("DocumentsFunction", parameters, {"DataTable": table_name}, {**local_environment, "DYNAMODB_ENDPOINT_URL": dripping.url})
    answer, elapsed = timed_invoke(documents, event)
    assert answer.status == 503
    assert answer.body == UNAVAILABLE
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert elapsed < documents.timeout_seconds
    assert len(dripping.requests) == 3  # every attempt the budget allowed, each abandoned at its deadline


@pytest.mark.parametrize("store", ["secretsmanager", "ssm"])
def test_a_secret_store_that_drips_its_answer_is_503_before_the_template_timeout(dripping, parameters, table_name, wacht_api, monkeypatch, store):
    monkeypatch.setenv("AWS_ENDPOINT_URL", dripping.url)  # as deployed: only the store and the name, no local secret
    me = load_function("MeFunction", {**parameters, "WachtBackendSecretStore": store}, {"DataTable": table_name})
    before = len(wacht_api.requests)
    answer, elapsed = timed_invoke(me, proxy_event("GET", "/whoami", auth=session_of(user_id=KNOWN_USER_ID)))
    assert answer.status == 503
    assert answer.body == UNAVAILABLE
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert elapsed < me.timeout_seconds
    assert len(dripping.requests) == 2  # the secret store's attempts
    assert len(wacht_api.requests) == before  # no secret, no call to Wacht
