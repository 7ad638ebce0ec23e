"""The example frontend in headless Chromium against the local stack: the Wacht guide's
error semantics (401 → fresh token, retry once, then sign-in; 403 → "no access"; 404 →
refetch) and CORS on success and error answers, seen the way a user's browser sees them."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from local_stack.wacht.personas import find_persona
from tests.support.stack import RunningStack

from .conftest import BrowserLog, screenshot

pytestmark = pytest.mark.browser

ALICE = find_persona("alice")
ACME_DOCS, ACME_LEGAL = ALICE.organizations[0].workspaces
GATEWAY_FORBIDDEN = "User is not authorized to access this resource with an explicit deny"


def claims_of(authorization: str | None) -> dict:
    assert authorization and authorization.startswith("Bearer "), authorization
    payload = authorization.removeprefix("Bearer ").split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def choose_persona(page: Page, app_url: str, name: str, *, token_lifetime_seconds: int | None = None) -> None:
    page.goto(app_url)
    if token_lifetime_seconds is not None:
        page.get_by_text("Developer options").click()
        page.get_by_label("Session token lifetime").fill(str(token_lifetime_seconds))
    page.get_by_role("button", name=f"Sign in as {name}").click()


def sign_in(page: Page, app_url: str, name: str, *, token_lifetime_seconds: int | None = None) -> None:
    choose_persona(page, app_url, name, token_lifetime_seconds=token_lifetime_seconds)
    expect(page.get_by_test_id("user-name")).to_have_text(name)


def open_screen(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def seed_document(stack: RunningStack, workspace_id: str = ACME_DOCS.id, title: str = "Seeded") -> dict:
    """A document created through the API, as another client of the same workspace would."""
    token = stack.mint("alice", workspace=workspace_id)
    body = {"title": f"{title} · {uuid.uuid4().hex[:6]}", "body": "seed"}
    status, _, document = stack.request("POST", "/documents", token=token, body=body)
    assert status == 201, document
    return document


def wait_until(condition, page: Page, timeout_seconds: float = 5.0) -> None:
    """Let the page run until ``condition()`` holds or the time is up (the caller asserts)."""
    deadline = time.monotonic() + timeout_seconds
    while not condition() and time.monotonic() < deadline:
        page.wait_for_timeout(50)


def document_row(page: Page, title: str):
    return page.get_by_test_id("document-row").filter(has_text=title)


def test_signed_in_user_sees_who_they_are_and_the_workspace_documents(
    tab: tuple[Page, BrowserLog], app_url: str, stack: RunningStack
):
    page, log = tab
    documents = [seed_document(stack, title=t) for t in ("Onboarding checklist", "Q3 roadmap", "Security review")]

    sign_in(page, app_url, "Alice Admin")
    me = page.get_by_test_id("me")
    expect(me).to_contain_text(ALICE.user_id)
    expect(me).to_contain_text(ACME_DOCS.id)
    expect(me).to_contain_text("documents:write")
    expect(page.get_by_test_id("whoami")).to_contain_text("Alice Admin")
    expect(page.get_by_test_id("whoami")).to_contain_text(ALICE.email)
    screenshot(page, "who-am-i")

    open_screen(page, "Documents")
    expect(page.get_by_role("heading", name="Documents in Acme Docs")).to_be_visible()
    for document in documents:
        expect(document_row(page, document["title"])).to_be_visible()
    screenshot(page, "documents")

    assert {(c.method, c.path.split("?")[0], c.status) for c in log.api_calls} == {
        ("GET", "/me", 200),
        ("GET", "/whoami", 200),
        ("GET", "/documents", 200),
    }
    assert all(claims_of(c.authorization)["sub"] == ALICE.user_id for c in log.api_calls)
    assert log.console_errors == [] and log.failed_requests == []


def test_user_with_documents_write_creates_opens_and_deletes_a_document(
    tab: tuple[Page, BrowserLog], app_url: str, stack: RunningStack
):
    page, log = tab
    title = f"Quarterly plan {uuid.uuid4().hex[:6]}"
    sign_in(page, app_url, "Alice Admin")
    open_screen(page, "Documents")

    page.get_by_role("link", name="New document").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill("Ship the browser tests.")
    page.get_by_role("button", name="Create").click()

    expect(page.get_by_test_id("document")).to_contain_text("Ship the browser tests.")
    expect(document_row(page, title)).to_be_visible()
    document_id = page.evaluate("location.hash").removeprefix("#/documents/")
    alice = stack.mint("alice")
    assert stack.request("GET", f"/documents/{document_id}", token=alice)[0] == 200
    screenshot(page, "document-created")

    page.get_by_role("button", name=f"Delete {title}").click()

    expect(document_row(page, title)).to_have_count(0)
    assert stack.request("GET", f"/documents/{document_id}", token=alice)[0] == 404
    assert [c.status for c in log.calls("POST", "/documents")] == [201]
    assert [c.status for c in log.calls("DELETE", "/documents/")] == [204]
    assert log.console_errors == [] and log.failed_requests == []


def test_user_without_documents_write_sees_no_create_button_and_a_direct_attempt_shows_no_access(
    tab: tuple[Page, BrowserLog], app_url: str, stack: RunningStack
):
    page, log = tab
    document = seed_document(stack)
    title = f"Bob was here {uuid.uuid4().hex[:6]}"

    sign_in(page, app_url, "Bob Member")
    open_screen(page, "Documents")
    expect(document_row(page, document["title"])).to_be_visible()
    expect(page.get_by_role("link", name="New document")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete", exact=False)).to_have_count(0)

    # Hidden buttons are a courtesy; the server is the authority. Go to the form by URL.
    page.evaluate("location.hash = '#/documents/new'")
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Create").click()

    no_access = page.get_by_test_id("no-access")
    expect(no_access).to_contain_text("No access")
    # The gateway's words do not say why; the app does, from Bob's session and the route's requirement.
    expect(page.get_by_test_id("no-access-reason")).to_have_text("You need documents:write in this workspace")
    page.get_by_text("Server's answer").click()
    expect(page.get_by_test_id("no-access-server-message")).to_have_text(GATEWAY_FORBIDDEN)  # readable: the 403 carries CORS headers
    expect(page.get_by_test_id("user-name")).to_have_text("Bob Member")
    screenshot(page, "no-access")

    assert [c.status for c in log.calls("POST", "/documents")] == [403], "a 403 is not retried"
    status, _, listing = stack.request("GET", "/documents?limit=100", token=stack.mint("alice"))
    assert status == 200 and title not in {d["title"] for d in listing["items"]}
    assert log.cors_errors() == [] and log.failed_requests == []


def test_members_are_managed_only_with_members_manage(tab: tuple[Page, BrowserLog], app_url: str, browser: Browser):
    page, log = tab
    member_id = f"7217{uuid.uuid4().int % 10**14:014d}"

    sign_in(page, app_url, "Alice Admin")
    open_screen(page, "Members")
    page.get_by_label("Member id").fill(member_id)
    page.get_by_label("Role").fill("editor")
    page.get_by_role("button", name="Add / set role").click()
    row = page.get_by_test_id("member-row").filter(has_text=member_id)
    expect(row).to_contain_text("editor")
    screenshot(page, "members")

    bob_context = browser.new_context()
    try:
        bob = bob_context.new_page()
        sign_in(bob, app_url, "Bob Member")
        open_screen(bob, "Members")
        expect(bob.get_by_test_id("member-row").filter(has_text=member_id)).to_be_visible()
        expect(bob.get_by_role("button", name="Add / set role")).to_have_count(0)
        expect(bob.get_by_role("button", name=f"Remove {member_id}")).to_have_count(0)
    finally:
        bob_context.close()

    row.get_by_role("button", name=f"Remove {member_id}").click()
    expect(page.get_by_test_id("member-row").filter(has_text=member_id)).to_have_count(0)
    assert [c.status for c in log.calls("PUT", "/members/")] == [200]
    assert [c.status for c in log.calls("DELETE", "/members/")] == [204]
    assert log.console_errors == [] and log.failed_requests == []


def test_switching_workspace_shows_only_that_workspaces_documents(
    tab: tuple[Page, BrowserLog], app_url: str, stack: RunningStack
):
    page, log = tab
    document = seed_document(stack, ACME_DOCS.id)
    sign_in(page, app_url, "Alice Admin")
    open_screen(page, "Documents")
    expect(document_row(page, document["title"])).to_be_visible()

    page.get_by_label("Workspace").select_option(label="Acme Legal")

    expect(page.get_by_role("heading", name="Documents in Acme Legal")).to_be_visible()
    expect(page.get_by_test_id("documents-empty").or_(page.get_by_test_id("documents"))).to_be_visible()
    expect(document_row(page, document["title"])).to_have_count(0)
    expect(page.get_by_role("link", name="New document")).to_have_count(0)  # Legal: workspace:member only
    after_switch = log.calls("GET", "/documents")[-1]
    assert claims_of(after_switch.authorization)["workspace"] == ACME_LEGAL.id, "the cached token was dropped"

    # The Docs document opened while Legal is active: 404, so the list is refetched.
    lists_before = len(log.calls("GET", "/documents?"))
    page.evaluate(f"location.hash = '#/documents/{document['id']}'")
    expect(page.get_by_test_id("not-found")).to_be_visible()
    wait_until(lambda: len(log.calls("GET", "/documents?")) > lists_before, page)
    assert len(log.calls("GET", "/documents?")) > lists_before, "a 404 on a tenant resource refetches the list"
    assert [c.status for c in log.calls("GET", f"/documents/{document['id']}")] == [404]

    page.get_by_label("Workspace").select_option(label="Acme Docs")
    expect(document_row(page, document["title"])).to_be_visible()
    assert log.cors_errors() == []


def test_an_expired_token_is_refreshed_once_without_signing_out(tab: tuple[Page, BrowserLog], app_url: str):
    page, log = tab
    # The browser's clock stands still (a clock running behind the server's): the token
    # source keeps handing out its cached token after the server considers it expired.
    page.clock.set_fixed_time(time.time())
    sign_in(page, app_url, "Alice Admin", token_lifetime_seconds=1)
    expect(page.get_by_test_id("me")).to_contain_text(ALICE.user_id)
    first = log.calls("GET", "/me")[0]
    expires_at = claims_of(first.authorization)["exp"]
    # Past exp plus the verifier's 5 s clock skew; the gateway's policy cache (2 s) is gone by then.
    time.sleep(max(0.0, expires_at + 5 + 1 - time.time()))

    open_screen(page, "Documents")

    expect(page.get_by_role("heading", name="Documents in Acme Docs")).to_be_visible()
    expect(page.get_by_test_id("documents-empty").or_(page.get_by_test_id("documents"))).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Alice Admin")
    calls = log.calls("GET", "/documents")
    assert [c.status for c in calls] == [401, 200]
    assert calls[0].authorization == first.authorization, "the cached (expired) token was sent first"
    assert calls[1].authorization != calls[0].authorization, "the retry carried a fresh token"
    assert log.cors_errors() == [] and log.failed_requests == []


def test_a_second_401_sends_the_user_to_sign_in(tab: tuple[Page, BrowserLog], app_url: str):
    page, log = tab
    # Every token this session mints is already expired (beyond the verifier's clock skew),
    # so the fresh token of the retry is refused too.
    choose_persona(page, app_url, "Alice Admin", token_lifetime_seconds=-60)

    expect(page.get_by_test_id("signin-notice")).to_contain_text("Your session has ended")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_count(0)
    screenshot(page, "signed-out")
    assert [c.status for c in log.calls("GET", "/me")] == [401, 401], "one retry, then sign-in"
    assert log.cors_errors() == [] and log.failed_requests == []  # the 401s were readable: CORS on gateway errors


def test_a_pagefrom_an_origin_the_api_does_not_allow_reports_cors_errors(
    tab: tuple[Page, BrowserLog], app_url: str
):
    """The control for the CORS assertions above: they do detect a CORS failure."""
    page, log = tab
    other_origin = app_url.replace("127.0.0.1", "localhost")

    page.goto(other_origin)

    expect(page.get_by_test_id("error-state")).to_be_visible()
    assert log.cors_errors(), log.console_errors


def test_a_user_without_a_workspace_is_told_to_choose_one_when_the_gateway_refuses(
    tab: tuple[Page, BrowserLog], app_url: str
):
    page, log = tab
    sign_in(page, app_url, "Dave Solo")
    expect(page.get_by_text("No organization")).to_be_visible()

    open_screen(page, "Documents")

    expect(page.get_by_test_id("no-access-reason")).to_have_text("Choose a workspace to see its documents")
    expect(page.get_by_role("link", name="New document")).to_have_count(0)
    screenshot(page, "no-workspace")

    open_screen(page, "Members")
    expect(page.get_by_test_id("no-access-reason")).to_have_text("Choose an organization to see its members")
    assert [c.status for c in log.calls("GET", "/documents")] == [403]
    assert [c.status for c in log.calls("GET", "/members")] == [403]
    assert log.cors_errors() == [] and log.failed_requests == []

