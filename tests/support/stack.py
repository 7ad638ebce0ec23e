"""The whole local stack as a subprocess on free ports: start, wait until ready, use, stop.

    from tests.support.stack import running_stack

    with running_stack() as stack:            # python -m local_stack, every port 0
        token = stack.mint("alice")
        status, headers, body = stack.request("GET", "/documents", token=token)

The stack prints one ``local-stack ready: {...urls...}`` line when every server listens; its
output goes to a log file (``stack.log_path``) whose tail is shown when startup fails. Leaving
the ``with`` block sends SIGTERM (what Ctrl-C does) and waits for a clean exit.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["RunningStack", "StackStartError", "running_stack"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "local-stack ready: "  # local_stack.stack.READY_PREFIX, not imported: the stack is a black box here
_PORT_VARIABLES = ("PORT", "WACHT_DEV_IDP_PORT", "WACHT_BACKEND_API_PORT", "LOCAL_STACK_ADMIN_PORT", "LOCAL_DYNAMODB_PORT",
                   "WACHT_DEV_OAUTH_PORT", "WACHT_GATEWAY_PORT")


class StackStartError(RuntimeError):
    """Raised when the stack exits or stays unready during startup; the message holds its log tail."""


@dataclass(frozen=True)
class RunningStack:
    api: str
    idp: str
    backend_api: str
    dynamodb: str
    admin: str
    oauth: str
    gateway: str
    log_path: Path
    process: subprocess.Popen = field(repr=False, compare=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, signum: int = signal.SIGTERM, timeout_seconds: float = 15.0) -> int:
        """Send ``signum`` (SIGINT is Ctrl-C) and return the exit code; kill after the timeout."""
        return _stop(self.process, signum, timeout_seconds)

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        base: str | None = None,
        timeout_seconds: float = 15.0,
    ) -> tuple[int, dict[str, str], Any]:
        """One HTTP call to the API (or ``base``): (status, headers with lower-case names, JSON or text body)."""
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(f"{base or self.api}{path}", data=data, headers=all_headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout_seconds) as response:
                return _answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return _answer(error.code, error.headers, error.read())

    def raw_get(self, path: str, headers: list[tuple[str, str]]) -> tuple[int, Any]:
        """GET with headers exactly as listed (urllib would merge a repeated or re-cased name):
        (status, JSON body or None)."""
        origin = urlsplit(self.api)
        connection = http.client.HTTPConnection(origin.hostname, origin.port, timeout=15)
        try:
            connection.putrequest("GET", path)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
        finally:
            connection.close()

    def mint(self, persona: str | None = None, *, workspace: str | None = None, organization: str | None = None, **body: Any) -> str:
        """A token from the dev IdP: a persona's (``mint("alice", workspace="Acme Legal")``) or ``body`` as given."""
        if persona is not None:
            from local_stack.wacht.personas import find_persona

            body = {**find_persona(persona).token_request(organization, workspace), **body}
        else:
            body.update({k: v for k, v in (("organization", organization), ("workspace", workspace)) if v is not None})
        status, _, answer = self.request("POST", "/tokens", body=body, base=self.idp)
        if status != 200:
            raise AssertionError(f"dev IdP refused to mint ({status}): {answer}")
        return answer["token"]

    def stats(self) -> dict:
        status, _, answer = self.request("GET", "/stats", base=self.admin)
        assert status == 200, answer
        return answer

    def authorizer_invocations(self) -> int:
        return self.stats()["gateway"]["authorizer_invocations"]

    def flush_authorizer_cache(self) -> None:
        status, _, _ = self.request("POST", "/authorizer-cache/flush", base=self.admin)
        assert status == 204

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _answer(status: int, headers: Any, raw: bytes) -> tuple[int, dict[str, str], Any]:
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode(errors="replace")
    return status, lowered, body


@contextmanager
def running_stack(env: Mapping[str, str] | None = None, *, start_timeout_seconds: float = 60.0) -> Iterator[RunningStack]:
    """Run ``python -m local_stack`` with every port free-picked (override any variable in ``env``)."""
    environment = {**os.environ, **{name: "0" for name in _PORT_VARIABLES}, "PYTHONUNBUFFERED": "1", **(env or {})}
    log_dir = Path(tempfile.mkdtemp(prefix="local-stack-"))
    log_path = log_dir / "stack.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local_stack"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        urls = _wait_until_ready(process, log_path, start_timeout_seconds)
        yield RunningStack(**urls, log_path=log_path, process=process)
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen, log_path: Path, timeout_seconds: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith(READY_PREFIX):
                return json.loads(line[len(READY_PREFIX):])
        if process.poll() is not None:
            raise StackStartError(f"local stack exited with {process.returncode}:\n{_tail(log_path)}")
        time.sleep(0.05)
    raise StackStartError(f"local stack not ready after {timeout_seconds:.0f} s:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen, signum: int = signal.SIGTERM, timeout_seconds: float = 15.0) -> int:
    if process.poll() is None:
        process.send_signal(signum)
        try:
            process.wait(timeout_seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def _tail(log_path: Path, lines: int = 60) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
