"""INVALID_FIELD_SHARING: an object field resolved by more than one subgraph must be
@shareable in each (key fields, Fed 1 subgraphs and @shareable types count as shareable),
since the gateway may take it from any of them and they must agree."""

from __future__ import annotations

from ..context import Context
from ..model import OBJECT


def check_sharing(ctx: Context) -> None:
    by_type: dict[str, list] = {}
    for sub in ctx.subgraphs:
        for t in sub.types.values():
            if t.kind == OBJECT and not t.interface_object:
                by_type.setdefault(t.name, []).append((sub, t))
    for name, sources in by_type.items():
        if len(sources) < 2:
            continue
        field_names = {f for _, t in sources for f in t.fields}
        for field_name in sorted(field_names):
            defs = [(s, t, t.fields[field_name]) for s, t in sources if field_name in t.fields]
            if len(defs) < 2:
                continue
            overridden = {f.override for _, _, f in defs if f.override and not f.override_label}
            resolving = [(s, t, f) for s, t, f in defs
                         if not f.external and s.name not in overridden]
            if len(resolving) < 2:
                continue
            unshared = [s.name for s, t, f in resolving if not (f.shareable or t.shareable or f.in_key)]
            if unshared:
                where = ", ".join(f'"{s.name}"' for s, _, _ in resolving)
                ctx.error("INVALID_FIELD_SHARING",
                          f'Non-shareable field "{name}.{field_name}" is resolved from multiple subgraphs: it is '
                          f'resolved from subgraphs {where} and defined as non-shareable in subgraph(s) '
                          + ", ".join(f'"{u}"' for u in unshared),
                          [s.name for s, _, _ in resolving], f"{name}.{field_name}")
