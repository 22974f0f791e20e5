"""A federated graph over two FaultServers where the second one resolves entity fields.

    alpha: Query.courses: [Course!]!, Query.catalog: [Course], Query.first: Course, Query.a;
           Course @key(id) { id title: String! }
    beta:  Course @key(id) { rating: Float  seats: Int! }, Query.b, Query.note

`alpha_answer` / `beta_answer` are the servers' `answer` in ok mode: a small executor
over the subgraph's document (aliases, inline fragments, `__typename`, `_entities`),
so the gateway talks to subgraphs that answer like real ones.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, InlineFragmentNode, OperationDefinitionNode, parse
from subgraphs import _HEAD

COURSES = [
    {"__typename": "Course", "id": "c1", "title": "Compilers", "rating": 4.5, "seats": 30},
    {"__typename": "Course", "id": "c2", "title": "Databases", "rating": 3.0, "seats": 20},
    {"__typename": "Course", "id": "c3", "title": "Networks", "rating": None, "seats": 10},
]
BY_ID = {c["id"]: c for c in COURSES}


def entity_supergraph(alpha_url: str, beta_url: str) -> str:
    return _HEAD + f'''enum join__Graph {{
  ALPHA @join__graph(name: "alpha", url: "{alpha_url}")
  BETA @join__graph(name: "beta", url: "{beta_url}")
}}

type Query @join__type(graph: ALPHA) @join__type(graph: BETA) {{
  courses: [Course!]! @join__field(graph: ALPHA)
  catalog: [Course] @join__field(graph: ALPHA)
  first: Course @join__field(graph: ALPHA)
  a: String @join__field(graph: ALPHA)
  b: String @join__field(graph: BETA)
  note: String @join__field(graph: BETA)
}}

type Mutation @join__type(graph: ALPHA) {{
  touch: Boolean @join__field(graph: ALPHA)
}}

type Course @join__type(graph: ALPHA, key: "id") @join__type(graph: BETA, key: "id") {{
  id: ID!
  title: String! @join__field(graph: ALPHA)
  rating: Float @join__field(graph: BETA)
  seats: Int! @join__field(graph: BETA)
}}
'''


def alpha_answer(kind: str, body: dict) -> dict:
    return {"data": _execute(body, {
        "courses": lambda v: COURSES, "catalog": lambda v: COURSES, "first": lambda v: COURSES[0],
        "a": lambda v: "alpha", "touch": lambda v: True,
    })}


def beta_answer(kind: str, body: dict) -> dict:
    return {"data": _execute(body, {
        "_entities": lambda v: [BY_ID.get(rep.get("id")) for rep in v["representations"]],
        "b": lambda v: "beta", "note": lambda v: "a note",
    })}


def _execute(body: dict, roots: dict[str, Any]) -> dict:
    document = parse(body["query"])
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    variables = body.get("variables") or {}
    out = {}
    for node in operation.selection_set.selections:
        assert isinstance(node, FieldNode)
        key = node.alias.value if node.alias else node.name.value
        out[key] = _select(roots[node.name.value](variables), node)
    return out


def _select(value: Any, node: FieldNode) -> Any:
    if value is None or node.selection_set is None:
        return value
    if isinstance(value, list):
        return [_select(item, node) for item in value]
    out: dict[str, Any] = {}
    _fields(value, node.selection_set.selections, out)
    return out


def _fields(value: dict, selections: Any, out: dict) -> None:
    for selection in selections:
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is None or condition.name.value == value["__typename"]:
                _fields(value, selection.selection_set.selections, out)
            continue
        key = selection.alias.value if selection.alias else selection.name.value
        out[key] = _select(value.get(selection.name.value), selection)
