"""The stack's DynamoDB: moto's server on 127.0.0.1 in a process of its own, or any endpoint you point it at.

Either way the tables are created from template.yaml's own definitions (``table_definitions``)
when missing, so the functions meet the keys ``sam deploy`` would create.
"""

from __future__ import annotations

import contextlib
import json
import select
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["EmbeddedDynamoDB", "LOCAL_CREDENTIALS", "ensure_tables"]

LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
"""Moto and DynamoDB Local accept any credentials; these never leave the machine."""
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


class EmbeddedDynamoDB:
    """moto's DynamoDB server in a process of its own (local_stack.dynamodb.server) on 127.0.0.1."""

    def __init__(self, port: int = 0, start_timeout_seconds: float = 60.0) -> None:
        self._port = port
        self._start_timeout_seconds = start_timeout_seconds
        self._process: subprocess.Popen | None = None
        self.endpoint_url = ""

    def start(self) -> EmbeddedDynamoDB:
        """Start the server and wait until it listens; OSError when it cannot (a busy port)."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local_stack.dynamodb.server", str(self._port)],
            cwd=_PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        ready, _, _ = select.select([self._process.stdout], [], [], self._start_timeout_seconds)
        line = self._process.stdout.readline() if ready else ""
        if not line:
            self.stop()
            raise OSError(f"DynamoDB (moto) did not start on 127.0.0.1:{self._port} (see the log above)")
        self.endpoint_url = f"http://127.0.0.1:{json.loads(line)['port']}"
        return self

    def stop(self) -> None:
        if self._process is None:
            return
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()
        self._process = None


def ensure_tables(endpoint_url: str, region: str, tables: Mapping[str, dict]) -> list[str]:
    """Create each ``name -> create_table kwargs`` table that does not exist; return those created."""
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint_url, region_name=region, **LOCAL_CREDENTIALS)
    existing = set(client.list_tables().get("TableNames", []))
    created = []
    for name, definition in tables.items():
        if name in existing:
            continue
        client.create_table(TableName=name, **definition)
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        created.append(name)
    return created
