"""Differential check of our composer against the reference one (tests/node/compose.mjs):
both must agree on whether a set of subgraphs composes, and when it does, the
gateway built from either supergraph must expose the same API schema and produce
the same query plans.

    python -m tests.compose.crosscheck /work/audit-data     # local run over the audit suites
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graphql import print_schema
from graphql.utilities import lexicographic_sort_schema

from bff_common.api_schema import build_api_schema
from discovery.compose import SubgraphInput, compose_supergraph
from gateway.gateway import Gateway
from tests.support.compose import CompositionError as ReferenceError
from tests.support.compose import compose as reference_compose


@dataclass
class Comparison:
    ours_ok: bool
    reference_ok: bool
    ours_errors: list[str] = field(default_factory=list)
    reference_errors: str = ""
    api_schema_equal: bool | None = None
    plan_mismatches: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        if self.ours_ok != self.reference_ok:
            return False
        return not self.ours_ok or (bool(self.api_schema_equal) and not self.plan_mismatches)


def api_schema_text(supergraph: str) -> str:
    return print_schema(lexicographic_sort_schema(build_api_schema(supergraph)))


def compare(subgraphs: Sequence[dict], queries: Sequence[str] = (), composer: str = "guild",
            reference: str | None = None) -> Comparison:
    """`reference`: a supergraph the reference composer produced earlier (else it is run now)."""
    ours = compose_supergraph([SubgraphInput(s["name"], s["url"], s["sdl"]) for s in subgraphs])
    ref_errors = ""
    if reference is None:
        try:
            reference = reference_compose(list(subgraphs), composer)
        except ReferenceError as exc:
            reference, ref_errors = None, str(exc)
    result = Comparison(ours_ok=ours.ok, reference_ok=reference is not None,
                        ours_errors=[str(e) for e in ours.errors], reference_errors=ref_errors)
    if not (ours.ok and reference is not None):
        return result
    assert ours.supergraph is not None
    result.api_schema_equal = api_schema_text(ours.supergraph) == api_schema_text(reference)
    ours_gw, ref_gw = Gateway(ours.supergraph), Gateway(reference)
    for query in queries:
        ours_plan, ref_plan = _explain(ours_gw, query), _explain(ref_gw, query)
        if ours_plan != ref_plan and sorted(ours_plan.splitlines()) != sorted(ref_plan.splitlines()):
            result.plan_mismatches.append(f"{query.strip()}\n--- ours\n{ours_plan}\n--- reference\n{ref_plan}")
    return result


def sample_queries(supergraph: str, depth: int = 3) -> list[str]:
    """One query per root field selecting every field down to `depth` (abstract types
    through inline fragments), so plans cover each type and field the subgraphs share."""
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLNonNull,
        get_named_type,
        is_abstract_type,
        is_leaf_type,
    )

    schema = build_api_schema(supergraph)

    def literal(arg_type) -> str | None:
        named_type = get_named_type(arg_type)
        if isinstance(named_type, GraphQLInputObjectType):
            return None
        if isinstance(named_type, GraphQLEnumType):
            return next(iter(named_type.values))
        return {"ID": '"1"', "String": '"x"', "Int": "1", "Float": "1.5", "Boolean": "true"}.get(named_type.name)

    def args_of(f) -> str | None:
        parts = []
        for name, arg in f.args.items():
            if isinstance(arg.type, GraphQLNonNull) and arg.default_value is None:
                value = literal(arg.type)
                if value is None:
                    return None
                parts.append(f"{name}: {value}")
        return f"({', '.join(parts)})" if parts else ""

    def selection(t, level: int) -> str:
        if is_abstract_type(t):
            inner = " ".join(f"... on {p.name} {{ {selection(p, level)} }}" for p in schema.get_possible_types(t))
            return "__typename " + inner
        parts = []
        for name, f in t.fields.items():
            args = args_of(f)
            if args is None:
                continue
            target = get_named_type(f.type)
            if is_leaf_type(target):
                parts.append(name + args)
            elif level > 1:
                parts.append(f"{name}{args} {{ {selection(target, level - 1)} }}")
        return " ".join(parts) or "__typename"

    queries = []
    for name, f in schema.query_type.fields.items():
        args = args_of(f)
        target = get_named_type(f.type)
        if args is None:
            continue
        body = "" if is_leaf_type(target) else f" {{ {selection(target, depth)} }}"
        queries.append(f"{{ {name}{args}{body} }}")
    return queries


def _explain(gateway: Gateway, query: str) -> str:
    try:
        return gateway.explain(query)
    except Exception as exc:  # a query the planner refuses must be refused by both
        return f"error: {exc}"


def main(argv: Sequence[str]) -> int:
    root = Path(argv[0] if argv else "/work/audit-data")
    names = [n for n in json.loads((root / "ids.json").read_text())]
    same = 0
    for name in names:
        subgraphs = json.loads((root / name / "subgraphs.json").read_text())
        tests_file = root / name / "tests.json"
        queries = [t["query"] for t in json.loads(tests_file.read_text())] if tests_file.exists() else []
        stored = root / name / "supergraph.graphql"
        c = compare(subgraphs, queries, reference=stored.read_text() if stored.exists() else None)
        if c.identical:
            same += 1
            print(f"same       {name}")
            continue
        print(f"DIFFERENT  {name}: ours_ok={c.ours_ok} reference_ok={c.reference_ok} api_equal={c.api_schema_equal} "
              f"plan_mismatches={len(c.plan_mismatches)} {c.ours_errors[:3]}")
        for m in c.plan_mismatches[:1]:
            print("    " + m.replace("\n", "\n    "))
    print(f"{same} of {len(names)} compose identically (plans and API schema)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
