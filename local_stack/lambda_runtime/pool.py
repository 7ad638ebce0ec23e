"""Lambda's scaling for the local stack: a pool of execution environments per function.

Each environment is a process (local_stack.lambda_runtime.environment) with its own modules and its own
environment variables, so functions and environments run at the same time without sharing
anything but the machine. As Lambda does, per function:

- an invocation takes an idle environment when there is one (the most recently used: a warm
  start), and starts a new one (a cold start: process, import, module-level init) only when
  every existing one is busy;
- at most ``concurrency_limit`` environments exist; an invocation beyond them is throttled,
  ``TooManyRequestsException`` ("Rate Exceeded."), which Lambda answers with HTTP 429 to a
  synchronous caller (the gateway turns it into what API Gateway answers);
- an environment whose invocation exceeded the function's ``Timeout`` is killed, one whose
  process crashed is gone, one whose init failed is never used: the next invocation cold-starts
  anew. A handler that raised keeps its environment (the runtime reports the error and serves on).

Deviations from AWS, modelled on purpose:
- the limit is per function: the template's ``ReservedConcurrentExecutions`` when it sets one
  (0 throttles every invocation, as on AWS), otherwise LOCAL_LAMBDA_CONCURRENCY (default 10),
  not the account's shared 1000;
- no burst or scaling-rate limit, but cold starts queue behind one machine-wide gate with one
  place per CPU core (``COLD_START_GATE``): Lambda gives every init its own CPU, while here a
  burst of imports would share two cores and blow through the 10 s init limit; the wait at the
  gate counts against no limit (the caller waits, as it would for a slow Lambda scale-up);
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
import threading
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..api_gateway.sam_template import FunctionSpec
from .environment import CRASHED, INIT_TIMEOUT_SECONDS, TIMED_OUT, ExecutionEnvironment, FunctionError

__all__ = ["COLD_START_GATE", "DEFAULT_CONCURRENCY_LIMIT", "THROTTLED", "FunctionError", "FunctionStats", "LocalFunction"]

DEFAULT_CONCURRENCY_LIMIT = 10
COLD_START_GATE = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
"""Cold starts (process start and init) running at once, across every function of the process."""
THROTTLED = "TooManyRequestsException"
"""Lambda's errorType for a throttled invocation (HTTP 429 to the caller)."""


@dataclass
class FunctionStats:
    """What /stats reports per function; ``invocations`` excludes throttled ones, as CloudWatch does."""

    invocations: int = 0
    cold_starts: int = 0
    environments_created: int = 0
    environments: int = 0
    """Environments alive now (idle or busy)."""
    busy: int = 0
    peak_concurrency: int = 0
    throttles: int = 0
    timeouts: int = 0
    crashes: int = 0
    errors: int = 0
    """Failed invocations: init errors, handler errors, timeouts, crashes (not throttles)."""
    concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT

    def to_json(self) -> dict:
        return asdict(self)


class LocalFunction:
    """One function of the template: its environments, created on demand up to the limit."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], *, region: str, account_id: str,
                 concurrency_limit: int = DEFAULT_CONCURRENCY_LIMIT, base_environ: Mapping[str, str] | None = None,
                 cold_start_gate: threading.Semaphore = COLD_START_GATE,
                 init_timeout_seconds: float = INIT_TIMEOUT_SECONDS) -> None:
        if concurrency_limit < 0:
            raise ValueError(f"concurrency_limit must be 0 (every invocation throttled) or more, got {concurrency_limit}")
        self.spec = spec
        self.name = spec.logical_id
        self.environment = dict(environment)
        """What the function sees besides the base environment; read at each cold start."""
        self.arn = f"arn:aws:lambda:{region}:{account_id}:function:{spec.logical_id}"
        self.stats = FunctionStats(concurrency_limit=concurrency_limit)
        self._base_environ = base_environ
        self._cold_start_gate = cold_start_gate
        self._init_timeout_seconds = init_timeout_seconds
        self._idle: list[ExecutionEnvironment] = []
        self._lock = threading.Lock()
        self._closed = False

    @property
    def concurrency_limit(self) -> int:
        return self.stats.concurrency_limit

    @property
    def code_exists(self) -> bool:
        module = self.spec.handler.rpartition(".")[0]
        return (self.spec.code_dir / f"{module.replace('.', '/')}.py").is_file()

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        """The handler's result for ``event`` after a JSON round trip; FunctionError if it fails or is throttled."""
        request_id = request_id or str(uuid.uuid4())
        environment = self._acquire()
        try:
            if environment is None:
                environment = self._cold_start()
            return environment.invoke(event, request_id)
        except FunctionError as failure:
            with self._lock:
                self.stats.errors += 1
                self.stats.timeouts += failure.kind == TIMED_OUT
                self.stats.crashes += failure.kind == CRASHED
            raise
        finally:
            self._release(environment)

    def recycle(self) -> int:
        """Discard every idle environment (busy ones finish first); the next invocations cold-start."""
        with self._lock:
            idle, self._idle = self._idle, []
            self.stats.environments -= len(idle)
        for environment in idle:
            environment.discard()
        return len(idle)

    def close(self) -> None:
        """Discard the idle environments and any that finish later (the stack is stopping)."""
        with self._lock:
            self._closed = True
        self.recycle()

    def stats_json(self) -> dict:
        with self._lock:
            return self.stats.to_json()

    def _acquire(self) -> ExecutionEnvironment | None:
        """An idle environment, or None to start one; FunctionError(throttled) at the limit."""
        with self._lock:
            if self._idle:
                environment = self._idle.pop()
            elif self.stats.busy < self.stats.concurrency_limit:
                environment = None
                self.stats.environments += 1
                self.stats.environments_created += 1
                self.stats.cold_starts += 1
            else:
                self.stats.throttles += 1
                raise FunctionError(THROTTLED, "Rate Exceeded.")
            self.stats.invocations += 1
            self.stats.busy += 1
            self.stats.peak_concurrency = max(self.stats.peak_concurrency, self.stats.busy)
            return environment

    def _cold_start(self) -> ExecutionEnvironment:
        base = os.environ if self._base_environ is None else self._base_environ
        environment = ExecutionEnvironment(self.spec, {**base, **self.environment}, self.arn,
                                           init_timeout_seconds=self._init_timeout_seconds)
        with self._cold_start_gate:
            environment.start()
        return environment

    def _release(self, environment: ExecutionEnvironment | None) -> None:
        with self._lock:
            self.stats.busy -= 1
            keep = environment is not None and environment.alive and not self._closed
            if keep:
                self._idle.append(environment)
            else:
                self.stats.environments -= 1
        if environment is not None and not keep:
            environment.discard()
