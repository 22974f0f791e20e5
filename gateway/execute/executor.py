"""Run a plan: each fetch starts as soon as the fetches it depends on are done.

Root fetches merge at the top of the response data; `_entities` fetches gather
their objects from the data (every representation of the step in ONE request,
duplicates removed), then merge each result back into every object it came
from. Subgraph errors are re-rooted to the client's paths; a failed fetch
leaves its fields missing (the shaper turns them into nulls) and the rest of
the response still arrives; its errors point at what is missing (`fetch_errors.py`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from ..pipeline import EMPTY, Pipeline, RequestContext, SubgraphCall
from ..plan.nodes import FetchNode, QueryPlan
from .fetch_errors import (FAILED, INVALID, at_paths, entities_of, entity_index, gateway_errors, invalid,
                           root_data, subgraph_errors)
from .lookups import lookup_document, lookup_response
from .masking import PASS_THROUGH, ErrorMasking
from .paths import deep_merge, objects_at
from .representations import representation
from .errors import SubgraphFailure

Json = dict[str, Any]  # a JSON object: a request body, a subgraph's answer, the response data
Errors = list[dict[str, Any]]  # the response's GraphQL errors, in order
Targets = list[list[tuple[dict[str, Any], list[Any]]]]  # per representation: (object, its response path)


class Executor:
    def __init__(self, transport: Any, urls: dict[str, str], masking: ErrorMasking = PASS_THROUGH,
                 pipeline: Pipeline = EMPTY) -> None:
        self.transport = transport  # a SubgraphTransport (transport.py)
        self.urls = urls  # graph id -> URL
        self.masking = masking  # what subgraph errors may tell the client
        self.pipeline = pipeline  # its on_subgraph_request / on_subgraph_response hooks run around each call

    async def run(self, plan: QueryPlan, variables: dict[str, Any], ctx: RequestContext,
                  data: Json | None = None, errors: Errors | None = None) -> tuple[Json, Errors]:
        """(data, errors) of the plan's fetches; `ctx` is the request's, seen by the subgraph hooks.
        `data` / `errors` seed the run (a subscription event: the source's data, the dependent fetches here)."""
        data = {} if data is None else data
        errors = [] if errors is None else errors
        fetches = plan.fetches
        if not fetches:
            return data, errors
        if len(fetches) == 1:
            await self._fetch(fetches[0], data, errors, variables, ctx)
            return data, errors
        tasks: dict[int, asyncio.Task[None]] = {}
        for step in plan.levels():
            for node in step:
                deps = [tasks[d] for d in node.depends_on if d in tasks]
                tasks[node.id] = asyncio.ensure_future(self._after(deps, node, data, errors, variables, ctx))
        if tasks:
            await asyncio.gather(*tasks.values())
        return data, errors

    async def _after(self, deps: list[asyncio.Task[None]], node: FetchNode, data: Json, errors: Errors,
                     variables: Json, ctx: RequestContext) -> None:
        if deps:
            await asyncio.gather(*deps)
        await self._fetch(node, data, errors, variables, ctx)

    async def _fetch(self, node: FetchNode, data: Json, errors: Errors, variables: Json, ctx: RequestContext) -> None:
        body: Json = {"query": node.operation}
        if node.variable_names:
            body["variables"] = {n: variables[n] for n in node.variable_names if n in variables}
        if node.inputs is None:
            await self._root_fetch(node, body, data, errors, ctx)
        else:
            await self._entity_fetch(node, body, data, errors, ctx)

    async def _send(self, node: FetchNode, body: Json, ctx: RequestContext) -> Json:
        """One subgraph call through the subgraph hooks and the transport."""
        call = SubgraphCall(node.service, self.urls[node.graph], body)
        hooks = self.pipeline
        if hooks.on_subgraph_request:
            pending = hooks.subgraph_request(ctx, call)
            if pending is not None:
                await pending
        try:
            deadline = ctx.request.deadline
            if deadline is None:
                call.response = await self.transport.send(call.service, call.url, call.body, call.headers, call)
            else:  # the request's deadline (on Lambda: before the function's end), retries included
                try:
                    async with asyncio.timeout_at(deadline):
                        call.response = await self.transport.send(call.service, call.url, call.body,
                                                                  call.headers, call)
                except TimeoutError:
                    raise SubgraphFailure(f'Subgraph "{call.service}" did not answer in time', timeout=True) from None
        except SubgraphFailure as failure:
            call.error = failure
            raise
        finally:
            if hooks.on_subgraph_response:
                pending = hooks.subgraph_response(ctx, call)
                if pending is not None:
                    await pending
        return call.response

    def _request_id(self, ctx: RequestContext) -> str | None:
        """The id masked errors carry (the response's x-request-id); None when nothing is masked."""
        return ctx.request_id if self.masking.masks else None

    async def _root_fetch(self, node: FetchNode, body: Json, data: Json, errors: Errors, ctx: RequestContext) -> None:
        service = node.service
        try:
            response = await self._send(node, body, ctx)
        except SubgraphFailure as failure:
            errors.extend(gateway_errors(str(failure), FAILED, service, [[key] for key in node.fills]))
            return
        self.merge_root(node, response, data, errors, ctx)

    def merge_root(self, node: FetchNode, response: Json, data: Json, errors: Errors, ctx: RequestContext) -> None:
        """A root fetch's answer into the data (also each event of a subscription, from its source stream)."""
        service = node.service
        result, problem = root_data(response)
        if problem is not None:
            errors.extend(gateway_errors(invalid(service, problem), INVALID, service, [[key] for key in node.fills]))
        if result is not None:
            if node.renames:
                _undo_aliases(result, node.renames)
            deep_merge(data, result)
        reported = subgraph_errors(response)
        if not reported:
            return
        missing = [[key] for key in node.fills if result is None or result.get(key) is None]
        for error in reported:
            path = error.get("path")
            if isinstance(path, list) and path:
                errors.append(self.masking.subgraph_error(error, service, path, self._request_id(ctx)))
            else:
                client = self.masking.subgraph_error(error, service, None, self._request_id(ctx))
                errors.extend(at_paths(client, missing))

    async def _entity_fetch(self, node: FetchNode, body: Json, data: Json, errors: Errors,
                            ctx: RequestContext) -> None:
        representations: list[Json] = []
        targets: Targets = []
        index_of: dict[bytes, int] = {}
        for entity_input in node.inputs or ():
            for obj, where in objects_at(data, entity_input.path):
                typename = obj.get("__typename")
                if typename is not None and typename not in entity_input.type_names:
                    continue
                rep = representation(obj, entity_input.entity_name, entity_input.requires)
                if rep is None:
                    continue
                key = orjson.dumps(rep, option=orjson.OPT_SORT_KEYS)
                i = index_of.get(key)
                if i is None:
                    i = index_of[key] = len(representations)
                    representations.append(rep)
                    targets.append([])
                targets[i].append((obj, where))
        if not representations:
            return
        if node.lookup is not None:
            body["query"] = lookup_document(node.lookup, representations)
        else:
            body.setdefault("variables", {})["representations"] = representations
        service = node.service
        try:
            response = await self._send(node, body, ctx)
        except SubgraphFailure as failure:
            errors.extend(gateway_errors(str(failure), FAILED, service, _paths(targets)))
            return
        if node.lookup is not None:
            response = lookup_response(response, len(representations))
        entities, problem = entities_of(response, len(targets))
        if problem is not None:
            errors.extend(gateway_errors(invalid(service, problem), INVALID, service, _paths(targets)))
        missing = targets if entities is None else []
        if entities is not None:
            if node.renames:
                _undo_aliases(response["data"], node.renames)
            for i, entity in enumerate(entities):
                if isinstance(entity, dict):
                    for obj, _ in targets[i]:
                        deep_merge(obj, entity, node.keep_typename)
                    continue
                missing.append(targets[i])
                if entity is not None:
                    errors.extend(gateway_errors(invalid(service, "an entity that is not an object"), INVALID,
                                                 service, _paths([targets[i]])))
        for error in subgraph_errors(response):
            path = error.get("path")
            i = entity_index(path, len(targets))
            client = self.masking.subgraph_error(error, service, None, self._request_id(ctx))
            if i is not None and isinstance(path, list):  # entity_index found ["_entities", i, ...]
                errors.extend(at_paths(client, [where + path[2:] for _, where in targets[i]]))
            else:
                errors.extend(at_paths(client, _paths(missing)))


def _paths(targets: Targets) -> list[list[Any]]:
    """The response paths of the objects behind these representations, list items in order
    (targets are grouped by representation; only an error needs them in the response's order)."""
    return sorted((where for group in targets for _, where in group),
                  key=lambda where: [(isinstance(k, str), k) for k in where])


def _undo_aliases(result: Json, renames: tuple[tuple[tuple[str, ...], str, str, str], ...]) -> None:
    for path, typename, alias, key in renames:
        for obj, _ in objects_at(result, path):
            if alias in obj and obj.get("__typename") == typename:
                obj[key] = obj.pop(alias)
