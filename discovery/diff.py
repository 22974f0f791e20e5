"""Short, human summaries of what a publish changed, for the history."""

from __future__ import annotations

from .model import Service

_SHOWN = 4


def coordinates(sdl: str) -> set[str]:
    """Schema coordinates an SDL defines: Type, Type.field, Type.field(arg:), Enum.VALUE."""
    from graphql import parse
    from graphql.language import EnumTypeDefinitionNode, EnumTypeExtensionNode

    out: set[str] = set()
    for d in parse(sdl, no_location=True).definitions:
        name = getattr(getattr(d, "name", None), "value", None)
        if name is None:
            continue
        out.add(name)
        for f in getattr(d, "fields", None) or ():
            out.add(f"{name}.{f.name.value}")
            for a in getattr(f, "arguments", None) or ():
                out.add(f"{name}.{f.name.value}({a.name.value}:)")
        if isinstance(d, (EnumTypeDefinitionNode, EnumTypeExtensionNode)):
            out.update(f"{name}.{v.name.value}" for v in d.values or ())
    return out


def summarize(old: Service | None, new: Service | None) -> str:
    """E.g. "endpoint http://a -> http://b; +2 (Query.x, Query.y); -1 (User.age)"."""
    if old is None and new is None:
        return "no change"
    if old is None:
        assert new is not None
        return f"added at {new.endpoint} ({len(coordinates(new.sdl))} schema elements)"
    if new is None:
        return f"removed (was at {old.endpoint})"
    parts: list[str] = []
    if old.endpoint != new.endpoint:
        parts.append(f"endpoint {old.endpoint} -> {new.endpoint}")
    if old.sdl != new.sdl:
        before, after = coordinates(old.sdl), coordinates(new.sdl)
        added, removed = sorted(after - before), sorted(before - after)
        if added:
            parts.append(f"+{len(added)} ({_list(added)})")
        if removed:
            parts.append(f"-{len(removed)} ({_list(removed)})")
        if not added and not removed:
            parts.append("schema changed (types or directives of existing elements)")
    if old.api_key_ref != new.api_key_ref:
        parts.append("api key reference changed")
    if old.lookups != new.lookups:
        parts.append("lookups changed")
    return "; ".join(parts) or "no change"


def _list(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f", ... {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")
