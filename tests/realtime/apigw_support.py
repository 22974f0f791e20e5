"""Helpers for the API Gateway subscription tests: the subscriptions table made from deploy/data.yml
(the template's own definition, so the tests exercise the GSI and keys CloudFormation will create)
and real API Gateway WebSocket / EventBridge event shapes."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


class _CfnLoader(yaml.SafeLoader):
    pass


_CfnLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def table_definition() -> dict[str, Any]:
    """SubscriptionsTable's properties in deploy/data.yml."""
    template = yaml.load((ROOT / "deploy" / "data.yml").read_text(), Loader=_CfnLoader)  # noqa: S506 (safe loader)
    properties: dict[str, Any] = template["Resources"]["SubscriptionsTable"]["Properties"]
    return properties


def create_table(endpoint: str, name: str, access_key: str = "local", region: str = "us-east-1") -> None:
    """The subscriptions table on DynamoDB Local, as deploy/data.yml defines it (TTL included).
    DynamoDB Local keeps one database per access key and region: use those of the table's readers."""
    from bff_common.aws.json_api import JsonApi
    from bff_common.aws.sigv4 import Credentials

    api = JsonApi("dynamodb", "DynamoDB_20120810", "1.0", endpoint=endpoint,
                  credentials=Credentials(access_key, "local"), region=region)
    spec = table_definition()
    api.call("CreateTable", {"TableName": name, "BillingMode": spec["BillingMode"],
                             "AttributeDefinitions": spec["AttributeDefinitions"], "KeySchema": spec["KeySchema"],
                             "GlobalSecondaryIndexes": spec["GlobalSecondaryIndexes"]})
    ttl = spec["TimeToLiveSpecification"]
    api.call("UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": ttl})


def ws_event(route: str, connection_id: str, body: str | None = None,
             headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway WebSocket event as Lambda receives it (fields as AWS documents them)."""
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
    event: dict[str, Any] = {
        "requestContext": {"routeKey": route, "eventType": event_type, "connectionId": connection_id,
                           "messageDirection": "IN", "stage": "local", "domainName": "abc123.execute-api.eu-west-1"
                           ".amazonaws.com", "apiId": "abc123", "requestId": str(uuid.uuid4()),
                           "connectedAt": 1700000000000, "requestTimeEpoch": 1700000000000},
        "isBase64Encoded": False}
    if route == "$connect":
        event["headers"] = {"Host": "abc123.execute-api.eu-west-1.amazonaws.com", "Sec-WebSocket-Version": "13",
                            **(headers or {})}
    if body is not None:
        event["body"] = body
    return event


def eventbridge_event(topic: str, payload: Any, arguments: dict[str, Any],
                      source: str = "bff.reviews") -> dict[str, Any]:
    """An EventBridge event as a rule's Lambda target receives it."""
    import orjson

    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": topic, "source": source,
            "account": "123456789012", "time": "2026-11-29T13:00:00Z", "region": "eu-west-1", "resources": [],
            "detail": orjson.loads(orjson.dumps({"payload": payload, "arguments": arguments}))}
