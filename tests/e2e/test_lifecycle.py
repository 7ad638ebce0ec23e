"""The stack process itself: it reports its URLs, binds loopback only, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from local_stack.drills.load import own_stack_environment
from tests.support.stack import PROJECT_ROOT, StackStartError, running_stack

pytestmark = pytest.mark.e2e


def test_every_server_binds_loopback_and_sigint_stops_it_cleanly():
    with running_stack() as stack:
        for url in (stack.api, stack.idp, stack.backend_api, stack.dynamodb, stack.admin):
            assert urlsplit(url).hostname == "127.0.0.1"
        log = stack.log_path.read_text()
        assert "curl" in log and "/tokens" in log and "/documents" in log  # the ready-to-paste example
        assert stack.stop(signal.SIGINT) == 0
        assert "stopping" in stack.log_path.read_text()


def test_sigterm_stops_it_cleanly_too():
    with running_stack() as stack:
        assert stack.stop(signal.SIGTERM) == 0


def test_a_bad_setting_stops_startup_with_a_message_naming_it():
    with pytest.raises(StackStartError, match="AUTHORIZER_CACHE_TTL_SECONDS"):
        with running_stack({"AUTHORIZER_CACHE_TTL_SECONDS": "forever"}, start_timeout_seconds=20):
            pass


def test_a_busy_port_is_reported_not_hung():
    with running_stack() as first:
        taken = str(urlsplit(first.api).port)
        result = subprocess.run(
            [sys.executable, "-m", "local_stack"],
            cwd=PROJECT_ROOT,
            env={**own_stack_environment(), "PORT": taken},  # every other port free: only PORT is busy
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert "cannot start" in result.stderr


def test_an_external_dynamodb_gets_the_template_tables_and_the_shell_environment_does_not_leak():
    import boto3

    from local_stack.dynamodb.embedded import LOCAL_CREDENTIALS, EmbeddedDynamoDB

    external = EmbeddedDynamoDB(0).start()  # any DynamoDB-compatible endpoint; moto's is the one we have
    try:
        leaked = {"DYNAMODB_ENDPOINT_URL": external.endpoint_url, "WACHT_JWKS_URL": "http://127.0.0.1:9/nothing-here",
                  "TABLE_NAME": "not-this-one"}
        with running_stack(leaked) as stack:
            assert stack.dynamodb == external.endpoint_url
            token = stack.mint("alice")
            assert stack.request("GET", "/me", token=token)[0] == 200  # WACHT_JWKS_URL did not reach the authorizer
            created = stack.request("POST", "/documents", token=token, body={"title": "stored outside"})[2]
            client = boto3.client("dynamodb", endpoint_url=external.endpoint_url, region_name="us-east-1", **LOCAL_CREDENTIALS)
            (table,) = client.list_tables()["TableNames"]
            items = client.scan(TableName=table)["Items"]
            assert [i["title"]["S"] for i in items if i["id"]["S"] == created["id"]] == ["stored outside"]
    finally:
        external.stop()
