"""One Lambda execution environment: a process of its own running local_stack/lambda_runtime/worker.py.

A process per environment is what makes environments independent, as in Lambda: its own
``sys.modules`` (module-level caches, a verifier, a boto3 client), its own ``os.environ`` (the
function's variables, invisible to every other function), real parallelism with other
environments, and a real timeout: an invocation that outlives the function's ``Timeout`` is
stopped by killing the process, which takes the environment with it, as Lambda does.

``start`` is the init phase (the import of the handler module, under Lambda's 10 s init limit);
``invoke`` sends one event and waits for the answer. A FunctionError carries Lambda's errorType;
after a timeout or a crash (the process exited) ``alive`` is False and the environment is gone.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..api_gateway.sam_template import FunctionSpec

__all__ = ["INIT_TIMEOUT_SECONDS", "ExecutionEnvironment", "FunctionError"]

INIT_TIMEOUT_SECONDS = 10.0
"""Lambda's limit on the init phase of an on-demand environment."""
TIMED_OUT = "Sandbox.Timedout"
CRASHED = "Runtime.ExitError"
_WORKER = Path(__file__).resolve().parent / "worker.py"


class FunctionError(Exception):
    """Raised when an invocation fails the way Lambda reports it: ``kind`` is Lambda's errorType."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class ExecutionEnvironment:
    """A started worker process serving one invocation at a time (the pool sees to that)."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], arn: str, *,
                 init_timeout_seconds: float = INIT_TIMEOUT_SECONDS) -> None:
        self.spec = spec
        self._init_timeout_seconds = init_timeout_seconds
        self._environment = dict(environment)
        self._arn = arn
        self._process: subprocess.Popen | None = None
        self._to_worker: int | None = None
        self._from_worker: int | None = None
        self._pending = b""

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Spawn the process and run the init phase; FunctionError (and no process) if it fails."""
        worker_reads, to_worker = os.pipe()
        from_worker, worker_writes = os.pipe()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-P", str(_WORKER), str(worker_reads), str(worker_writes)],
                env=self._environment,
                cwd=str(self.spec.code_dir) if self.spec.code_dir.is_dir() else None,
                stdin=subprocess.DEVNULL,
                pass_fds=(worker_reads, worker_writes),
            )
        finally:
            os.close(worker_reads)
            os.close(worker_writes)
        self._to_worker, self._from_worker = to_worker, from_worker
        init = {
            "code_dir": str(self.spec.code_dir),
            "layer_dirs": [str(p) for p in self.spec.layer_dirs],
            "handler": self.spec.handler,
            "function_name": self.spec.logical_id,
            "memory_mb": self.spec.memory_mb,
            "arn": self._arn,
        }
        answer = self._exchange(init, self._init_timeout_seconds, phase="init")
        if "error" in answer:
            self.discard()
            raise FunctionError(answer["error"]["kind"], answer["error"]["message"])

    def invoke(self, event: Any, request_id: str) -> Any:
        """The handler's JSON-marshalled result; FunctionError if it raised, timed out or crashed."""
        timeout = self.spec.timeout_seconds
        answer = self._exchange({"event": event, "request_id": request_id, "timeout_ms": int(timeout * 1000)},
                                timeout, phase="invoke")
        if "error" in answer:
            raise FunctionError(answer["error"]["kind"], answer["error"]["message"])
        return answer["result"]

    def discard(self) -> None:
        """Stop the process (SIGKILL: a discarded environment gets no shutdown phase) and free its pipes."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        if self._process is not None:
            self._process.wait()
        for fd in (self._to_worker, self._from_worker):
            if fd is not None:
                os.close(fd)
        self._to_worker = self._from_worker = None

    def _exchange(self, message: dict, timeout_seconds: float, *, phase: str) -> dict:
        try:
            _write_all(self._to_worker, json.dumps(message).encode() + b"\n")
            line = self._read_line(time.monotonic() + timeout_seconds)
        except TimeoutError:
            self.discard()
            if phase == "init":
                raise FunctionError("Runtime.InitError", f"init timed out after {timeout_seconds:.2f} seconds") from None
            raise FunctionError(TIMED_OUT, f"Task timed out after {timeout_seconds:.2f} seconds") from None
        except (BrokenPipeError, EOFError):
            status = self._process.wait() if self._process else None
            self.discard()
            how = f"signal: {signal.Signals(-status).name}" if status is not None and status < 0 else f"exit status {status}"
            raise FunctionError(CRASHED, f"Runtime exited with error: {how}") from None
        return json.loads(line)

    def _read_line(self, deadline: float) -> bytes:
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([self._from_worker], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(self._from_worker, 1 << 16)
            if not chunk:
                raise EOFError
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
