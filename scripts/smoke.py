"""Post-deploy smoke test: does a stage answer the way the local stack does?

    make smoke API_URL=https://abc123.execute-api.eu-west-1.amazonaws.com/prod [TOKEN=<session token>] [API_KEY=<key>]
    TOKEN=... API_KEY=... .venv/bin/python scripts/smoke.py API_URL [--origin https://app.example.com] [--api-key-prefix acme_live_]

Works against any stage URL, the local gateway (http://127.0.0.1:3000) included. One line per
check (PASS / FAIL / SKIP) and a summary; exit status 1 when any check failed, 2 for a bad call.
The token comes only from the TOKEN environment variable, and a customer API key only from API_KEY
(never an argument, so they stay out of ``ps`` and of make's echo); neither is ever printed: one
with whitespace, a control or a non-ASCII character inside is refused before any request (exit 2),
and a request error never quotes a header.

Without a token: ``/health`` answers 200; a protected route without a token answers 401 with
CORS headers; its preflight is answered without a token; a garbage token gets 401; and
``<host>/Stage/health`` does not answer 200 (SAM's extra ``Stage`` stage must not exist).
With a token (copied from the app after sign-in, or ``python -m local_stack.mint`` locally):
``/me`` answers 200 with the ids the token carries (its payload is decoded without verifying,
for comparison only), and every route of the route table (``api_routes.ROUTES``) answers
something other than a 5xx and other than API Gateway's "Missing Authentication Token" (which
means the route is not deployed).

With an API key (Wacht API Auth, the stage deployed with WachtGatewayUrl and WachtApiKeyPrefix):
``/me`` answers 200 as that key (``principal_type`` api_key, its ``key_id``); ``/documents`` answers
200 with a list for a key scoped to a workspace (403 for a key without one); a members change
answers 403 (those routes take sessions only); and a made-up key with the same prefix and a random
rest answers 401. The prefix is ``--api-key-prefix`` (make: API_KEY_PREFIX, the WachtApiKeyPrefix
deployed); without it, the made-up key keeps all of API_KEY but its last 16 characters.

No check changes data: POST and PUT send a body with an unknown field, which the functions refuse
with 400 before any write (or the gateway with 403 when the token lacks the permission), and
DELETE names an id no item can have (404). A 2xx answer to any of them is reported as a failure.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import string
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(_ROOT / "layers" / "common"), str(_ROOT / "packages" / "wacht-auth" / "src")]

from api_routes import ROUTES  # noqa: E402 - the app's one route table, from the shared layer
from wacht_auth import Route  # noqa: E402
from wacht_auth.config import is_loopback_host  # noqa: E402

__all__ = ["Answer", "ApiUrl", "CheckResult", "credential_problem", "made_up_key", "main", "run_checks", "unverified_claims"]

NO_SUCH_ID = "smoke-test-no-such-item"
"""Used for every path parameter: a valid id (letters, digits, '-') that no item has (document ids
are hex, member ids Wacht's decimal user ids), so reads and deletes answer 404."""
REFUSED_BODY = b'{"smoke_test_unknown_field": true}'
"""Every write body refuses unknown fields: a 400 before anything is written."""
MISSING_AUTHENTICATION_TOKEN = "Missing Authentication Token"
DEFAULT_ORIGIN = "https://smoke-test.invalid"
"""Sent as Origin when --origin is not given (API Gateway's mock preflight answers any Origin)."""
USAGE = ("make smoke API_URL=https://<api-id>.execute-api.<region>.amazonaws.com/<stage> [TOKEN=<session token>] "
         "[API_KEY=<API key> [API_KEY_PREFIX=<WachtApiKeyPrefix>]]")
MIN_RANDOM_REST = 16
"""A made-up key has at least this many random characters where the real one has its own."""


@dataclass(frozen=True)
class Answer:
    status: int | None
    """None when nothing answered (refused connection, timeout, TLS error)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Lower-case names."""
    body: Any = None
    """Parsed JSON, else text."""
    error: str = ""

    @property
    def message(self) -> str:
        return str(self.body.get("message", "")) if isinstance(self.body, dict) else ""

    def describe(self) -> str:
        if self.status is None:
            return f"no answer ({self.error})"
        text = self.message or (self.body if isinstance(self.body, str) else "")
        return f"{self.status} {text[:120]}".rstrip()


@dataclass(frozen=True)
class CheckResult:
    name: str
    outcome: str
    """PASS, FAIL or SKIP."""
    detail: str = ""

    def line(self) -> str:
        return f"{self.outcome:<4}  {self.name}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class ApiUrl:
    base: str
    """The stage URL without a trailing slash, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod."""
    host_url: str
    """scheme://host[:port]: where SAM's extra ``Stage`` stage would live."""
    first_segment: str
    """The stage name for an execute-api URL; empty for the local gateway or a custom domain root."""
    loopback: bool

    @classmethod
    def parse(cls, raw: str) -> ApiUrl:
        """Raises ValueError with a readable reason for anything but an http(s) URL without query."""
        text = raw.strip()
        if not text:
            raise ValueError(f"API_URL is required: {USAGE}")
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"API_URL must be an http(s) URL, got {text!r}")
        if parts.query or parts.fragment:
            raise ValueError("API_URL must not carry a query or fragment")
        loopback = is_loopback_host(parts.hostname)
        if parts.scheme != "https" and not loopback:
            raise ValueError("API_URL must be https (plain http only for a local gateway on loopback)")
        path = parts.path.rstrip("/")
        host_url = f"{parts.scheme}://{parts.netloc}"
        return cls(host_url + path, host_url, path.strip("/").split("/")[0] if path else "", loopback)


Fetch = Callable[[str, str, Mapping[str, str], bytes | None], Answer]


def http_fetch(timeout_seconds: float) -> Fetch:
    """One request with urllib; every failure to get an answer becomes ``Answer(None, error=...)``."""

    def fetch(method: str, url: str, headers: Mapping[str, str], body: bytes | None) -> Answer:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310 - http(s) only (ApiUrl)
                return _answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return _answer(error.code, error.headers, error.read())
        except ValueError as error:
            # http.client's message for a bad header quotes the header's value (a token): type only.
            return Answer(None, error=f"{type(error).__name__} (request refused before sending)")
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, ValueError):
                return Answer(None, error=f"{type(reason).__name__} (request refused before sending)")
            return Answer(None, error=f"{type(reason).__name__}: {reason}"[:200])

    return fetch


def _answer(status: int, headers: Any, raw: bytes) -> Answer:
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")
    return Answer(status, lowered, body)


def credential_problem(value: str, variable: str, what: str) -> str:
    """Why ``value`` (from the environment variable ``variable``) cannot be sent as a header, without
    quoting it; "" when it can.

    Session tokens are base64url segments and dots, API keys a prefix and letters. Whitespace or a
    control character (a line break from copying a wrapped value) would make http.client refuse the
    header with a message quoting it, or worse, split it into two headers."""
    bad = [character for character in value if not "!" <= character <= "~"]
    if not bad:
        return ""
    kinds = sorted({"whitespace" if character.isspace() else "a control or non-ASCII character" for character in bad})
    return (f"{variable} contains {' and '.join(kinds)} ({len(bad)} of {len(value)} characters): copy {what} "
            "alone, on one line, without 'Bearer '")


def made_up_key(api_key: str, prefix: str | None = None) -> str | None:
    """A key nobody issued that starts like ``api_key``: ``prefix`` and a random rest as long as the
    real one's; without ``prefix``, all of ``api_key`` but its last 16 characters, made up (a key
    prefix is at most 64 characters and a key's random part is longer). None when ``api_key`` does
    not start with ``prefix`` or leaves fewer than 16 characters to make up."""
    keep = prefix if prefix is not None else api_key[:-MIN_RANDOM_REST]
    if len(keep) < 2 or not api_key.startswith(keep) or len(api_key) - len(keep) < MIN_RANDOM_REST:
        return None
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = keep + "".join(secrets.choice(alphabet) for _ in range(len(api_key) - len(keep)))
        if candidate != api_key:
            return candidate


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The JWT payload, NOT verified (for comparing ids with what /me answers); None if not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


def run_checks(api: ApiUrl, token: str | None, *, origin: str | None = None, fetch: Fetch,
               api_key: str | None = None, api_key_prefix: str | None = None) -> Iterator[CheckResult]:
    """Every check, in order, as it completes."""
    browser_origin = origin or DEFAULT_ORIGIN
    protected = next(r for r in ROUTES if r.requirement.behind_authorizer and r.method == "GET")
    yield _health(api, fetch)
    yield _unauthenticated(api, protected, fetch, browser_origin, origin, None, "without a token")
    yield _preflight(api, protected, fetch, browser_origin, origin)
    yield _unauthenticated(api, protected, fetch, browser_origin, origin, "Bearer not-a-token", "with a garbage token")
    yield _no_extra_stage(api, fetch)
    if token is None:
        yield CheckResult("GET /me with TOKEN, and every route", "SKIP", "no TOKEN given")
    else:
        yield _me(api, token, fetch)
        for route in ROUTES:
            yield _route(api, route, token, fetch)
    if api_key is None:
        yield CheckResult("API_KEY checks (/me, /documents, a members change, a made-up key)", "SKIP", "no API_KEY given")
        return
    me = _key_me(api, api_key, fetch)
    yield me.result
    yield _key_documents(api, api_key, fetch, me)
    yield _key_members_change(api, api_key, fetch)
    yield _made_up_key(api, api_key, api_key_prefix, fetch)


def _health(api: ApiUrl, fetch: Fetch) -> CheckResult:
    answer = fetch("GET", api.base + "/health", {}, None)
    ok = answer.status == 200 and isinstance(answer.body, dict) and answer.body.get("status") == "ok"
    return CheckResult("GET /health -> 200", "PASS" if ok else "FAIL", answer.describe())


def _cors_problem(answer: Answer, origin: str | None) -> str:
    allowed = answer.headers.get("access-control-allow-origin")
    if not allowed:
        return "no Access-Control-Allow-Origin header"
    if origin is not None and allowed not in (origin, "*"):
        return f"Access-Control-Allow-Origin is {allowed!r}, not {origin!r}"
    return ""


def _unauthenticated(api: ApiUrl, route: Route, fetch: Fetch, browser_origin: str, origin: str | None,
                     authorization: str | None, how: str) -> CheckResult:
    name = f"GET {route.path} {how} -> 401 with CORS headers"
    headers = {"Origin": browser_origin}
    if authorization is not None:
        headers["Authorization"] = authorization
    answer = fetch("GET", api.base + route.path, headers, None)
    if answer.status != 401:
        return CheckResult(name, "FAIL", answer.describe())
    problem = _cors_problem(answer, origin)
    return CheckResult(name, "FAIL" if problem else "PASS", problem or f"401, Access-Control-Allow-Origin {answer.headers['access-control-allow-origin']}")


def _preflight(api: ApiUrl, route: Route, fetch: Fetch, browser_origin: str, origin: str | None) -> CheckResult:
    name = f"OPTIONS {route.path} preflight without a token -> 2xx with CORS headers"
    headers = {"Origin": browser_origin, "Access-Control-Request-Method": route.method,
               "Access-Control-Request-Headers": "authorization,content-type"}
    answer = fetch("OPTIONS", api.base + route.path, headers, None)
    if answer.status is None or not 200 <= answer.status < 300:
        return CheckResult(name, "FAIL", answer.describe())
    problem = _cors_problem(answer, origin)
    methods = {m.strip().upper() for m in answer.headers.get("access-control-allow-methods", "").split(",")}
    allowed_headers = {h.strip().lower() for h in answer.headers.get("access-control-allow-headers", "").split(",")}
    if not problem and route.method not in methods:
        problem = f"Access-Control-Allow-Methods lacks {route.method}"
    if not problem and "authorization" not in allowed_headers:
        problem = "Access-Control-Allow-Headers lacks Authorization"
    return CheckResult(name, "FAIL" if problem else "PASS", problem or str(answer.status))


def _no_extra_stage(api: ApiUrl, fetch: Fetch) -> CheckResult:
    name = "GET <host>/Stage/health does not answer 200 (no extra SAM stage)"
    if api.first_segment == "Stage":
        return CheckResult(name, "SKIP", "this API's own stage is named Stage")
    answer = fetch("GET", api.host_url + "/Stage/health", {}, None)
    if answer.status is None:
        return CheckResult(name, "FAIL", answer.describe())
    return CheckResult(name, "FAIL" if answer.status == 200 else "PASS", answer.describe())


def _me(api: ApiUrl, token: str, fetch: Fetch) -> CheckResult:
    name = "GET /me with TOKEN -> 200 with the token's ids"
    claims = unverified_claims(token)
    if claims is None:
        return CheckResult(name, "FAIL", "TOKEN is not a JWT (copy the session token itself, without 'Bearer ')")
    answer = fetch("GET", api.base + "/me", {"Authorization": f"Bearer {token}"}, None)
    if answer.status != 200 or not isinstance(answer.body, dict):
        hint = " (an expired TOKEN? copy a fresh one)" if answer.status == 401 else ""
        return CheckResult(name, "FAIL", answer.describe() + hint)
    expected = {
        "user_id": _id(claims.get("sub")),
        "session_id": _id(claims.get("sid", claims.get("sess"))),
        "organization_id": _id(claims.get("organization")),
        "workspace_id": _id(claims.get("workspace")),
    }
    wrong = [key for key, value in expected.items() if answer.body.get(key) != value]
    if wrong:
        return CheckResult(name, "FAIL", "differs from the token in " + ", ".join(wrong))
    return CheckResult(name, "PASS", f"user {expected['user_id']}")


def _id(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _route(api: ApiUrl, route: Route, token: str, fetch: Fetch) -> CheckResult:
    path = _placeholder_path(route.path)
    writes = route.method in ("POST", "PUT", "DELETE")
    name = f"{route.method} {path} with TOKEN -> deployed, no 5xx"
    headers = {"Authorization": f"Bearer {token}"}
    body = None
    if route.method in ("POST", "PUT"):
        headers["Content-Type"] = "application/json"
        body = REFUSED_BODY
    answer = fetch(route.method, api.base + path, headers, body)
    if answer.status is None or answer.status >= 500:
        return CheckResult(name, "FAIL", answer.describe())
    if answer.status == 403 and answer.message == MISSING_AUTHENTICATION_TOKEN:
        return CheckResult(name, "FAIL", "Missing Authentication Token: the route is not deployed")
    if writes and 200 <= answer.status < 300:
        return CheckResult(name, "FAIL", f"{answer.status}: a write the smoke test meant to be refused was accepted")
    return CheckResult(name, "PASS", answer.describe())


@dataclass(frozen=True)
class _KeyMe:
    result: CheckResult
    workspace_id: str | None


def _key_me(api: ApiUrl, api_key: str, fetch: Fetch) -> _KeyMe:
    name = "GET /me with API_KEY -> 200 as that key (principal_type api_key)"
    answer = fetch("GET", api.base + "/me", {"Authorization": f"Bearer {api_key}"}, None)
    if answer.status != 200 or not isinstance(answer.body, dict):
        hint = " (a revoked key, or a stage without WachtGatewayUrl / WachtApiKeyPrefix for this key?)" if answer.status == 401 else ""
        return _KeyMe(CheckResult(name, "FAIL", answer.describe() + hint), None)
    if answer.body.get("principal_type") != "api_key" or not answer.body.get("key_id"):
        return _KeyMe(CheckResult(name, "FAIL", f"answered for a {answer.body.get('principal_type')!r} principal, not an API key"), None)
    workspace = _id(answer.body.get("workspace_id"))
    scope = f"workspace {workspace}" if workspace else f"organization {_id(answer.body.get('organization_id'))}, no workspace"
    return _KeyMe(CheckResult(name, "PASS", f"key {answer.body['key_id']}, {scope}"), workspace)


def _key_documents(api: ApiUrl, api_key: str, fetch: Fetch, me: _KeyMe) -> CheckResult:
    name = "GET /documents with API_KEY -> 200 in the key's workspace (403 for a key without one)"
    if me.result.outcome != "PASS":
        return CheckResult(name, "SKIP", "GET /me with API_KEY failed: the key's workspace is unknown")
    workspace = me.workspace_id
    answer = fetch("GET", api.base + "/documents", {"Authorization": f"Bearer {api_key}"}, None)
    if workspace is None:
        return CheckResult(name, "PASS" if answer.status == 403 else "FAIL", answer.describe() + " (the key has no workspace)")
    if answer.status != 200 or not isinstance(answer.body, dict) or not isinstance(answer.body.get("items"), list):
        return CheckResult(name, "FAIL", answer.describe())
    return CheckResult(name, "PASS", f"200, {len(answer.body['items'])} document(s) in workspace {workspace}")


def _key_members_change(api: ApiUrl, api_key: str, fetch: Fetch) -> CheckResult:
    path = f"/members/{NO_SUCH_ID}"
    name = f"PUT {path} with API_KEY -> 403 (members changes take sessions only)"
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    answer = fetch("PUT", api.base + path, headers, REFUSED_BODY)
    if answer.status == 403 and answer.message == MISSING_AUTHENTICATION_TOKEN:
        return CheckResult(name, "FAIL", "Missing Authentication Token: the route is not deployed")
    return CheckResult(name, "PASS" if answer.status == 403 else "FAIL", answer.describe())


def _made_up_key(api: ApiUrl, api_key: str, prefix: str | None, fetch: Fetch) -> CheckResult:
    name = "GET /me with a made-up key (API_KEY's prefix, random rest) -> 401"
    fake = made_up_key(api_key, prefix)
    if fake is None:
        if prefix is None:
            return CheckResult(name, "SKIP", "API_KEY is too short to make one up: give API_KEY_PREFIX")
        return CheckResult(name, "FAIL", "API_KEY does not start with API_KEY_PREFIX, or leaves fewer than 16 characters after it")
    answer = fetch("GET", api.base + "/me", {"Authorization": f"Bearer {fake}"}, None)
    return CheckResult(name, "PASS" if answer.status == 401 else "FAIL", answer.describe())


def _placeholder_path(template: str) -> str:
    return "/".join(NO_SUCH_ID if part.startswith("{") and part.endswith("}") else part for part in template.split("/"))


def main(argv: list[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test a deployed stage (or the local gateway).", epilog=USAGE)
    parser.add_argument("api_url", nargs="?", default="", help="the stage URL (the stack's ApiUrl output)")
    parser.add_argument("--origin", help="the AllowedOrigin deployed: CORS headers must name exactly it")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    parser.add_argument("--api-key-prefix", help="the WachtApiKeyPrefix deployed (default: all of API_KEY but its last 16 characters)")
    args = parser.parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        api = ApiUrl.parse(args.api_url)
    except ValueError as error:
        print(f"smoke: {error}", file=sys.stderr)
        return 2
    token = env.get("TOKEN", "").strip().removeprefix("Bearer ").strip() or None
    api_key = env.get("API_KEY", "").strip().removeprefix("Bearer ").strip() or None
    prefix = (args.api_key_prefix or "").strip() or None
    problem = ((credential_problem(token, "TOKEN", "the session token") if token else "")
               or (credential_problem(api_key, "API_KEY", "the API key") if api_key else "")
               or (credential_problem(prefix, "API_KEY_PREFIX", "the prefix") if prefix else ""))
    if problem:  # refused before anything is sent; the value is never printed
        print(f"smoke: {problem}", file=sys.stderr)
        return 2
    # Whether each was given; the values are never printed.
    mode = ", ".join(("with TOKEN" if token else "without TOKEN", "with API_KEY" if api_key else "without API_KEY"))
    print(f"smoke test of {api.base} ({mode})", flush=True)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for result in run_checks(api, token, origin=args.origin, fetch=http_fetch(args.timeout), api_key=api_key,
                             api_key_prefix=prefix):
        counts[result.outcome] += 1
        print(result.line(), flush=True)
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
