"""The fan-out: service events -> the subscriptions they match -> one run per distinct operation -> posts.

An invocation is a batch: the SQS messages of the fan-out queue (deploy/fanout.yml; each body is the
EventBridge event the rule forwarded), or EventBridge events given directly (one, or a list). Per batch:
  - one paged GSI Query per distinct topic (the subscriptions, principals included);
  - a subscription matches an event when each of its root field's arguments equals the event's
    `arguments` entry of the same name (`reviewAdded(courseId: "c1")` matches `{"courseId": "c1"}`)
    and the event comes from the subgraph that owns the root field (source `bff.<service>`): every
    service may put events of its own source, of any detail-type, and the payload is trusted as
    that subgraph's answer, so another service's event for the topic is dropped (and logged);
  - each matching subscription is prepared once per batch for its own principal (access rules, a
    token that expired, a plan cache hit), then subscribers whose prepared operation, variables and
    event are the same share one run: the event projected through the source selection
    (projection.py), the dependent fetches, shaping;
  - every run's `_entities` calls, for all the batch's events, go through one BatchingTransport: at
    most one call per subgraph for the whole batch, representations deduplicated across events and
    subscribers (runs answered under their viewer's own identity go through a second one, merged per
    identity);
  - posts: connections concurrently, one connection's messages in the batch's order; a 410 (gone)
    removes the connection's items.
An event whose subscribers could not be read or whose run failed is reported failed (the handler
returns it in `batchItemFailures`, SQS redelivers that message only); the others are done. An event
id seen twice in a batch (SQS delivers at least once) runs once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from bff_common.identity import PRINCIPAL

from ..stream import error
from ..subscription import stream_plan
from .batching import BatchingTransport
from .management import GONE
from .projection import source_response
from .table import Subscription, SubscriptionTable
from .websocket import principal_from_json

logger = logging.getLogger("bff.realtime")
SOURCE_PREFIX = "bff."  # services/toolkit/events.py: an event's source is "bff.<service>"


@dataclass(slots=True)
class FanoutResult:
    events: int = 0
    matched: int = 0
    runs: int = 0  # distinct (operation, variables, access decisions, event) executed
    failed: set[int] = field(default_factory=set)  # indexes of the events that failed (to be redelivered)
    posted: int = 0
    gone: int = 0
    subgraph_calls: Counter[str] = field(default_factory=Counter)
    entity_calls: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)  # read, prepare, run, post, cleanup


def events_of(invocation: Any) -> list[dict[str, Any]]:
    """The EventBridge events of one invocation given directly (one event, or a list when batched)."""
    events = invocation if isinstance(invocation, list) else [invocation]
    return [e for e in events if _is_event(e)]


@dataclass(slots=True)
class Batch:
    """An invocation's events, with the SQS message id each came in (None when given directly) and the
    ids of messages whose body is not an EventBridge event (failed: after the queue's maxReceiveCount
    they wait in the dead-letter queue)."""
    events: list[dict[str, Any]]
    message_ids: list[str | None]
    unreadable: list[str]


def batch_of(invocation: Any) -> Batch:
    """An SQS batch (`{"Records": [...]}`, eventSource aws:sqs) or EventBridge events given directly."""
    records = invocation.get("Records") if isinstance(invocation, dict) else None
    if not isinstance(records, list):
        events = events_of(invocation)
        return Batch(events, [None] * len(events), [])
    batch = Batch([], [], [])
    for record in records:
        if not isinstance(record, dict) or record.get("eventSource") != "aws:sqs":
            continue
        message_id = str(record.get("messageId"))
        try:
            event = orjson.loads(record.get("body") or "")
        except orjson.JSONDecodeError:
            event = None
        if _is_event(event):
            batch.events.append(event)
            batch.message_ids.append(message_id)
        else:
            batch.unreadable.append(message_id)
    return batch


def batch_item_failures(batch: Batch, result: FanoutResult) -> list[dict[str, str]]:
    """The SQS messages to redeliver (Lambda's ReportBatchItemFailures answer): unreadable or failed."""
    failed = batch.unreadable + [m for n, m in enumerate(batch.message_ids) if n in result.failed and m]
    return [{"itemIdentifier": m} for m in failed]


def _is_event(event: Any) -> bool:
    return isinstance(event, dict) and isinstance(event.get("detail-type"), str)


def matches(subscription_args: dict[str, Any], event_args: dict[str, Any]) -> bool:
    return all(name in event_args and event_args[name] == value for name, value in subscription_args.items())


async def fan_out(gateway: Any, table: SubscriptionTable, management: Any,
                  events: list[dict[str, Any]]) -> FanoutResult:
    from ...execute.executor import Executor

    result = FanoutResult(events=len(events))
    batching = BatchingTransport(gateway.transport)
    executor = Executor(batching, gateway.urls, gateway.masking, gateway.pipeline)
    # Runs whose operation selects a field allowed only on objects the viewer owns: their subgraph calls
    # carry the viewer's own identity (merged only with the same identity's), never the union.
    owned = BatchingTransport(gateway.transport, keep_identity=True)
    own_executor = Executor(owned, gateway.urls, gateway.masking, gateway.pipeline)
    owner_names: dict[int, frozenset[str]] = {}  # id(plan) -> the owner-capable policies its fields need
    by_topic: dict[str, list[Subscription] | None] = {}
    prepared_for: dict[tuple[str, str], Any] = {}  # (connection, subscription id) -> prepared or refusal
    groups: dict[bytes, tuple[Any, list[Subscription]]] = {}  # run key -> (first ctx and plan, subscribers)
    event_of: list[int] = []  # per group, the index of its event
    messages: list[tuple[str, str]] = []
    removed: list[Subscription] = []
    seen_ids: set[str] = set()
    clock = time.perf_counter()
    spent = result.seconds
    for index, event in enumerate(events):
        if isinstance(event.get("id"), str):
            if event["id"] in seen_ids:
                continue
            seen_ids.add(event["id"])
        topic = event["detail-type"]
        detail: dict[str, Any] = event["detail"] if isinstance(event.get("detail"), dict) else {}
        if topic not in by_topic:
            started = time.perf_counter()
            try:
                by_topic[topic] = table.subscribers(topic)
            except Exception:
                logger.exception("fan-out: reading the %s subscribers failed", topic)
                by_topic[topic] = None
            spent["read"] = spent.get("read", 0.0) + time.perf_counter() - started
        subscribers = by_topic[topic]
        if subscribers is None:
            result.failed.add(index)
            continue
        arguments: dict[str, Any] = detail["arguments"] if isinstance(detail.get("arguments"), dict) else {}
        foreign = 0
        for subscription in subscribers:
            if not matches(subscription.args, arguments):
                continue
            key_of = (subscription.connection_id, subscription.id)
            first_time = key_of not in prepared_for
            if first_time:
                prepared_for[key_of] = await _prepare(gateway, subscription)
            prepared = prepared_for[key_of]
            if isinstance(prepared, list):  # refused now (token expired, access changed): error, then forgotten
                if first_time:
                    result.matched += 1
                    messages.append((subscription.connection_id, _message(subscription.id, "error", prepared)))
                    removed.append(subscription)
                continue
            ctx, plan, variables = prepared
            if event.get("source") != SOURCE_PREFIX + stream_plan(plan).source.service:
                foreign += 1
                continue
            result.matched += 1
            identity = _own_identity(gateway, plan, ctx.request.principal, owner_names)
            key = orjson.dumps([index, id(plan), variables, identity], option=orjson.OPT_SORT_KEYS)
            if key not in groups:
                groups[key] = ((ctx, plan, variables, detail.get("payload"), identity is not None), [])
                event_of.append(index)
            groups[key][1].append(subscription)
        if foreign:
            logger.warning("fan-out: a %s event from %r, not from the subgraph that owns the field, was dropped "
                           "for %d subscriber(s)", topic, event.get("source"), foreign)
    result.runs = len(groups)
    clock = _lap(spent, "prepare", clock, spent.get("read", 0.0))
    bodies = await asyncio.gather(*(_run(gateway, own_executor if own else executor, *first)
                                    for (*first, own), _ in groups.values()), return_exceptions=True)
    clock = _lap(spent, "run", clock)
    for body, index in zip(bodies, event_of, strict=True):
        if isinstance(body, BaseException):
            if not isinstance(body, Exception):
                raise body
            logger.error("fan-out: event %s failed", events[index].get("id"), exc_info=body)
            result.failed.add(index)
    for body, index, (_, subscribers) in zip(bodies, event_of, groups.values(), strict=True):
        if index in result.failed:  # redelivered whole: none of its subscribers get it now
            continue
        for s in subscribers:
            messages.append((s.connection_id, _message(s.id, "next", body)))
    statuses = await management.post_many(messages)
    clock = _lap(spent, "post", clock)
    result.posted = len(messages)
    gone = {connection for (connection, _), status in zip(messages, statuses, strict=True) if status == GONE}
    for connection in gone:
        table.close(connection)
    for s in removed:
        if s.connection_id not in gone:
            table.remove(s.connection_id, s.id)
    result.gone = len(gone)
    _lap(spent, "cleanup", clock)
    result.subgraph_calls = batching.calls + owned.calls
    result.entity_calls = batching.entity_calls + owned.entity_calls
    return result


def _own_identity(gateway: Any, prepared: Any, principal: Any, cache: dict[int, frozenset[str]]) -> str | None:
    """The principal's signed-identity payload when its run must be answered under it: the operation
    selects a field whose @policy is, for this principal, "allowed on the objects it owns" (decided by
    the service from the viewer's own identity; the fan-out's union identity carries no owner and may
    carry another subscriber's full grant of the same policy). None otherwise (the union is safe)."""
    access = gateway.access
    if access.secret is None or not access.rules:
        return None
    names = cache.get(id(prepared))
    if names is None:
        document = prepared.document
        requirements = access.walker.requirements(prepared.operation, document.fragments if document else {})
        names = cache[id(prepared)] = frozenset(n for r in requirements for groups in r.policies
                                                for group in groups for n in group)
    if not names:
        return None
    from ...access.policies import OWNER, outcome

    policies = access.evaluator.policies
    if not any(outcome(policies[n], principal) == OWNER for n in names if n in policies):
        return None
    headers = access.identity_headers(principal) or {}
    payload: str | None = headers.get(PRINCIPAL)
    return payload


async def _prepare(gateway: Any, subscription: Subscription) -> Any:
    """(ctx, prepared, variables) for this subscriber now, or the errors that end its subscription."""
    from ...request import GraphQLRequest
    from .websocket import prepare

    principal = principal_from_json(subscription.principal)
    exp = principal.claims.get("exp") if principal.claims else None
    if isinstance(exp, (int, float)) and exp < time.time():
        return [error("The access token expired during the subscription; subscribe again with a fresh one.",
                      "UNAUTHENTICATED")]
    request = GraphQLRequest(query=subscription.query, operation_name=subscription.operation_name,
                             variables=subscription.variables, principal=principal)
    prepared = await prepare(gateway, request)
    if not isinstance(prepared, tuple):
        errors: list[dict[str, Any]] = prepared.body.get("errors") or [
            error("This subscription is no longer a subscription of the graph.", "FORBIDDEN")]
        return errors
    return prepared


async def _run(gateway: Any, executor: Any, ctx: Any, prepared: Any, variables: dict[str, Any],
               payload: Any) -> dict[str, Any]:
    """One event for one group of subscribers: the source's data from the payload, then as a query."""
    split = stream_plan(prepared)
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    gateway.executor.merge_root(split.source, source_response(gateway.api_schema, split.source.operation, payload),
                                data, errors, ctx)
    response = await gateway._run(ctx, prepared, variables, split.per_event, data, errors, executor=executor)
    body: dict[str, Any] = response.body
    return body


def _lap(spent: dict[str, float], name: str, since: float, minus: float = 0.0) -> float:
    now = time.perf_counter()
    spent[name] = round(now - since - minus, 4)
    return now


def _message(op_id: str, kind: str, payload: Any) -> str:
    return orjson.dumps({"id": op_id, "type": kind, "payload": payload}).decode()
