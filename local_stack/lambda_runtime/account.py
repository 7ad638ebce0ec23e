"""What the functions of the stack share: the account's concurrency, this machine's room, the cold-start gate.

On AWS an account has a concurrency quota per region (1000 by default) shared by every function
without a reservation; a function with ``ReservedConcurrentExecutions`` has that much to itself
(and takes it out of the shared pool); an invocation beyond its limit is throttled. Concurrency
counts invocations in flight, a cold start's init included, not environments kept warm.

Here every environment is a process on one machine, so the stack adds what AWS does not have:
- ``MachineBound``: how many environments this machine can hold, from its free memory and the
  stack process's limits (``MachineBound.measure``). Well below the quota on a laptop; when an
  invocation needs a new environment beyond it, an idle environment of any function is reclaimed
  first, and only when every one is busy is the invocation throttled, with a log line saying this
  machine, not AWS's quota, is the reason.
- a cold-start gate with one place per CPU core: Lambda gives every init its own CPU, here a
  burst of imports shares a few cores and would blow through the 10 s init limit. A caller waiting
  at the gate is in flight (as during a Lambda scale-up) and is never throttled for waiting; its
  init time starts when its own init starts. If an environment of its function becomes idle while
  it waits, it takes that one and starts nothing (Lambda would start a new one; here the cores are
  what a burst lacks, and the idle environment serves it sooner).
One condition guards all of it: the operations under it are a few list and counter updates.
"""

from __future__ import annotations

import logging
import os
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .environment import ExecutionEnvironment, FunctionError

if TYPE_CHECKING:
    from .pool import LocalFunction

__all__ = ["ACCOUNT_CONCURRENCY", "ENVIRONMENT_MEMORY_MB", "THROTTLED", "LambdaAccount", "MachineBound"]

ACCOUNT_CONCURRENCY = 1000
"""AWS's default concurrent executions per account and region."""
ENVIRONMENT_MEMORY_MB = 100
"""What one environment is budgeted: measured 40 to 65 MB resident for this app's handlers
(Python 3.13, `ps -o rss` after each route once), plus room to grow."""
MEMORY_KEPT_FREE = 0.25
"""The share of available memory left to everything else on the machine."""
THROTTLED = "TooManyRequestsException"
"""Lambda's errorType for a throttled invocation (HTTP 429 to the caller)."""
_FILES_PER_ENVIRONMENT = 2
"""The stack's ends of the two pipes to each environment's process."""
_FILES_KEPT = 256
"""Descriptors left for the stack's own sockets, moto, logs."""
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MachineBound:
    """How many execution environments this machine can hold at once, and why that many."""

    environments: int
    reason: str
    """What limits it, in words, e.g. ``memory: 17.6 of 23.4 GB available, 100 MB per environment``."""

    @classmethod
    def measure(cls, meminfo: Path = Path("/proc/meminfo"),
                limits: Callable[[int], tuple[int, int]] = resource.getrlimit) -> MachineBound:
        """The smallest of: available memory (less a quarter) over ENVIRONMENT_MEMORY_MB, the open-file
        limit over two pipe ends per environment, the process limit."""
        candidates: list[tuple[int, str]] = []
        available = _available_memory_bytes(meminfo)
        if available is not None:
            usable = available * (1 - MEMORY_KEPT_FREE)
            candidates.append((int(usable // (ENVIRONMENT_MEMORY_MB << 20)),
                               f"memory: {usable / 2**30:.1f} of {available / 2**30:.1f} GB available, "
                               f"{ENVIRONMENT_MEMORY_MB} MB per environment"))
        files = limits(resource.RLIMIT_NOFILE)[0]
        if files != resource.RLIM_INFINITY:
            candidates.append(((files - _FILES_KEPT) // _FILES_PER_ENVIRONMENT,
                               f"open files: a limit of {files}, {_FILES_PER_ENVIRONMENT} per environment"))
        processes = limits(resource.RLIMIT_NPROC)[0]
        if processes != resource.RLIM_INFINITY:
            candidates.append((processes - _FILES_KEPT, f"processes: a limit of {processes} for this user"))
        if not candidates:
            return cls(ACCOUNT_CONCURRENCY, "nothing measured: the account's quota")
        environments, reason = min(candidates)
        return cls(max(1, environments), reason)


def _available_memory_bytes(meminfo: Path) -> int | None:
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None


class LambdaAccount:
    """The account's concurrency quota and this machine's room, shared by the functions registered with it."""

    def __init__(self, concurrency_limit: int = ACCOUNT_CONCURRENCY, machine: MachineBound | None = None, *,
                 init_places: int | None = None, monotonic: Callable[[], float] = time.monotonic) -> None:
        if concurrency_limit < 1:
            raise ValueError(f"concurrency_limit must be at least 1, got {concurrency_limit}")
        self.concurrency_limit = concurrency_limit
        self.machine = machine or MachineBound.measure()
        self.init_places = init_places or max(1, os.cpu_count() or 1)
        """Cold starts running at once, across every function (one per CPU core)."""
        self.functions: list[LocalFunction] = []
        self._reserved = 0
        """Every registered function's ReservedConcurrentExecutions, summed once at registration."""
        self.lock = threading.Condition()
        """Guards every count and idle list of the account and its functions; notified when one frees up."""
        self.unreserved_in_flight = 0
        self.environments = 0
        """Environments alive now (starting, busy or idle), across every function."""
        self.inits_running = 0
        self.machine_throttles = 0
        self.reclaimed = 0
        """Idle environments discarded to make room for another function's cold start."""
        self._monotonic = monotonic
        self._last_warning = float("-inf")

    @property
    def unreserved_limit(self) -> int:
        """The quota less every reservation (what functions without one share), as on AWS."""
        return max(0, self.concurrency_limit - self._reserved)

    def register(self, function: LocalFunction) -> None:
        with self.lock:
            self.functions.append(function)
            self._reserved += function.reserved_concurrency or 0

    def admit(self, function: LocalFunction) -> ExecutionEnvironment | None:
        """Count one invocation in flight; its idle environment if it has one, else None (start one).

        FunctionError(THROTTLED) when the function's reservation, or the unreserved pool, is in full use.
        """
        with self.lock:
            stats = function.stats
            if function.reserved_concurrency is not None:
                if stats.busy >= function.reserved_concurrency:
                    stats.throttles += 1
                    raise FunctionError(THROTTLED, "Rate Exceeded.")
            elif self.unreserved_in_flight >= self.unreserved_limit:
                stats.throttles += 1
                raise FunctionError(THROTTLED, "Rate Exceeded.")
            else:
                self.unreserved_in_flight += 1
            stats.invocations += 1
            stats.busy += 1
            stats.peak_concurrency = max(stats.peak_concurrency, stats.busy)
            return function.take_idle()

    def begin_init(self, function: LocalFunction) -> ExecutionEnvironment | None:
        """Wait for a place at the cold-start gate; None once it is held (start the environment, then
        ``end_init``), or an environment of ``function`` that became idle meanwhile (start nothing).

        FunctionError(THROTTLED) when this machine holds all the environments it can and every one is busy.
        """
        victim: ExecutionEnvironment | None = None
        with self.lock:
            while True:
                idle = function.take_idle()
                if idle is not None:
                    return idle
                if self.inits_running < self.init_places:
                    break
                self.lock.wait()
            if self.environments >= self.machine.environments:
                victim = self._reclaim_idle()
                if victim is None:
                    self._throttle_for_machine(function)
            self.inits_running += 1
            self.environments += 1
            function.stats.environments += 1
            function.stats.environments_created += 1
            function.stats.cold_starts += 1
        if victim is not None:
            victim.discard()
        return None

    def end_init(self, function: LocalFunction, *, started: bool) -> None:
        """Free the gate's place; an init that failed leaves no environment behind."""
        with self.lock:
            self.inits_running -= 1
            if not started:
                self.environments -= 1
                function.stats.environments -= 1
            self.lock.notify_all()

    def release(self, function: LocalFunction, environment: ExecutionEnvironment | None) -> None:
        """The invocation is over: its environment goes back idle if it is still alive, else away."""
        with self.lock:
            function.stats.busy -= 1
            if function.reserved_concurrency is None:
                self.unreserved_in_flight -= 1
            keep = environment is not None and environment.alive and not function.closed
            if keep:
                function.put_idle(environment)
            elif environment is not None:
                self.environments -= 1
                function.stats.environments -= 1
            self.lock.notify_all()
        if environment is not None and not keep:
            environment.discard()

    def discard_idle(self, function: LocalFunction) -> int:
        """Discard every idle environment of ``function``; how many there were."""
        with self.lock:
            idle = function.take_all_idle()
            self.environments -= len(idle)
            function.stats.environments -= len(idle)
        for environment in idle:
            environment.discard()
        return len(idle)

    def stats_json(self) -> dict:
        with self.lock:
            return {
                "concurrency_limit": self.concurrency_limit,
                "unreserved_concurrency_limit": self.unreserved_limit,
                "unreserved_in_flight": self.unreserved_in_flight,
                "environments": self.environments,
                "machine_environment_limit": self.machine.environments,
                "machine_environment_limit_reason": self.machine.reason,
                "machine_throttles": self.machine_throttles,
                "reclaimed_idle_environments": self.reclaimed,
                "cold_start_places": self.init_places,
            }

    def _reclaim_idle(self) -> ExecutionEnvironment | None:
        """The least recently used idle environment of the function with the most idle ones (lock held)."""
        candidates = [f for f in self.functions if f.idle_count]
        if not candidates:
            return None
        owner = max(candidates, key=lambda f: f.idle_count)
        victim = owner.take_oldest_idle()
        self.environments -= 1
        owner.stats.environments -= 1
        self.reclaimed += 1
        return victim

    def _throttle_for_machine(self, function: LocalFunction) -> None:
        """Throttle the invocation (lock held): it was counted in flight, it never ran."""
        self.machine_throttles += 1
        function.stats.throttles += 1
        function.stats.invocations -= 1
        now = self._monotonic()
        if now - self._last_warning >= 5:
            self._last_warning = now
            _log.warning("%s throttled: this machine holds at most %d execution environments (%s) and every one is "
                         "busy; AWS would allow %d concurrent executions. Throttles here so far: %d",
                         function.name, self.machine.environments, self.machine.reason, self.concurrency_limit,
                         self.machine_throttles)
        raise FunctionError(THROTTLED, "Rate Exceeded.")
