"""DynamoDB that keeps throttling, failing with a 5xx whose body is not DynamoDB's, or cannot be
reached: retried within the invocation's budget, then a 503. (A DynamoDB that accepts and never
answers, or drips: test_time_budgets.py; a write answered so after it was applied:
test_unanswered_writes.py.)"""

from __future__ import annotations

import socket

import pytest

from api_support.dynamodb import MAX_ATTEMPTS
from tests.functions.conftest import new_id, session_of
from tests.functions.events import ALLOWED_ORIGIN, proxy_event
from tests.functions.harness import load_function
from tests.functions.servers import DrippingAws, ForeignErrorDynamoDB, ThrottlingDynamoDB

AUTH = session_of(organization=new_id(), workspace=new_id(), organization_permissions=("members:manage",), workspace_permissions=("documents:write",))
# One call per DynamoDB operation the functions use (Query, PutItem, GetItem, DeleteItem).
CALLS = [
    ("DocumentsFunction", proxy_event("GET", "/documents", auth=AUTH)),
    ("DocumentsFunction", proxy_event("POST", "/documents", auth=AUTH, body={"title": "t"})),
    ("DocumentsFunction", proxy_event("GET", "/documents/{documentId}", auth=AUTH, path_parameters={"documentId": "a"})),
    ("MembersFunction", proxy_event("DELETE", "/members/{memberId}", auth=AUTH, path_parameters={"memberId": "1"})),
]


@pytest.fixture(scope="module")
def throttling():
    with ThrottlingDynamoDB() as server:
        yield server


@pytest.fixture(scope="module")
def throttled_functions(throttling, parameters, table_name, local_environment):
    environment = {**local_environment, "DYNAMODB_ENDPOINT_URL": throttling.url}
    return {name: load_function(name, parameters, {"DataTable": table_name}, environment) for name in ("DocumentsFunction", "MembersFunction")}


@pytest.mark.parametrize(("function", "event"), CALLS, ids=[f"{e['httpMethod']} {e['resource']}" for _, e in CALLS])
def test_persistent_throttling_is_retried_then_answered_503(throttling, throttled_functions, function, event):
    before = len(throttling.requests)
    answer = throttled_functions[function].invoke(event)
    assert answer.status == 503
    assert answer.body == {"message": "service temporarily unavailable, retry later"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert len(throttling.requests) - before == MAX_ATTEMPTS  # the first call and the retries the budget allows


def test_dynamodb_that_cannot_be_reached_is_503(parameters, table_name, local_environment):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    environment = {**local_environment, "DYNAMODB_ENDPOINT_URL": f"http://127.0.0.1:{closed_port}"}
    documents = load_function("DocumentsFunction", parameters, {"DataTable": table_name}, environment)
    answer = documents.invoke(proxy_event("GET", "/documents", auth=AUTH))
    assert answer.status == 503
    assert answer.body == {"message": "service temporarily unavailable, retry later"}


@pytest.mark.parametrize(("status", "body", "content_type"), [
    (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
    (503, b"<html><body>Service Unavailable</body></html>", "text/html"),
    (504, b"", "text/html"),
    (500, b'{"__type":"com.amazon.coral.service#InternalFailure"}', "application/x-amz-json-1.0"),
], ids=["proxy-502-page", "proxy-503-page", "empty-504", "internal-failure"])
def test_a_5xx_whose_body_is_not_dynamodbs_is_retried_then_answered_503(parameters, table_name, local_environment, status, body, content_type):
    # botocore treats every 500/502/503/504 as transient, whatever the body: so do we.
    with ForeignErrorDynamoDB(status, body, content_type) as failing:
        documents = load_function("DocumentsFunction", parameters, {"DataTable": table_name}, {**local_environment, "DYNAMODB_ENDPOINT_URL": failing.url})
        answer = documents.invoke(proxy_event("GET", "/documents", auth=AUTH))
    assert answer.status == 503
    assert answer.body == {"message": "service temporarily unavailable, retry later"}
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert len(failing.requests) == MAX_ATTEMPTS


def test_an_answer_cut_short_is_retried_then_answered_503_never_an_empty_list(parameters, table_name, local_environment):
    with DrippingAws(0.01) as cut:
        cut.drip_limit_seconds = 0.05  # each answer: a few bytes of its declared length, then the connection closes
        documents = load_function("DocumentsFunction", parameters, {"DataTable": table_name}, {**local_environment, "DYNAMODB_ENDPOINT_URL": cut.url})
        answer = documents.invoke(proxy_event("GET", "/documents", auth=AUTH))
    assert answer.status == 503
    assert answer.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert len(cut.requests) == MAX_ATTEMPTS
