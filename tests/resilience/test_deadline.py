"""The request deadline: on Lambda every subgraph fetch ends at the invocation's remaining time minus a
margin, so the data already fetched is answered instead of the function being cut off; retries and
per-subgraph timeouts never stack past it."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from subgraphs import FaultServer, supergraph

from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.request import GraphQLRequest
from tests.support.lambda_events import http_api_v2_event


async def test_a_hanging_subgraph_ends_at_the_deadline_with_partial_data() -> None:
    async with FaultServer("alpha") as alpha, FaultServer("beta") as beta:
        beta.mode = "hang"
        gateway = Gateway(supergraph(alpha.url, beta.url), GatewayConfig(subgraph_timeout=30.0))
        started = time.monotonic()
        body = (await gateway.execute(GraphQLRequest(query="{ a b }", deadline=started + 0.3))).body
        assert time.monotonic() - started < 1.5  # not the 30 s subgraph timeout
        assert body["data"] == {"a": "alpha", "b": None}
        assert [e["message"] for e in body["errors"]] == ['Subgraph "beta" did not answer in time']
        await gateway.aclose()


async def test_retries_stop_at_the_deadline() -> None:
    async with FaultServer("alpha") as alpha, FaultServer("beta") as beta:
        beta.mode = "503"
        gateway = Gateway(supergraph(alpha.url, beta.url), GatewayConfig(
            subgraph_retries=50, retry_base_delay=0.2, retry_max_delay=0.2))
        started = time.monotonic()
        body = (await gateway.execute(GraphQLRequest(query="{ a b }", deadline=started + 0.5))).body
        assert time.monotonic() - started < 1.5
        assert body["data"] == {"a": "alpha", "b": None}
        assert beta.count("query") < 10  # cut off, not 51 attempts
        await gateway.aclose()


def lambda_context(remaining_ms: int) -> Any:
    class Context:
        aws_request_id = "req-deadline"
        function_name = "bff-test-gateway"
        _end = time.monotonic() + remaining_ms / 1000

        def get_remaining_time_in_millis(self) -> int:
            return max(0, int((self._end - time.monotonic()) * 1000))
    return Context()


async def test_the_lambda_handler_answers_before_the_function_times_out(monkeypatch) -> None:
    """Through mangum as on Lambda: 1.5 s left, margin 1 s: the hanging subgraph is given 0.5 s."""
    from gateway.http import lambda_handler

    async with FaultServer("alpha") as alpha, FaultServer("beta") as beta:
        beta.mode = "hang"
        sdl = supergraph(alpha.url, beta.url)
        monkeypatch.setenv("BFF_ALLOW_ANONYMOUS", "true")
        monkeypatch.setattr(lambda_handler, "_gateway_factory", lambda: Gateway(sdl, GatewayConfig()))
        monkeypatch.setattr(lambda_handler, "_handler", None)
        event = http_api_v2_event("POST", body=json.dumps({"query": "{ a b }"}),
                                  headers={"content-type": "application/json"})

        def invoke() -> dict[str, Any]:  # Lambda's thread, with its own event loop
            asyncio.set_event_loop(asyncio.new_event_loop())
            return lambda_handler.handler(event, lambda_context(1500))

        started = time.monotonic()
        response = await asyncio.to_thread(invoke)
        elapsed = time.monotonic() - started
        # before the invocation's end, after the 0.5 s left to subgraphs
        assert 0.4 < elapsed < 1.4, (elapsed, response)
        body = json.loads(response["body"])
        assert response["statusCode"] == 200 and body["data"] == {"a": "alpha", "b": None}
        assert body["errors"][0]["message"] == 'Subgraph "beta" did not answer in time'
