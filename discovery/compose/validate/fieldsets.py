"""@key, @requires and @provides must select fields that exist in the subgraph; the
fields @requires/@provides select must be @external there (they come from another
subgraph). Also records which fields keys and requires use, for the merge."""

from __future__ import annotations

from ..context import Context
from ..fieldsets import top_level_fields, walk_field_set
from ..model import INTERFACE, OBJECT, UNION, Field, Subgraph, Type
from ..typeref import named


def check_field_sets(ctx: Context) -> None:
    for sub in ctx.subgraphs:
        for t in sub.types.values():
            _check_keys(ctx, sub, t)
            for f in t.fields.values():
                if f.requires is not None:
                    _check_requires(ctx, sub, t, f)
                if f.provides is not None:
                    _check_provides(ctx, sub, t, f)


def _key_fields(t: Type) -> set[str]:
    out: set[str] = set()
    for k in t.keys:
        out |= top_level_fields(k.fields)
    return out


def _check_keys(ctx: Context, sub: Subgraph, t: Type) -> None:
    for key in t.keys:
        def visit(parent: Type, field: Field, _under: bool) -> str | None:
            field.used = True
            field.in_key = True  # key fields, nested ones too, are implicitly shareable
            if field.args:
                return f'field "{parent.name}.{field.name}" has arguments'
            return None

        problems = walk_field_set(sub, t, key.fields, visit)
        if problems:
            ctx.error("KEY_INVALID_FIELDS",
                      f'[{sub.name}] On type "{t.name}", for @key(fields: "{key.fields}"): ' + "; ".join(problems),
                      (sub.name,), t.name)


def _check_requires(ctx: Context, sub: Subgraph, t: Type, f: Field) -> None:
    coordinate = f"{t.name}.{f.name}"
    keys = _key_fields(t)
    missing_external: list[str] = []

    def visit(parent: Type, field: Field, exempt: bool) -> str | None:
        field.used = True
        if not field.external and not exempt and not (parent is t and field.name in keys and not sub.fed2):
            missing_external.append(f"{parent.name}.{field.name}")
        return None

    problems = walk_field_set(sub, t, f.requires or "", visit)
    if problems:
        ctx.error("REQUIRES_INVALID_FIELDS",
                  f'[{sub.name}] On field "{coordinate}", for @requires(fields: "{f.requires}"): ' + "; ".join(problems),
                  (sub.name,), coordinate)
    elif missing_external:
        ctx.error("REQUIRES_FIELDS_MISSING_EXTERNAL",
                  f'[{sub.name}] On field "{coordinate}", for @requires(fields: "{f.requires}"): field(s) '
                  + ", ".join(f'"{m}"' for m in missing_external) + " should be marked @external",
                  (sub.name,), coordinate)


def _check_provides(ctx: Context, sub: Subgraph, t: Type, f: Field) -> None:
    coordinate = f"{t.name}.{f.name}"
    target = sub.types.get(named(f.type))
    if target is None or target.kind not in (OBJECT, INTERFACE, UNION):
        ctx.error("PROVIDES_ON_NON_OBJECT_FIELD",
                  f'[{sub.name}] Invalid @provides directive on field "{coordinate}": field has type "{f.type}" '
                  f'which is not a Composite Type', (sub.name,), coordinate)
        return
    missing_external: list[str] = []

    def visit(parent: Type, field: Field, exempt: bool) -> str | None:
        if field.external:
            field.provided = True
        elif sub.fed2 and not exempt and field.name not in _key_fields(parent):
            missing_external.append(f"{parent.name}.{field.name}")
        return None

    problems = walk_field_set(sub, target, f.provides or "", visit)
    if problems:
        ctx.error("PROVIDES_INVALID_FIELDS",
                  f'[{sub.name}] On field "{coordinate}", for @provides(fields: "{f.provides}"): ' + "; ".join(problems),
                  (sub.name,), coordinate)
    elif missing_external:
        ctx.error("PROVIDES_FIELDS_MISSING_EXTERNAL",
                  f'[{sub.name}] On field "{coordinate}", for @provides(fields: "{f.provides}"): field(s) '
                  + ", ".join(f'"{m}"' for m in missing_external) + " should be marked @external",
                  (sub.name,), coordinate)
