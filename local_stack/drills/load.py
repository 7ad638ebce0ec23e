"""A bounded load run on loopback: many concurrent clients of several tenants, and of every kind of caller, on every route.

    python -m local_stack.drills.load                      # starts its own stack, 32 clients x 100 requests
    python -m local_stack.drills.load --clients 8 --requests 50
    python -m local_stack.drills.load --api http://127.0.0.1:3000 --idp http://127.0.0.1:3001 \
        --oauth http://127.0.0.1:3004 --gateway http://127.0.0.1:3005 --admin http://127.0.0.1:3003

Each client is one caller (local_stack.drills.callers) on its own keep-alive connection: a persona
in one workspace with session tokens (alice in Acme Docs or Acme Legal, bob, carol, dave), a
customer API key of one workspace (Acme Docs and Globex Main that write, Acme Legal that reads), or
an OAuth client with JWT or opaque access tokens. It takes a new credential every ``--token-every``
requests, so the authorizer keeps being called; an API key or opaque token it leaves is revoked
at the stand-in, and the next request with it must be a 401 although API Gateway still caches its
Allow. Every answer is checked: its status against what that caller may do on that route (the
route table), its data against the caller's tenant and identity (a document or member of another
tenant, another user or key on /me: a cross-tenant result). While the load is measured one more
key is driven over its rate limit: 429 with ``Retry-After`` on the request that goes over, and only
there. Afterwards every acknowledged write is read back (local_stack.drills.write_ledger): present
for its tenant, invisible to the others' sessions and API keys. The run ends with one line; exit
status 0 only with zero 5xx, unexpected statuses, cross-tenant results and lost writes, and (with
every kind of caller) every kind measured and a revoked credential tried (``untried``). The stack
it starts is the one `make dev` starts, with no setting changed: the account's default
concurrency of 1000, as on AWS (so a throttle is a failure of the stack, not of the run), the
authorizer cache's TTL from the template. Peak concurrency per function, Wacht's gateway checks
(how many each API-key or opaque-token request cost) and the OAuth app's key-set fetches are read
from the admin port.

The phases, in order: a burst (``--burst`` fresh session tokens sent at once, on the stack it
starts one that has served nothing yet: as many authorizer cache misses and cold starts at the
same moment; every one must be 200), the warm-up (every client takes each route once, checked, not timed), the floor (one
client alone, warm: what a request costs without contention), then the measured load. The burst's
and the load's p50 and p99 are reported as multiples of that floor.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from ..wacht.mint import mint
from .callers import EVERY_CALLER, GATEWAY_JUDGED, SESSIONS, ApiKeyCaller, Caller, Credential, Endpoints, SessionCaller
from .write_ledger import Ledger, ReadBack, read_back

__all__ = ["Call", "LoadResult", "check_rate_limit", "main", "own_stack", "run_load", "stack_stats"]

_READY_PREFIX = "local-stack ready: "
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
REVOKED_ROUTE = "GET /me (revoked)"
"""The route of a request sent with a credential just revoked (Client._revoked): 401 expected."""
_UNAUTHORIZED_ROUTES = ("GET /health", "GET /hello")
"""The routes without the gateway authorizer (public, and optional auth read by the function)."""


@dataclass(frozen=True)
class Call:
    """One request as a client saw it; times are ``time.monotonic()`` seconds."""

    started: float
    finished: float
    route: str
    status: int
    expected: bool
    caller: str = "session"
    """The kind of caller (local_stack.drills.callers): session, api_key, oauth_jwt, oauth_opaque."""
    probe: bool = False
    """A check of a rate limit sent beside the load (``check_rate_limit``): checked, never timed."""
    refused_by_policy: bool = False
    """A 403 from API Gateway itself (the authorizer's policy denies the route): no function ran."""

    @property
    def latency_ms(self) -> float:
        return (self.finished - self.started) * 1000

    @property
    def judged_by_gateway(self) -> bool:
        """Sent with an API key or an opaque OAuth token to a route behind the authorizer."""
        return self.caller in GATEWAY_JUDGED and self.route not in _UNAUTHORIZED_ROUTES


@dataclass
class LoadResult:
    calls: list[Call] = field(default_factory=list)
    cross_tenant: list[str] = field(default_factory=list)
    signed_out: list[str] = field(default_factory=list)
    """A valid session answered as signed out: a 401, or /hello greeting a stranger."""
    unexpected_calls: list[tuple[Call, str]] = field(default_factory=list)
    """Statuses below 500 that the persona should not get (5xx are counted apart), with a description."""
    read_back: ReadBack | None = None
    peak_concurrency: dict[str, int] = field(default_factory=dict)
    """Per function, the most invocations in flight at once (those waiting for a cold start included)."""
    environments: dict[str, int] = field(default_factory=dict)
    """Per function, the execution environments alive at the end: how many the load needed."""
    cold_starts_measured: int | None = None
    """Cold starts during the measured phase (from the admin port): each one slows the calls around it."""
    started: float = 0.0
    """Start of the measured phase: earlier calls (the burst, the warm-up, the floor) are checked but not timed here."""
    elapsed_seconds: float = 0.0
    floor_calls: list[Call] = field(default_factory=list)
    """One client alone, warm, just before the concurrent phase: what a request costs here without
    contention, the floor the concurrent figures are read against (its p50)."""
    burst_calls: list[Call] = field(default_factory=list)
    """One request per fresh session token, all sent at once (``run_burst``)."""
    rate_limit: str | None = None
    """What ``check_rate_limit`` saw, when it ran."""
    gateway_checks: dict | None = None
    """Wacht's gateway stand-in's checks during the measured phase, by outcome (from the admin port)."""
    oauth_jwks_fetches: int | None = None
    """How many times the OAuth app's key set was fetched during the whole run (from the admin port)."""
    untried: list[str] = field(default_factory=list)
    """With every kind of caller asked for, what the run never tried (``untried``): a failure, not a pass."""

    @property
    def unexpected(self) -> list[str]:
        return [text for _, text in self.unexpected_calls]

    @property
    def measured(self) -> list[Call]:
        return [call for call in self.calls if call.started >= self.started and not call.probe]

    @property
    def requests_by_caller(self) -> dict[str, int]:
        """Of the measured phase, per kind of caller."""
        return dict(sorted(Counter(call.caller for call in self.measured).items()))

    @property
    def revocations(self) -> tuple[int, int]:
        """(refused with 401, sent): requests with a credential just revoked (Client._revoked)."""
        sent = [call for call in self.calls if call.route == REVOKED_ROUTE]
        return sum(1 for call in sent if call.status == 401), len(sent)

    @property
    def gateway_judged_served(self) -> int:
        """Requests since the measured phase started (probes included) with an API key or an opaque
        token that the policy let through to a function: each costs Wacht's gateway one check."""
        return sum(1 for call in self.calls if call.started >= self.started and call.judged_by_gateway
                   and not call.refused_by_policy)

    @property
    def requests(self) -> int:
        return len(self.measured)

    @property
    def warmup_requests(self) -> int:
        """Checked but not timed: the burst, the warm-up and the floor (the probes are counted apart)."""
        return sum(1 for call in self.calls if call.started < self.started and not call.probe)

    @property
    def statuses(self) -> Counter:
        return Counter(call.status for call in self.calls)

    @property
    def server_errors(self) -> int:
        return sum(1 for call in self.calls if call.status >= 500)

    @property
    def lost_writes(self) -> list[str]:
        return self.read_back.lost if self.read_back else []

    @property
    def floor_p50_ms(self) -> float:
        return percentile_ms(self.floor_calls, 0.50)

    def percentile_ms(self, fraction: float) -> float:
        """Of the measured phase's latencies (nearest rank)."""
        return percentile_ms(self.measured, fraction)

    def summary(self) -> dict:
        read = self.read_back or ReadBack()
        return {
            "requests": self.requests,
            "seconds": round(self.elapsed_seconds, 2),
            "requests_per_second": round(self.requests / self.elapsed_seconds, 1) if self.elapsed_seconds else 0.0,
            "p50_ms": round(self.percentile_ms(0.50), 2),
            "p99_ms": round(self.percentile_ms(0.99), 2),
            "floor_p50_ms": round(self.floor_p50_ms, 2),
            "burst_requests": len(self.burst_calls),
            "burst_ok": sum(1 for call in self.burst_calls if call.status == 200),
            "burst_p50_ms": round(percentile_ms(self.burst_calls, 0.50), 2),
            "burst_p99_ms": round(percentile_ms(self.burst_calls, 0.99), 2),
            "warmup_requests": self.warmup_requests,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": self.server_errors,
            "unexpected_statuses": len(self.unexpected),
            "signed_out": len(self.signed_out),
            "cross_tenant_results": len(self.cross_tenant) + len(read.cross_tenant),
            "writes_checked": read.checked,
            "lost_writes": len(read.lost),
            "read_back_failures": len(read.failed),
            "peak_concurrency": dict(self.peak_concurrency),
            "environments": dict(self.environments),
            "cold_starts_measured": self.cold_starts_measured,
            "requests_by_caller": self.requests_by_caller,
            "revoked_refused": self.revocations[0],
            "revoked_sent": self.revocations[1],
            "rate_limit": self.rate_limit,
            "gateway_checks": self.gateway_checks,
            "gateway_judged_served": self.gateway_judged_served,
            "oauth_jwks_fetches": self.oauth_jwks_fetches,
        }

    def line(self) -> str:
        s = self.summary()
        peaks = " ".join(f"{name.removesuffix('Function')} {n} ({s['environments'].get(name, '?')})"
                         for name, n in s["peak_concurrency"].items()) or "n/a"
        return (f"{s['requests']} requests (after {s['warmup_requests']} warm-up) in {s['seconds']} s: {s['requests_per_second']} req/s, p50 {s['p50_ms']} ms, "
                f"p99 {s['p99_ms']} ms ({self._times_floor(s['p50_ms'])} and {self._times_floor(s['p99_ms'])} the one-client "
                f"floor of {s['floor_p50_ms']} ms);{self._burst_part(s)} 5xx {s['server_errors']}, unexpected {s['unexpected_statuses']}, "
                f"signed out {s['signed_out']}, cross-tenant {s['cross_tenant_results']}, lost writes {s['lost_writes']} "
                f"of {s['writes_checked']} checked;{self._callers_part(s)} peak concurrency (environments): {peaks}"
                f"{self._cold_part(s)}")

    @staticmethod
    def _callers_part(s: dict) -> str:
        """The other callers' share: requests per kind, revocations, the rate limit, what the gateway checked."""
        kinds = s["requests_by_caller"]
        if set(kinds) <= {"session"}:
            return ""
        part = " callers: " + ", ".join(f"{kind} {n}" for kind, n in kinds.items())
        part += f"; revoked credentials refused {s['revoked_refused']} of {s['revoked_sent']}"
        if s["rate_limit"]:
            part += f"; {s['rate_limit']}"
        checks, served = s["gateway_checks"], s["gateway_judged_served"]
        if checks is not None:
            ratio = f"{checks['checks'] / served:.2f}" if served else "n/a"
            outcomes = ", ".join(f"{name.replace('_', ' ')} {checks[name]}" for name in checks if name != "checks")
            part += (f"; gateway checks while measured {checks['checks']} for {served} API-key/opaque requests "
                     f"past the policy ({ratio} per request; {outcomes})")
        if s["oauth_jwks_fetches"] is not None:
            part += f"; OAuth JWKS fetches {s['oauth_jwks_fetches']}"
        return part + ";"

    @staticmethod
    def _cold_part(s: dict) -> str:
        cold = s["cold_starts_measured"]
        return "" if cold is None else f"; cold starts while measured: {cold}"

    def _burst_part(self, s: dict) -> str:
        if not s["burst_requests"]:
            return ""
        return (f" burst of {s['burst_requests']} new tokens at once: {s['burst_ok']} x 200, p50 {s['burst_p50_ms']} ms, "
                f"p99 {s['burst_p99_ms']} ms ({self._times_floor(s['burst_p50_ms'])} and "
                f"{self._times_floor(s['burst_p99_ms'])} the floor);")

    def _times_floor(self, milliseconds: float) -> str:
        return f"{milliseconds / self.floor_p50_ms:.1f}x" if self.floor_p50_ms else "n/a"

    def absorb(self, other: LoadResult) -> None:
        """Take ``other``'s calls and findings as checked-but-untimed calls of this run."""
        self.calls.extend(other.calls)
        self.cross_tenant.extend(other.cross_tenant)
        self.signed_out.extend(other.signed_out)
        self.unexpected_calls.extend(other.unexpected_calls)

    def failures(self) -> list[str]:
        read = self.read_back or ReadBack()
        return (self.cross_tenant + read.cross_tenant + self.signed_out + self.unexpected + read.lost + read.failed
                + self.untried)

    @property
    def passed(self) -> bool:
        """No 5xx (the burst's included), and nothing in ``failures``: what makes the exit status 0."""
        return not self.server_errors and not self.failures()


class Client:
    """One caller on one connection, sending requests until told to stop.

    Every ``token_every`` requests it takes a new credential (a new authorizer cache key); a caller
    whose credential can be revoked (an API key, an opaque OAuth token) then revokes the one it
    used and spends that request on GET /me with it: with the authorizer's cached Allow still in
    place, the answer must be 401.
    """

    def __init__(self, number: int, caller: Caller, api: str, endpoints: Endpoints, ledger: Ledger, result: LoadResult,
                 lock: threading.Lock, seed: int, token_every: int, run_id: str) -> None:
        self.number = number
        self.caller = caller
        self.endpoints = endpoints
        self.ledger = ledger
        self.result = result
        self.lock = lock
        self.rng = random.Random(seed * 1000 + number)
        self.token_every = token_every
        self.run_id = run_id
        self._api = urlsplit(api)
        self.connection = self._connect()
        self.credential: Credential | None = None
        self.own_documents: list[str] = []
        self.own_members: list[str] = []

    @property
    def token(self) -> str:
        return self.credential.value if self.credential else ""

    def run(self, requests: int | None = None, stop: threading.Event | None = None) -> None:
        """``requests`` requests, or until ``stop`` is set (one of them must bound the run)."""
        operations = [self._list_documents, self._create_document, self._get_any_document, self._delete_own_document,
                      self._list_members, self._put_member, self._delete_own_member, self._me, self._whoami,
                      self._health, self._hello]
        taken = 0
        try:
            for i in itertools.count():
                if i == requests or (stop is not None and stop.is_set()):
                    return
                if i % self.token_every == 0:
                    used, self.credential = self.credential, self.caller.issue(self.endpoints)
                    if used is not None and self.caller.revocable:
                        self._revoked(used)
                        continue
                first_round = taken < len(operations)  # every route at least once per client
                operations[(taken + self.number) % len(operations) if first_round else self.rng.randrange(len(operations))](i)
                taken += 1
        finally:
            self.connection.close()

    # --- the operations: each one request, each answer checked -------------------------------

    def _revoked(self, used: Credential) -> None:
        self.caller.revoke(self.endpoints, used)
        self._call("GET", "/me", expect=(401,), token=used.value, route=REVOKED_ROUTE)

    def _list_documents(self, i: int) -> None:
        status, body = self._call("GET", "/documents", expect=(200,) if self.caller.reads_documents else (403,))
        if status == 200:
            for item in _items(body):
                owner = self.ledger.document_owner(item["id"])
                foreign = f" ws {self.caller.workspace} " not in f"{item.get('title', '')} " and " ws " in item.get("title", "")
                if (owner is not None and owner != self.caller.workspace) or foreign:
                    self._cross(f"GET /documents listed {item['id']} of workspace {owner}")

    def _create_document(self, i: int) -> None:
        title = f"load {self.run_id} ws {self.caller.workspace} client {self.number} request {i}"
        status, body = self._call("POST", "/documents", {"title": title},
                                  expect=(201,) if self.caller.writes_documents else (403,))
        if status == 201 and self.caller.workspace is not None:  # an unexpected 201 is checked by the read-back too
            self.own_documents.append(body["id"])
            self.ledger.document_created(body["id"], self.caller.workspace, title)

    def _get_any_document(self, i: int) -> None:
        known = self.ledger.any_document(self.rng.choice)
        if known is None or not self.caller.reads_documents:
            self._call("GET", "/documents/none", expect=(404,) if self.caller.reads_documents else (403,),
                       route="GET /documents/{id}")
            return
        document_id, workspace = known
        mine = workspace == self.caller.workspace
        status, _ = self._call("GET", f"/documents/{document_id}", expect=(200, 404) if mine else (404, 200),
                               route="GET /documents/{id}")
        if status == 200 and not mine:
            self._cross(f"GET /documents/{document_id} of workspace {workspace} answered 200")

    def _delete_own_document(self, i: int) -> None:
        if not self.own_documents:
            self._call("DELETE", "/documents/none", expect=(404,) if self.caller.writes_documents else (403,),
                       route="DELETE /documents/{id}")
            return
        document_id = self.own_documents.pop()
        status, _ = self._call("DELETE", f"/documents/{document_id}", expect=(204,), route="DELETE /documents/{id}")
        if status in (204, 404) or status >= 500:  # a 404 (flagged as unexpected) leaves its fate unknown too
            self.ledger.document_deleted(document_id, acknowledged=status == 204)

    def _list_members(self, i: int) -> None:
        status, body = self._call("GET", "/members", expect=(200,) if self.caller.lists_members else (403,))
        if status == 200:
            for item in _items(body):
                owner = self.ledger.member_owner(item["member_id"])
                if owner is not None and owner != self.caller.organization:
                    self._cross(f"GET /members listed {item['member_id']} of organization {owner}")

    def _put_member(self, i: int) -> None:
        member = f"m{self.run_id}-{self.number}-{i}"
        status, _ = self._call("PUT", f"/members/{member}", {"role": "organization:member"},
                               expect=(200,) if self.caller.manages_members else (403,), route="PUT /members/{id}")
        if self.caller.manages_members and (status == 200 or status >= 500):
            self.ledger.member_put(self.caller.organization, member, acknowledged=status == 200)
            if status == 200:
                self.own_members.append(member)

    def _delete_own_member(self, i: int) -> None:
        if not self.own_members:
            self._call("DELETE", "/members/nobody", expect=(404,) if self.caller.manages_members else (403,),
                       route="DELETE /members/{id}")
            return
        member = self.own_members.pop()
        status, _ = self._call("DELETE", f"/members/{member}", expect=(204,), route="DELETE /members/{id}")
        if status in (204, 404) or status >= 500:  # a 404 (flagged as unexpected) leaves its fate unknown too
            self.ledger.member_deleted(self.caller.organization, member, acknowledged=status == 204)

    def _me(self, i: int) -> None:
        status, body = self._call("GET", "/me", expect=(200,))
        mismatch = self.caller.me_mismatch(body, self.credential) if status == 200 and self.credential else None
        if mismatch:
            self._cross(mismatch)

    def _whoami(self, i: int) -> None:
        status, body = self._call("GET", "/whoami", expect=(self.caller.whoami_status,))
        if status == 200 and body.get("id") != self.caller.user_id:
            self._cross("GET /whoami answered another user")

    def _health(self, i: int) -> None:
        self._call("GET", "/health", expect=(200,), token=None)

    def _hello(self, i: int) -> None:
        status, body = self._call("GET", "/hello", expect=(200,))
        greeting = body.get("message")
        if status == 200 and greeting == "hello stranger" and self.caller.greeted_as != greeting:
            self._note(self.result.signed_out, "GET /hello greeted a valid session as a stranger")
        elif status == 200 and greeting != self.caller.greeted_as:
            self._cross(f"GET /hello greeted someone else: {greeting!r}")

    # --- plumbing ------------------------------------------------------------------------------

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self._api.hostname, self._api.port, timeout=60)

    def _call(self, method: str, path: str, payload: dict | None = None, *, expect: tuple[int, ...],
              token: str | None | bool = True, route: str | None = None) -> tuple[int, dict]:
        """One request with this client's credential (``token``: another one, or None for none)."""
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        bearer = self.token if token is True else token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        body = json.dumps(payload).encode() if payload is not None else None
        started = time.monotonic()
        try:
            self.connection.request(method, quote(path), body=body, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
            error_type = response.getheader("x-amzn-ErrorType", "")
        except (ConnectionError, http.client.HTTPException) as error:  # counted as a failure, not retried
            self.connection.close()
            self.connection = self._connect()
            status, raw, error_type = 599, f"connection failed: {type(error).__name__}".encode(), ""
        call = Call(started, time.monotonic(), route or f"{method} {path}", status, status in expect, self.caller.kind,
                    refused_by_policy=status == 403 and error_type.startswith("AccessDeniedException"))
        what = f"{self.caller.label} {method} {path}" + (" with a revoked credential" if route == REVOKED_ROUTE else "")
        judge_call(self.result, self.lock, call, what, raw)
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            answer = {}
        return status, answer if isinstance(answer, dict) else {}

    def _cross(self, what: str) -> None:
        self._note(self.result.cross_tenant, what)

    def _note(self, where: list[str], what: str) -> None:
        with self.lock:
            where.append(f"client {self.number} ({self.caller.label}): {what}")


EVERY_KIND = ("session", "api_key", "oauth_jwt", "oauth_opaque")


def untried(result: LoadResult) -> list[str]:
    """What a run meant to have every kind of caller never tried: a kind without a measured request,
    or no revoked credential sent. Their checks would otherwise pass without having run."""
    gaps = []
    missing = sorted(set(EVERY_KIND) - set(result.requests_by_caller))
    if missing:
        gaps.append(f"no {', '.join(missing)} request was measured (every kind needs --clients 6 or more)")
    if not result.revocations[1]:
        gaps.append("no revoked credential was tried (--requests must exceed --token-every)")
    return gaps


def judge_call(result: LoadResult, lock: threading.Lock, call: Call, what: str, raw: bytes) -> None:
    """Record ``call`` in ``result``: a 401 it did not expect is a sign-out, any other status it did not
    expect below 500 is unexpected (a 5xx is counted apart, from ``result.calls``)."""
    with lock:
        result.calls.append(call)
        if call.expected:
            return
        if call.status == 401:
            result.signed_out.append(f"{what}: 401")
        elif call.status < 500:
            result.unexpected_calls.append((call, f"{what}: {call.status} {raw[:200]!r}"))


def percentile_ms(calls: list[Call], fraction: float) -> float:
    """The latency below which ``fraction`` of ``calls`` fall (nearest rank); 0 with no calls."""
    ordered = sorted(call.latency_ms for call in calls)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


BURST_ROUTES = ("/me", "/documents", "/members", "/whoami", "/hello")
"""What the burst asks, in turn: every one of them is 200 for alice in her default workspace."""


def run_burst(api: str, idp: str, tokens: int, result: LoadResult) -> None:
    """``tokens`` fresh session tokens (each a new authorizer cache key), one request each, all sent at once.

    Each connection is open before the start (the burst is of requests, not of TCP handshakes). Every
    answer must be 200 (a 5xx counts as one, anything else as unexpected) and /me must be alice's own
    session. The calls go to ``result`` as checked but untimed, and to ``result.burst_calls``.
    """
    profile = SessionCaller.of("alice", None)
    minted = [mint(idp, profile.body) for _ in range(tokens)]
    address = urlsplit(api)
    start = threading.Barrier(tokens + 1)
    calls: list[Call | None] = [None] * tokens
    answers: list[bytes] = [b""] * tokens

    def one(index: int) -> None:
        route = BURST_ROUTES[index % len(BURST_ROUTES)]
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            try:
                connection.connect()
            except OSError:
                start.abort()  # the others stop waiting: the burst cannot be what it claims
                raise
            start.wait(30)
            started = time.monotonic()
            try:
                connection.request("GET", route, headers={"Authorization": f"Bearer {minted[index]}"})
                response = connection.getresponse()
                answers[index], status = response.read(), response.status
            except (ConnectionError, http.client.HTTPException):
                status = 599
            calls[index] = Call(started, time.monotonic(), f"GET {route}", status, status == 200)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,), name=f"burst-{i}") for i in range(tokens)]
    for thread in threads:
        thread.start()
    start.wait(30)
    for thread in threads:
        thread.join(90)
    for index, call in enumerate(calls):
        if call is None:
            raise RuntimeError(f"burst request {index} never finished")
        result.burst_calls.append(call)
        result.calls.append(call)
        if call.status < 500 and call.status != 200:
            result.unexpected_calls.append((call, f"burst {call.route}: {call.status} {answers[index][:200]!r}"))
        elif call.route == "GET /me" and call.status == 200 and json.loads(answers[index]).get("user_id") != profile.user_id:
            result.cross_tenant.append("burst GET /me answered another session")


def _items(body: dict) -> list[dict]:
    items = body.get("items")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def make_clients(api: str, endpoints: Endpoints, count: int, ledger: Ledger, result: LoadResult, *, seed: int = 7,
                 token_every: int = 25) -> list[Client]:
    """``count`` clients, taking the callers in turn: every kind (local_stack.drills.callers.EVERY_CALLER)
    when ``endpoints`` has the OAuth app and the gateway, sessions only otherwise."""
    lock = threading.Lock()
    run_id = f"{seed}x{os.getpid()}x{int(time.time() * 1000) % 10**8}"
    callers: tuple[Caller, ...] = EVERY_CALLER if endpoints.oauth and endpoints.gateway else SESSIONS
    return [Client(n, callers[n % len(callers)], api, endpoints, ledger, result, lock, seed, token_every, run_id)
            for n in range(count)]


def run_clients(clients: list[Client], *, requests: int | None = None, stop: threading.Event | None = None) -> None:
    """Run every client in its own thread until done; RuntimeError if any client failed."""
    errors: list[BaseException] = []

    def work(client: Client) -> None:
        try:
            client.run(requests, stop)
        except BaseException as error:  # noqa: BLE001 - reported below, the run is then a failure
            errors.append(error)

    threads = [threading.Thread(target=work, args=(client,), name=f"load-client-{client.number}") for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed; first: {errors[0]!r}")


def tenant_tokens(idp: str) -> dict[tuple[str | None, str | None], str]:
    """A session token per (organization, workspace) of the load's sessions: the read-back reads as each tenant."""
    tokens = {}
    for caller in SESSIONS:
        tokens.setdefault((caller.organization, caller.workspace), mint(idp, caller.body))
    return tokens


def tenant_keys(endpoints: Endpoints) -> dict[str, str]:
    """A fresh read-only API key per workspace of the load's sessions (none without the gateway): the
    read-back makes sure no key reads another workspace's documents."""
    if not endpoints.gateway:
        return {}
    keys = {}
    for caller in SESSIONS:
        if caller.workspace and caller.workspace not in keys:
            key = ApiKeyCaller(f"read-back {caller.workspace}", None, caller.organization, caller.workspace)
            keys[caller.workspace] = key.issue(endpoints).value
    return keys


RATE_LIMITED_KEY = ApiKeyCaller("rate-limited key Acme Docs (read)", None, SESSIONS[0].organization, SESSIONS[0].workspace)
RATE_LIMIT_ROUTE = "GET /documents (rate-limited key)"


def check_rate_limit(api: str, endpoints: Endpoints, result: LoadResult, lock: threading.Lock, *, limit: int = 2) -> None:
    """A key allowed ``limit`` requests a minute sends ``limit`` + 1 GET /documents: the last one, and
    only that one, must be 429 with ``Retry-After`` in whole seconds (1 to 60). Checked like the load's
    calls (an expected 429 is no failure, any other answer is), and recorded as a probe."""
    credential = RATE_LIMITED_KEY.issue(endpoints, rate_limit_per_minute=limit)
    address = urlsplit(api)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    seen = []
    try:
        for n in range(limit + 1):
            over = n == limit
            started = time.monotonic()
            try:
                connection.request("GET", "/documents", headers={"Authorization": f"Bearer {credential.value}"})
                response = connection.getresponse()
                raw, status, retry_after = response.read(), response.status, response.getheader("Retry-After", "")
            except (ConnectionError, http.client.HTTPException) as error:
                connection.close()
                raw, status, retry_after = f"connection failed: {type(error).__name__}".encode(), 599, ""
            well_formed = retry_after.isdigit() and 1 <= int(retry_after) <= 60
            expected = (status == 429 and well_formed) if over else status == 200
            what = f"{RATE_LIMITED_KEY.label} GET /documents #{n + 1} (limit {limit}/min)"
            if over and status == 429 and not well_formed:
                what += f", Retry-After {retry_after!r}"
            call = Call(started, time.monotonic(), RATE_LIMIT_ROUTE, status, expected, "api_key", probe=True)
            judge_call(result, lock, call, what, raw)
            seen.append(f"{status}" + (f" (Retry-After {retry_after} s)" if status == 429 else ""))
    finally:
        connection.close()
    result.rate_limit = f"a key limited to {limit}/min answered {', '.join(seen)}"


def run_load(api: str, idp: str, *, oauth: str | None = None, gateway: str | None = None, clients: int = 32,
             requests_per_client: int = 100, seed: int = 7, token_every: int = 25, admin: str | None = None,
             warmup_requests: int = 0, floor_requests: int = 44, burst_tokens: int = 0) -> LoadResult:
    """Run the load against a running stack, read every acknowledged write back, return what was found.

    With ``oauth`` and ``gateway`` (the dev OAuth app's and Wacht's gateway stand-in's origins) the
    clients are every kind of caller (local_stack.drills.callers), and while the load is measured one
    API key is driven over its rate limit (``check_rate_limit``); without them, sessions only.
    ``burst_tokens`` fresh session tokens go first, all at once (``run_burst``). Then ``warmup_requests``
    per client, checked like the rest but not timed: the cold starts they cause queue at
    local_stack.lambda_runtime.account's cold-start gate, a local artefact. Then one client alone
    sends ``floor_requests`` (checked too): their p50 is the run's floor.
    """
    endpoints = Endpoints(idp, oauth, gateway)
    initial = stack_stats(admin) if admin else None
    result = LoadResult()
    ledger = Ledger()
    if burst_tokens:
        run_burst(api, idp, burst_tokens, result)
    workers = make_clients(api, endpoints, clients, ledger, result, seed=seed, token_every=token_every)
    if warmup_requests:
        run_clients(workers, requests=warmup_requests)
    if floor_requests:
        alone = LoadResult(started=time.monotonic())
        run_clients(make_clients(api, endpoints, 1, ledger, alone, seed=seed + 1, token_every=token_every),
                    requests=floor_requests)
        result.floor_calls = list(alone.calls)
        result.absorb(alone)
    before = stack_stats(admin) if admin else None
    result.started = time.monotonic()
    probe = None
    if gateway:
        probe = threading.Thread(target=check_rate_limit, args=(api, endpoints, result, workers[0].lock),
                                 name="load-rate-limit", daemon=True)
        probe.start()
    run_clients(workers, requests=requests_per_client)
    result.elapsed_seconds = time.monotonic() - result.started
    if probe is not None:
        probe.join(120)
        if result.rate_limit is None:
            raise RuntimeError("the rate-limit check did not finish")
        result.untried = untried(result)
    if admin and before is not None:
        after = stack_stats(admin)
        result.cold_starts_measured = _cold_starts(after) - _cold_starts(before)
        if after.get("wacht_gateway") and before.get("wacht_gateway"):
            result.gateway_checks = {name: n - before["wacht_gateway"][name] for name, n in after["wacht_gateway"].items()}
    result.read_back = read_back(api, ledger, tenant_tokens(idp), tenant_keys(endpoints))
    if admin:
        stats = stack_stats(admin)
        functions = stats["functions"]
        result.peak_concurrency = {name: f["peak_concurrency"] for name, f in functions.items()}
        result.environments = {name: f["environments"] for name, f in functions.items()}
        if stats.get("oauth") and initial and initial.get("oauth"):
            result.oauth_jwks_fetches = stats["oauth"]["jwks_requests"] - initial["oauth"]["jwks_requests"]
    return result


def _cold_starts(stats: dict) -> int:
    return sum(function["cold_starts"] for function in stats["functions"].values())


def stack_stats(admin: str) -> dict:
    with urllib.request.urlopen(f"{admin}/stats", timeout=10) as response:  # noqa: S310 - a loopback URL
        return json.load(response)


_PORT_VARIABLES = ("PORT", "WACHT_DEV_IDP_PORT", "WACHT_BACKEND_API_PORT", "LOCAL_STACK_ADMIN_PORT", "WACHT_DEV_OAUTH_PORT",
                   "WACHT_GATEWAY_PORT", "LOCAL_DYNAMODB_PORT")
"""Every port local_stack.config reads: the run's stack takes free ones, beside a `make dev` on the defaults."""


def own_stack_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment ``own_stack`` starts the stack with: this one, every port free-picked, plus ``env``."""
    return {**os.environ, **dict.fromkeys(_PORT_VARIABLES, "0"), "PYTHONUNBUFFERED": "1", **(env or {})}


@contextmanager
def own_stack(env: Mapping[str, str] | None = None) -> Iterator[dict[str, str]]:
    """``python -m local_stack`` as `make dev` runs it, on free loopback ports (plus ``env``: the chaos
    run's fault switches), stopped afterwards; yields its URLs."""
    environment = own_stack_environment(env)
    log_path = Path(tempfile.mkdtemp(prefix="local-stack-load-")) / "stack.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "local_stack"], env=environment, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=_PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 60
        urls = None
        while urls is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the stack did not start; see {log_path}")
            for line in log_path.read_text(errors="replace").splitlines():
                if line.startswith(_READY_PREFIX):
                    urls = json.loads(line[len(_READY_PREFIX):])
            time.sleep(0.05)
        print(f"stack log: {log_path}", file=sys.stderr, flush=True)
        yield urls
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def check_loopback(parser: argparse.ArgumentParser, *urls: str | None) -> None:
    for url in filter(None, urls):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            parser.error(f"this run is loopback only: {url}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.drills.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=100, help="requests per client")
    parser.add_argument("--token-every", type=int, default=25,
                        help="a new credential every N requests (an API key's or opaque token's old one is then revoked)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=11, help="untimed requests per client first (11: every route once)")
    parser.add_argument("--burst", type=int, default=48, help="fresh session tokens sent at once before anything else (0: none)")
    parser.add_argument("--api", help="a running stack's API origin (default: start a stack for the run)")
    parser.add_argument("--idp", help="that stack's dev IdP origin")
    parser.add_argument("--oauth", help="that stack's dev OAuth app origin (with --gateway: every kind of caller)")
    parser.add_argument("--gateway", help="that stack's Wacht gateway stand-in origin")
    parser.add_argument("--admin", help="that stack's admin origin (for peak concurrency and gateway checks; optional)")
    args = parser.parse_args(argv)
    for name in ("clients", "requests", "token_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 0 <= args.warmup <= 1000:
        parser.error("--warmup must be between 0 and 1000")
    if not 0 <= args.burst <= 256:
        parser.error("--burst must be between 0 and 256")
    if args.clients > 256 or args.requests > 100_000:
        parser.error("bounded run: at most 256 clients and 100000 requests per client")
    if bool(args.api) != bool(args.idp):
        parser.error("give both --api and --idp, or neither")
    if bool(args.oauth) != bool(args.gateway) or (args.oauth and not args.api):
        parser.error("give --oauth and --gateway together, with --api and --idp")
    check_loopback(parser, args.api, args.idp, args.oauth, args.gateway, args.admin)

    def go(urls: Mapping[str, str | None]) -> LoadResult:
        kinds = "every kind of caller" if urls.get("gateway") else "sessions only (no --oauth/--gateway)"
        print(f"load: {args.clients} clients x {args.requests} requests against {urls['api']}, {kinds}",
              file=sys.stderr, flush=True)
        return run_load(urls["api"], urls["idp"], oauth=urls.get("oauth"), gateway=urls.get("gateway"),
                        clients=args.clients, requests_per_client=args.requests, seed=args.seed,
                        token_every=args.token_every, admin=urls.get("admin"), warmup_requests=args.warmup,
                        burst_tokens=args.burst)

    if args.api:
        result = go({"api": args.api, "idp": args.idp, "oauth": args.oauth, "gateway": args.gateway, "admin": args.admin})
    else:
        with own_stack() as urls:
            result = go(urls)
    for line in result.failures()[:20]:
        print(f"  {line}")
    print(json.dumps(result.summary()), file=sys.stderr)
    print(f"load: {result.line()}", flush=True)
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
