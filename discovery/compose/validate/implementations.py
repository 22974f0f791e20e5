"""After merging, every object implementing an interface must have each of its fields
(with a compatible type), or the supergraph isn't a valid schema; and there must be a Query type."""

from __future__ import annotations

from ..context import Context
from ..model import INTERFACE, OBJECT
from ..supermodel import Supergraph
from ..typeref import is_subtype


def check_implementations(ctx: Context, sg: Supergraph) -> None:
    if "Query" not in sg.types:
        ctx.error("NO_QUERIES", "No queries found in any subgraph: a supergraph must have a query root type.")
    for t in sg.types.values():
        if t.kind not in (OBJECT, INTERFACE):
            continue
        for iname in t.interfaces:
            iface = sg.types.get(iname)
            if iface is None or iface.kind != INTERFACE:
                continue
            for fname, f in iface.fields.items():
                mine = t.fields.get(fname)
                subgraphs = sorted({s.name for s in ctx.subgraphs if t.name in s.types})
                if mine is None:
                    ctx.error("INTERFACE_FIELD_NO_IMPLEM",
                              f'Interface field "{iname}.{fname}" is declared in some subgraph but type "{t.name}", '
                              f'which implements "{iname}" only in some subgraph, does not have field "{fname}".',
                              subgraphs, f"{t.name}.{fname}")
                elif not is_subtype(mine.type, f.type, ctx.is_abstract_subtype):
                    ctx.error("FIELD_TYPE_MISMATCH",
                              f'Field "{t.name}.{fname}" has type "{mine.type}", not a subtype of "{f.type}" '
                              f'as its interface "{iname}" requires', subgraphs, f"{t.name}.{fname}")
