"""The one DynamoDB table, reached through a client built once per process.

Only the four calls the functions' IAM policies allow: GetItem, Query, PutItem, DeleteItem
(never Scan). Items here are flat maps of strings. Throttling is retried by botocore's
standard retry mode; when it persists, or DynamoDB cannot be reached, the call raises
StoreUnavailable (503) instead of failing as a 500 or hanging until the Lambda timeout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wacht_auth import ConfigurationError

from .errors import StoreUnavailable

__all__ = ["ConditionFailed", "DataTable", "QueryPage"]

MAX_ATTEMPTS = 3
"""botocore standard mode, attempts in total: 1 call + 2 retries with jittered backoff (at most 1 s
then 2 s), so a persistent throttle becomes a 503 within ~3 s, well inside the 10 s Lambda timeout."""
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 3

_UNAVAILABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
})


class ConditionFailed(Exception):
    """Raised when a conditional write's condition does not hold (the item is absent, or already there)."""


@dataclass(frozen=True)
class QueryPage:
    items: tuple[dict[str, str], ...]
    last_sort_key: str | None
    """The sort key DynamoDB stopped at (LastEvaluatedKey), None when the partition is exhausted."""


class DataTable:
    """One table and its client. Build once at module scope with ``from_environ``."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self.name = table_name

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> DataTable:
        """``TABLE_NAME`` (required); ``DYNAMODB_ENDPOINT_URL`` for a local DynamoDB (tests, local stack)."""
        import boto3
        from botocore.config import Config

        env = os.environ if environ is None else environ
        table_name = env.get("TABLE_NAME", "").strip()
        if not table_name:
            raise ConfigurationError("TABLE_NAME", "is not set")
        config = Config(
            retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
        )
        endpoint_url = env.get("DYNAMODB_ENDPOINT_URL", "").strip() or None
        return cls(boto3.client("dynamodb", config=config, endpoint_url=endpoint_url), table_name)

    def get(self, pk: str, sk: str) -> dict[str, str] | None:
        response = self._call("get_item", TableName=self.name, Key=_key(pk, sk), ConsistentRead=True)
        item = response.get("Item")
        return _from_dynamo(item) if item else None

    def put(self, item: Mapping[str, str], *, condition: str | None = None) -> None:
        """PutItem; with ``condition`` (e.g. ``attribute_not_exists(pk)``) ConditionFailed if it does not hold."""
        arguments: dict[str, Any] = {"TableName": self.name, "Item": _to_dynamo(item)}
        if condition:
            arguments["ConditionExpression"] = condition
        self._call("put_item", **arguments)

    def delete_existing(self, pk: str, sk: str) -> None:
        """Delete the item; ConditionFailed if there is none under exactly this key."""
        self._call("delete_item", TableName=self.name, Key=_key(pk, sk), ConditionExpression="attribute_exists(pk)")

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
        from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

        try:
            return getattr(self._client, operation)(**arguments)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise ConditionFailed(operation) from None
            if code in _UNAVAILABLE_CODES:
                raise StoreUnavailable(code) from None
            raise
        except (ConnectionError, ReadTimeoutError) as error:
            raise StoreUnavailable(type(error).__name__) from None


def _key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _to_dynamo(item: Mapping[str, str]) -> dict[str, dict[str, str]]:
    return {name: {"S": value} for name, value in item.items()}


def _from_dynamo(item: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    return {name: value["S"] for name, value in item.items() if "S" in value}
