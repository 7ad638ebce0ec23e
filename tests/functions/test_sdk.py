"""api_support.sdk: an SDK attempt bounded as a whole, and what happens to the attempt it abandons.

Real loopback servers (tests.functions.servers); the function-level checks (503 before the Lambda
timeout for dripping DynamoDB, Secrets Manager and SSM answers) are in test_time_budgets.py.
"""

from __future__ import annotations

import threading
import time

import pytest

from api_support.budget import LADDER
from api_support.sdk import AttemptTimedOut, IncompleteAnswer, call_within, client_for, is_transient
from tests.functions.servers import DrippingAws, ThrottlingDynamoDB

SHORTEST = LADDER[-1]  # 0.1 + 0.25 s


def test_a_dripping_answer_is_abandoned_at_the_attempts_deadline_not_after_the_last_byte():
    with DrippingAws(0.05) as dripping:  # a 150-byte answer: 7.5 s in all, every read quick
        client = client_for("dynamodb", SHORTEST, dripping.url)
        started = time.monotonic()
        with pytest.raises(AttemptTimedOut) as timed_out:
            call_within(SHORTEST, lambda: client.query(TableName="t", KeyConditionExpression="pk = :pk",
                                                       ExpressionAttributeValues={":pk": {"S": "WS#1"}}))
        elapsed = time.monotonic() - started
    assert elapsed < 2.0  # the attempt's 0.35 s, with room for a busy machine; the answer needed 7.5 s
    assert is_transient(timed_out.value, ())  # retried, then a 503


def test_an_attempt_abandoned_before_it_began_to_send_sends_nothing():
    with ThrottlingDynamoDB() as server:
        client = client_for("dynamodb", SHORTEST, server.url)
        reached_send = threading.Event()

        def late_call():
            time.sleep(SHORTEST.total_seconds + 0.2)  # e.g. slow credentials: past the deadline before sending
            try:
                return client.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "b"}})
            finally:
                reached_send.set()

        with pytest.raises(AttemptTimedOut):
            call_within(SHORTEST, late_call)
        assert reached_send.wait(5)  # the abandoned worker went on to the call...
        assert server.requests == []  # ...which sent nothing


def test_an_answer_cut_short_is_a_transient_failure_not_an_empty_result():
    # botocore alone parses a truncated body as {"message": ...}: a Query "with no items".
    with DrippingAws(0.01) as cut:
        cut.drip_limit_seconds = 0.05  # a few bytes of the declared length, then the connection closes
        client = client_for("dynamodb", LADDER[0], cut.url)
        with pytest.raises(IncompleteAnswer) as incomplete:
            call_within(LADDER[0], lambda: client.query(TableName="t", KeyConditionExpression="pk = :pk",
                                                        ExpressionAttributeValues={":pk": {"S": "WS#1"}}))
    assert is_transient(incomplete.value, ())
