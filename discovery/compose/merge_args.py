"""Arguments of a field defined in several subgraphs: the intersection, each with the
most restrictive type; an argument required in one subgraph but missing in another
would make the supergraph send it where it isn't understood, so that's an error."""

from __future__ import annotations

from .context import Context
from .model import Field
from .supermodel import SArgument
from .typeref import merge_input


def merge_arguments(ctx: Context, coordinate: str, defs: list[tuple[str, Field]]) -> dict[str, SArgument]:
    """`defs`: (subgraph name, field) for every subgraph that resolves the field."""
    names: list[str] = []
    for _, f in defs:
        for a in f.args:
            if a not in names:
                names.append(a)
    merged: dict[str, SArgument] = {}
    for name in names:
        having = [(s, f.args[name]) for s, f in defs if name in f.args]
        missing = [s for s, f in defs if name not in f.args]
        if missing:
            required = [s for s, a in having if a.type.endswith("!") and a.default is None]
            if required:
                ctx.error("REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                          f'Argument "{coordinate}({name}:)" is required in subgraph(s) {_q(required)} '
                          f'but missing in subgraph(s) {_q(missing)}', required + missing, f"{coordinate}({name}:)")
            continue
        merged_type = merge_input([a.type for _, a in having])
        if merged_type is None:
            ctx.error("FIELD_ARGUMENT_TYPE_MISMATCH",
                      f'Type of argument "{coordinate}({name}:)" is incompatible across subgraphs: '
                      + ", ".join(f'"{a.type}" in "{s}"' for s, a in having),
                      [s for s, _ in having], f"{coordinate}({name}:)")
            continue
        defaults = {a.default for _, a in having}
        if len(defaults) > 1:
            ctx.error("FIELD_ARGUMENT_DEFAULT_MISMATCH",
                      f'Argument "{coordinate}({name}:)" has incompatible default values across subgraphs: '
                      + ", ".join(f'{a.default or "no default"} in "{s}"' for s, a in having),
                      [s for s, _ in having], f"{coordinate}({name}:)")
        first = having[0][1]
        merged[name] = SArgument(
            name=name, type=merged_type, default=first.default,
            description=next((a.description for _, a in having if a.description), None),
            inaccessible=any(a.inaccessible for _, a in having),
            applied=_union_applied([a.applied for _, a in having]))
    return merged


def _q(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _union_applied(lists: list[list]) -> list:
    out: list = []
    seen: set[str] = set()
    for applied in lists:
        for a in applied:
            if a.print() not in seen:
                seen.add(a.print())
                out.append(a)
    return out
