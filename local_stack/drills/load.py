"""A bounded load run on loopback: many concurrent clients of several tenants on every route.

    python -m local_stack.drills.load                      # starts its own stack, 32 clients x 100 requests
    python -m local_stack.drills.load --clients 8 --requests 50
    python -m local_stack.drills.load --api http://127.0.0.1:3000 --idp http://127.0.0.1:3001 --admin http://127.0.0.1:3003

Each client is one persona in one workspace (alice in Acme Docs or Acme Legal, bob, carol, dave),
on its own keep-alive connection, minting a new session token every ``--token-every`` requests
so the authorizer keeps being called. Every answer is checked: its status against what the
persona may do, its data against the client's tenant (a document or member of another tenant,
another user's identity: a cross-tenant result). Afterwards every acknowledged write is read
back (local_stack.drills.write_ledger): present for its tenant, invisible to the others. The run ends
with one line; exit status 0 only with zero 5xx, unexpected statuses, cross-tenant results and
lost writes. The stack it starts is the one `make dev` starts, with no setting changed: the
account's default concurrency of 1000, as on AWS (so a throttle is a failure of the stack, not of
the run). Peak concurrency per function is read from the admin port.

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
from ..wacht.personas import find_persona
from .write_ledger import Ledger, ReadBack, read_back

__all__ = ["Call", "LoadResult", "main", "own_stack", "run_load", "stack_stats"]

PROFILES = (("alice", None), ("alice", "Acme Legal"), ("bob", None), ("carol", None), ("dave", None))
_READY_PREFIX = "local-stack ready: "
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Profile:
    """What one client is: a persona in a workspace, and what that lets it do."""

    persona: str
    body: dict

    @classmethod
    def of(cls, persona: str, workspace: str | None) -> Profile:
        return cls(persona, find_persona(persona).token_request(workspace_id=workspace))

    @property
    def user_id(self) -> str:
        return self.body["sub"]

    @property
    def organization(self) -> str | None:
        return self.body.get("organization")

    @property
    def workspace(self) -> str | None:
        return self.body.get("workspace")

    @property
    def writes_documents(self) -> bool:
        return self.workspace is not None and "documents:write" in self.body["permissions"]["workspace"]

    @property
    def manages_members(self) -> bool:
        return self.organization is not None and "members:manage" in self.body["permissions"]["organization"]


@dataclass(frozen=True)
class Call:
    """One request as a client saw it; times are ``time.monotonic()`` seconds."""

    started: float
    finished: float
    route: str
    status: int
    expected: bool

    @property
    def latency_ms(self) -> float:
        return (self.finished - self.started) * 1000


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

    @property
    def unexpected(self) -> list[str]:
        return [text for _, text in self.unexpected_calls]

    @property
    def measured(self) -> list[Call]:
        return [call for call in self.calls if call.started >= self.started]

    @property
    def requests(self) -> int:
        return len(self.measured)

    @property
    def warmup_requests(self) -> int:
        return len(self.calls) - self.requests

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
        }

    def line(self) -> str:
        s = self.summary()
        peaks = " ".join(f"{name.removesuffix('Function')} {n} ({s['environments'].get(name, '?')})"
                         for name, n in s["peak_concurrency"].items()) or "n/a"
        return (f"{s['requests']} requests (after {s['warmup_requests']} warm-up) in {s['seconds']} s: {s['requests_per_second']} req/s, p50 {s['p50_ms']} ms, "
                f"p99 {s['p99_ms']} ms ({self._times_floor(s['p50_ms'])} and {self._times_floor(s['p99_ms'])} the one-client "
                f"floor of {s['floor_p50_ms']} ms);{self._burst_part(s)} 5xx {s['server_errors']}, unexpected {s['unexpected_statuses']}, "
                f"signed out {s['signed_out']}, cross-tenant {s['cross_tenant_results']}, lost writes {s['lost_writes']} "
                f"of {s['writes_checked']} checked; peak concurrency (environments): {peaks}{self._cold_part(s)}")

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
        return self.cross_tenant + read.cross_tenant + self.signed_out + self.unexpected + read.lost + read.failed

    @property
    def passed(self) -> bool:
        """No 5xx (the burst's included), and nothing in ``failures``: what makes the exit status 0."""
        return not self.server_errors and not self.failures()


class Client:
    """One persona on one connection, sending requests until told to stop."""

    def __init__(self, number: int, profile: Profile, api: str, idp: str, ledger: Ledger, result: LoadResult,
                 lock: threading.Lock, seed: int, token_every: int, run_id: str) -> None:
        self.number = number
        self.profile = profile
        self.idp = idp
        self.ledger = ledger
        self.result = result
        self.lock = lock
        self.rng = random.Random(seed * 1000 + number)
        self.token_every = token_every
        self.run_id = run_id
        self._api = urlsplit(api)
        self.connection = self._connect()
        self.token = ""
        self.own_documents: list[str] = []
        self.own_members: list[str] = []

    def run(self, requests: int | None = None, stop: threading.Event | None = None) -> None:
        """``requests`` requests, or until ``stop`` is set (one of them must bound the run)."""
        operations = [self._list_documents, self._create_document, self._get_any_document, self._delete_own_document,
                      self._list_members, self._put_member, self._delete_own_member, self._me, self._whoami,
                      self._health, self._hello]
        try:
            for i in itertools.count():
                if i == requests or (stop is not None and stop.is_set()):
                    return
                if i % self.token_every == 0:
                    self.token = self._mint()
                first_round = i < len(operations)  # every route at least once per client
                operations[(i + self.number) % len(operations) if first_round else self.rng.randrange(len(operations))](i)
        finally:
            self.connection.close()

    # --- the operations: each one request, each answer checked -------------------------------

    def _list_documents(self, i: int) -> None:
        status, body = self._call("GET", "/documents", expect=(200,) if self.profile.workspace else (403,))
        if status == 200:
            for item in _items(body):
                owner = self.ledger.document_owner(item["id"])
                foreign = f" ws {self.profile.workspace} " not in f"{item.get('title', '')} " and " ws " in item.get("title", "")
                if (owner is not None and owner != self.profile.workspace) or foreign:
                    self._cross(f"GET /documents listed {item['id']} of workspace {owner}")

    def _create_document(self, i: int) -> None:
        title = f"load {self.run_id} ws {self.profile.workspace} client {self.number} request {i}"
        status, body = self._call("POST", "/documents", {"title": title},
                                  expect=(201,) if self.profile.writes_documents else (403,))
        if status == 201:
            self.own_documents.append(body["id"])
            self.ledger.document_created(body["id"], self.profile.workspace, title)

    def _get_any_document(self, i: int) -> None:
        known = self.ledger.any_document(self.rng.choice)
        if known is None or not self.profile.workspace:
            self._call("GET", "/documents/none", expect=(404,) if self.profile.workspace else (403,))
            return
        document_id, workspace = known
        mine = workspace == self.profile.workspace
        status, _ = self._call("GET", f"/documents/{document_id}", expect=(200, 404) if mine else (404, 200),
                               route="GET /documents/{id}")
        if status == 200 and not mine:
            self._cross(f"GET /documents/{document_id} of workspace {workspace} answered 200")

    def _delete_own_document(self, i: int) -> None:
        if not self.own_documents:
            self._call("DELETE", "/documents/none", expect=(404,) if self.profile.writes_documents else (403,))
            return
        document_id = self.own_documents.pop()
        status, _ = self._call("DELETE", f"/documents/{document_id}", expect=(204,), route="DELETE /documents/{id}")
        if status in (204, 404) or status >= 500:  # a 404 (flagged as unexpected) leaves its fate unknown too
            self.ledger.document_deleted(document_id, acknowledged=status == 204)

    def _list_members(self, i: int) -> None:
        status, body = self._call("GET", "/members", expect=(200,) if self.profile.organization else (403,))
        if status == 200:
            for item in _items(body):
                owner = self.ledger.member_owner(item["member_id"])
                if owner is not None and owner != self.profile.organization:
                    self._cross(f"GET /members listed {item['member_id']} of organization {owner}")

    def _put_member(self, i: int) -> None:
        member = f"m{self.run_id}-{self.number}-{i}"
        status, _ = self._call("PUT", f"/members/{member}", {"role": "organization:member"},
                               expect=(200,) if self.profile.manages_members else (403,), route="PUT /members/{id}")
        if self.profile.manages_members and (status == 200 or status >= 500):
            self.ledger.member_put(self.profile.organization, member, acknowledged=status == 200)
            if status == 200:
                self.own_members.append(member)

    def _delete_own_member(self, i: int) -> None:
        if not self.own_members:
            self._call("DELETE", "/members/nobody", expect=(404,) if self.profile.manages_members else (403,),
                       route="DELETE /members/{id}")
            return
        member = self.own_members.pop()
        status, _ = self._call("DELETE", f"/members/{member}", expect=(204,), route="DELETE /members/{id}")
        if status in (204, 404) or status >= 500:  # a 404 (flagged as unexpected) leaves its fate unknown too
            self.ledger.member_deleted(self.profile.organization, member, acknowledged=status == 204)

    def _me(self, i: int) -> None:
        status, body = self._call("GET", "/me", expect=(200,))
        if status == 200 and (body.get("user_id"), body.get("organization_id"), body.get("workspace_id")) != (
                self.profile.user_id, self.profile.organization, self.profile.workspace):
            self._cross("GET /me answered another session")

    def _whoami(self, i: int) -> None:
        status, body = self._call("GET", "/whoami", expect=(200,))
        if status == 200 and body.get("id") != self.profile.user_id:
            self._cross("GET /whoami answered another user")

    def _health(self, i: int) -> None:
        self._call("GET", "/health", expect=(200,), token=False)

    def _hello(self, i: int) -> None:
        status, body = self._call("GET", "/hello", expect=(200,))
        if status == 200 and body.get("message") == "hello stranger":
            self._note(self.result.signed_out, "GET /hello greeted a valid session as a stranger")
        elif status == 200 and body.get("message") != f"hello {self.profile.user_id}":
            self._cross("GET /hello greeted someone else")

    # --- plumbing ------------------------------------------------------------------------------

    def _mint(self, attempts: int = 3) -> str:
        """A fresh token; the dev IdP is the harness here, not what is measured: a refused connection is retried."""
        for attempt in range(attempts):
            try:
                return mint(self.idp, self.profile.body)
            except RuntimeError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self._api.hostname, self._api.port, timeout=60)

    def _call(self, method: str, path: str, payload: dict | None = None, *, expect: tuple[int, ...], token: bool = True,
              route: str | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(payload).encode() if payload is not None else None
        started = time.monotonic()
        try:
            self.connection.request(method, quote(path), body=body, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
            status = response.status
        except (ConnectionError, http.client.HTTPException) as error:  # counted as a failure, not retried
            self.connection.close()
            self.connection = self._connect()
            status, raw = 599, f"connection failed: {type(error).__name__}".encode()
        call = Call(started, time.monotonic(), route or f"{method} {path}", status, status in expect)
        with self.lock:
            self.result.calls.append(call)
            if status == 401:
                self.result.signed_out.append(f"{self.profile.persona} {method} {path}: 401")
            elif status not in expect and status < 500:
                self.result.unexpected_calls.append((call, f"{self.profile.persona} {method} {path}: {status} {raw[:200]!r}"))
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            answer = {}
        return status, answer if isinstance(answer, dict) else {}

    def _cross(self, what: str) -> None:
        self._note(self.result.cross_tenant, what)

    def _note(self, where: list[str], what: str) -> None:
        with self.lock:
            where.append(f"client {self.number} ({self.profile.persona}): {what}")


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
    profile = Profile.of("alice", None)
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


def make_clients(api: str, idp: str, count: int, ledger: Ledger, result: LoadResult, *, seed: int = 7,
                 token_every: int = 25) -> list[Client]:
    lock = threading.Lock()
    run_id = f"{seed}x{os.getpid()}x{int(time.time() * 1000) % 10**8}"
    return [Client(n, Profile.of(*PROFILES[n % len(PROFILES)]), api, idp, ledger, result, lock, seed, token_every, run_id)
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
    """A token per (organization, workspace) of the load's profiles: the read-back reads as each tenant."""
    tokens = {}
    for persona, workspace in PROFILES:
        profile = Profile.of(persona, workspace)
        tokens.setdefault((profile.organization, profile.workspace), mint(idp, profile.body))
    return tokens


def run_load(api: str, idp: str, *, clients: int = 32, requests_per_client: int = 100, seed: int = 7,
             token_every: int = 25, admin: str | None = None, warmup_requests: int = 0,
             floor_requests: int = 44, burst_tokens: int = 0) -> LoadResult:
    """Run the load against a running stack, read every acknowledged write back, return what was found.

    ``burst_tokens`` fresh tokens go first, all at once (``run_burst``). Then ``warmup_requests``
    per client, checked like the rest but not timed: the cold starts they cause queue at
    local_stack.lambda_runtime.account's cold-start gate, a local artefact. Then one client alone
    sends ``floor_requests`` (checked too): their p50 is the run's floor.
    """
    result = LoadResult()
    ledger = Ledger()
    if burst_tokens:
        run_burst(api, idp, burst_tokens, result)
    workers = make_clients(api, idp, clients, ledger, result, seed=seed, token_every=token_every)
    if warmup_requests:
        run_clients(workers, requests=warmup_requests)
    if floor_requests:
        alone = LoadResult(started=time.monotonic())
        run_clients(make_clients(api, idp, 1, ledger, alone, seed=seed + 1, token_every=token_every), requests=floor_requests)
        result.floor_calls = list(alone.calls)
        result.absorb(alone)
    cold_before = _cold_starts(admin) if admin else 0
    result.started = time.monotonic()
    run_clients(workers, requests=requests_per_client)
    result.elapsed_seconds = time.monotonic() - result.started
    if admin:
        result.cold_starts_measured = _cold_starts(admin) - cold_before
    result.read_back = read_back(api, ledger, tenant_tokens(idp))
    if admin:
        functions = stack_stats(admin)["functions"]
        result.peak_concurrency = {name: f["peak_concurrency"] for name, f in functions.items()}
        result.environments = {name: f["environments"] for name, f in functions.items()}
    return result


def _cold_starts(admin: str) -> int:
    return sum(function["cold_starts"] for function in stack_stats(admin)["functions"].values())


def stack_stats(admin: str) -> dict:
    with urllib.request.urlopen(f"{admin}/stats", timeout=10) as response:  # noqa: S310 - a loopback URL
        return json.load(response)


@contextmanager
def own_stack(env: Mapping[str, str] | None = None) -> Iterator[dict[str, str]]:
    """``python -m local_stack`` as `make dev` runs it, on free loopback ports (plus ``env``: the chaos
    run's fault switches), stopped afterwards; yields its URLs."""
    environment = {**os.environ, "PORT": "0", "WACHT_DEV_IDP_PORT": "0", "WACHT_BACKEND_API_PORT": "0",
                   "LOCAL_STACK_ADMIN_PORT": "0", "LOCAL_DYNAMODB_PORT": "0", "PYTHONUNBUFFERED": "1", **(env or {})}
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
    parser.add_argument("--token-every", type=int, default=25, help="mint a new session token every N requests")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=11, help="untimed requests per client first (11: every route once)")
    parser.add_argument("--burst", type=int, default=48, help="fresh session tokens sent at once before anything else (0: none)")
    parser.add_argument("--api", help="a running stack's API origin (default: start a stack for the run)")
    parser.add_argument("--idp", help="that stack's dev IdP origin")
    parser.add_argument("--admin", help="that stack's admin origin (for peak concurrency; optional)")
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
    check_loopback(parser, args.api, args.idp, args.admin)

    def go(api: str, idp: str, admin: str | None) -> LoadResult:
        print(f"load: {args.clients} clients x {args.requests} requests against {api}", file=sys.stderr, flush=True)
        return run_load(api, idp, clients=args.clients, requests_per_client=args.requests, seed=args.seed,
                        token_every=args.token_every, admin=admin, warmup_requests=args.warmup, burst_tokens=args.burst)

    if args.api:
        result = go(args.api, args.idp, args.admin)
    else:
        with own_stack() as urls:
            result = go(urls["api"], urls["idp"], urls["admin"])
    for line in result.failures()[:20]:
        print(f"  {line}")
    print(json.dumps(result.summary()), file=sys.stderr)
    print(f"load: {result.line()}", flush=True)
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
