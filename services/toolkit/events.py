"""`publish_event(topic, payload)`: a service tells the graph's subscribers something changed.

On AWS the event goes to EventBridge (PutEvents on the bus `BFF_EVENT_BUS`, `default` when unset),
where a rule sends the stage's events to the fan-out queue (deploy/fanout.yml), which the gateway's
fan-out Lambda (serverless.yml `fanout`) reads in batches.
EventBridge rather than SNS: PutEvents speaks the JSON protocol our SigV4 client already signs
(bff_common/aws; SNS is the query/XML protocol), rules filter on the event's fields (one rule per
stage, more targets later: archives, replays, other consumers) and the event arrives at the
Lambda as one JSON object, not wrapped in an SNS envelope.

    topic      the Subscription root field the event is for ("reviewAdded"): the event's detail-type
    payload    the root field's value as GraphQL JSON (schema field names; nested objects need their
               key fields so the gateway can fetch other services' fields through `_entities`)
    arguments  the root field's arguments this event answers ({"courseId": "c1"}): a subscription
               matches when each of its arguments is equal here

Without BFF_EVENT_BUS and AWS credentials (local runs, `bff dev`) nothing is sent: under uvicorn the
gateway listens to the service's own subscription stream instead.
"""

from __future__ import annotations

import os
from typing import Any

import orjson

SOURCE_PREFIX = "bff."


class EventNotPublished(Exception):
    """EventBridge refused the event or could not be reached."""


def publish_event(topic: str, payload: Any, arguments: dict[str, Any] | None = None, *,
                  service: str | None = None, bus: str | None = None, api: Any = None) -> str | None:
    """Send one event; its EventBridge id, or None when publishing is not configured here."""
    bus = bus or os.environ.get("BFF_EVENT_BUS")
    if api is None:
        if not bus:
            return None
        from bff_common.aws.json_api import JsonApi

        api = JsonApi("events", "AWSEvents", "1.1")
    detail = orjson.dumps({"payload": payload, "arguments": arguments or {}}).decode()
    source = SOURCE_PREFIX + (service or os.environ.get("BFF_SERVICE_NAME") or "service")
    answer = api.call("PutEvents", {"Entries": [{"Source": source, "DetailType": topic, "Detail": detail,
                                                 "EventBusName": bus or "default"}]})
    entry = (answer.get("Entries") or [{}])[0]
    if answer.get("FailedEntryCount") or not entry.get("EventId"):
        raise EventNotPublished(f"EventBridge refused the {topic} event: {entry.get('ErrorMessage') or answer}")
    event_id: str = entry["EventId"]
    return event_id
