"""Every type a subgraph mentions must be defined in it: graphql-core would reject the
subgraph's schema otherwise, and the merge would print a dangling reference."""

from __future__ import annotations

from ..context import Context
from ..model import INPUT, INTERFACE, OBJECT, UNION
from ..typeref import named

BUILT_INS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


def check_references(ctx: Context) -> None:
    for sub in ctx.subgraphs:
        known = set(sub.types) | BUILT_INS
        for t in sub.types.values():
            refs: list[tuple[str, str]] = []
            for f in t.fields.values():
                refs.append((named(f.type), f"{t.name}.{f.name}"))
                refs.extend((named(a.type), f"{t.name}.{f.name}({a.name}:)") for a in f.args.values())
            refs.extend((i, t.name) for i in t.interfaces)
            refs.extend((m, t.name) for m in t.members)
            for ref, where in refs:
                if ref not in known:
                    ctx.error("INVALID_GRAPHQL", f'[{sub.name}] Unknown type "{ref}" referenced by "{where}"',
                              (sub.name,), where)
            for i in t.interfaces:
                it = sub.types.get(i)
                if it is not None and it.kind != INTERFACE:
                    ctx.error("INVALID_GRAPHQL", f'[{sub.name}] "{t.name}" implements "{i}", which is not an interface',
                              (sub.name,), t.name)
            if t.kind == UNION:
                for m in t.members:
                    mt = sub.types.get(m)
                    if mt is not None and mt.kind != OBJECT:
                        ctx.error("INVALID_GRAPHQL", f'[{sub.name}] union "{t.name}" member "{m}" is not an object type',
                                  (sub.name,), t.name)
            if t.kind in (OBJECT, INTERFACE, INPUT) and not t.fields and not t.interface_object and t.name != "Query":
                if not t.keys:
                    ctx.error("INVALID_GRAPHQL", f'[{sub.name}] type "{t.name}" has no fields', (sub.name,), t.name)
