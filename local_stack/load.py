"""A bounded load run on loopback: many clients of several tenants mixing every route.

    python -m local_stack.load                      # starts its own stack, 20 clients x 50 requests
    python -m local_stack.load --clients 20 --requests 100
    python -m local_stack.load --api http://127.0.0.1:3000 --idp http://127.0.0.1:3001   # a running stack

Each client is one persona in one workspace (alice in Acme Docs or Acme Legal, bob, carol, dave),
on one keep-alive connection, minting a new session token every ``--token-every`` requests so the
authorizer keeps being called. Every answer is checked: its status against what the persona may
do, and its data against the client's tenant (a document or member of another tenant, or another
user's identity, is a cross-tenant result). Exit status 0 only with zero 5xx, zero cross-tenant
results and zero unexpected statuses. Prints requests/s and p50/p99 latency.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .mint import mint
from .personas import find_persona

__all__ = ["LoadResult", "main", "run_load"]

_PROFILES = (("alice", None), ("alice", "Acme Legal"), ("bob", None), ("carol", None), ("dave", None))
_READY_PREFIX = "local-stack ready: "


@dataclass(frozen=True)
class _Profile:
    """What one client is: a persona in a workspace, and what that lets it do."""

    persona: str
    body: dict

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


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    cross_tenant: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile_ms(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.elapsed_seconds, 2),
            "requests_per_second": round(self.requests / self.elapsed_seconds, 1) if self.elapsed_seconds else 0.0,
            "p50_ms": round(self.percentile_ms(0.50), 2),
            "p99_ms": round(self.percentile_ms(0.99), 2),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": self.server_errors,
            "cross_tenant_results": len(self.cross_tenant),
            "unexpected_statuses": len(self.unexpected),
        }


class _Registry:
    """Every document and member the run created, and the tenant each belongs to, shared by all clients.

    A listed item is judged by this record (not by its looks), so items other users of a shared
    stack created are neither counted as leaks nor able to hide one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owners: dict[tuple[str, str], str] = {}

    def add(self, kind: str, item_id: str, tenant: str) -> None:
        with self._lock:
            self._owners[(kind, item_id)] = tenant

    def owner(self, kind: str, item_id: str) -> str | None:
        with self._lock:
            return self._owners.get((kind, item_id))

    def any_document(self, rng: random.Random) -> tuple[str, str] | None:
        with self._lock:
            documents = [(item_id, tenant) for (kind, item_id), tenant in self._owners.items() if kind == "document"]
        return rng.choice(documents) if documents else None


class _Client:
    def __init__(self, number: int, profile: _Profile, api: str, idp: str, registry: _Registry, result: LoadResult,
                 lock: threading.Lock, seed: int, token_every: int) -> None:
        self.number = number
        self.profile = profile
        self.idp = idp
        self.registry = registry
        self.result = result
        self.lock = lock
        self.rng = random.Random(seed * 1000 + number)
        self.token_every = token_every
        parts = urlsplit(api)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.token = ""
        self.own_documents: list[str] = []
        self.run_id = f"{seed}x{id(registry) % 100000}"

    def run(self, requests: int) -> None:
        operations = [self._list_documents, self._create_document, self._get_any_document, self._delete_own_document,
                      self._list_members, self._put_member, self._me, self._whoami, self._health, self._hello]
        try:
            for i in range(requests):
                if i % self.token_every == 0:
                    self.token = mint(self.idp, self.profile.body)
                operations[(i + self.number) % len(operations) if i < len(operations) else self.rng.randrange(len(operations))](i)
        finally:
            self.connection.close()

    # --- the operations: each one request, each answer checked -------------------------------

    def _list_documents(self, i: int) -> None:
        status, body = self._call("GET", "/documents", expect=(200,) if self.profile.workspace else (403,))
        if status == 200:
            for item in body["items"]:
                owner = self.registry.owner("document", item["id"])
                if owner is not None and owner != self.profile.workspace:
                    self._cross(f"GET /documents listed {item['id']} of workspace {owner}")

    def _create_document(self, i: int) -> None:
        title = f"load {self.run_id} client {self.number} request {i}"
        status, body = self._call("POST", "/documents", {"title": title}, expect=(201,) if self.profile.writes_documents else (403,))
        if status == 201:
            self.own_documents.append(body["id"])
            self.registry.add("document", body["id"], self.profile.workspace)

    def _get_any_document(self, i: int) -> None:
        known = self.registry.any_document(self.rng)
        if known is None or not self.profile.workspace:
            self._call("GET", "/documents/none", expect=(404,) if self.profile.workspace else (403,))
            return
        document_id, workspace = known
        mine = workspace == self.profile.workspace
        status, body = self._call("GET", f"/documents/{document_id}", expect=(200, 404) if mine else (404, 200))
        if status == 200 and not mine:
            self._cross(f"GET /documents/{document_id} of workspace {workspace} answered 200")

    def _delete_own_document(self, i: int) -> None:
        if not self.own_documents:
            self._call("DELETE", "/documents/none", expect=(404,) if self.profile.writes_documents else (403,))
            return
        self._call("DELETE", f"/documents/{self.own_documents.pop()}", expect=(204,))

    def _list_members(self, i: int) -> None:
        status, body = self._call("GET", "/members", expect=(200,) if self.profile.organization else (403,))
        if status == 200:
            for item in body["items"]:
                owner = self.registry.owner("member", item["member_id"])
                if owner is not None and owner != self.profile.organization:
                    self._cross(f"GET /members listed {item['member_id']} of organization {owner}")

    def _put_member(self, i: int) -> None:
        member = f"m{self.run_id}-{self.number}-{i}"
        status, _ = self._call("PUT", f"/members/{member}", {"role": "organization:member"},
                               expect=(200,) if self.profile.manages_members else (403,))
        if status == 200:
            self.registry.add("member", member, self.profile.organization)

    def _me(self, i: int) -> None:
        status, body = self._call("GET", "/me", expect=(200,))
        if status == 200 and (body["user_id"], body["organization_id"], body["workspace_id"]) != (
                self.profile.user_id, self.profile.organization, self.profile.workspace):
            self._cross("GET /me answered another session")

    def _whoami(self, i: int) -> None:
        status, body = self._call("GET", "/whoami", expect=(200,))
        if status == 200 and body["id"] != self.profile.user_id:
            self._cross("GET /whoami answered another user")

    def _health(self, i: int) -> None:
        self._call("GET", "/health", expect=(200,), token=False)

    def _hello(self, i: int) -> None:
        status, body = self._call("GET", "/hello", expect=(200,))
        if status == 200 and body["message"] != f"hello {self.profile.user_id}":
            self._cross("GET /hello greeted someone else")

    # --- plumbing ------------------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: dict | None = None, *, expect: tuple[int, ...], token: bool = True):
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(payload).encode() if payload is not None else None
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        elapsed_ms = (time.perf_counter() - started) * 1000
        with self.lock:
            self.result.latencies_ms.append(elapsed_ms)
            self.result.statuses[response.status] += 1
            if response.status not in expect:
                self.result.unexpected.append(f"{self.profile.persona} {method} {path}: {response.status} {raw[:200]!r}")
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, None

    def _cross(self, what: str) -> None:
        with self.lock:
            self.result.cross_tenant.append(f"client {self.number} ({self.profile.persona}): {what}")


def run_load(api: str, idp: str, *, clients: int = 20, requests_per_client: int = 50, seed: int = 7, token_every: int = 25) -> LoadResult:
    """Run the load against a running stack and return what was measured and found."""
    result = LoadResult()
    registry = _Registry()
    lock = threading.Lock()
    workers = []
    for number in range(clients):
        persona, workspace = _PROFILES[number % len(_PROFILES)]
        profile = _Profile(persona, find_persona(persona).token_request(workspace_id=workspace))
        workers.append(_Client(number, profile, api, idp, registry, result, lock, seed, token_every))
    errors: list[BaseException] = []

    def work(client: _Client) -> None:
        try:
            client.run(requests_per_client)
        except BaseException as error:  # noqa: BLE001 - reported below, the run is then a failure
            errors.append(error)

    threads = [threading.Thread(target=work, args=(client,)) for client in workers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed_seconds = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed; first: {errors[0]!r}")
    return result


@contextmanager
def _own_stack() -> Iterator[tuple[str, str]]:
    """``python -m local_stack`` on free loopback ports, stopped afterwards."""
    import os
    import signal

    env = {**os.environ, "PORT": "0", "WACHT_DEV_IDP_PORT": "0", "WACHT_BACKEND_API_PORT": "0",
           "LOCAL_STACK_ADMIN_PORT": "0", "LOCAL_DYNAMODB_PORT": "0", "PYTHONUNBUFFERED": "1"}
    log_path = Path(tempfile.mkdtemp(prefix="local-stack-load-")) / "stack.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "local_stack"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=Path(__file__).resolve().parent.parent)
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
        yield urls["api"], urls["idp"]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=50, help="requests per client")
    parser.add_argument("--token-every", type=int, default=25, help="mint a new session token every N requests")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--api", help="a running stack's API origin (default: start a stack for the run)")
    parser.add_argument("--idp", help="that stack's dev IdP origin")
    args = parser.parse_args(argv)
    for name in ("clients", "requests", "token_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if bool(args.api) != bool(args.idp):
        parser.error("give both --api and --idp, or neither")
    for url in filter(None, (args.api, args.idp)):
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            parser.error(f"the load run is loopback only: {url}")

    def go(api: str, idp: str) -> LoadResult:
        print(f"load: {args.clients} clients x {args.requests} requests against {api}", file=sys.stderr, flush=True)
        return run_load(api, idp, clients=args.clients, requests_per_client=args.requests, seed=args.seed,
                        token_every=args.token_every)

    if args.api:
        result = go(args.api, args.idp)
    else:
        with _own_stack() as (api, idp):
            result = go(api, idp)
    summary = result.summary()
    print(f"{summary['requests']} requests in {summary['seconds']} s: {summary['requests_per_second']} req/s, "
          f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms; statuses {summary['statuses']}; "
          f"5xx {summary['server_errors']}, cross-tenant {summary['cross_tenant_results']}, "
          f"unexpected {summary['unexpected_statuses']}")
    for line in (result.cross_tenant + result.unexpected)[:20]:
        print(f"  {line}")
    print(json.dumps(summary))
    return 0 if not (result.server_errors or result.cross_tenant or result.unexpected) else 1


if __name__ == "__main__":
    sys.exit(main())
