"""Print a plan in the vocabulary people know from Apollo and Hive:

    QueryPlan {
      Sequence {
        Fetch(service: "reviews") { ... },
        Flatten(path: "topReviews.@.author") {
          Fetch(service: "accounts") { ... }
        },
      },
    }
"""

from __future__ import annotations

from typing import Any

from .nodes import FetchNode, QueryPlan

INDENT = "  "


def print_plan(plan: QueryPlan) -> str:
    lines = ["QueryPlan {"]
    levels = plan.levels()
    if not levels:
        lines.append(INDENT + "(no fetch: answered by the gateway)")
    elif len(levels) == 1 and len(levels[0]) == 1:
        lines.extend(_fetch(levels[0][0], 1))
    else:
        # A mutation's steps run in order, like any dependent steps.
        lines.append(INDENT + "Sequence {")
        for step in levels:
            if len(step) == 1:
                lines.extend(_fetch(step[0], 2))
            else:
                lines.append(INDENT * 2 + "Parallel {")
                for node in step:
                    lines.extend(_fetch(node, 3))
                lines.append(INDENT * 2 + "},")
        lines.append(INDENT + "},")
    lines.append("}")
    return "\n".join(lines)


def _fetch(node: FetchNode, depth: int) -> list[str]:
    pad = INDENT * depth
    body = _indent_document(node, depth + 1)
    fetch = [pad + f'Fetch(service: "{node.service}") {{'] + body + [pad + "},"]
    if not node.inputs:
        return fetch
    paths = sorted({".".join(i.path) or "" for i in node.inputs})
    wrapped = []
    head = pad + "Flatten(" + ", ".join(f'path: "{p}"' for p in paths) + ") {"
    wrapped.append(head)
    wrapped.extend(INDENT + line for line in fetch)
    wrapped.append(pad + "},")
    return wrapped


def _indent_document(node: FetchNode, depth: int) -> list[str]:
    from graphql import parse, print_ast

    pad = INDENT * depth
    lines: list[str] = []
    if node.inputs:
        reps = []
        for i in node.inputs:
            reps.append(f"... on {i.entity_name} " + _selection_text(i.requires))
        lines.append(pad + "{")
        for r in dict.fromkeys(reps):
            lines.append(pad + INDENT + r)
        lines.append(pad + "} =>")
    printed = print_ast(parse(node.operation, no_location=True))
    lines.extend(pad + line for line in printed.splitlines())
    return lines


def _selection_text(selection: Any) -> str:
    parts = []
    for _type_name, fields in selection.items():
        for f in fields.values():
            text = f.name if f.alias is None else f"{f.alias}: {f.name}"
            if f.children:
                text += " " + _selection_text(f.children)
            parts.append(text)
    return "{ " + " ".join(dict.fromkeys(parts)) + " }"
