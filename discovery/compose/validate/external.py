"""EXTERNAL_MISSING_ON_BASE: a field that is @external in every subgraph defining it is
resolved by none, so any query for it would fail."""

from __future__ import annotations

from ..context import Context
from ..model import INTERFACE, OBJECT


def check_external(ctx: Context) -> None:
    defs: dict[str, list[tuple[str, bool]]] = {}
    for sub in ctx.subgraphs:
        for t in sub.types.values():
            if t.kind not in (OBJECT, INTERFACE):
                continue
            for f in t.fields.values():
                defs.setdefault(f"{t.name}.{f.name}", []).append((sub.name, f.external))
    interface_objects = {t.name for s in ctx.subgraphs for t in s.types.values() if t.interface_object}
    for coordinate, entries in defs.items():
        if coordinate.split(".")[0] in interface_objects:
            continue
        if all(external for _, external in entries):
            ctx.error("EXTERNAL_MISSING_ON_BASE",
                      f'Field "{coordinate}" is marked @external on all the subgraphs in which it is listed ('
                      + ", ".join(f'"{s}"' for s, _ in entries) + ")", [s for s, _ in entries], coordinate)
