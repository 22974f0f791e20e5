"""One `_entities` call per subgraph for all the subscribers of an event batch.

The fan-out runs each distinct subscription operation's dependent fetches concurrently through
this transport. `_entities` requests are held until every run has queued its own (the event loop
went round without a new one), then merged per subgraph: requests with the same document share
one deduplicated representations list; different documents become aliased `_entities` fields
(`_0`, `_1`, ...) of one document, their variables renamed apart. Each run gets back the answer
it would have had alone (its entities in its order, errors re-pathed). Other requests (root
fetches, lookups) pass through.

The merged request serves many subscribers, so it carries the fan-out's own identity (a `server`
principal, `bff-fanout`) instead of one subscriber's, with the union of their roles, scopes and
@policy verdicts, so that a service checking access itself answers what any of them may see. That
is safe because each subscriber's access rules were applied when its operation was planned (a field
it may not see is not in its document) and again when its response is shaped, and each run gets
back only the entities of its own document. Owner verdicts ("allowed if the viewer owns the
object") are per viewer and cannot be merged: a run whose operation selects a field of such a policy
goes through a `keep_identity` transport, merged only with requests of the same identity and sent
under it (else the union could carry another subscriber's full grant of that policy, and the service
would answer the field on objects this viewer does not own).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from bff_common.identity import PRINCIPAL, principal_payload
from bff_common.principal import Principal

FANOUT_PRINCIPAL = Principal("server", client_name="bff-fanout")
_SETTLE_ROUNDS = 3  # loop iterations without a new request before the batch is sent


@dataclass(slots=True)
class _Pending:
    body: dict[str, Any]
    headers: dict[str, str]
    url: str
    future: asyncio.Future[dict[str, Any]]


@dataclass(slots=True)
class _Batch:
    pending: dict[str, list[_Pending]] = field(default_factory=dict)
    size: int = 0


class BatchingTransport:
    """`keep_identity`: merge only requests of the same identity and send them under it (runs whose
    fields the service decides per viewer: owner policies), instead of the union identity."""

    def __init__(self, inner: Any, *, keep_identity: bool = False) -> None:
        self.inner = inner
        self.keep_identity = keep_identity
        self.calls: Counter[str] = Counter()  # subgraph -> requests sent
        self.entity_calls: Counter[str] = Counter()  # subgraph -> `_entities` requests sent
        self._batch: _Batch | None = None

    async def send(self, service: str, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                   call: Any = None) -> dict[str, Any]:
        query = body.get("query")
        variables = body.get("variables") or {}
        if not isinstance(query, str) or "_entities" not in query or "representations" not in variables:
            self.calls[service] += 1
            answer: dict[str, Any] = await self.inner.send(service, url, body, headers, call)
            return answer
        if self._batch is None:
            self._batch = _Batch()
            asyncio.ensure_future(self._flush_when_settled(self._batch))
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._batch.pending.setdefault(service, []).append(_Pending(body, dict(headers or {}), url, future))
        self._batch.size += 1
        return await future

    async def _flush_when_settled(self, batch: _Batch) -> None:
        seen, quiet = -1, 0
        while quiet < _SETTLE_ROUNDS:
            await asyncio.sleep(0)
            quiet = quiet + 1 if batch.size == seen else 0
            seen = batch.size
        self._batch = None
        parts = [(service, pending) for service, pending in batch.pending.items()]
        if self.keep_identity:
            parts = [(service, group) for service, pending in parts
                     for group in _by_identity(pending).values()]
        await asyncio.gather(*(self._send_merged(service, pending) for service, pending in parts))

    async def _send_merged(self, service: str, pending: list[_Pending]) -> None:
        try:
            body, split = merge(pending)
            headers = dict(pending[0].headers)
            if PRINCIPAL in headers and not self.keep_identity:
                headers[PRINCIPAL] = fanout_identity([p.headers.get(PRINCIPAL) for p in pending])
            self.calls[service] += 1
            self.entity_calls[service] += 1
            answer = await self.inner.send(service, pending[0].url, body, headers)
        except BaseException as exc:
            for p in pending:
                if not p.future.done():
                    p.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for p, response in zip(pending, split(answer), strict=True):
            p.future.set_result(response)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _by_identity(pending: list[_Pending]) -> dict[str | None, list[_Pending]]:
    groups: dict[str | None, list[_Pending]] = {}
    for p in pending:
        groups.setdefault(p.headers.get(PRINCIPAL), []).append(p)
    return groups


def fanout_identity(payloads: list[str | None]) -> str:
    """The x-bff-principal of a merged request: the fan-out as a server, with the union of the subscribers'
    roles, scopes and policy verdicts (see the module's docstring)."""
    import base64

    roles: set[str] = set()
    scopes: set[str] = set()
    policies: set[str] = set()
    for payload in payloads:
        if not payload:
            continue
        try:
            claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, orjson.JSONDecodeError):
            continue
        roles.update(claims.get("roles") or ())
        scopes.update(claims.get("scopes") or ())
        policies.update(claims.get("policies") or ())
    principal = Principal("server", client_name=FANOUT_PRINCIPAL.client_name, roles=frozenset(roles),
                          scopes=frozenset(scopes))
    return principal_payload(principal, dict.fromkeys(policies, True))


def merge(pending: list[_Pending]) -> tuple[dict[str, Any], Any]:
    """One request body for all `pending` and a function splitting its answer into theirs."""
    groups: dict[bytes, list[int]] = {}  # (document, other variables) -> indexes into pending
    for i, p in enumerate(pending):
        others = {k: v for k, v in (p.body.get("variables") or {}).items() if k != "representations"}
        key = orjson.dumps([p.body["query"], others], option=orjson.OPT_SORT_KEYS)
        groups.setdefault(key, []).append(i)
    # Per group: the deduplicated representations and, per member, where each of its own ones went.
    merged: list[tuple[list[int], list[Any], list[list[int]]]] = []
    for members in groups.values():
        reps: list[Any] = []
        index: dict[bytes, int] = {}
        positions: list[list[int]] = []
        for i in members:
            mine = []
            for rep in pending[i].body["variables"]["representations"]:
                k = orjson.dumps(rep, option=orjson.OPT_SORT_KEYS)
                if k not in index:
                    index[k] = len(reps)
                    reps.append(rep)
                mine.append(index[k])
            positions.append(mine)
        merged.append((members, reps, positions))
    if len(merged) == 1:
        members, reps, positions = merged[0]
        first = pending[members[0]].body
        body = {**first, "variables": {**first["variables"], "representations": reps}}
        return body, lambda answer: [_slice(answer, "_entities", positions[members.index(i)])
                                     for i in range(len(pending))]
    query, variables = _combined([(pending[m[0]].body, reps) for m, reps, _ in merged])
    where = {i: (g, positions[members.index(i)]) for g, (members, _, positions) in enumerate(merged) for i in members}
    return ({"query": query, "variables": variables},
            lambda answer: [_slice(answer, f"_{where[i][0]}", where[i][1]) for i in range(len(pending))])


def _slice(answer: dict[str, Any], key: str, positions: list[int]) -> dict[str, Any]:
    """One request's answer: its entities (by their positions in the merged list) and its errors."""
    data = answer.get("data")
    out: dict[str, Any] = {}
    entities = data.get(key) if isinstance(data, dict) else None
    out["data"] = {"_entities": [entities[p] if p < len(entities) else None for p in positions]} \
        if isinstance(entities, list) else None
    errors = []
    for error in answer.get("errors") or ():
        path = error.get("path") if isinstance(error, dict) else None
        if isinstance(path, list) and path:
            if path[0] != key:
                continue
            if len(path) > 1 and isinstance(path[1], int):
                if path[1] not in positions:
                    continue
                path = ["_entities", positions.index(path[1]), *path[2:]]
            else:
                path = ["_entities", *path[1:]]
            errors.append({**error, "path": path})
        else:
            errors.append(error)
    if errors:
        out["errors"] = errors
    return out


def _combined(parts: list[tuple[dict[str, Any], list[Any]]]) -> tuple[str, dict[str, Any]]:
    """One document with each part's `_entities` aliased `_<i>` and its variables suffixed `_<i>`."""
    from graphql import FieldNode, NameNode, OperationDefinitionNode, VariableNode, Visitor, parse, print_ast, visit

    definitions: list[Any] = []
    selections: list[Any] = []
    fragments: list[Any] = []
    variables: dict[str, Any] = {}

    for i, (body, reps) in enumerate(parts):
        suffix = f"_{i}"

        class Rename(Visitor):
            def __init__(self, suffix: str) -> None:
                super().__init__()
                self.suffix = suffix

            def enter_variable(self, node: VariableNode, *_: Any) -> VariableNode:
                return VariableNode(name=NameNode(value=node.name.value + self.suffix))

        document = visit(parse(body["query"], no_location=True), Rename(suffix))
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                definitions += list(definition.variable_definitions or ())
                for s in definition.selection_set.selections:
                    if isinstance(s, FieldNode) and s.name.value == "_entities":
                        s = FieldNode(alias=NameNode(value=suffix), name=s.name, arguments=s.arguments,
                                      directives=s.directives, selection_set=s.selection_set)
                    selections.append(s)
            else:
                fragments.append(definition)  # the planner inlines fragments; kept as they are if any
        for name, value in (body.get("variables") or {}).items():
            variables[name + suffix] = reps if name == "representations" else value
    from graphql import DocumentNode, OperationType, SelectionSetNode

    operation = OperationDefinitionNode(operation=OperationType.QUERY, variable_definitions=tuple(definitions),
                                        directives=(), selection_set=SelectionSetNode(selections=tuple(selections)))
    return print_ast(DocumentNode(definitions=(operation, *fragments))), variables
