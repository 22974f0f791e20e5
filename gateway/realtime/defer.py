"""`@defer` for queries: the first payload as soon as the non-deferred part is complete, then one
incremental payload per deferred fragment (deferSpec=20220824, what Apollo Client, urql and Relay parse).

The operation is split into documents the gateway runs like any request, each through the
planner, so each deferred fragment gets its own fetch groups and nothing deferred delays the
first payload:

- the initial document: the operation without its deferred fragments;
- one document per deferred fragment: the path from the root to the fragment (the ancestor
  fields with their arguments, aliases and type conditions) with the fragment's fields.

All run at once. The first payload is the initial document's response with `hasNext: true`;
each deferred document's answer becomes an `incremental` entry per object the fragment applies
to (one per list item), with its `path`, `label` and errors, for the objects the first payload
has. Trade-off: a deferred document resolves the fragment's ancestors again (queries have no
side effects; lists are matched by position). A fragment inside a deferred fragment is sent with
its parent. A client that does not accept multipart/mixed, and every client on Lambda, gets one
complete response: the gateway then plans the whole operation, @defer ignored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# The gateway is typed loosely here (Any): gateway.gateway imports this module.
Gateway = Any
PreparedPlan = Any

if TYPE_CHECKING:
    from ..request import GraphQLRequest, GraphQLResponse

BOUNDARY = "-"
PLACEHOLDER = "_bffDeferred"
MEDIA_TYPE = f'multipart/mixed; boundary="{BOUNDARY}"; deferSpec=20220824'


def accepts_multipart(accept: str | None) -> bool:
    """The client takes multipart/mixed (Apollo Client sends `multipart/mixed;deferSpec=20220824, application/json`)."""
    return bool(accept) and "multipart/mixed" in accept  # type: ignore[operator]


@dataclass(slots=True)
class Deferred:
    """One deferred fragment: where it applies (response keys from the root) and the document that fetches it."""

    label: str | None
    path: tuple[str, ...]  # response keys of the fields from the root to the fragment's parent object
    keys: frozenset[str]  # the fragment's own response keys
    document: str
    variables: dict[str, Any] | None = None


@dataclass(slots=True)
class Split:
    initial: str
    deferred: list[Deferred] = field(default_factory=list)


def split(document: Any, operation: Any, variables: dict[str, Any]) -> Split | None:
    """The initial and deferred documents of `operation` (a validated query); None without an active @defer."""
    from graphql import print_ast
    from graphql.language import DocumentNode

    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    found: list[tuple[list[Any], Any, str | None]] = []
    initial_selection = _strip(operation.selection_set, fragments, variables, [], found)
    if not found:
        return None
    initial = _operation_with(operation, initial_selection)
    result = Split(print_ast(DocumentNode(definitions=(initial,))))
    for chain, fragment, label in found:
        inner = _strip(fragment.selection_set, fragments, variables, [], None)
        node = _copy(fragment, selection_set=inner, directives=_without_defer(fragment.directives))
        for ancestor in reversed(chain):
            node = _copy(ancestor, selection_set=_selection_set(node))
        path = tuple((a.alias or a.name).value for a in chain if a.kind == "field")
        deferred_op = _operation_with(operation, _selection_set(node))
        result.deferred.append(Deferred(label, path, frozenset(_response_keys(inner, fragments)),
                                        print_ast(DocumentNode(definitions=(deferred_op,)))))
    return result


async def execute_incremental(gateway: Gateway, request: GraphQLRequest) \
        -> GraphQLResponse | AsyncIterator[dict[str, Any]]:
    """A response (no @defer, not a query, or refused) or the payloads of a deferred query."""
    from ..operation.prepare import RequestError, prepare_document, select_operation

    query = request.query
    if not isinstance(query, str) or "@defer" not in query:
        whole: GraphQLResponse = await gateway.execute(request)
        return whole
    try:
        prepared = gateway._documents.get(query) or prepare_document(gateway.api_schema, query)
        operation = select_operation(prepared, request.operation_name)
    except RequestError:
        refused: GraphQLResponse = await gateway.execute(request)  # the error, answered (and logged) as usual
        return refused
    if operation.operation.value != "query":
        whole = await gateway.execute(request)
        return whole
    parts = split(prepared.document, operation, request.variables or {})
    if parts is None:
        whole = await gateway.execute(request)
        return whole
    return _payloads(gateway, request, parts)


async def _payloads(gateway: Gateway, request: GraphQLRequest, parts: Split) -> AsyncIterator[dict[str, Any]]:
    from dataclasses import replace

    def run(text: str) -> asyncio.Task[GraphQLResponse]:
        return asyncio.ensure_future(gateway.execute(replace(request, query=text, extensions=None)))

    first = run(parts.initial)
    pending = {run(d.document): d for d in parts.deferred}
    try:
        initial = await first
        body = dict(initial.body)
        if body.get("data") is None:
            yield body  # refused or failed at the root: nothing to add to
            return
        _drop_placeholders(body["data"])
        body["hasNext"] = True
        yield body
        waiting = set(pending)
        while waiting:
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            items = [item for task in done for item in _incremental(pending[task], task.result().body, body["data"])]
            if items:
                yield {"incremental": items, "hasNext": bool(waiting)}
            elif not waiting:
                yield {"hasNext": False}
    finally:
        for task in [first, *pending]:
            task.cancel()


def _drop_placeholders(value: Any) -> None:
    """Remove the `__typename` put where a deferred fragment left a selection set empty."""
    if isinstance(value, dict):
        value.pop(PLACEHOLDER, None)
        for item in value.values():
            _drop_placeholders(item)
    elif isinstance(value, list):
        for item in value:
            _drop_placeholders(item)


def _incremental(deferred: Deferred, body: dict[str, Any], initial_data: Any) -> list[dict[str, Any]]:
    """The entries for one deferred fragment: one per object of the first payload it applies to."""
    data = body.get("data")
    errors = [e for e in body.get("errors") or () if isinstance(e, dict)]
    answered = dict(_objects_at(data, deferred.path))
    items = []
    for path, _ in _objects_at(initial_data, deferred.path):
        obj = answered.get(path)
        item: dict[str, Any]
        if isinstance(obj, dict):
            fields = {k: obj[k] for k in obj if k in deferred.keys}
            if not fields:
                continue  # the fragment's type condition does not match this object
            item = {"data": fields, "path": list(path)}
            mine = [e for e in errors if _under(e.get("path"), path, deferred.keys)]
        else:
            item = {"data": None, "path": list(path)}
            mine = [e for e in errors if _related(e.get("path"), path)] or [{
                "message": "The deferred fragment could not be resolved.",
                "path": list(path), "extensions": {"code": "DEFERRED_FRAGMENT_FAILED"}}]
        if mine:
            item["errors"] = mine
        if deferred.label is not None:
            item["label"] = deferred.label
        items.append(item)
    return items


def _objects_at(data: Any, path: tuple[str, ...]) -> list[tuple[tuple[Any, ...], Any]]:
    """(response path, object) for each non-null object at `path`, list items expanded."""
    out: list[tuple[tuple[Any, ...], Any]] = []

    def walk(value: Any, at: tuple[Any, ...], rest: tuple[str, ...]) -> None:
        if isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, at + (i,), rest)
        elif isinstance(value, dict):
            if not rest:
                out.append((at, value))
            elif rest[0] in value:
                walk(value[rest[0]], at + (rest[0],), rest[1:])

    walk(data, (), path)
    return out


def _under(error_path: Any, path: tuple[Any, ...], keys: frozenset[str]) -> bool:
    return isinstance(error_path, list) and len(error_path) > len(path) and tuple(error_path[:len(path)]) == path \
        and error_path[len(path)] in keys


def _related(error_path: Any, path: tuple[Any, ...]) -> bool:
    if not isinstance(error_path, list):
        return False
    n = min(len(error_path), len(path))
    return tuple(error_path[:n]) == path[:n]


# -- AST surgery ----------------------------------------------------------------------------------

def _strip(selection_set: Any, fragments: dict[str, Any], variables: dict[str, Any], chain: list[Any],
           found: list[Any] | None) -> Any:
    """`selection_set` without its active @defer fragments (recorded in `found` with their ancestor chain),
    named fragment spreads inlined. With `found` None, @defer is simply dropped (the fragment stays)."""
    if selection_set is None:
        return None
    kept = []
    for node in selection_set.selections:
        if node.kind == "fragment_spread":
            definition = fragments[node.name.value]
            node = _inline(node, definition)
        if node.kind == "inline_fragment":
            label, active = _defer_of(node, variables)
            if active and found is not None:
                found.append((list(chain), node, label))
                continue
            inner = _strip(node.selection_set, fragments, variables, chain + [node], found)
            kept.append(_copy(node, selection_set=inner, directives=_without_defer(node.directives)))
        else:
            inner = _strip(node.selection_set, fragments, variables, chain + [node], found)
            kept.append(_copy(node, selection_set=inner))
    if not kept:
        from graphql.language import FieldNode, NameNode

        # A selection set cannot be empty: a placeholder the first payload drops again.
        kept.append(FieldNode(alias=NameNode(value=PLACEHOLDER), name=NameNode(value="__typename")))
    return _copy(selection_set, selections=tuple(kept))


def _inline(spread: Any, definition: Any) -> Any:
    from graphql.language import InlineFragmentNode

    return InlineFragmentNode(type_condition=definition.type_condition, directives=spread.directives,
                              selection_set=definition.selection_set)


def _defer_of(node: Any, variables: dict[str, Any]) -> tuple[str | None, bool]:
    """(label, active) of the fragment's @defer; inactive without one or with `if: false`."""
    for directive in node.directives or ():
        if directive.name.value != "defer":
            continue
        label, active = None, True
        for argument in directive.arguments or ():
            value = _value(argument.value, variables)
            if argument.name.value == "if":
                active = value is not False
            elif argument.name.value == "label" and isinstance(value, str):
                label = value
        return label, active
    return None, False


def _value(node: Any, variables: dict[str, Any]) -> Any:
    from graphql.utilities import value_from_ast_untyped

    return value_from_ast_untyped(node, variables)


def _without_defer(directives: Any) -> tuple[Any, ...]:
    return tuple(d for d in directives or () if d.name.value != "defer")


def _response_keys(selection_set: Any, fragments: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    for node in selection_set.selections if selection_set else ():
        if node.kind == "field":
            keys.add((node.alias or node.name).value)
        elif node.kind == "inline_fragment":
            keys |= _response_keys(node.selection_set, fragments)
        elif node.kind == "fragment_spread":
            keys |= _response_keys(fragments[node.name.value].selection_set, fragments)
    return keys


def _selection_set(node: Any) -> Any:
    from graphql.language import SelectionSetNode

    return SelectionSetNode(selections=(node,))


def _operation_with(operation: Any, selection_set: Any) -> Any:
    """`operation` with another selection set and only the variable definitions it still uses."""
    used = _variables_in(selection_set)
    definitions = tuple(d for d in operation.variable_definitions or () if d.variable.name.value in used)
    return _copy(operation, selection_set=selection_set, variable_definitions=definitions)


def _variables_in(node: Any) -> set[str]:
    from graphql.language import Visitor, visit

    names: set[str] = set()

    class Collect(Visitor):
        def enter_variable(self, variable: Any, *_: Any) -> None:
            names.add(variable.name.value)

    visit(node, Collect())
    return names


def _copy(node: Any, **changes: Any) -> Any:
    """A shallow copy of an AST node with some attributes replaced."""
    kwargs = {key: getattr(node, key) for key in node.keys if key != "loc"}
    kwargs.update(changes)
    return type(node)(**kwargs)
