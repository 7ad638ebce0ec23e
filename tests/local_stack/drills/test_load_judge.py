"""local_stack.drills.load's judgment of the other callers, against a fake API on 127.0.0.1 that
answers what the test says: a wrong answer to an API key or an OAuth client fails the run, the
answers the route table promises (an expected 401 for a revoked key, 429 for a key over its
limit, 403 where a kind of caller is not allowed) do not."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from local_stack.drills.callers import OTHER_CALLERS, ApiKeyCaller, Endpoints, OAuthCaller
from local_stack.drills.load import REVOKED_ROUTE, Client, LoadResult, check_rate_limit
from local_stack.drills.write_ledger import Ledger, read_back
from local_stack.http_service import HttpRequest, HttpResponse, HttpService, json_response
from local_stack.wacht.personas import ACME, ACME_DOCS, GLOBEX_MAIN

KEY = next(c for c in OTHER_CALLERS if isinstance(c, ApiKeyCaller) and c.workspace == ACME_DOCS)
OPAQUE = next(c for c in OTHER_CALLERS if isinstance(c, OAuthCaller) and c.token_format == "opaque")
NO_PROFILE = next(c for c in OTHER_CALLERS if isinstance(c, OAuthCaller) and "profile" not in c.scope)

Answer = Callable[[HttpRequest], HttpResponse]


class FakeStack:
    """The API, the gateway stand-in's /api-keys and the OAuth app's /oauth/* on one port; the API's
    answers are the test's (``answers[(method, path)]``), or 404."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], Answer] = {}
        self.revoked: list[str] = []
        self._issued = 0
        self._lock = threading.Lock()

    def handle(self, request: HttpRequest) -> HttpResponse:
        with self._lock:
            if (request.method, request.path) == ("POST", "/api-keys"):
                self._issued += 1
                return json_response(201, {"key": f"dev_live_k{self._issued}", "key_id": str(self._issued)})
            if request.method == "DELETE" and request.path.startswith("/api-keys/"):
                self.revoked.append(request.path.rsplit("/", 1)[1])
                return json_response(200, {"revoked": True})
            if (request.method, request.path) == ("POST", "/oauth/tokens"):
                self._issued += 1
                return json_response(200, {"token": f"dev_oat_{self._issued}"})
            if (request.method, request.path) == ("POST", "/oauth/revoke"):
                return json_response(200, {"revoked": True})
        answer = self.answers.get((request.method, request.path))
        return answer(request) if answer else json_response(404, {"message": "not found"})


@pytest.fixture(scope="module")
def service():
    fake = FakeStack()
    running = HttpService("fake-stack", fake.handle).start()
    yield fake, running.origin
    running.stop()


@pytest.fixture
def stack(service):
    fake, origin = service
    fake.answers.clear()
    fake.revoked.clear()
    return fake, origin


def _client(origin: str, caller, ledger: Ledger | None = None) -> Client:
    endpoints = Endpoints(origin, oauth=origin, gateway=origin)
    client = Client(1, caller, origin, endpoints, ledger or Ledger(), LoadResult(), threading.Lock(), 7, 25, "run")
    client.credential = caller.issue(endpoints)
    return client


def _fixed(status: int, body: dict, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return lambda request: json_response(status, body, headers)


def test_an_api_key_shown_another_workspaces_document_is_a_cross_tenant_result(stack):
    fake, origin = stack
    ledger = Ledger()
    ledger.document_created("d-globex", GLOBEX_MAIN, f"load ws {GLOBEX_MAIN} client 3 request 1")
    fake.answers[("GET", "/documents")] = _fixed(200, {"items": [{"id": "d-globex", "title": "x"}], "next_cursor": None})
    client = _client(origin, KEY, ledger)
    client._list_documents(0)
    assert client.result.cross_tenant == [f"client 1 ({KEY.label}): GET /documents listed d-globex of workspace {GLOBEX_MAIN}"]
    assert not client.result.passed


def test_an_api_key_reading_another_workspaces_document_by_id_is_a_cross_tenant_result(stack):
    fake, origin = stack
    ledger = Ledger()
    ledger.document_created("d-globex", GLOBEX_MAIN, "t")
    fake.answers[("GET", "/documents/d-globex")] = _fixed(200, {"id": "d-globex", "title": "t"})
    client = _client(origin, KEY, ledger)
    client._get_any_document(0)
    assert len(client.result.cross_tenant) == 1 and not client.result.passed
    fake.answers[("GET", "/documents/d-globex")] = _fixed(404, {"message": "document not found"})
    clean = _client(origin, KEY, ledger)
    clean._get_any_document(0)
    assert clean.result.passed


def test_me_naming_another_key_or_another_tenant_is_a_cross_tenant_result(stack):
    fake, origin = stack
    client = _client(origin, KEY)
    own = {"principal_type": "api_key", "key_id": client.credential.key_id, "user_id": None,
           "organization_id": ACME, "workspace_id": ACME_DOCS}
    fake.answers[("GET", "/me")] = _fixed(200, own)
    client._me(0)
    assert client.result.passed
    for wrong in ({"key_id": "999"}, {"workspace_id": GLOBEX_MAIN}, {"principal_type": "session_token"}):
        fake.answers[("GET", "/me")] = _fixed(200, {**own, **wrong})
        client._me(0)
    assert len(client.result.cross_tenant) == 3 and not client.result.passed


def test_a_revoked_key_must_be_refused_with_401_and_its_401_is_no_sign_out(stack):
    fake, origin = stack
    client = _client(origin, KEY)
    used = client.credential
    fake.answers[("GET", "/me")] = lambda request: (
        json_response(401, {"message": "Unauthorized"}) if request.header("Authorization") == f"Bearer {used.value}"
        else json_response(200, {}))
    client._revoked(used)
    assert fake.revoked == [used.key_id]
    assert [(call.route, call.status, call.expected) for call in client.result.calls] == [(REVOKED_ROUTE, 401, True)]
    assert client.result.passed and client.result.signed_out == []
    fake.answers[("GET", "/me")] = _fixed(200, {"principal_type": "api_key"})  # the revoked key let through
    client._revoked(client.credential)
    (failure,) = client.result.failures()
    assert failure.startswith(f"{KEY.label} GET /me with a revoked credential: 200") and not client.result.passed


def test_a_401_to_a_live_key_is_a_sign_out_and_a_403_where_keys_are_allowed_is_unexpected(stack):
    fake, origin = stack
    fake.answers[("GET", "/documents")] = _fixed(401, {"message": "Unauthorized"})
    signed_out = _client(origin, KEY)
    signed_out._list_documents(0)
    assert signed_out.result.signed_out == [f"{KEY.label} GET /documents: 401"] and not signed_out.result.passed
    fake.answers[("GET", "/documents")] = _fixed(403, {"message": "workspace required"})
    refused = _client(origin, KEY)
    refused._list_documents(0)
    assert len(refused.result.unexpected) == 1 and not refused.result.passed


def test_what_the_route_table_refuses_an_oauth_client_must_be_refused(stack):
    fake, origin = stack
    denied = (("x-amzn-ErrorType", "AccessDeniedException"),)
    fake.answers[("GET", "/documents")] = _fixed(403, {"message": "User is not authorized"}, denied)
    fake.answers[("GET", "/members")] = _fixed(403, {"message": "User is not authorized"}, denied)
    fake.answers[("GET", "/whoami")] = _fixed(403, {"message": "missing scope profile"})
    fake.answers[("GET", "/hello")] = _fixed(200, {"message": "hello stranger"})
    client = _client(origin, NO_PROFILE)
    for operation in (client._list_documents, client._list_members, client._whoami, client._hello):
        operation(0)
    assert client.result.passed
    assert [call.refused_by_policy for call in client.result.calls] == [True, True, False, False]
    fake.answers[("GET", "/documents")] = _fixed(200, {"items": [], "next_cursor": None})  # let through: a failure
    fake.answers[("GET", "/hello")] = _fixed(200, {"message": f"hello {NO_PROFILE.user_id}"})  # /hello reads sessions only
    client._list_documents(0)
    client._hello(0)
    assert len(client.result.unexpected) == 1 and len(client.result.cross_tenant) == 1


def test_an_acknowledged_write_by_an_api_key_that_is_not_read_back_fails_the_run(stack):
    fake, origin = stack
    ledger = Ledger()
    fake.answers[("POST", "/documents")] = _fixed(201, {"id": "k1", "title": "t"})
    client = _client(origin, KEY, ledger)
    client._create_document(0)
    assert client.own_documents == ["k1"] and ledger.document_owner("k1") == ACME_DOCS
    fake.answers[("GET", "/documents/k1")] = _fixed(404, {"message": "document not found"})  # lost
    client.result.read_back = read_back(origin, ledger, {(ACME, ACME_DOCS): "session"})
    assert client.result.read_back.lost == [f"document k1 of workspace {ACME_DOCS}: 404"]
    assert not client.result.passed


def test_the_read_back_fails_the_run_when_another_workspaces_key_reads_a_document(stack):
    fake, origin = stack
    ledger = Ledger()
    ledger.document_created("k1", ACME_DOCS, "t")
    fake.answers[("GET", "/documents/k1")] = _fixed(200, {"id": "k1", "title": "t"})  # to everyone
    found = read_back(origin, ledger, {(ACME, ACME_DOCS): "session"}, {GLOBEX_MAIN: "dev_live_globex"})
    assert found.cross_tenant == [f"document k1 of {ACME_DOCS} read by an API key of {GLOBEX_MAIN}"]


@pytest.mark.parametrize(("answers", "passes"), [
    ([(200, ()), (200, ()), (429, (("Retry-After", "37"),))], True),
    ([(200, ()), (200, ()), (429, ())], False),  # no Retry-After
    ([(200, ()), (200, ()), (429, (("Retry-After", "0"),))], False),  # not a wait
    ([(200, ()), (429, (("Retry-After", "37"),)), (429, (("Retry-After", "37"),))], False),  # too early
    ([(200, ()), (200, ()), (200, ())], False),  # never limited
])
def test_the_rate_limit_check_wants_429_with_retry_after_on_the_request_over_the_limit_and_only_there(stack, answers, passes):
    fake, origin = stack
    replies = iter(answers)

    def documents(request: HttpRequest) -> HttpResponse:
        status, headers = next(replies)
        return json_response(status, {"items": []} if status == 200 else {"message": "Too Many Requests"}, headers)

    fake.answers[("GET", "/documents")] = documents
    result = LoadResult()
    check_rate_limit(origin, Endpoints(origin, gateway=origin), result, threading.Lock(), limit=2)
    assert [call.probe for call in result.calls] == [True] * 3 and result.requests == 0
    assert result.passed is passes, result.failures()
    assert result.rate_limit.startswith("a key limited to 2/min answered ")
