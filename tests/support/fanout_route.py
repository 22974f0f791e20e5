"""The route of subscription events as serverless.yml declares it (deploy/fanout.yml), on moto's server:
an EventBridge bus, the rule matching `source` prefix `bff.`, and the fan-out's SQS queue as its target.
Services publishing through it (services/toolkit/events.py) reach the queue as on AWS."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Route:
    endpoint: str  # moto's
    sqs: Any  # a boto3 SQS client on it
    queue_url: str
    queue_arn: str


@contextmanager
def fanout_route(monkeypatch: pytest.MonkeyPatch, region: str, bus: str = "bff-local") -> Iterator[Route]:
    """The route on a fresh moto server; BFF_EVENT_BUS and AWS_ENDPOINT_URL_EVENTS point publishers at it."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
        # moto keeps its state per process, across servers: start from none.
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10)
        events = boto3.client("events", endpoint_url=endpoint, region_name=region)
        sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=region)
        events.create_event_bus(Name=bus)
        url = sqs.create_queue(QueueName=f"{bus}-fanout")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="fanout", EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": "bff."}]}))
        events.put_targets(Rule="fanout", EventBusName=bus, Targets=[{"Id": "fanout", "Arn": arn}])
        monkeypatch.setenv("BFF_EVENT_BUS", bus)
        monkeypatch.setenv("AWS_ENDPOINT_URL_EVENTS", endpoint)
        yield Route(endpoint, sqs, url, arn)
    finally:
        server.stop()
