"""Lambda's scaling for the local stack: a pool of execution environments per function.

Each environment is a process (local_stack.lambda_runtime.environment) with its own modules and
its own environment variables, so functions and environments run at the same time without
sharing anything but the machine. As Lambda does, per function:

- an invocation takes an idle environment when there is one (the most recently used: a warm
  start), and starts a new one (a cold start: process, import, module-level init) only when
  every existing one is busy; an invocation that finds them all busy, while others are still
  starting, waits for a cold start of its own: a burst scales up, it is not throttled;
- concurrency (invocations in flight, inits included) is capped as on AWS: by the template's
  ``ReservedConcurrentExecutions`` when it sets one (0 throttles every invocation), otherwise by
  the account's unreserved concurrency, 1000 less every reservation (local_stack.lambda_runtime.account);
  an invocation beyond it is throttled, ``TooManyRequestsException`` ("Rate Exceeded."), which
  Lambda answers with HTTP 429 to a synchronous caller (the gateway turns it into what API
  Gateway answers);
- an environment whose invocation exceeded the function's ``Timeout`` is killed, one whose
  process crashed is gone, one whose init failed is never used: the next invocation cold-starts
  anew. A handler that raised keeps its environment (the runtime reports the error and serves on).

Deviations from AWS, modelled on purpose (the account module says why):
- this machine's room caps the environments of all functions together (``MachineBound``); at it,
  an idle environment of another function is reclaimed, and only when none is idle is the
  invocation throttled, with a log line naming the machine as the reason;
- no scaling-rate limit, but cold starts queue behind one gate with a place per CPU core; the
  time queued counts against neither the 10 s init limit nor the function's ``Timeout``, and a
  queued invocation takes an environment of its function that becomes idle meanwhile;
- idle environments are never reclaimed by age (``recycle`` discards them on request, what the
  chaos run uses to force cold starts), and a cold start costs what a local process start and
  import cost, not a Firecracker VM's;
- a timed-out or crashed environment is replaced on the next invocation, never re-initialised in place;
- an init longer than 10 s fails its invocation (Lambda retries such an init within the
  invocation's timeout); ``MemorySize`` is reported to the handler but not enforced, and CPU is
  not proportional to it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..api_gateway.sam_template import FunctionSpec
from .account import THROTTLED, LambdaAccount
from .environment import CRASHED, INIT_TIMEOUT_SECONDS, TIMED_OUT, ExecutionEnvironment, FunctionError

__all__ = ["THROTTLED", "FunctionError", "FunctionStats", "LocalFunction"]


@dataclass
class FunctionStats:
    """What /stats reports per function; ``invocations`` excludes throttled ones, as CloudWatch does."""

    invocations: int = 0
    cold_starts: int = 0
    environments_created: int = 0
    environments: int = 0
    """Environments alive now (starting, idle or busy)."""
    busy: int = 0
    """Invocations in flight, those waiting for their cold start included (Lambda's concurrency)."""
    peak_concurrency: int = 0
    throttles: int = 0
    timeouts: int = 0
    crashes: int = 0
    errors: int = 0
    """Failed invocations: init errors, handler errors, timeouts, crashes (not throttles)."""
    reserved_concurrency: int | None = None
    """The template's ReservedConcurrentExecutions; None: the function shares the account's unreserved pool."""

    def to_json(self) -> dict:
        return asdict(self)


class LocalFunction:
    """One function of the template: its environments, created on demand within the account's limits."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], *, region: str, account_id: str,
                 account: LambdaAccount | None = None, base_environ: Mapping[str, str] | None = None,
                 init_timeout_seconds: float = INIT_TIMEOUT_SECONDS) -> None:
        if spec.reserved_concurrency is not None and spec.reserved_concurrency < 0:
            raise ValueError(f"reserved concurrency must be 0 (every invocation throttled) or more, "
                             f"got {spec.reserved_concurrency}")
        self.spec = spec
        self.name = spec.logical_id
        self.environment = dict(environment)
        """What the function sees besides the base environment; read at each cold start."""
        self.arn = f"arn:aws:lambda:{region}:{account_id}:function:{spec.logical_id}"
        self.stats = FunctionStats(reserved_concurrency=spec.reserved_concurrency)
        self.closed = False
        self._account = account or LambdaAccount()
        self._base_environ = base_environ
        self._init_timeout_seconds = init_timeout_seconds
        self._idle: list[ExecutionEnvironment] = []
        """Oldest first; guarded by the account's lock, like the stats."""
        self._account.register(self)

    @property
    def reserved_concurrency(self) -> int | None:
        return self.spec.reserved_concurrency

    @property
    def concurrency_limit(self) -> int:
        """Invocations this function may have in flight: its reservation, else the unreserved pool."""
        return self.reserved_concurrency if self.reserved_concurrency is not None else self._account.unreserved_limit

    @property
    def code_exists(self) -> bool:
        module = self.spec.handler.rpartition(".")[0]
        return (self.spec.code_dir / f"{module.replace('.', '/')}.py").is_file()

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        """The handler's result for ``event`` after a JSON round trip; FunctionError if it fails or is throttled."""
        request_id = request_id or str(uuid.uuid4())
        environment = self._account.admit(self)
        try:
            if environment is None:
                environment = self._cold_start()
            return environment.invoke(event, request_id)
        except FunctionError as failure:
            if failure.kind != THROTTLED:
                with self._account.lock:
                    self.stats.errors += 1
                    self.stats.timeouts += failure.kind == TIMED_OUT
                    self.stats.crashes += failure.kind == CRASHED
            raise
        finally:
            self._account.release(self, environment)

    def recycle(self) -> int:
        """Discard every idle environment (busy ones finish first); the next invocations cold-start."""
        return self._account.discard_idle(self)

    def close(self) -> None:
        """Discard the idle environments and any that finish later (the stack is stopping)."""
        with self._account.lock:
            self.closed = True
        self.recycle()

    def stats_json(self) -> dict:
        with self._account.lock:
            return {**self.stats.to_json(), "concurrency_limit": self.concurrency_limit}

    # --- the idle list, called by the account with its lock held ----------------------------------

    @property
    def idle_count(self) -> int:
        return len(self._idle)

    def take_idle(self) -> ExecutionEnvironment | None:
        """The most recently used idle environment (a warm start), or None."""
        return self._idle.pop() if self._idle else None

    def take_oldest_idle(self) -> ExecutionEnvironment:
        return self._idle.pop(0)

    def take_all_idle(self) -> list[ExecutionEnvironment]:
        idle, self._idle = self._idle, []
        return idle

    def put_idle(self, environment: ExecutionEnvironment) -> None:
        self._idle.append(environment)

    def _cold_start(self) -> ExecutionEnvironment:
        """A new environment, started once the gate has a place; or one of ours that became idle meanwhile."""
        idle = self._account.begin_init(self)
        if idle is not None:
            return idle
        started = False
        try:
            base = os.environ if self._base_environ is None else self._base_environ
            environment = ExecutionEnvironment(self.spec, {**base, **self.environment}, self.arn,
                                               init_timeout_seconds=self._init_timeout_seconds)
            environment.start()  # the init limit runs from here, not from the wait at the gate
            started = True
            return environment
        finally:
            self._account.end_init(self, started=started)
