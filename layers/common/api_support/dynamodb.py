"""The one DynamoDB table, reached through clients built once per process.

Only the four calls the functions' IAM policies allow: GetItem, Query, PutItem, DeleteItem
(never Scan). Items here are flat maps of strings. Every call fits the invocation's Budget: its
connect and read timeouts come from the time left, each attempt is bounded as a whole by their
sum (sdk.call_within: a dripping answer too), and a throttled, failed or unanswered attempt is
retried only while another one fits (at most MAX_ATTEMPTS). Then the call raises
StoreUnavailable (503), in time to answer before the Lambda timeout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wacht_auth import ConfigurationError

from .budget import LADDER, AttemptTimeouts, Budget, ClientsByTimeouts, OutOfTime, call_with_retries
from .errors import StoreUnavailable
from .sdk import call_within, client_for, error_code, failure_name, is_transient, status_code

__all__ = ["ConditionFailed", "DataTable", "QueryPage"]

MAX_ATTEMPTS = 3
"""Attempts in total (1 call + 2 retries with jittered backoff), fewer when the budget runs short."""
RETRY_BASE_DELAY_SECONDS = 0.1

_UNAVAILABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
})


_MAY_HAVE_BEEN_APPLIED = frozenset({"InternalServerError", "ServiceUnavailable"})
"""DynamoDB's own failures: the write may have happened before it failed to answer (its docs say so).
So may any other 5xx (a proxy's 502/504 page, ``InternalFailure``): the answer, not the write, failed."""


class ConditionFailed(Exception):
    """Raised when a conditional write's condition does not hold (the item is absent, or already there)."""

    def __init__(self, operation: str, *, after_failed_attempt: bool = False) -> None:
        super().__init__(operation)
        self.after_failed_attempt = after_failed_attempt
        """An earlier attempt of the same call failed without an answer we can trust: it may have
        been applied, so the condition may fail because of our own write."""


@dataclass(frozen=True)
class QueryPage:
    items: tuple[dict[str, str], ...]
    last_sort_key: str | None
    """The sort key DynamoDB stopped at (LastEvaluatedKey), None when the partition is exhausted."""


class DataTable:
    """One table and its clients. Build once at module scope with ``from_environ``; per request use
    ``within(budget)`` so the calls fit the invocation's remaining time."""

    def __init__(self, clients: Any, table_name: str, budget: Budget | None = None) -> None:
        self._clients = clients
        """``clients(timeouts)``: a DynamoDB client with those timeouts and no SDK retries."""
        self.name = table_name
        self._budget = budget

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> DataTable:
        """``TABLE_NAME`` (required); ``DYNAMODB_ENDPOINT_URL`` for a local DynamoDB (tests, local stack)."""
        env = os.environ if environ is None else environ
        table_name = env.get("TABLE_NAME", "").strip()
        if not table_name:
            raise ConfigurationError("TABLE_NAME", "is not set")
        endpoint_url = env.get("DYNAMODB_ENDPOINT_URL", "").strip() or None
        clients = ClientsByTimeouts(lambda timeouts: client_for("dynamodb", timeouts, endpoint_url))
        clients(LADDER[0])  # the rung nearly every request uses, built during init, not in the first request
        return cls(clients, table_name)

    def within(self, budget: Budget) -> DataTable:
        """This table, its calls bounded by ``budget`` (the clients are shared)."""
        return DataTable(self._clients, self.name, budget)

    def get(self, pk: str, sk: str) -> dict[str, str] | None:
        response = self._call("get_item", TableName=self.name, Key=_key(pk, sk), ConsistentRead=True)
        item = response.get("Item")
        return _from_dynamo(item) if item else None

    def put(self, item: Mapping[str, str], *, condition: str | None = None) -> None:
        """PutItem; with ``condition`` (e.g. ``attribute_not_exists(pk)``) ConditionFailed if it does not hold.

        A retried put whose condition fails because an earlier, unanswered attempt of ours was
        applied is a success: the item stored is exactly ours (checked with a consistent read).
        """
        arguments: dict[str, Any] = {"TableName": self.name, "Item": _to_dynamo(item)}
        if condition:
            arguments["ConditionExpression"] = condition
        try:
            self._call("put_item", **arguments)
        except ConditionFailed as failed:
            if not (failed.after_failed_attempt and self.get(item["pk"], item["sk"]) == dict(item)):
                raise

    def delete_existing(self, pk: str, sk: str) -> None:
        """Delete the item; ConditionFailed if there is none under exactly this key.

        A retried delete that finds nothing after an earlier, unanswered attempt of ours is a
        success: that attempt may have deleted it, and the item is gone either way.
        """
        try:
            self._call("delete_item", TableName=self.name, Key=_key(pk, sk), ConditionExpression="attribute_exists(pk)")
        except ConditionFailed as failed:
            if not failed.after_failed_attempt:
                raise

    def query_prefix(self, pk: str, sk_prefix: str, *, limit: int, after_sk: str | None = None) -> QueryPage:
        """Items of partition ``pk`` whose sort key starts with ``sk_prefix``, in sort-key order."""
        arguments: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": sk_prefix}},
            "Limit": limit,
        }
        if after_sk is not None:
            arguments["ExclusiveStartKey"] = _key(pk, after_sk)
        response = self._call("query", **arguments)
        last = response.get("LastEvaluatedKey")
        return QueryPage(tuple(_from_dynamo(item) for item in response.get("Items", [])), last["sk"]["S"] if last else None)

    def _call(self, operation: str, **arguments: Any) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        budget = self._budget or Budget.from_context(None)
        unanswered = False  # an attempt failed without DynamoDB's answer: it may have been applied

        def attempt(timeouts: AttemptTimeouts) -> dict[str, Any]:
            nonlocal unanswered
            client = self._clients(timeouts)
            try:
                return call_within(timeouts, lambda: getattr(client, operation)(**arguments))
            except ClientError as error:
                # A throttle or a refused condition was not applied; a 5xx may have been.
                unanswered = unanswered or _may_have_been_applied(error)
                raise
            except Exception:
                unanswered = True  # no answer (refused, reset, or abandoned at its deadline): it may have been applied
                raise

        try:
            return call_with_retries(
                budget,
                attempt,
                is_retryable=_is_unavailable,
                max_attempts=MAX_ATTEMPTS,
                base_delay_seconds=RETRY_BASE_DELAY_SECONDS,
            )
        except OutOfTime as gave_up:
            raise StoreUnavailable(failure_name(gave_up.cause)) from None
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise ConditionFailed(operation, after_failed_attempt=unanswered) from None
            raise


def _is_unavailable(error: Exception) -> bool:
    return is_transient(error, _UNAVAILABLE_CODES)


def _may_have_been_applied(error: Exception) -> bool:
    status = status_code(error)
    return error_code(error) in _MAY_HAVE_BEEN_APPLIED or (status is not None and status >= 500)


def _key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _to_dynamo(item: Mapping[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"S": value} for name, value in item.items()}


def _from_dynamo(item: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    return {name: value["S"] for name, value in item.items() if "S" in value}
