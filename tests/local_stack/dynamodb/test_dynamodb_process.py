"""local_stack.dynamodb.embedded: moto's server as a process of its own, started, used and stopped."""

from __future__ import annotations

import socket

import boto3
import pytest

from local_stack.dynamodb.embedded import LOCAL_CREDENTIALS, EmbeddedDynamoDB, ensure_tables

TABLE = {"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}


def test_it_serves_dynamodb_on_loopback_and_stops_with_its_process():
    dynamodb = EmbeddedDynamoDB(0).start()
    process = dynamodb._process
    try:
        assert dynamodb.endpoint_url.startswith("http://127.0.0.1:")
        assert ensure_tables(dynamodb.endpoint_url, "us-east-1", {"t": TABLE}) == ["t"]
        assert ensure_tables(dynamodb.endpoint_url, "us-east-1", {"t": TABLE}) == []  # already there
        client = boto3.client("dynamodb", endpoint_url=dynamodb.endpoint_url, region_name="us-east-1", **LOCAL_CREDENTIALS)
        client.put_item(TableName="t", Item={"pk": {"S": "a"}})
        assert client.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"] == {"pk": {"S": "a"}}
    finally:
        dynamodb.stop()
    assert process.poll() == 0  # it ended on its own when its stdin closed


def test_a_busy_port_is_an_os_error_not_a_hang():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        with pytest.raises(OSError, match="did not start"):
            EmbeddedDynamoDB(taken.getsockname()[1]).start()
