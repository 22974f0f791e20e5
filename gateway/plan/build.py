"""Plan one normalized operation: fetch DAG -> optimization passes -> printed fetches."""

from __future__ import annotations

from typing import Any

from ..operation.selection import Selection
from ..supergraph.model import Supergraph
from .nodes import FetchNode, QueryPlan
from .optimize.merge_sibling_fetches import merge_sibling_fetches
from .partial_unions import narrow_partial_unions
from .planner import FieldSetCache, PlanningRun
from .subgraph_document import DocumentPrinter


def build_plan(supergraph: Supergraph, field_sets: FieldSetCache, operation_kind: str, selection: Selection,
               variable_definitions: dict[str, str], operation_name: str | None) -> QueryPlan:
    run = PlanningRun(supergraph, field_sets)
    selection = narrow_partial_unions(supergraph, operation_kind, selection)
    builders = run.plan_root(operation_kind, selection)
    builders = [b for b in builders if _has_content(b)]
    kept = {b.id for b in builders}
    for b in builders:
        b.deps = {d for d in b.deps if d in kept}
    builders = merge_sibling_fetches(builders)
    printer = DocumentPrinter(supergraph, variable_definitions, operation_name)
    fetches = []
    for index, b in enumerate(builders):
        operation, variables = printer.print_fetch(b, index)
        lookup = printer.lookup_spec(b, index) if b.kind == "lookup" else None
        fetches.append(FetchNode(
            id=b.id, service=supergraph.subgraphs[b.graph].name, graph=b.graph, operation=operation,
            operation_kind=b.operation_kind, variable_names=variables, depends_on=frozenset(b.deps),
            inputs=tuple(b.inputs) if b.kind in ("entity", "lookup") else None, keep_typename=b.keep_typename,
            renames=tuple(sorted(printer.renames, key=lambda r: -len(r[0]))), lookup=lookup,
            fills=_root_keys(b) if b.kind == "root" else (),
        ))
    root = supergraph.root_type(operation_kind)
    local = tuple(k for k, f in (selection.get(root, {}) if root else {}).items() if f.name in ("__schema", "__type"))
    return QueryPlan(operation_kind=operation_kind, fetches=fetches, local_fields=local)


def _root_keys(fetch: Any) -> tuple[str, ...]:
    return tuple(k for fields in fetch.selection.values() for k, f in fields.items() if not f.name.startswith("__"))


def _has_content(fetch: Any) -> bool:
    return any(fields for fields in fetch.selection.values())
