"""Connections and subscriptions of the API Gateway WebSocket API, in one DynamoDB table.

Items (pk, sk):
    ("c#<connectionId>", "c")        the connection: `acked`, `principal` (JSON), `subs` (count), `expires`
    ("c#<connectionId>", "s#<id>")   one subscription: `topic` (its root field), `args` (JSON of the root
                                     field's arguments), `query`, `op`, `vars`, `principal`, `expires`
    ("n#<hour>", "n")                 connections opened in that hour (Unix time // 3600) and still open:
                                     `n`, `expires`

The connection limit (`server.subscriptions.max_connections`, checked at $connect) counts open
connections in hourly buckets: a connection is counted in the bucket of the hour it opened and
uncounted from it at $disconnect. API Gateway ends every connection within 2 hours, so only the last
four buckets can hold live ones: a $disconnect that never came stops counting after at most 3 hours
instead of holding a slot for ever. One BatchGetItem (the older buckets) and one conditional UpdateItem
(the current one) per $connect.

The GSI `byTopic` (hash `topic`, projection ALL) gives the fan-out every subscription of a topic in one
paged Query, with the principal copied in, so no per-subscriber read is needed. `expires` is the table's
TTL attribute (API Gateway closes a connection after 2 hours at most); DynamoDB deletes expired items
late, so reads skip them too. Calls go through bff_common/aws (SigV4, no botocore on the cold path) and are
counted in `calls` (bench/apigw_fanout.py reports them).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson

from bff_common.aws.json_api import AwsError, JsonApi

TOPIC_INDEX = "byTopic"
# API Gateway ends a WebSocket connection after 2 hours; items outlive it by a margin, then TTL removes them.
CONNECTION_LIFETIME = 2 * 3600 + 300
CONNECTION = "c"
BUCKET = 3600  # seconds per connection-count bucket
_BUCKETS = CONNECTION_LIFETIME // BUCKET + 2  # buckets that may hold a live connection (the current one too)


@dataclass(frozen=True, slots=True)
class Subscription:
    connection_id: str
    id: str
    topic: str
    args: dict[str, Any]
    query: str
    operation_name: str | None
    variables: dict[str, Any] | None
    principal: dict[str, Any] | None


class Duplicate(Exception):
    """A subscription with this id already runs on the connection."""


class TooMany(Exception):
    """The connection has as many subscriptions as it may (or the API as many connections)."""


class SubscriptionTable:
    def __init__(self, name: str, *, endpoint: str | None = None, api: JsonApi | None = None) -> None:
        self.name = name
        self.api = api or JsonApi("dynamodb", "DynamoDB_20120810", "1.0", endpoint=endpoint)
        self.calls: Counter[str] = Counter()

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls[operation] += 1
        return self.api.call(operation, {"TableName": self.name, **params})

    # -- connections ----------------------------------------------------------------------------

    def open(self, connection_id: str, principal: dict[str, Any] | None, now: float | None = None,
             max_connections: int | None = None) -> None:
        """Store a new connection; with `max_connections`, TooMany when the API has that many open."""
        now = now or time.time()
        bucket = int(now // BUCKET)
        if max_connections is not None:
            self._count(bucket, max_connections, now)
        item = {"pk": _s(f"c#{connection_id}"), "sk": _s(CONNECTION), "acked": {"BOOL": False},
                "subs": {"N": "0"}, "expires": _n(int(now + CONNECTION_LIFETIME))}
        if max_connections is not None:
            item["bucket"] = _n(bucket)
        if principal is not None:
            item["principal"] = _s(orjson.dumps(principal).decode())
        self._call("PutItem", {"Item": item})

    def open_connections(self, now: float | None = None) -> int:
        """Connections counted as open now (those opened with a limit)."""
        bucket = int((now or time.time()) // BUCKET)
        return sum(self._buckets(range(bucket - _BUCKETS + 1, bucket + 1)).values())

    def _buckets(self, hours: range) -> dict[int, int]:
        keys = [{"pk": _s(f"n#{h}"), "sk": _s("n")} for h in hours]
        self.calls["BatchGetItem"] += 1
        answer = self.api.call("BatchGetItem", {"RequestItems": {self.name: {"Keys": keys, "ConsistentRead": True}}})
        items = answer.get("Responses", {}).get(self.name, [])
        return {int(i["pk"]["S"][2:]): max(0, int(i.get("n", {}).get("N", "0"))) for i in items}

    def _count(self, bucket: int, max_connections: int, now: float) -> None:
        older = sum(self._buckets(range(bucket - _BUCKETS + 1, bucket)).values())
        try:
            self._call("UpdateItem", {
                "Key": {"pk": _s(f"n#{bucket}"), "sk": _s("n")}, "UpdateExpression": "ADD n :one SET expires = :e",
                "ConditionExpression": "attribute_not_exists(n) OR n < :room",
                "ExpressionAttributeValues": {":one": _n(1), ":room": _n(max_connections - older),
                                              ":e": _n(int(now + (_BUCKETS + 1) * BUCKET))}})
        except AwsError as exc:
            if exc.code == "ConditionalCheckFailedException":
                raise TooMany() from None
            raise
        if max_connections - older <= 0:  # attribute_not_exists let it in: there was no room
            self._uncount_connection(bucket)
            raise TooMany()

    def _uncount_connection(self, bucket: int) -> None:
        try:
            self._call("UpdateItem", {"Key": {"pk": _s(f"n#{bucket}"), "sk": _s("n")},
                                      "UpdateExpression": "ADD n :m", "ConditionExpression": "n > :zero",
                                      "ExpressionAttributeValues": {":m": _n(-1), ":zero": _n(0)}})
        except AwsError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise

    def connection(self, connection_id: str) -> dict[str, Any] | None:
        """The connection's item as {"acked", "principal", "subs"}, None when unknown or expired."""
        item = self._call("GetItem", {"Key": _key(connection_id, CONNECTION), "ConsistentRead": True}).get("Item")
        if not item or _expired(item):
            return None
        return {"acked": item.get("acked", {}).get("BOOL", False), "principal": _json(item.get("principal")),
                "subs": int(item.get("subs", {}).get("N", "0"))}

    def acknowledge(self, connection_id: str, principal: dict[str, Any] | None) -> bool:
        """Mark the connection initialised with its principal; False when it already was (a second init)."""
        values: dict[str, Any] = {":t": {"BOOL": True}, ":f": {"BOOL": False}}
        update = "SET acked = :t"
        if principal is not None:
            update += ", principal = :p"
            values[":p"] = _s(orjson.dumps(principal).decode())
        try:
            self._call("UpdateItem", {"Key": _key(connection_id, CONNECTION), "UpdateExpression": update,
                                      "ConditionExpression": "acked = :f", "ExpressionAttributeValues": values})
        except AwsError as exc:
            if exc.code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def close(self, connection_id: str) -> int:
        """Remove the connection and its subscriptions; the number of items removed."""
        keys: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while True:
            params: dict[str, Any] = {"KeyConditionExpression": "pk = :pk", "ProjectionExpression": "pk, sk",
                                      "ExpressionAttributeValues": {":pk": _s(f"c#{connection_id}")}}
            if start:
                params["ExclusiveStartKey"] = start
            page = self._call("Query", params)
            keys += [{"pk": i["pk"], "sk": i["sk"]} for i in page.get("Items", ()) if i["sk"].get("S") != CONNECTION]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        self._delete(keys)
        # The connection item last, by itself: whoever removes it ($disconnect, or a fan-out that got 410)
        # uncounts it, once.
        old = self._call("DeleteItem", {"Key": _key(connection_id, CONNECTION), "ReturnValues": "ALL_OLD"}).get(
            "Attributes")
        if old and "bucket" in old:
            self._uncount_connection(int(old["bucket"]["N"]))
        return len(keys) + (1 if old else 0)

    def _delete(self, keys: list[dict[str, Any]]) -> None:
        for i in range(0, len(keys), 25):  # BatchWriteItem takes 25 requests at most
            requests = [{"DeleteRequest": {"Key": k}} for k in keys[i:i + 25]]
            for _ in range(5):
                answer = self._call("BatchWriteItem", {"RequestItems": {self.name: requests}})
                requests = answer.get("UnprocessedItems", {}).get(self.name) or []
                if not requests:
                    break

    # -- subscriptions --------------------------------------------------------------------------

    def add(self, subscription: Subscription, max_per_connection: int, now: float | None = None) -> None:
        """Store a subscription; Duplicate when its id runs already, TooMany past the connection's limit."""
        try:
            self._call("UpdateItem", {
                "Key": _key(subscription.connection_id, CONNECTION), "UpdateExpression": "ADD subs :one",
                "ConditionExpression": "attribute_exists(pk) AND subs < :max",
                "ExpressionAttributeValues": {":one": _n(1), ":max": _n(max_per_connection)}})
        except AwsError as exc:
            if exc.code == "ConditionalCheckFailedException":
                raise TooMany() from None
            raise
        item = {"pk": _s(f"c#{subscription.connection_id}"), "sk": _s(f"s#{subscription.id}"),
                "topic": _s(subscription.topic), "args": _s(_canonical(subscription.args)),
                "query": _s(subscription.query), "expires": _n(int((now or time.time()) + CONNECTION_LIFETIME))}
        if subscription.operation_name:
            item["op"] = _s(subscription.operation_name)
        if subscription.variables:
            item["vars"] = _s(orjson.dumps(subscription.variables).decode())
        if subscription.principal is not None:
            item["principal"] = _s(orjson.dumps(subscription.principal).decode())
        try:
            self._call("PutItem", {"Item": item, "ConditionExpression": "attribute_not_exists(sk)"})
        except AwsError as exc:
            self._uncount(subscription.connection_id)
            if exc.code == "ConditionalCheckFailedException":
                raise Duplicate() from None
            raise

    def remove(self, connection_id: str, subscription_id: str) -> bool:
        """Remove one subscription (the client's `complete`, or its stream ended); False when unknown."""
        old = self._call("DeleteItem", {"Key": _key(connection_id, f"s#{subscription_id}"),
                                        "ReturnValues": "ALL_OLD"}).get("Attributes")
        if old:
            self._uncount(connection_id)
        return bool(old)

    def _uncount(self, connection_id: str) -> None:
        try:
            self._call("UpdateItem", {"Key": _key(connection_id, CONNECTION), "UpdateExpression": "ADD subs :m",
                                      "ConditionExpression": "attribute_exists(pk)",
                                      "ExpressionAttributeValues": {":m": _n(-1)}})
        except AwsError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise

    def subscribers(self, topic: str, now: float | None = None) -> list[Subscription]:
        """Every live subscription of `topic` (one paged Query on the GSI)."""
        found: list[Subscription] = []
        start: dict[str, Any] | None = None
        now = now or time.time()
        while True:
            params: dict[str, Any] = {"IndexName": TOPIC_INDEX, "KeyConditionExpression": "topic = :t",
                                      "ExpressionAttributeValues": {":t": _s(topic)}}
            if start:
                params["ExclusiveStartKey"] = start
            page = self._call("Query", params)
            for item in page.get("Items", ()):
                if not _expired(item, now):
                    found.append(_subscription(item))
            start = page.get("LastEvaluatedKey")
            if not start:
                return found


def _subscription(item: dict[str, Any]) -> Subscription:
    return Subscription(connection_id=item["pk"]["S"][2:], id=item["sk"]["S"][2:], topic=item["topic"]["S"],
                        args=_json(item.get("args")) or {}, query=item["query"]["S"],
                        operation_name=item.get("op", {}).get("S"), variables=_json(item.get("vars")),
                        principal=_json(item.get("principal")))


def _canonical(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _key(connection_id: str, sk: str) -> dict[str, Any]:
    return {"pk": _s(f"c#{connection_id}"), "sk": _s(sk)}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _json(attribute: dict[str, Any] | None) -> Any:
    return orjson.loads(attribute["S"]) if attribute and "S" in attribute else None


def _expired(item: dict[str, Any], now: float | None = None) -> bool:
    expires = item.get("expires", {}).get("N")
    return expires is not None and int(expires) < (now or time.time())
