"""Input object types: the intersection of fields (a subgraph can't accept a field it
doesn't define); a field that is required somewhere must exist everywhere."""

from __future__ import annotations

from .context import Context
from .merge_args import _union_applied
from .model import Subgraph, Type
from .supermodel import SField
from .typeref import merge_input


def merge_input_fields(ctx: Context, name: str, sources: list[tuple[Subgraph, Type]]) -> dict[str, SField]:
    order: list[str] = []
    for _, t in sources:
        for f in t.fields:
            if f not in order:
                order.append(f)
    merged: dict[str, SField] = {}
    for field_name in order:
        coordinate = f"{name}.{field_name}"
        having = [(s, t.fields[field_name]) for s, t in sources if field_name in t.fields]
        missing = [s.name for s, t in sources if field_name not in t.fields]
        if missing:
            required = [s.name for s, f in having if f.type.endswith("!") and f.default is None]
            if required:
                ctx.error("REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                          f'Input object field "{coordinate}" is required in some subgraphs but does not appear '
                          f'in all subgraphs: it is required in subgraph(s) {", ".join(repr(r) for r in required)} '
                          f'but does not appear in subgraph(s) {", ".join(repr(m) for m in missing)}',
                          required + missing, coordinate)
            continue
        merged_type = merge_input([f.type for _, f in having])
        if merged_type is None:
            ctx.error("FIELD_TYPE_MISMATCH",
                      f'Type of field "{coordinate}" is incompatible across subgraphs: '
                      + ", ".join(f'it has type "{f.type}" in subgraph "{s.name}"' for s, f in having),
                      [s.name for s, _ in having], coordinate)
            continue
        defaults = {f.default for _, f in having}
        if len(defaults) > 1:
            ctx.error("INPUT_FIELD_DEFAULT_MISMATCH",
                      f'Input field "{coordinate}" has incompatible default values across subgraphs',
                      [s.name for s, _ in having], coordinate)
        merged[field_name] = SField(
            name=field_name, type=merged_type, default=having[0][1].default,
            description=next((f.description for _, f in having if f.description), None),
            inaccessible=any(f.inaccessible for _, f in having),
            applied=_union_applied([f.applied for _, f in having]))
    if not merged:
        ctx.error("EMPTY_MERGED_INPUT_TYPE",
                  f'None of the fields of input object type "{name}" are consistently defined in all the subgraphs '
                  f'defining that type. As only fields common to all subgraphs are merged, this would result in an '
                  f'empty type.', [s.name for s, _ in sources], name)
    return merged
