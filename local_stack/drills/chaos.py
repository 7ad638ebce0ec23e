"""A bounded chaos run on loopback: faults injected in turn while load flows, then checked.

    python -m local_stack.drills.chaos                        # 16 clients, 5 s per fault (about 1.5 to 2 minutes)
    python -m local_stack.drills.chaos --clients 6 --fault-seconds 2

It starts its own stack as `make dev` does, plus LOCAL_STACK_FAULTS=1 (local_stack.drills.faults)
and the authorizer cache off (every request reaches the authorizer, so every fault meets it);
Lambda's scaling is left at the account's default, as on AWS. It runs the load's clients
(local_stack.drills.load: sessions, API keys, OAuth clients with JWT and opaque tokens) until the
end, and injects, one after the other:
1. ``jwks-down``: the dev IdP's JWKS endpoint answers 503, and every idle execution environment
   is discarded, so new ones cold-start without a key set;
2. ``dynamodb-down``: the fault proxy resets every DynamoDB connection;
3. ``dynamodb-slow``: every request to DynamoDB waits ``--dynamodb-delay`` seconds;
4. ``key-rotation``: the dev IdP signs with a new key (the old one stays published), so new
   tokens name a kid the warm authorizers have never seen;
5. ``backend-api-down``: Wacht's Backend API (the stand-in) answers 503;
6. ``gateway-down``: Wacht's gateway (the stand-in) answers every check 503;
7. ``gateway-slow``: it answers every check only after 5 s, past the 3 s its callers allow.
After each fault ends it waits out the fault's recovery bound and a little more before the next.

Violations (any one makes the exit status 1; the summary line counts them):
- a valid session answered as signed out (401, or /hello greeting a stranger): an outage must be
  a 5xx, never a sign-out; the load only sends valid tokens;
- a 5xx for a request started before the first fault, or more than the fault's recovery bound
  after it ended (bounds: the authorizer's unknown-kid refetch cooldown plus 3 s for the two
  key-set faults, 3 s for the others);
- an acknowledged write (201/200/204) not reflected afterwards for its tenant, or visible to another;
- any other cross-tenant result, or a status the persona should not get (below 500): a DELETE of
  the client's own item answered 404 included (a conditional write retried after an unanswered
  attempt of its own succeeds: api_support.dynamodb). The one exemption is that rule's other
  side: while DynamoDB is failing, a DELETE of an item that was never there may answer 204 (the
  retry cannot tell "our unanswered attempt removed it" from "it was not there"; the item is gone
  either way). Such answers are counted as idempotent deletes, not violations.
- while the gateway is down or slow: an API-key or opaque-token request to a route behind the
  authorizer, sent after the switch was on and answered before it was off, answered anything but
  a 5xx (a 401 would sign a valid key out, a 200 would have skipped the check); a 5xx to one that
  overlapped the fault (from asking the admin for the switch to turning it off: the stand-in may
  flip before the admin answers) that took longer than the gateway's 3 s deadline plus
  ``GATEWAY_MARGIN_SECONDS`` (a slow gateway's 5xx come after the deadline, often after the
  switch is off again: they count to the fault, and are timed like the others); a session or OAuth
  JWT request (their verification never asks the gateway) answered 5xx during the fault or its
  recovery; after the fault, no API-key or opaque-token request served again (2xx) before the
  next fault; and a gateway fault that no API-key or opaque-token request met, or during which no
  session or OAuth JWT request was served (too few clients: the rules above would hold untried).
A 5xx is attributed to the latest fault that had started when it finished: during the fault if
the request started before the fault ended, otherwise it counts towards that fault's recovery
(from the fault's end to the start of the last request still answered 5xx).
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from .callers import GATEWAY_JUDGED, Endpoints
from .load import Call, LoadResult, check_loopback, make_clients, own_stack, run_clients, tenant_keys, tenant_tokens
from .write_ledger import Ledger, read_back

__all__ = ["ChaosResult", "FaultWindow", "chaos_stack_environment", "gateway_timeout_seconds",
           "key_refetch_cooldown_seconds", "main", "run_chaos"]

QUICK_RECOVERY_SECONDS = 3.0
FAULTS = ("jwks-down", "dynamodb-down", "dynamodb-slow", "key-rotation", "backend-api-down", "gateway-down",
          "gateway-slow")
GATEWAY_FAULTS = ("gateway-down", "gateway-slow")
GATEWAY_MARGIN_SECONDS = 1.5
"""What a request may take beyond the gateway client's deadline on this shared 2-core machine
(queueing, a cold start): still under the authorizer's 5 s Timeout, so a 5xx later than the
budget means our bound failed and Lambda's timeout answered instead."""
_SETTLE_SECONDS = 1.5
"""After a fault's bound has passed, this long again with no 5xx before the next fault starts."""


def key_refetch_cooldown_seconds() -> float:
    """The authorizer's minimum interval between key-set refetches (wacht_auth.JwksCache's default)."""
    from wacht_auth import JwksCache

    return float(inspect.signature(JwksCache).parameters["cooldown_seconds"].default)


def gateway_timeout_seconds() -> float:
    """How long the authorizer and the functions wait for Wacht's gateway (wacht_auth.gateway_check)."""
    from wacht_auth.gateway_check import DEFAULT_TIMEOUT_SECONDS

    return float(DEFAULT_TIMEOUT_SECONDS)


@dataclass
class FaultWindow:
    name: str
    started: float
    ended: float
    recovery_bound_seconds: float
    server_errors: int = 0
    """5xx answers to requests started while the fault was on."""
    recovery_seconds: float = 0.0
    """From the fault's end to the start of the last request after it that was still answered 5xx."""
    last_failure: str = ""
    switched_on: float | None = None
    """When the switch was on (the admin had answered); None: ``started``."""
    switched_off: float | None = None
    """When the switch was about to be turned off; None: ``ended``."""
    gateway_judged_5xx: int = 0
    """For a gateway fault: API-key and opaque-token requests answered 5xx while it was on."""
    slowest_5xx_seconds: float = 0.0
    others_served: int = 0
    """For a gateway fault: session and OAuth JWT requests answered below 500 while it was on (what
    never asks the gateway must not get a 5xx from its fault: /health and /hello for keys neither)."""

    @property
    def recovered_in_bound(self) -> bool:
        return self.recovery_seconds <= self.recovery_bound_seconds

    def sent_while_on(self, call: Call) -> bool:
        """Whether ``call`` was sent after the switch was on and before it was about to be off."""
        on = self.started if self.switched_on is None else self.switched_on
        off = self.ended if self.switched_off is None else self.switched_off
        return on <= call.started < off

    def holds(self, call: Call) -> bool:
        """Whether ``call`` was sent after the switch was on and answered before it was about to be off."""
        return self.sent_while_on(call) and call.finished <= (self.ended if self.switched_off is None else self.switched_off)


@dataclass
class ChaosResult:
    load: LoadResult
    faults: list[FaultWindow] = field(default_factory=list)
    out_of_window: list[str] = field(default_factory=list)
    """5xx answers to requests that finished before the first fault started."""
    idempotent_deletes: list[str] = field(default_factory=list)
    """DELETEs of a missing item answered 204 while DynamoDB was failing (see the module docstring)."""
    unexpected: list[str] = field(default_factory=list)
    """Statuses below 500 the caller should not get."""
    gateway_breaches: list[str] = field(default_factory=list)
    """What the gateway faults must not cause (see the module docstring)."""
    gateway_budget_seconds: float = 0.0

    def violations(self) -> list[str]:
        read = self.load.read_back
        found = [f"signed out: {s}" for s in self.load.signed_out]
        found += [f"5xx before the first fault: {s}" for s in self.out_of_window]
        found += [f"cross-tenant: {s}" for s in self.load.cross_tenant + (read.cross_tenant if read else [])]
        found += [f"lost write: {s}" for s in (read.lost if read else [])]
        found += [f"read-back failed: {s}" for s in (read.failed if read else [])]
        found += [f"unexpected status: {s}" for s in self.unexpected]
        found += [f"{f.name} not recovered within {f.recovery_bound_seconds:.1f} s: {f.last_failure}"
                  for f in self.faults if not f.recovered_in_bound]
        found += self.gateway_breaches
        return found

    def line(self) -> str:
        load, read = self.load, self.load.read_back
        faults = ", ".join(f"{f.name} {f.ended - f.started:.1f} s ({f.server_errors} 5xx, recovered in "
                           f"{f.recovery_seconds:.1f} s <= {f.recovery_bound_seconds:.1f} s{self._gateway_part(f)})"
                           for f in self.faults)
        return (f"{len(load.calls)} requests in {load.elapsed_seconds:.1f} s; faults: {faults}; "
                f"signed out {len(load.signed_out)}, 5xx before the first fault {len(self.out_of_window)}, "
                f"unexpected {len(self.unexpected)} (+{len(self.idempotent_deletes)} idempotent deletes), cross-tenant {len(load.cross_tenant) + len(read.cross_tenant)}, "
                f"lost writes {len(read.lost)} of {read.checked} checked; violations {len(self.violations())}")

    def _gateway_part(self, fault: FaultWindow) -> str:
        if fault.name not in GATEWAY_FAULTS:
            return ""
        return (f"; API-key/opaque 5xx {fault.gateway_judged_5xx}, slowest {fault.slowest_5xx_seconds:.1f} s <= "
                f"{self.gateway_budget_seconds:.1f} s; sessions/JWT served {fault.others_served}")


class _Stack:
    """The admin and IdP switches the run pulls."""

    def __init__(self, urls: dict[str, str]) -> None:
        self.urls = urls

    def require_faults(self) -> None:
        """RuntimeError unless the stack was started with LOCAL_STACK_FAULTS=1."""
        try:
            with urllib.request.urlopen(f"{self.urls['admin']}/faults", timeout=10) as response:  # noqa: S310 - loopback
                response.read()
        except (urllib.error.URLError, OSError) as error:
            raise RuntimeError(f"no fault switches at {self.urls['admin']}/faults ({error}): "
                               "start the stack with LOCAL_STACK_FAULTS=1") from None

    def faults(self, **switches: object) -> None:
        self._post(f"{self.urls['admin']}/faults", switches)

    def recycle(self) -> None:
        self._post(f"{self.urls['admin']}/environments/recycle", None)

    def rotate(self) -> None:
        self._post(f"{self.urls['idp']}/rotate", {"keep_previous": True})

    @staticmethod
    def _post(url: str, body: object) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - a loopback URL
            response.read()


def _inject(stack: _Stack, name: str, fault_seconds: float, dynamodb_delay_seconds: float) -> tuple[float, float]:
    """Turn fault ``name`` on, hold it ``fault_seconds`` (a rotation is instant), turn it off; when it
    was switched on and when it was about to be switched off."""
    if name == "key-rotation":
        stack.rotate()
        now = time.monotonic()
        return now, now
    on, off = {
        "jwks-down": ({"jwks": "down"}, {"jwks": "up"}),
        "dynamodb-down": ({"dynamodb": "refuse"}, {"dynamodb": "pass"}),
        "dynamodb-slow": ({"dynamodb": "slow", "dynamodb_delay_seconds": dynamodb_delay_seconds}, {"dynamodb": "pass"}),
        "backend-api-down": ({"backend_api": "down"}, {"backend_api": "up"}),
        "gateway-down": ({"gateway": "down"}, {"gateway": "up"}),
        "gateway-slow": ({"gateway": "slow"}, {"gateway": "up"}),
    }[name]
    stack.faults(**on)
    switched_on = time.monotonic()
    try:
        if name == "jwks-down":
            stack.recycle()
        time.sleep(fault_seconds)
    finally:
        switched_off = time.monotonic()
        stack.faults(**off)
    return switched_on, switched_off


def run_chaos(urls: dict[str, str], *, clients: int = 16, fault_seconds: float = 5.0, warm_seconds: float = 3.0,
              dynamodb_delay_seconds: float = 2.0, token_every: int = 5, seed: int = 11,
              faults: tuple[str, ...] = FAULTS) -> ChaosResult:
    """Inject ``faults`` in turn into the stack at ``urls`` (started with LOCAL_STACK_FAULTS=1) under load.

    ``urls`` has the stack's "api", "idp" and "admin", and its "oauth" and "gateway" for the other
    kinds of caller (without them: sessions only, and the gateway faults are refused)."""
    cooldown = key_refetch_cooldown_seconds()
    endpoints = Endpoints(urls["idp"], urls.get("oauth"), urls.get("gateway"))
    if set(faults) & set(GATEWAY_FAULTS) and not (endpoints.oauth and endpoints.gateway):
        raise RuntimeError("the gateway faults need the stack's oauth and gateway URLs (its API keys and opaque tokens)")
    stack = _Stack(urls)
    stack.require_faults()
    load = LoadResult()
    ledger = Ledger()
    workers = make_clients(urls["api"], endpoints, clients, ledger, load, seed=seed, token_every=token_every)
    stop = threading.Event()
    failure: list[BaseException] = []

    def drive() -> None:
        try:
            run_clients(workers, stop=stop)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            failure.append(error)

    driver = threading.Thread(target=drive, name="chaos-load")
    windows: list[FaultWindow] = []
    load.started = time.monotonic()
    driver.start()
    try:
        time.sleep(warm_seconds)
        for name in faults:
            bound = cooldown + QUICK_RECOVERY_SECONDS if name in ("jwks-down", "key-rotation") else QUICK_RECOVERY_SECONDS
            print(f"chaos: {name} (recovery bound {bound:.1f} s)", file=sys.stderr, flush=True)
            started = time.monotonic()
            switched_on, switched_off = _inject(stack, name, fault_seconds, dynamodb_delay_seconds)
            windows.append(FaultWindow(name, started, time.monotonic(), bound, switched_on=switched_on,
                                       switched_off=switched_off))
            time.sleep(bound + _SETTLE_SECONDS)
    finally:
        stop.set()
        driver.join(120)
        healthy = {"jwks": "up", "dynamodb": "pass", "backend_api": "up"}
        if endpoints.gateway:
            healthy["gateway"] = "up"
        stack.faults(**healthy)
    load.elapsed_seconds = time.monotonic() - load.started
    if failure:
        raise RuntimeError(f"the load failed: {failure[0]!r}")
    load.read_back = read_back(urls["api"], ledger, tenant_tokens(urls["idp"]), tenant_keys(endpoints))
    result = ChaosResult(load, windows, gateway_budget_seconds=gateway_timeout_seconds() + GATEWAY_MARGIN_SECONDS)
    _judge(result)
    return result


def _judge(result: ChaosResult) -> None:
    """Attribute each 5xx to a fault (see the module docstring); sort the unexpected statuses."""
    windows = result.faults
    for call in result.load.calls:
        if call.status < 500:
            continue
        window = next((w for w in reversed(windows) if w.started <= call.finished), None)
        if window is None:
            result.out_of_window.append(_describe(call, "before the first fault"))
        elif call.started < window.ended:
            window.server_errors += 1
        elif call.started - window.ended >= window.recovery_seconds:
            window.recovery_seconds = call.started - window.ended
            window.last_failure = _describe(call, f"{window.recovery_seconds:.1f} s after {window.name} ended")
    _judge_gateway_faults(result)
    store_faults = [w for w in windows if w.name.startswith("dynamodb")]
    for call, text in result.load.unexpected_calls:
        during_store_fault = any(w.started <= call.finished and call.started <= w.ended for w in store_faults)
        if during_store_fault and call.status == 204 and call.route.startswith("DELETE "):
            result.idempotent_deletes.append(text)
        else:
            result.unexpected.append(text)


def _judge_gateway_faults(result: ChaosResult) -> None:
    """The gateway faults' own rules (see the module docstring)."""
    windows = result.faults
    for index, window in enumerate(windows):
        if window.name not in GATEWAY_FAULTS:
            continue
        until = windows[index + 1].started if index + 1 < len(windows) else float("inf")
        kinds = {call.caller for call in result.load.calls if call.judged_by_gateway}
        served_after: set[str] = set()
        met = 0
        for call in result.load.calls:
            if call.judged_by_gateway and call.status < 500:
                if window.holds(call):
                    met += 1
                    result.gateway_breaches.append(f"{window.name}: {_describe(call, f'for {call.caller}')}, not a 5xx")
            elif call.judged_by_gateway and window.started < call.finished and call.started < window.ended:
                # The switch is on from some moment between asking the admin (``started``) and its answer
                # (``switched_on``): a 5xx to a request sent in between is the fault's too, and timed.
                met += 1
                window.gateway_judged_5xx += 1
                seconds = call.finished - call.started
                window.slowest_5xx_seconds = max(window.slowest_5xx_seconds, seconds)
                if seconds > result.gateway_budget_seconds:
                    result.gateway_breaches.append(f"{window.name}: {_describe(call, f'for {call.caller}')} after "
                                                   f"{seconds:.1f} s, past {result.gateway_budget_seconds:.1f} s")
            elif not call.judged_by_gateway and call.started < window.ended + window.recovery_bound_seconds \
                    and call.finished > window.started:
                if call.status >= 500:
                    result.gateway_breaches.append(f"{window.name}: {_describe(call, f'for {call.caller}')}: "
                                                   "its verification never asks the gateway")
                elif window.holds(call) and call.caller not in GATEWAY_JUDGED:
                    window.others_served += 1
            if call.judged_by_gateway and window.ended <= call.started < until and 200 <= call.status < 300:
                served_after.add(call.caller)
        # Nothing met the fault (too few clients): the rules above held without having been tried.
        if not met:
            result.gateway_breaches.append(f"{window.name}: no API-key or opaque-token request met it")
        if not window.others_served:
            result.gateway_breaches.append(f"{window.name}: no session or OAuth JWT request was served while it was on")
        for kind in sorted(kinds - served_after):
            result.gateway_breaches.append(f"{window.name}: no {kind} request served again after the fault")


def _describe(call: Call, when: str) -> str:
    return f"{call.route} {call.status} {when}"


def chaos_stack_environment() -> dict[str, str]:
    """The stack as `make dev` starts it, plus the fault switches and the authorizer cache off (so
    every request meets the authorizer, and every fault meets it). Nothing about Lambda's scaling
    is changed: the account's default concurrency of 1000 applies, as on AWS."""
    return {"LOCAL_STACK_FAULTS": "1", "AUTHORIZER_CACHE_TTL_SECONDS": "0"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.drills.chaos", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--fault-seconds", type=float, default=5.0, help="how long each fault lasts")
    parser.add_argument("--warm-seconds", type=float, default=3.0, help="load before the first fault")
    parser.add_argument("--dynamodb-delay", type=float, default=2.0, help="seconds added to each DynamoDB request")
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"which, in order (default: {','.join(FAULTS)})")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--api", help="a running stack's API origin, started with LOCAL_STACK_FAULTS=1 (default: start one)")
    parser.add_argument("--idp", help="that stack's dev IdP origin")
    parser.add_argument("--oauth", help="that stack's dev OAuth app origin")
    parser.add_argument("--gateway", help="that stack's Wacht gateway stand-in origin")
    parser.add_argument("--admin", help="that stack's admin origin")
    args = parser.parse_args(argv)
    faults = tuple(f.strip() for f in args.faults.split(",") if f.strip())
    if not faults or set(faults) - set(FAULTS):
        parser.error(f"--faults takes some of: {', '.join(FAULTS)}")
    if not 1 <= args.clients <= 64:
        parser.error("--clients must be between 1 and 64")
    for name in ("fault_seconds", "warm_seconds", "dynamodb_delay"):
        if not 0 <= getattr(args, name) <= 60:
            parser.error(f"--{name.replace('_', '-')} must be between 0 and 60 seconds")
    given = [args.api, args.idp, args.oauth, args.gateway, args.admin]
    if any(given) and not all(given):
        parser.error("give --api, --idp, --oauth, --gateway and --admin together, or none")
    check_loopback(parser, *given)

    def go(urls: dict[str, str]) -> ChaosResult:
        print(f"chaos: {args.clients} clients against {urls['api']}, faults {', '.join(faults)}", file=sys.stderr, flush=True)
        return run_chaos(urls, clients=args.clients, fault_seconds=args.fault_seconds, warm_seconds=args.warm_seconds,
                         dynamodb_delay_seconds=args.dynamodb_delay, seed=args.seed, faults=faults)

    try:
        if args.api:
            result = go({"api": args.api, "idp": args.idp, "oauth": args.oauth, "gateway": args.gateway, "admin": args.admin})
        else:
            with own_stack(chaos_stack_environment()) as urls:
                result = go(urls)
    except RuntimeError as error:
        print(f"chaos: cannot run: {error}", file=sys.stderr)
        return 2
    violations = result.violations()
    for line in violations[:20]:
        print(f"  {line}")
    for fault in result.faults:
        if fault.last_failure:
            print(f"  {fault.name}: last 5xx after it: {fault.last_failure}", file=sys.stderr)
    print(f"chaos: {result.line()}", flush=True)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
