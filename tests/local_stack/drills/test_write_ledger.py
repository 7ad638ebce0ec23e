"""local_stack.drills.write_ledger: acknowledged writes read back against a real HTTP server answering as each tenant."""

from __future__ import annotations

import pytest

from local_stack.http_service import HttpRequest, HttpResponse, HttpService, json_response
from local_stack.drills.write_ledger import Ledger, read_back

TOKENS = {("org-x", "ws-a"): "token-a", ("org-y", "ws-b"): "token-b"}
DOCUMENTS = {  # what each tenant's token can read
    "token-a": {"d1": "t1", "d4": "t4"},
    "token-b": {"d4": "t4"},  # d4 of ws-a leaks to ws-b; d3 of ws-b is gone
}
MEMBER_PAGES = {
    "token-a": {"": (["m9"], "c2"), "c2": (["m1", "m2", "m3"], None)},  # m2 was deleted; m3 is org-y's
    "token-b": {"": (["m3"], None)},
}


def _fake_api(request: HttpRequest) -> HttpResponse:
    token = (request.header("Authorization") or "").removeprefix("Bearer ")
    if request.path.startswith("/documents/"):
        document_id = request.path.rsplit("/", 1)[1]
        if document_id == "d5":
            return json_response(503, {"message": "service unavailable"})
        title = DOCUMENTS[token].get(document_id)
        return json_response(200, {"id": document_id, "title": title}) if title else json_response(404, {"message": "document not found"})
    if request.path == "/members":
        cursor = dict(part.split("=", 1) for part in request.query.split("&") if "=" in part).get("cursor", "")
        items, next_cursor = MEMBER_PAGES[token][cursor]
        return json_response(200, {"items": [{"member_id": m} for m in items], "next_cursor": next_cursor})
    return json_response(404, {"message": "no route"})


@pytest.fixture(scope="module")
def api():
    service = HttpService("fake-api", _fake_api).start()
    yield service.origin
    service.stop()


def test_each_broken_promise_is_reported_by_kind(api):
    ledger = Ledger()
    ledger.document_created("d1", "ws-a", "t1")          # kept: fine
    ledger.document_created("d2", "ws-a", "t2")
    ledger.document_deleted("d2", acknowledged=True)      # deleted and gone: fine
    ledger.document_created("d3", "ws-b", "t3")          # acknowledged, then gone: lost
    ledger.document_created("d4", "ws-a", "t4")          # readable by ws-b: cross-tenant
    ledger.document_created("d5", "ws-a", "t5")          # the read-back itself fails: reported as such
    ledger.document_created("d6", "ws-a", "t6")
    ledger.document_deleted("d6", acknowledged=False)     # a 5xx delete: unknown, not checked
    ledger.member_put("org-x", "m1", acknowledged=True)   # listed on the second page: fine
    ledger.member_put("org-x", "m2", acknowledged=True)
    ledger.member_deleted("org-x", "m2", acknowledged=True)  # deleted but still listed: lost
    ledger.member_put("org-y", "m3", acknowledged=True)   # listed by org-x too: cross-tenant
    ledger.member_put("org-y", "m4", acknowledged=False)  # a 5xx put: unknown, not checked
    result = read_back(api, ledger, TOKENS)
    assert result.checked == 8  # d1-d5 and m1-m3: the unknown ones are not
    assert result.lost == ["document d3 of workspace ws-b: 404", "deleted member m2 of organization org-x still listed"]
    assert result.cross_tenant == ["document d4 of ws-a read by ws-b", "member m3 of org-y listed by org-x"]
    assert result.failed == ["GET /documents/d5: 503", "GET /documents/d5 as ws-b: 503"]  # neither read could be made


def test_owners_are_known_even_for_unacknowledged_writes():
    ledger = Ledger()
    ledger.member_put("org-y", "m4", acknowledged=False)
    ledger.document_created("d1", "ws-a", "t1")
    assert (ledger.member_owner("m4"), ledger.document_owner("d1"), ledger.document_owner("d9")) == ("org-y", "ws-a", None)


def test_a_reader_that_cannot_read_another_tenants_document_at_all_makes_the_check_fail_not_pass():
    """The cross-tenant check only means something when the other tenant's reader gets a clear 404: a
    key or session refused outright (401, 403) or failing (5xx) would see no document of anyone, and
    "nothing leaked" would pass without having been checked."""
    answers = {"token-a": 200, "token-b": 404, "key-b-rejected": 401, "key-c-broken": 500}

    def api(request: HttpRequest) -> HttpResponse:
        token = (request.header("Authorization") or "").removeprefix("Bearer ")
        if request.path == "/members":
            return json_response(200, {"items": [], "next_cursor": None})
        status = answers[token]
        return json_response(status, {"id": "d1", "title": "t1"} if status == 200 else {"message": "no"})

    service = HttpService("fake-api-readers", api).start()
    try:
        ledger = Ledger()
        ledger.document_created("d1", "ws-a", "t1")
        result = read_back(service.origin, ledger, TOKENS, {"ws-b": "key-b-rejected", "ws-c": "key-c-broken"})
    finally:
        service.stop()
    assert result.lost == [] and result.cross_tenant == []
    assert result.failed == ["GET /documents/d1 as an API key of ws-b: 401", "GET /documents/d1 as an API key of ws-c: 500"]
