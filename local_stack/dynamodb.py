"""The stack's DynamoDB: moto's server embedded on 127.0.0.1, or any endpoint you point it at.

Either way the tables are created from template.yaml's own definitions (``table_definitions``)
when missing, so the functions meet the keys ``sam deploy`` would create.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

__all__ = ["EmbeddedDynamoDB", "LOCAL_CREDENTIALS", "ensure_tables"]

LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
"""Moto and DynamoDB Local accept any credentials; these never leave the machine."""


class EmbeddedDynamoDB:
    """moto's DynamoDB (the whole moto server, in a thread of this process)."""

    def __init__(self, port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per DynamoDB call
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.endpoint_url = ""

    def start(self) -> EmbeddedDynamoDB:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()


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
