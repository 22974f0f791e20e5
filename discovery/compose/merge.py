"""Merge every type of every subgraph into the supergraph model: kind checks,
`@join__type` per subgraph (one per key), then the per-kind rules."""

from __future__ import annotations

from .context import Context
from .merge_args import _union_applied
from .merge_enums import merge_enum_values
from .merge_fields import merge_fields
from .merge_inputs import merge_input_fields
from .model import ENUM, INPUT, INTERFACE, OBJECT, UNION, Subgraph, Type
from .supermodel import JoinField, JoinType, SField, SType, Supergraph

BUILT_IN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


def merge_subgraphs(ctx: Context) -> Supergraph:
    sg = Supergraph(graphs=[(s.graph, s.name, s.url) for s in ctx.subgraphs])
    names: list[str] = []
    for sub in ctx.subgraphs:
        for n in sub.types:
            if n not in names:
                names.append(n)
    for name in names:
        if name in BUILT_IN_SCALARS:
            continue
        sources = [(s, s.types[name]) for s in ctx.subgraphs if name in s.types]
        merged = _merge_type(ctx, name, sources)
        if merged is not None:
            sg.types[name] = merged
    if "Query" in sg.types:  # every subgraph answers Query (_entities, _service)
        sg.types["Query"].join_types = [JoinType(graph=s.graph) for s in ctx.subgraphs]
    _add_interface_object_fields(sg)
    for sub in ctx.subgraphs:
        sg.composed.update(sub.composed)
        if any(f.override_label for t in sub.types.values() for f in t.fields.values()):
            sg.uses_override_label = True
    return sg


def _kind_of(sources: list[tuple[Subgraph, Type]]) -> str | None:
    kinds = {INTERFACE if t.interface_object else t.kind for _, t in sources}
    return kinds.pop() if len(kinds) == 1 else None


def _merge_type(ctx: Context, name: str, sources: list[tuple[Subgraph, Type]]) -> SType | None:
    kind = _kind_of(sources)
    if kind is None:
        ctx.error("TYPE_KIND_MISMATCH",
                  f'Type "{name}" has mismatched kind: it is defined as '
                  + ", ".join(f'{t.kind} in subgraph "{s.name}"' for s, t in sources),
                  [s.name for s, _ in sources], name)
        return None
    st = SType(name=name, kind=kind,
               description=next((t.description for _, t in sources if t.description), None),
               inaccessible=any(t.inaccessible for _, t in sources),
               applied=_union_applied([t.applied for _, t in sources]))
    for sub, t in sources:
        st.join_types.extend(_join_types(sub, t))
    if kind in (OBJECT, INTERFACE):
        st.fields = merge_fields(ctx, name, sources)
        for sub, t in sources:
            for i in t.interfaces:
                if i not in st.interfaces:
                    st.interfaces.append(i)
                st.implements.append((sub.graph, i))
    elif kind == UNION:
        for sub, t in sources:
            for m in t.members:
                if m not in st.members:
                    st.members.append(m)
                st.union_members.append((sub.graph, m))
    elif kind == ENUM:
        st.values = merge_enum_values(ctx, name, sources)
    elif kind == INPUT:
        st.fields = merge_input_fields(ctx, name, sources)
    return st


def _join_types(sub: Subgraph, t: Type) -> list[JoinType]:
    if not t.keys:
        return [JoinType(graph=sub.graph, interface_object=t.interface_object)]
    return [JoinType(graph=sub.graph, key=k.fields, extension=k.extension,
                     resolvable=k.resolvable, interface_object=t.interface_object) for k in t.keys]


def _add_interface_object_fields(sg: Supergraph) -> None:
    """Fields an @interfaceObject adds to an interface also appear on its implementations,
    resolvable by no subgraph directly (bare `@join__field`): the planner goes through the interface."""
    for iface in sg.types.values():
        if iface.kind != INTERFACE or not any(j.interface_object for j in iface.join_types):
            continue
        for obj in sg.types.values():
            if obj.kind != OBJECT or iface.name not in obj.interfaces:
                continue
            for fname, f in iface.fields.items():
                if fname not in obj.fields:
                    obj.fields[fname] = SField(name=fname, type=f.type, description=f.description, args=dict(f.args),
                                               joins=[JoinField(graph=None)])
