"""Enums: an enum only ever returned takes the union of values (clients may receive
any); one only ever sent takes the intersection (every subgraph must understand it);
one used both ways must have the same values everywhere (inaccessible ones aside)."""

from __future__ import annotations

from .context import Context
from .merge_args import _union_applied
from .model import Subgraph, Type
from .supermodel import SEnumValue


def merge_enum_values(ctx: Context, name: str, sources: list[tuple[Subgraph, Type]]) -> dict[str, SEnumValue]:
    usage = ctx.enum_usage.get(name, set())
    values: dict[str, SEnumValue] = {}
    for sub, t in sources:
        for v in t.values.values():
            merged = values.setdefault(v.name, SEnumValue(name=v.name))
            merged.graphs.append(sub.graph)
            merged.description = merged.description or v.description
            merged.inaccessible |= v.inaccessible
            merged.applied = _union_applied([merged.applied, v.applied])
    everywhere = {n: v for n, v in values.items() if len(v.graphs) == len(sources)}
    if usage == {"input"}:
        if not everywhere:
            ctx.error("EMPTY_MERGED_ENUM_TYPE",
                      f'None of the values of enum type "{name}" are defined consistently in all the subgraphs '
                      f'defining that type. As only values common to all subgraphs are merged, this would result '
                      f'in an empty type.', [s.name for s, _ in sources], name)
        return everywhere
    if usage == {"input", "output"}:
        for value in values.values():
            if len(value.graphs) != len(sources) and not value.inaccessible:
                missing = [s.name for s, t in sources if value.name not in t.values]
                ctx.error("ENUM_VALUE_MISMATCH",
                          f'Enum type "{name}" is used as both input type and output type, but value "{value.name}" '
                          f'is not defined in all the subgraphs defining "{name}": it is missing in subgraph(s) '
                          + ", ".join(f'"{m}"' for m in missing), missing, f"{name}.{value.name}")
    return values
