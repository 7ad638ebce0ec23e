"""A conditional write whose answer is lost, then retried: our own earlier attempt must not turn
into a 500 (create) or a 404 (delete). DynamoDB is moto's server over HTTP; in front of it a
loopback proxy that lets the first write through to DynamoDB and then drops its answer, answers
it with a 5xx (DynamoDB's own, or a proxy's page), or drips it until the attempt is abandoned."""

from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from api_support.budget import Budget
from api_support.dynamodb import ConditionFailed, DataTable
from tests.functions.conftest import new_id


DYNAMODB_500 = (500, "application/x-amz-json-1.0",
                b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}')
PROXY_502 = (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
INTERNAL_FAILURE = (500, "application/x-amz-json-1.0", b'{"__type":"com.amazon.coral.service#InternalFailure"}')
DRIP = "drip"
"""Send DynamoDB's real answer one byte per 0.4 s: the attempt is abandoned at its deadline."""


class AnswerLosingProxy:
    """Forwards every request to DynamoDB; for the first ``lose`` writes, drops the answer after
    the write was applied, or answers ``error`` (status, content type, body) instead, or drips it."""

    def __init__(self, upstream: str, lose: int, error: tuple[int, str, bytes] | str | None = None) -> None:
        self.lose = lose
        self.error = error
        self.forwarded: list[str] = []
        target = urlsplit(upstream)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
                connection.request("POST", self.path, body, dict(self.headers))
                answer = connection.getresponse()
                payload = answer.read()
                proxy.forwarded.append(operation)
                if operation in ("PutItem", "DeleteItem") and proxy.lose > 0:
                    proxy.lose -= 1
                    if proxy.error == DRIP:  # applied; the answer takes longer than the attempt may
                        self._drip(answer, payload)
                        return
                    if proxy.error is not None:  # applied, yet answered as a failure
                        status, content_type, error = proxy.error
                        self.send_response(status)
                        self.send_header("Content-Type", content_type)
                        self.send_header("Content-Length", str(len(error)))
                        self.end_headers()
                        self.wfile.write(error)
                        return
                    self.close_connection = True  # applied by DynamoDB, answer never sent
                    return
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _drip(self, answer, payload: bytes) -> None:
                payload += b" " * 64  # a write's answer is "{}": JSON whitespace makes it outlast any attempt
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.getheader("Content-Type", "application/x-amz-json-1.0"))
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                stop = time.monotonic() + 12  # bounded: a client waiting for every byte fails its test in time
                for index in range(len(payload)):
                    if proxy.closed.wait(0.4) or time.monotonic() > stop:
                        return
                    self.wfile.write(payload[index : index + 1])
                    self.wfile.flush()

            def log_message(self, *args) -> None:
                pass

        self.closed = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.closed.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def table_behind(moto_url, table_name):
    proxies = []

    def make(lose: int, error: tuple[int, str, bytes] | str | None = None) -> tuple[DataTable, AnswerLosingProxy]:
        proxy = AnswerLosingProxy(moto_url, lose, error)
        proxies.append(proxy)
        table = DataTable.from_environ({"TABLE_NAME": table_name, "DYNAMODB_ENDPOINT_URL": proxy.url})
        return table.within(Budget.seconds(8)), proxy

    yield make
    for proxy in proxies:
        proxy.close()


def _item(**extra: str) -> dict[str, str]:
    return {"pk": f"WS#{new_id()}", "sk": f"DOC#{new_id()}", "title": "t", **extra}


def test_a_create_whose_answer_was_lost_is_a_success_not_a_conflict(table_behind):
    table, proxy = table_behind(lose=1)
    item = _item()
    table.put(item, condition="attribute_not_exists(pk)")  # attempt 1 applied, answer lost; attempt 2: condition fails
    assert proxy.forwarded.count("PutItem") == 2
    assert table.get(item["pk"], item["sk"]) == item


def test_a_create_that_meets_someone_elses_item_after_a_lost_answer_still_fails(table_behind):
    table, _ = table_behind(lose=0)
    item = _item()
    table.put(item)
    losing, _ = table_behind(lose=1)
    with pytest.raises(ConditionFailed):
        losing.put({**item, "title": "another"}, condition="attribute_not_exists(pk)")  # lost answer, then a real conflict
    assert table.get(item["pk"], item["sk"]) == item


def test_a_delete_whose_answer_was_lost_is_a_success_not_a_not_found(table_behind):
    table, proxy = table_behind(lose=0)
    item = _item()
    table.put(item)
    losing, proxy = table_behind(lose=1)
    losing.delete_existing(item["pk"], item["sk"])
    assert proxy.forwarded.count("DeleteItem") == 2
    assert table.get(item["pk"], item["sk"]) is None


def test_a_delete_of_nothing_with_every_answer_delivered_is_still_condition_failed(table_behind):
    table, _ = table_behind(lose=0)
    with pytest.raises(ConditionFailed) as failed:
        table.delete_existing(f"WS#{new_id()}", f"DOC#{new_id()}")
    assert failed.value.after_failed_attempt is False


@pytest.mark.parametrize("error", [DYNAMODB_500, PROXY_502, INTERNAL_FAILURE, DRIP],
                         ids=["dynamodb-500", "proxy-502-page", "internal-failure", "dripped-answer"])
def test_a_create_applied_but_answered_with_a_5xx_or_too_slowly_is_a_success(table_behind, error):
    table, proxy = table_behind(lose=1, error=error)
    item = _item()
    table.put(item, condition="attribute_not_exists(pk)")
    assert proxy.forwarded.count("PutItem") == 2
    assert table.get(item["pk"], item["sk"]) == item


@pytest.mark.parametrize("error", [PROXY_502, DRIP], ids=["proxy-502-page", "dripped-answer"])
def test_a_delete_applied_but_answered_with_a_5xx_or_too_slowly_is_a_success(table_behind, error):
    table, _ = table_behind(lose=0)
    item = _item()
    table.put(item)
    losing, proxy = table_behind(lose=1, error=error)
    losing.delete_existing(item["pk"], item["sk"])
    assert proxy.forwarded.count("DeleteItem") == 2
    assert table.get(item["pk"], item["sk"]) is None
