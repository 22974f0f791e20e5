"""Federated subscriptions: a subscription is planned like a query whose root fetch is the stream.

The planner puts the root Subscription field and everything its subgraph resolves in
one `subscription` fetch (the source); the other fetches (`_entities` to other subgraphs)
depend on it. The gateway opens the source on the owning subgraph over
graphql-transport-ws (upstream.py) and, for each event, seeds the response data with
the event, runs the dependent fetches and shapes the result, exactly as a query's
response is built: same access rules, limits, error masking and hooks.

Each event is handled as a request of its own (a fresh RequestContext): on_request runs
again (the signed identity for the subgraphs is fresh, telemetry logs the event), the
operation is prepared again (a cache hit) so access is re-checked per event, and a
token that expired ends the subscription with UNAUTHENTICATED. When the access
decisions change the fields the source itself must send, the subscription ends
with FORBIDDEN (resubscribing plans it anew).

At scale (`Shared`): the source streams of one identity to one subgraph share a WebSocket (mux.py),
identical ones share an upstream id, and the `_entities` calls of events handled together are
merged into one per subgraph (batch.py); access and shaping stay per subscriber.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .stream import StreamError, error
from .upstream import UpstreamError, websocket_url

# The gateway is typed loosely here (Any): gateway.gateway imports this module.
Gateway = Any
PreparedPlan = Any

if TYPE_CHECKING:
    from ..request import GraphQLRequest, GraphQLResponse


@dataclass(frozen=True, slots=True)
class StreamPlan:
    """A subscription's plan split in two: the source fetch and the fetches each event needs."""

    source: Any  # plan.nodes.FetchNode, operation_kind "subscription"
    per_event: Any  # plan.nodes.QueryPlan without the source


def stream_plan(prepared: PreparedPlan) -> StreamPlan:
    """The split of a prepared subscription plan, made once and kept with it."""
    if prepared.stream is None:
        from ..plan.nodes import QueryPlan

        plan = prepared.plan
        source = next(f for f in plan.fetches if f.inputs is None and f.operation_kind == "subscription")
        rest = [replace(f, depends_on=f.depends_on - {source.id}) for f in plan.fetches if f is not source]
        prepared.stream = StreamPlan(source, QueryPlan("query", rest, plan.local_fields))
    split: StreamPlan = prepared.stream
    return split


async def subscribe(gateway: Gateway, request: GraphQLRequest) -> GraphQLResponse | SubscriptionStream:
    """Answer `request`: a stream for a subscription, a response for anything else or a refusal."""
    from ..operation.prepare import RequestError
    from ..pipeline import Reject, RequestContext, SubgraphCall

    ctx = RequestContext(request)
    hooks = gateway.pipeline
    try:
        if hooks.on_request:
            pending = hooks.request(ctx)
            if pending is not None:
                await pending
        prepared, variables = gateway._prepare(request, ctx, streaming=True)
    except (RequestError, Reject) as refusal:
        refused: GraphQLResponse = await gateway._refuse(ctx, refusal)
        return refused
    if prepared.plan.operation_kind != "subscription":
        answered: GraphQLResponse = await gateway._run(ctx, prepared, variables)
        return answered
    split = stream_plan(prepared)
    source = split.source
    url = gateway.config.subscription_urls.get(source.service) or websocket_url(gateway.urls[source.graph])
    if url is None:
        unsupported: GraphQLResponse = await gateway._refuse(ctx, RequestError([error(
            f'Subgraph "{source.service}" is not reachable over WebSocket, so its subscriptions cannot be served.',
            "SUBSCRIPTION_NOT_SUPPORTED")]))
        return unsupported
    body: dict[str, Any] = {"query": source.operation}
    if source.variable_names:
        body["variables"] = {n: variables[n] for n in source.variable_names if n in variables}
    call = SubgraphCall(source.service, url, body)
    if hooks.on_subgraph_request:
        pending = hooks.subgraph_request(ctx, call)  # the propagated and signed headers, as for any fetch
        if pending is not None:
            await pending
    headers = dict(call.headers)
    api_key = gateway.api_keys.get(source.service)
    if api_key:
        headers["x-api-key"] = api_key
    identity = headers  # what a shared upstream connection is keyed by (mux.connection_key)
    signer = gateway.access.signer
    if signer is not None:  # the signed identity covers the handshake: a GET with no query string
        headers = signer.sign(source.service, "GET", b"", headers) or headers
    return SubscriptionStream(gateway, request, prepared, call.body, url, headers, identity)


class Shared:
    """What the subscriptions of one gateway share: the upstream connections (mux.py) and the executor
    whose transport batches their events' `_entities` calls (batch.py). Made on the first subscription."""

    def __init__(self, gateway: Gateway) -> None:
        from ..execute.executor import Executor
        from .batch import EntityBatcher
        from .mux import UpstreamPool

        config = gateway.config
        self.pool = UpstreamPool(open_timeout=config.subgraph_timeout, buffer=config.subscription_buffer,
                                 dedupe=config.subscription_dedupe,
                                 per_connection=config.subscription_upstream_per_connection) \
            if config.subscription_multiplex else None
        self.batcher = EntityBatcher(gateway.transport, config.subscription_batch_window) \
            if config.subscription_batch_entities else None
        self.executor = Executor(self.batcher, gateway.urls, gateway.masking, gateway.pipeline) \
            if self.batcher is not None else None


def shared(gateway: Gateway) -> Shared:
    """The gateway's shared subscription resources, made on first use."""
    if gateway.realtime is None:
        gateway.realtime = Shared(gateway)
    resources: Shared = gateway.realtime
    return resources


class SubscriptionStream:
    """The client's events: one response body per event of the subgraph's stream."""

    def __init__(self, gateway: Gateway, request: GraphQLRequest, prepared: PreparedPlan, body: dict[str, Any],
                 url: str, headers: dict[str, str], identity: dict[str, str] | None = None) -> None:
        self.gateway, self.request, self.prepared = gateway, request, prepared
        self.source = stream_plan(prepared).source
        self.shared = shared(gateway)
        if self.shared.pool is not None:  # one socket per (subgraph, identity), many subscribe ids
            self._events = self.shared.pool.subscribe(self.source.service, url, body, headers, identity)
        else:
            from .upstream import subscribe as upstream

            self._events = upstream(self.source.service, url, body, headers,
                                    open_timeout=gateway.config.subgraph_timeout)
        self._iterator: AsyncGenerator[dict[str, Any], None] | None = None

    def __aiter__(self) -> AsyncGenerator[dict[str, Any], None]:
        if self._iterator is None:
            self._iterator = self._bodies()
        return self._iterator

    async def _bodies(self) -> AsyncGenerator[dict[str, Any], None]:
        try:
            async for event in self._events:
                yield await self._answer(event)
        except UpstreamError as failure:
            errors = [error(str(failure), failure.code)]
            masking, request_id = self.gateway.masking, None
            for e in failure.errors or ():
                errors.append(masking.subgraph_error(e, self.source.service, e.get("path"), request_id))
            raise StreamError(errors) from None

    async def _answer(self, event: dict[str, Any]) -> dict[str, Any]:
        """One event as the client's response: dependent fetches, access, shaping, the hooks."""
        from ..operation.prepare import RequestError
        from ..pipeline import Reject, RequestContext

        gateway = self.gateway
        _check_expiry(self.request.principal)
        ctx = RequestContext(self.request)
        try:
            if gateway.pipeline.on_request:
                pending = gateway.pipeline.request(ctx)
                if pending is not None:
                    await pending
            prepared, variables = gateway._prepare(self.request, ctx, streaming=True)
        except (RequestError, Reject) as refusal:
            raise StreamError(refusal.errors) from None
        split = stream_plan(prepared)
        if split.source.operation != self.source.operation:
            raise StreamError([error("Access to this subscription's fields changed: subscribe again.", "FORBIDDEN")])
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        gateway.executor.merge_root(self.source, event, data, errors, ctx)
        response: GraphQLResponse = await gateway._run(ctx, prepared, variables, split.per_event, data, errors,
                                                       self.shared.executor)
        return response.body

    async def aclose(self) -> None:
        """Stop listening: the subgraph gets `complete` and its socket is closed."""
        if self._iterator is not None:
            await self._iterator.aclose()
        await self._events.aclose()


def _check_expiry(principal: Any) -> None:
    """A signed-in caller's token that expired during the subscription ends it."""
    claims = getattr(principal, "claims", None)
    exp = claims.get("exp") if claims else None
    if isinstance(exp, (int, float)) and exp < time.time():
        raise StreamError([error("The access token expired during the subscription; subscribe again with a "
                                 "fresh one.", "UNAUTHENTICATED")])
