"""The inside of one execution environment: a process that imports a handler once and runs it.

Started by local_stack.lambda_runtime.environment as ``python -P worker.py <read fd> <write fd>``
(``-P``: this folder is not put on ``sys.path``, so nothing of the local stack shadows the
function's own modules). Standard library only: the function's code, its layers and the venv's
packages are all this process imports besides itself.

Protocol, one JSON object per line on the two pipes (the handler's stdout and stderr stay the
stack's log, as Lambda's go to CloudWatch):
- first request ``{"code_dir", "layer_dirs", "handler", "function_name", "memory_mb", "arn"}``:
  the init phase (the import); answer ``{"ready": true}`` or ``{"error": {...}}`` and exit;
- then ``{"event", "request_id", "timeout_ms"}`` per invocation; answer ``{"result": ...}`` or
  ``{"error": {"kind", "message"}}``; the process serves the next invocation either way.
End of input (the stack stopped or discarded us) ends the process.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The ``context`` argument of a Python handler (the attributes Powertools reads)."""

    def __init__(self, init: dict, request_id: str, timeout_ms: int) -> None:
        self.function_name = init["function_name"]
        self.memory_limit_in_mb = init["memory_mb"]
        self.invoked_function_arn = init["arn"]
        self.aws_request_id = request_id
        self.function_version = "$LATEST"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main(argv: list[str]) -> int:
    requests = os.fdopen(int(argv[1]), "rb")
    answers = os.fdopen(int(argv[2]), "wb")

    def answer(payload: dict | str) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        answers.write(text.encode() + b"\n")
        answers.flush()

    line = requests.readline()
    if not line:
        return 0
    init = json.loads(line)
    handler = _init(init, answer)
    if handler is None:
        return 1
    answer({"ready": True})
    while line := requests.readline():
        request = json.loads(line)
        answer(_invoke(handler, init, request))
    return 0


def _init(init: dict, answer) -> Any:
    sys.path[:0] = [init["code_dir"], *init["layer_dirs"]]
    module_name, _, handler_name = init["handler"].rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), handler_name)
    except Exception as error:  # noqa: BLE001 - Lambda reports any init failure the same way
        _print_error(init["function_name"], "init", error)
        kind = "Runtime.ImportModuleError" if isinstance(error, ImportError) else "Runtime.InitError"
        answer({"error": {"kind": kind, "message": f"{type(error).__name__}: {error}"}})
        return None


def _invoke(handler: Any, init: dict, request: dict) -> dict | str:
    context = LambdaContext(init, request["request_id"], request["timeout_ms"])
    try:
        result = handler(request["event"], context)
    except Exception as error:  # noqa: BLE001 - the handler's own error: Lambda's "Unhandled"
        _print_error(init["function_name"], "invoke", error)
        return {"error": {"kind": type(error).__name__, "message": str(error)}}
    try:
        return json.dumps({"result": result})  # Lambda marshals the result as JSON
    except (TypeError, ValueError) as error:
        return {"error": {"kind": "Runtime.MarshalError", "message": f"result is not JSON serializable: {error}"}}


def _print_error(function: str, phase: str, error: BaseException) -> None:
    """Lambda writes a failing function's traceback to its log; so do we (stderr)."""
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    sys.stderr.write(f"[{function}] {phase} error:\n{''.join(lines)}")
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
