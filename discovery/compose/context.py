"""State shared by the merge and validation steps: the subgraphs, the errors found so
far, and facts about the whole graph (subtyping, where enums are used)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import ENUM, INPUT, INTERFACE, OBJECT, UNION, Subgraph
from .result import CompositionError
from .typeref import named


@dataclass
class Context:
    subgraphs: list[Subgraph]
    errors: list[CompositionError] = field(default_factory=list)
    # abstract type -> every type that is a subtype of it in some subgraph
    subtypes: dict[str, set[str]] = field(default_factory=dict)
    # enum name -> {"input", "output"}
    enum_usage: dict[str, set[str]] = field(default_factory=dict)

    def error(self, code: str, message: str, subgraphs: tuple[str, ...] | list[str] = (), coordinate: str | None = None) -> None:
        self.errors.append(CompositionError(code, message, tuple(subgraphs), coordinate))

    def is_abstract_subtype(self, sub: str, sup: str) -> bool:
        return sub in self.subtypes.get(sup, ())

    def by_name(self, name: str) -> Subgraph:
        return next(s for s in self.subgraphs if s.name == name)


def build_context(subgraphs: list[Subgraph]) -> Context:
    """Collect subtyping (implements / union membership) and enum usage over all subgraphs."""
    ctx = Context(subgraphs=subgraphs)
    for sub in subgraphs:
        for t in sub.types.values():
            if t.kind in (OBJECT, INTERFACE):
                for i in t.interfaces:
                    ctx.subtypes.setdefault(i, set()).add(t.name)
            elif t.kind == UNION:
                ctx.subtypes.setdefault(t.name, set()).update(t.members)
    # transitive closure through interfaces implementing interfaces
    changed = True
    while changed:
        changed = False
        for _sup, subs in ctx.subtypes.items():
            extra = set().union(*(ctx.subtypes.get(s, set()) for s in subs)) - subs
            if extra:
                subs |= extra
                changed = True
    for sub in subgraphs:
        enums = {n for n, t in sub.types.items() if t.kind == ENUM}
        for t in sub.types.values():
            for f in t.fields.values():
                base = named(f.type)
                if base in enums:
                    ctx.enum_usage.setdefault(base, set()).add("input" if t.kind == INPUT else "output")
                for a in f.args.values():
                    if named(a.type) in enums:
                        ctx.enum_usage.setdefault(named(a.type), set()).add("input")
    return ctx
