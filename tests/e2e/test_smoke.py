"""`make smoke` (scripts/smoke.py): passes against the running local stack, changes no data, never
shows the token, and fails (exit 1, a FAIL line naming the check) against stages that misbehave."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import ALLOWED_ORIGIN
from local_stack.stack import DEV_API_KEY_PREFIX
from tests.support.stack import PROJECT_ROOT
from api_routes import ROUTES

pytestmark = pytest.mark.e2e

SCRIPT = PROJECT_ROOT / "scripts" / "smoke.py"
_spec = importlib.util.spec_from_file_location("scripts_smoke", SCRIPT)
smoke = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = smoke  # dataclasses look their module up there
_spec.loader.exec_module(smoke)

Behaviour = Callable[[str, str, dict[str, str]], tuple[int, dict[str, str], object]]


def _run_script(api_url: str, *arguments: str, token: str | None = None, api_key: str | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("TOKEN", "API_KEY")}
    if token is not None:
        environment["TOKEN"] = token
    if api_key is not None:
        environment["API_KEY"] = api_key
    return subprocess.run([sys.executable, str(SCRIPT), api_url, *arguments], cwd=PROJECT_ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def _outcomes(stdout: str) -> dict[str, str]:
    """Check name -> PASS / FAIL / SKIP, from the one line each check prints."""
    lines = [line for line in stdout.splitlines() if line[:4] in ("PASS", "FAIL", "SKIP")]
    return {line[6:].split(": ", 1)[0]: line[:4] for line in lines}


# ---- against the local stack ----

def test_without_a_token_the_public_checks_pass_and_the_token_checks_are_skipped(stack):
    result = _run_script(stack.api, "--origin", ALLOWED_ORIGIN)
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = _outcomes(result.stdout)
    assert list(outcomes.values()).count("PASS") == 5
    assert outcomes["GET /me with TOKEN, and every route"] == "SKIP"
    assert outcomes["API_KEY checks (/me, /documents, a members change, a made-up key)"] == "SKIP"
    assert "5 passed, 0 failed, 2 skipped" in result.stdout


@pytest.mark.parametrize("persona", ["alice", "dave"])  # an admin, and a user with no organization at all
def test_with_a_token_every_route_is_deployed_and_no_data_changes(stack, tokens, persona):
    def snapshot():
        return [stack.request("GET", path, token=tokens["alice"])[2] for path in ("/documents", "/members")]

    before = snapshot()
    result = _run_script(stack.api, "--origin", ALLOWED_ORIGIN, token=tokens[persona])
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = _outcomes(result.stdout)
    route_checks = [name for name in outcomes if name.endswith("with TOKEN -> deployed, no 5xx")]
    assert len(route_checks) == len(ROUTES)
    assert outcomes.pop("API_KEY checks (/me, /documents, a members change, a made-up key)") == "SKIP"
    assert set(outcomes.values()) == {"PASS"}
    assert snapshot() == before
    assert tokens[persona] not in result.stdout + result.stderr


def test_make_smoke_passes_the_token_and_the_api_key_through_the_environment_without_echoing_them(stack, tokens):
    token, key = tokens["alice"], _api_key(stack)["key"]
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "smoke", f"API_URL={stack.api}", f"TOKEN={token}",
         f"API_KEY={key}", f"API_KEY_PREFIX={DEV_API_KEY_PREFIX}", f"ORIGIN={ALLOWED_ORIGIN}", f"PY={sys.executable}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(with TOKEN, with API_KEY)" in result.stdout and f"{len(ROUTES) + 6 + 4} passed, 0 failed" in result.stdout
    assert token not in result.stdout + result.stderr
    assert key not in result.stdout + result.stderr and key[len(DEV_API_KEY_PREFIX):] not in result.stdout + result.stderr


# ---- with an API key minted from the local stack's gateway stand-in ----

ORG, WORKSPACE = "72170190012345601", "72170190012345777"  # alice's, as the banner's example key
API_KEY_CHECKS = (
    "GET /me with API_KEY -> 200 as that key (principal_type api_key)",
    "GET /documents with API_KEY -> 200 in the key's workspace (403 for a key without one)",
    f"PUT /members/{smoke.NO_SUCH_ID} with API_KEY -> 403 (members changes take sessions only)",
    "GET /me with a made-up key (API_KEY's prefix, random rest) -> 401",
)


def _api_key(stack, workspace: str | None = WORKSPACE) -> dict:
    body = {"name": "smoke", "organization": ORG, "workspace": workspace, "permissions": ["documents:write"]}
    status, _, answer = stack.request("POST", "/api-keys", base=stack.gateway, body=body)
    assert status == 201, answer
    return answer


@pytest.mark.parametrize("workspace", [WORKSPACE, None], ids=["workspace-key", "organization-key"])
def test_an_api_key_passes_its_checks_and_changes_no_data(stack, tokens, workspace):
    def snapshot():
        return [stack.request("GET", path, token=tokens["alice"])[2] for path in ("/documents", "/members")]

    issued = _api_key(stack, workspace)
    before = snapshot()
    result = _run_script(stack.api, "--origin", ALLOWED_ORIGIN, api_key=issued["key"])  # no prefix: all but the last 16 kept
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = _outcomes(result.stdout)
    assert [outcomes[name] for name in API_KEY_CHECKS] == ["PASS"] * 4
    assert f"key {issued['key_id']}" in result.stdout
    assert ("document(s) in workspace" if workspace else "(the key has no workspace)") in result.stdout
    assert snapshot() == before
    assert issued["key"] not in result.stdout + result.stderr


def test_a_revoked_api_key_fails_the_key_checks(stack):
    issued = _api_key(stack)
    status, _, _ = stack.request("DELETE", f"/api-keys/{issued['key_id']}", base=stack.gateway)
    assert status == 200
    result = _run_script(stack.api, "--api-key-prefix", DEV_API_KEY_PREFIX, api_key=issued["key"])
    assert result.returncode == 1
    outcomes = _outcomes(result.stdout)
    assert outcomes[API_KEY_CHECKS[0]] == "FAIL" and "401" in result.stdout and "a revoked key" in result.stdout
    assert outcomes[API_KEY_CHECKS[2]] == "FAIL"  # refused with 401 before any policy: not the 403 expected
    assert outcomes[API_KEY_CHECKS[3]] == "PASS"  # a made-up key is still refused
    assert issued["key"] not in result.stdout + result.stderr


# ---- against stages that misbehave (loopback stand-ins) ----

@contextmanager
def stand_in(behaviour: Behaviour) -> Iterator[str]:
    """A loopback HTTP server answering every request with ``behaviour(method, path, headers)``."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status, headers, body = behaviour(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
            raw = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PUT = do_DELETE = do_OPTIONS = _answer  # noqa: N815 - http.server's naming

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


CORS = {"Access-Control-Allow-Origin": ALLOWED_ORIGIN, "Access-Control-Allow-Methods": "GET,POST,PUT,DELETE,OPTIONS",
        "Access-Control-Allow-Headers": "Authorization,Content-Type"}
IDS = {"sub": "101", "sid": "202", "organization": "303", "workspace": "404"}


def _unsigned_token(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'ES256'})}.{part(claims)}.c2ln"


def gateway_like(overrides: Callable[[str, str], tuple[int, dict, object] | None] = lambda m, p: None) -> Behaviour:
    """Answers like a correct stage (the local gateway's contract), except where ``overrides`` says."""

    def behaviour(method: str, path: str, headers: dict[str, str]) -> tuple[int, dict, object]:
        override = overrides(method, path)
        if override is not None:
            return override
        if path == "/health":
            return 200, CORS, {"status": "ok"}
        if path.startswith("/Stage/"):
            return 403, CORS, {"message": "Missing Authentication Token"}
        if method == "OPTIONS":
            return 200, CORS, {}
        if "authorization" not in headers or headers["authorization"] == "Bearer not-a-token":
            return 401, CORS, {"message": "Unauthorized"}
        if path == "/me":
            return 200, CORS, {"user_id": "101", "session_id": "202", "organization_id": "303", "workspace_id": "404"}
        if method in ("POST", "PUT"):
            return 400, CORS, {"message": "unknown field"}
        return (404 if "/" in path.strip("/") else 200), CORS, {"message": "not found"}

    return behaviour


def _run(api_url: str, capsys, *arguments: str, token: str | None = None) -> tuple[int, dict[str, str], str]:
    code = smoke.main([api_url, *arguments], environ={"TOKEN": token} if token else {})
    out = capsys.readouterr().out
    return code, _outcomes(out), out


def test_the_stand_in_of_a_correct_stage_passes(capsys):
    # The control for the failing cases below: the same stand-in, unchanged, passes every check.
    with stand_in(gateway_like()) as url:
        code, outcomes, out = _run(url, capsys, "--origin", ALLOWED_ORIGIN, token=_unsigned_token(IDS))
    assert code == 0, out
    assert outcomes.pop("API_KEY checks (/me, /documents, a members change, a made-up key)") == "SKIP"
    assert set(outcomes.values()) == {"PASS"}


def test_a_server_answering_200_to_everything_fails_the_401_and_extra_stage_checks(capsys):
    with stand_in(lambda method, path, headers: (200, {}, {"status": "ok"})) as url:
        code, outcomes, _ = _run(url, capsys)
    assert code == 1
    assert outcomes["GET /health -> 200"] == "PASS"
    assert outcomes["GET /me without a token -> 401 with CORS headers"] == "FAIL"
    assert outcomes["GET /me with a garbage token -> 401 with CORS headers"] == "FAIL"
    assert outcomes["OPTIONS /me preflight without a token -> 2xx with CORS headers"] == "FAIL"  # no CORS headers
    assert outcomes["GET <host>/Stage/health does not answer 200 (no extra SAM stage)"] == "FAIL"


def test_a_401_without_cors_headers_or_for_another_origin_fails(capsys):
    bare = gateway_like(lambda m, p: (401, {}, {"message": "Unauthorized"}) if p == "/me" and m == "GET" else None)
    with stand_in(bare) as url:
        _, outcomes, out = _run(url, capsys)
    assert outcomes["GET /me without a token -> 401 with CORS headers"] == "FAIL"
    assert "no Access-Control-Allow-Origin header" in out
    with stand_in(gateway_like()) as url:
        code, outcomes, out = _run(url, capsys, "--origin", "https://other.example.com")
    assert code == 1 and "is 'http://localhost:5173', not 'https://other.example.com'" in out


def test_an_undeployed_route_a_5xx_and_an_accepted_write_each_fail_their_own_line(capsys):
    def overrides(method: str, path: str):
        if (method, path) == ("DELETE", f"/members/{smoke.NO_SUCH_ID}"):
            return 403, CORS, {"message": "Missing Authentication Token"}
        if (method, path) == ("GET", "/whoami"):
            return 502, CORS, {"message": "Wacht refused our secret"}
        if (method, path) == ("POST", "/documents"):
            return 201, CORS, {"id": "x"}
        return None

    with stand_in(gateway_like(overrides)) as url:
        code, outcomes, out = _run(url, capsys, token=_unsigned_token(IDS))
    assert code == 1
    failed = {name for name, outcome in outcomes.items() if outcome == "FAIL"}
    assert failed == {
        f"DELETE /members/{smoke.NO_SUCH_ID} with TOKEN -> deployed, no 5xx",
        "GET /whoami with TOKEN -> deployed, no 5xx",
        "POST /documents with TOKEN -> deployed, no 5xx",
    }
    assert "the route is not deployed" in out and "502 Wacht refused our secret" in out and "was accepted" in out


def test_me_answering_other_ids_than_the_token_carries_fails(capsys):
    with stand_in(gateway_like()) as url:
        code, outcomes, out = _run(url, capsys, token=_unsigned_token({**IDS, "workspace": "999"}))
    assert code == 1
    assert outcomes["GET /me with TOKEN -> 200 with the token's ids"] == "FAIL"
    assert "differs from the token in workspace_id" in out


def test_a_token_that_is_not_a_jwt_fails_the_me_check_without_being_printed(capsys):
    with stand_in(gateway_like()) as url:
        code, outcomes, out = _run(url, capsys, token="opaque-secret-value")
    assert code == 1 and outcomes["GET /me with TOKEN -> 200 with the token's ids"] == "FAIL"
    assert "opaque-secret-value" not in out


def test_an_api_whose_own_stage_is_named_stage_skips_the_extra_stage_check(capsys):
    with stand_in(gateway_like(lambda m, p: (200, CORS, {"status": "ok"}) if p == "/Stage/health" else None)) as url:
        _, outcomes, _ = _run(url + "/Stage", capsys)
    assert outcomes["GET <host>/Stage/health does not answer 200 (no extra SAM stage)"] == "SKIP"


def test_nothing_listening_fails_every_check_with_no_answer_and_no_traceback():
    with socket.socket() as placeholder:  # a free port, closed again: nothing listens on it
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    result = _run_script(f"http://127.0.0.1:{port}", "--timeout", "2")
    assert result.returncode == 1
    outcomes = _outcomes(result.stdout)
    assert [o for o in outcomes.values() if o != "SKIP"] == ["FAIL"] * 5
    assert "no answer" in result.stdout and "Traceback" not in result.stderr


def _run_against_a_recorder(**credential: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The script run with ``credential`` (token= or api_key=) against a stand-in stage, and every path it was asked for."""
    requests: list[str] = []
    with stand_in(lambda method, path, headers: requests.append(path) or (200, CORS, {"status": "ok"})) as url:
        result = _run_script(url, **credential)
    return result, requests


SECRET_PART = "eyJzZWNyZXQiOiJuZXZlci1wcmludGVkIn0"


@pytest.mark.parametrize("token", [
    f"{SECRET_PART}.payload\n.signature",  # a wrapped copy: http.client would quote ~170 characters of it
    f"{SECRET_PART}.pay load.signature",
    f"{SECRET_PART}.payload\r\nX-Injected: 1.signature",
    f"{SECRET_PART}.payload\x1b.signature",
    f"{SECRET_PART}.payl\u2026oad.signature",
])
def test_a_token_with_whitespace_or_control_characters_is_refused_before_sending_and_never_printed(token):
    result, requests = _run_against_a_recorder(token=token)
    assert result.returncode == 2
    assert "TOKEN contains" in result.stderr and "Traceback" not in result.stderr
    assert SECRET_PART not in result.stdout + result.stderr
    assert requests == []  # nothing was sent, not even the public checks


def test_a_request_error_never_quotes_the_header_that_caused_it():
    fetch = smoke.http_fetch(2)
    with stand_in(gateway_like()) as url:
        answer = fetch("GET", url + "/me", {"Authorization": f"Bearer {SECRET_PART}\nmore"}, None)
    assert answer.status is None
    assert answer.error.startswith("ValueError") and SECRET_PART not in answer.error


@pytest.mark.parametrize(("url", "message"), [
    ("", "API_URL is required"),
    ("ftp://example.com/prod", "must be an http(s) URL"),
    ("http://api.example.com/prod", "must be https"),
    ("https://api.example.com/prod?x=1", "query or fragment"),
])
def test_a_bad_api_url_exits_2_with_a_reason(url, message):
    result = _run_script(url)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_unverified_claims_reads_a_payload_and_refuses_what_is_not_a_jwt():
    assert smoke.unverified_claims(_unsigned_token(IDS)) == IDS
    assert smoke.unverified_claims("a.b") is None
    assert smoke.unverified_claims("a.!!!.c") is None
    assert smoke.unverified_claims(_unsigned_token(IDS).replace(".", ".W10", 1)) is None  # payload not an object


# ---- the API-key checks against stages that misbehave ----

KEY = "acme_live_" + "K3y" * 12
KEY_SECRET_PART = KEY[len("acme_live_"):]


def key_stage(overrides: Callable[[str, str, str], tuple[int, dict, object] | None] = lambda m, p, a: None) -> Behaviour:
    """Answers the API-key checks like a correct stage, except where ``overrides(method, path, authorization)`` says."""
    correct = gateway_like()

    def behaviour(method: str, path: str, headers: dict[str, str]) -> tuple[int, dict, object]:
        authorization = headers.get("authorization", "")
        override = overrides(method, path, authorization)
        if override is not None:
            return override
        if not authorization.startswith("Bearer acme_live_"):
            return correct(method, path, headers)
        if authorization != f"Bearer {KEY}":
            return 401, CORS, {"message": "Unauthorized"}
        if method == "PUT" and path.startswith("/members/"):
            return 403, CORS, {"message": "User is not authorized to access this resource with an explicit deny"}
        if path == "/me":
            return 200, CORS, {"principal_type": "api_key", "key_id": "901", "organization_id": "303", "workspace_id": "404"}
        if path == "/documents":
            return 200, CORS, {"items": [], "next": None}
        return 404, CORS, {"message": "not found"}

    return behaviour


def _key_run(behaviour: Behaviour, capsys, *arguments: str, key: str = KEY) -> tuple[int, dict[str, str], str]:
    with stand_in(behaviour) as url:
        code = smoke.main([url, *arguments], environ={"API_KEY": key})
    out = capsys.readouterr().out
    return code, _outcomes(out), out


def test_the_stand_in_of_a_correct_stage_passes_the_api_key_checks(capsys):
    code, outcomes, out = _key_run(key_stage(), capsys)
    assert code == 0, out
    assert [outcomes[name] for name in API_KEY_CHECKS] == ["PASS"] * 4
    assert KEY_SECRET_PART not in out


@pytest.mark.parametrize(("override", "failed"), [
    # The stage takes any key with the right prefix: the made-up one too.
    (lambda m, p, a: (200, CORS, {"principal_type": "api_key", "key_id": "1", "workspace_id": "404"})
     if a.startswith("Bearer acme_live_") and a != f"Bearer {KEY}" else None, API_KEY_CHECKS[3]),
    # A members change reached the function (400 for the unknown field): the route took an API key.
    (lambda m, p, a: (400, CORS, {"message": "unknown field"}) if m == "PUT" else None, API_KEY_CHECKS[2]),
    # /me answers for someone else than an API key.
    (lambda m, p, a: (200, CORS, {"principal_type": "session_token", "user_id": "1"}) if p == "/me" and a == f"Bearer {KEY}"
     else None, API_KEY_CHECKS[0]),
    # The key's workspace documents are not served.
    (lambda m, p, a: (503, CORS, {"message": "service unavailable"}) if p == "/documents" and m == "GET" else None,
     API_KEY_CHECKS[1]),
], ids=["made-up-key-accepted", "members-change-accepted", "me-not-the-key", "documents-5xx"])
def test_each_api_key_misbehaviour_fails_its_own_line(capsys, override, failed):
    code, outcomes, out = _key_run(key_stage(override), capsys)
    assert code == 1
    assert {name for name in API_KEY_CHECKS if outcomes[name] == "FAIL"} == {failed}, out
    if failed == API_KEY_CHECKS[0]:
        assert outcomes[API_KEY_CHECKS[1]] == "SKIP"  # whose workspace to expect is unknown
    assert KEY_SECRET_PART not in out


def test_a_key_too_short_to_make_one_up_skips_the_check_and_a_wrong_prefix_fails_it(capsys):
    _, outcomes, out = _key_run(key_stage(), capsys, key="acme_live_K3yK3y")
    assert outcomes[API_KEY_CHECKS[3]] == "SKIP" and "give API_KEY_PREFIX" in out
    code, outcomes, out = _key_run(key_stage(), capsys, "--api-key-prefix", "other_live_")
    assert code == 1 and outcomes[API_KEY_CHECKS[3]] == "FAIL" and "does not start with API_KEY_PREFIX" in out
    assert KEY_SECRET_PART not in out


@pytest.mark.parametrize("key", [
    f"acme_live_{KEY_SECRET_PART} x",
    f"acme_live_{KEY_SECRET_PART}\nX-Injected: 1",
    f"acme_live_{KEY_SECRET_PART}\x1b",
    f"acme_live_{KEY_SECRET_PART}\u00e9",
])
def test_an_api_key_with_whitespace_control_or_non_ascii_characters_is_refused_before_sending_and_never_printed(key):
    result, requests = _run_against_a_recorder(api_key=key)
    assert result.returncode == 2
    assert "API_KEY contains" in result.stderr and "Traceback" not in result.stderr
    assert KEY_SECRET_PART not in result.stdout + result.stderr
    assert requests == []


def test_made_up_key_keeps_the_prefix_randomises_the_rest_and_refuses_what_it_cannot_make_up():
    fake = smoke.made_up_key(KEY, "acme_live_")
    assert fake.startswith("acme_live_") and len(fake) == len(KEY) and fake != KEY
    assert sum(a != b for a, b in zip(fake[10:], KEY[10:])) > 16  # the rest is made up, not the key's
    assert smoke.made_up_key(KEY, "acme_live_") != fake  # random each time
    inferred = smoke.made_up_key(KEY)  # no prefix: everything but the last 16 characters kept
    assert inferred[:-16] == KEY[:-16] and inferred != KEY and len(inferred) == len(KEY)
    assert smoke.made_up_key(KEY, "other_") is None  # not how the key starts
    assert smoke.made_up_key(KEY, KEY[:-15]) is None  # fewer than 16 characters to make up
    assert smoke.made_up_key("acme_live_short") is None


def test_a_prefix_with_whitespace_inside_is_refused_before_sending():
    requests = []
    with stand_in(lambda method, path, headers: requests.append(path) or (200, CORS, {"status": "ok"})) as url:
        result = _run_script(url, "--api-key-prefix", "acme live_", api_key=KEY)
    assert result.returncode == 2 and "API_KEY_PREFIX contains whitespace" in result.stderr
    assert requests == [] and KEY_SECRET_PART not in result.stdout + result.stderr
