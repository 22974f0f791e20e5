"""@override(from:) must name another subgraph, and two subgraphs can't take the same
field from each other."""

from __future__ import annotations

from ..context import Context


def check_overrides(ctx: Context) -> None:
    owners: dict[str, dict[str, str | None]] = {}
    for sub in ctx.subgraphs:
        for t in sub.types.values():
            for f in t.fields.values():
                owners.setdefault(f"{t.name}.{f.name}", {})[sub.name] = f.override
                if f.override is not None and f.override == sub.name:
                    ctx.error("OVERRIDE_FROM_SELF_ERROR",
                              f'Source and destination subgraphs "{sub.name}" are the same for overridden field '
                              f'"{t.name}.{f.name}"', (sub.name,), f"{t.name}.{f.name}")
                if f.override is not None and f.external:
                    ctx.error("OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
                              f'@override cannot be used on field "{t.name}.{f.name}" on subgraph "{sub.name}" since '
                              f'"{t.name}.{f.name}" on "{sub.name}" is marked with directive "@external"',
                              (sub.name,), f"{t.name}.{f.name}")
    for coordinate, by_sub in owners.items():
        for sub_name, source in by_sub.items():
            if source is not None and source != sub_name and by_sub.get(source) is not None:
                    ctx.error("OVERRIDE_SOURCE_HAS_OVERRIDE",
                              f'Field "{coordinate}" on subgraph "{sub_name}" is also marked with directive @override '
                              f'in subgraph "{source}". Only one @override directive is allowed per field.',
                              (sub_name, source), coordinate)
