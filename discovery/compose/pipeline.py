"""The composition steps in order: names, parse, Fed 1 upgrade, per-subgraph validation,
cross-subgraph validation, merge, post-merge validation, print."""

from __future__ import annotations

from collections.abc import Sequence

from .context import build_context
from .fake_external import drop_fake_externals
from .fed1 import upgrade_fed1
from .lookups import apply_lookups, record_lookups
from .merge import merge_subgraphs
from .parse import SubgraphSyntaxError, parse_subgraph
from .printer import print_supergraph
from .result import CompositionError, CompositionResult, SubgraphInput
from .validate.external import check_external
from .validate.fieldsets import check_field_sets
from .validate.implementations import check_implementations
from .validate.names import check_names, graph_enum_value
from .validate.override import check_overrides
from .validate.references import check_references
from .validate.sharing import check_sharing


def compose_supergraph(subgraphs: Sequence[SubgraphInput]) -> CompositionResult:
    """Compose the subgraphs; `result.supergraph` is None when `result.errors` says why not."""
    if not subgraphs:
        return CompositionResult(None, (CompositionError("NO_SUBGRAPHS", "There are no subgraphs to compose."),))
    errors = check_names(subgraphs)
    if errors:
        return CompositionResult(None, tuple(errors))
    parsed = []
    for inp in sorted(subgraphs, key=lambda s: s.name):
        try:
            sub = parse_subgraph(inp.name, inp.url, inp.sdl)
        except SubgraphSyntaxError as exc:
            errors.append(exc.error)
            continue
        sub.graph = graph_enum_value(inp.name)
        sub.lookups = tuple(inp.lookups)
        parsed.append(sub)
    if errors:
        return CompositionResult(None, tuple(errors))
    ctx = build_context(parsed)
    check_references(ctx)
    if ctx.errors:
        return CompositionResult(None, tuple(ctx.errors))
    for sub in parsed:
        apply_lookups(ctx, sub)
        upgrade_fed1(sub)
        drop_fake_externals(sub)
    check_field_sets(ctx)
    check_overrides(ctx)
    check_external(ctx)
    check_sharing(ctx)
    sg = merge_subgraphs(ctx)
    check_implementations(ctx, sg)
    if ctx.errors:
        return CompositionResult(None, tuple(ctx.errors))
    record_lookups(ctx, sg)
    return CompositionResult(print_supergraph(sg), ())
