"""Fields of an object or interface type across subgraphs: one merged type (the most
general output type), merged arguments, and a `@join__field` per subgraph whenever
the field isn't simply resolvable everywhere its type is."""

from __future__ import annotations

from .context import Context
from .merge_args import _union_applied, merge_arguments
from .model import Field, Subgraph, Type
from .supermodel import JoinField, SField
from .typeref import merge_output


def merge_fields(ctx: Context, name: str, sources: list[tuple[Subgraph, Type]]) -> dict[str, SField]:
    """Every subgraph has a Query type (for `_entities`), so a Query field missing from one is partial."""
    present_in = len(ctx.subgraphs) if name == "Query" else len(sources)
    order: list[str] = []
    for _, t in sources:
        for f in t.fields:
            if f not in order:
                order.append(f)
    merged: dict[str, SField] = {}
    for field_name in order:
        defs = [(sub, t.fields[field_name], t) for sub, t in sources if field_name in t.fields]
        result = _merge_field(ctx, f"{name}.{field_name}", defs, len(defs) != present_in)
        if result is not None:
            merged[field_name] = result
    return merged


def _merge_field(ctx: Context, coordinate: str, defs: list[tuple[Subgraph, Field, Type]], partial: bool) -> SField | None:
    types = [f.type for _, f, _ in defs]
    merged_type = merge_output(types, ctx.is_abstract_subtype)
    if merged_type is None:
        ctx.error("FIELD_TYPE_MISMATCH",
                  f'Type of field "{coordinate}" is incompatible across subgraphs: '
                  + ", ".join(f'it has type "{f.type}" in subgraph "{s.name}"' for s, f, _ in defs),
                  [s.name for s, _, _ in defs], coordinate)
        return None
    resolving = [(s.name, f) for s, f, _ in defs if not f.external]
    args = merge_arguments(ctx, coordinate, resolving or [(s.name, f) for s, f, _ in defs])
    all_equal = len(set(types)) == 1
    overridden = {f.override: s.name for s, f, _ in defs if f.override}
    needs_join = (partial or not all_equal or any(
        f.external or f.requires or f.provides or f.override or t.interface_object for _, f, t in defs))
    joins = None
    if needs_join:
        joins = []
        for s, f, _ in defs:
            overrider = overridden.get(s.name)
            if overrider is not None and overrider != s.name:
                label = next((o.override_label for o_s, o, _ in defs if o_s.name == overrider), None)
                if label is None:
                    if f.in_key or f.used:
                        joins.append(JoinField(graph=s.graph, type=None if all_equal else f.type, used_overridden=True))
                    continue
            joins.append(JoinField(
                graph=s.graph, type=None if all_equal else f.type, external=f.external,
                requires=f.requires, provides=f.provides, override=f.override, override_label=f.override_label))
    return SField(
        name=defs[0][1].name, type=merged_type,
        description=next((f.description for _, f, _ in defs if f.description), None),
        args=args, joins=joins,
        inaccessible=any(f.inaccessible for _, f, _ in defs),
        applied=_union_applied([f.applied for _, f, _ in defs]))
