"""Running the real Lambda handlers in this process, each as if in its own execution environment.

Every function is ``app.py`` with its own environment from the template, and may keep state at
module scope (a verifier, a boto3 table). So each LocalFunction keeps private copies of every
module loaded from its code folder or its layers, and its own environment variables:

- Modules: while a function runs, its private modules (``app``, ``wacht_auth``, ...) are in
  ``sys.modules`` and its code folder and layers lead ``sys.path``; afterwards they are taken
  out again. Two functions never share a module object of their own code or layer, just as two
  Lambda functions never do; third-party packages from the venv are shared (they are stateless
  libraries here, and Lambda's copies would be identical).
- Environment: ``os.environ`` is process-wide and functions read it at import and at call time,
  so an invocation sets its function's variables and restores the previous values afterwards.

Both swaps are process-global, so invocations run one at a time under one lock. That costs
little: the GIL serialises Python anyway, and a Lambda execution environment also serves one
request at a time. Invocation follows Lambda: the first call imports the handler (a cold start;
an import error fails that call and the next call tries again), the return value is passed
through JSON as Lambda marshals it, and a call that outlives the function's timeout is reported
as timed out (it cannot be interrupted in-process, so the result is discarded afterwards).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from .sam_template import FunctionSpec

__all__ = ["FunctionError", "FunctionStats", "LambdaContext", "LocalFunction", "invocation_lock"]

invocation_lock = threading.RLock()
"""Held while any function runs: the module and environment swaps are process-global."""


class FunctionError(Exception):
    """Raised when an invocation fails the way Lambda reports it: ``kind`` is Lambda's errorType."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


@dataclass
class FunctionStats:
    invocations: int = 0
    cold_starts: int = 0
    errors: int = 0


@dataclass
class LambdaContext:
    """The ``context`` argument of a Python handler (the attributes Powertools reads)."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    timeout_seconds: int
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class LocalFunction:
    """One function of the template, invoked in-process with its own modules and environment."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], *, region: str, account_id: str) -> None:
        self.spec = spec
        self.name = spec.logical_id
        self.environment = dict(environment)
        """Exactly what the function sees besides the process's base environment."""
        self.arn = f"arn:aws:lambda:{region}:{account_id}:function:{spec.logical_id}"
        self.stats = FunctionStats()
        self._roots = tuple(str(p.resolve()) + os.sep for p in (spec.code_dir, *spec.layer_dirs))
        self._sys_path = [str(spec.code_dir), *(str(p) for p in spec.layer_dirs)]
        self._modules: dict[str, ModuleType] = {}
        self._handler: Any = None
        self._module_name, _, self._handler_name = spec.handler.rpartition(".")

    @property
    def code_exists(self) -> bool:
        return (self.spec.code_dir / f"{self._module_name.replace('.', '/')}.py").is_file()

    def invoke(self, event: Any, request_id: str | None = None) -> Any:
        """The handler's result for ``event`` after a JSON round trip; FunctionError if it fails."""
        request_id = request_id or str(uuid.uuid4())
        with invocation_lock:
            self.stats.invocations += 1
            started = time.monotonic()
            outsiders = _take_modules(self._roots)
            sys.modules.update(self._modules)
            saved_environment = _apply_environment(self.environment)
            sys.path[:0] = self._sys_path
            try:
                result = self._run(event, request_id)
            finally:
                del sys.path[: len(self._sys_path)]
                _restore_environment(saved_environment)
                self._modules = _take_modules(self._roots)
                sys.modules.update(outsiders)
        elapsed = time.monotonic() - started
        if elapsed > self.spec.timeout_seconds:
            self.stats.errors += 1
            raise FunctionError("Sandbox.Timedout", f"Task timed out after {elapsed:.2f} seconds")
        return result

    def _run(self, event: Any, request_id: str) -> Any:
        if self._handler is None:
            self.stats.cold_starts += 1
            try:
                module = importlib.import_module(self._module_name)
                self._handler = getattr(module, self._handler_name)
            except Exception as error:  # noqa: BLE001 - Lambda reports any init failure the same way
                self.stats.errors += 1
                _print_error(self.name, "init", error)
                raise FunctionError("Runtime.ImportModuleError" if isinstance(error, ImportError) else "Runtime.InitError",
                                    f"{type(error).__name__}: {error}") from None
        context = LambdaContext(
            function_name=self.name,
            memory_limit_in_mb=self.spec.memory_mb,
            invoked_function_arn=self.arn,
            aws_request_id=request_id,
            timeout_seconds=self.spec.timeout_seconds,
        )
        try:
            result = self._handler(event, context)
        except Exception as error:  # noqa: BLE001 - the handler's own error: Lambda's "Unhandled"
            self.stats.errors += 1
            _print_error(self.name, "invoke", error)
            raise FunctionError(type(error).__name__, str(error)) from None
        try:
            return json.loads(json.dumps(result))
        except (TypeError, ValueError) as error:
            self.stats.errors += 1
            raise FunctionError("Runtime.MarshalError", f"result is not JSON serializable: {error}") from None


def _take_modules(roots: tuple[str, ...]) -> dict[str, ModuleType]:
    """Remove from ``sys.modules`` and return every module whose file lies under ``roots``."""
    taken = {}
    for name, module in list(sys.modules.items()):
        if _is_under(module, roots):
            taken[name] = sys.modules.pop(name)
    return taken


def _is_under(module: Any, roots: tuple[str, ...]) -> bool:
    location = getattr(module, "__file__", None)
    if location is None:  # a namespace package: look at its search path
        locations = list(getattr(module, "__path__", None) or ())
        return bool(locations) and all(str(p).startswith(roots) or (str(p) + os.sep) in roots for p in locations)
    return location.startswith(roots)


def _apply_environment(variables: Mapping[str, str]) -> dict[str, str | None]:
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    return saved


def _restore_environment(saved: Mapping[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _print_error(function: str, phase: str, error: BaseException) -> None:
    """Lambda writes a failing function's traceback to its log; so do we (stderr)."""
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    sys.stderr.write(f"[{function}] {phase} error:\n{''.join(lines)}")
