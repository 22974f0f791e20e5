"""Composition: subgraph SDLs (Federation 2, Federation 1 or plain GraphQL) into a
supergraph SDL in Apollo's format, or the reasons they don't compose.

    result = compose_supergraph([SubgraphInput("accounts", "http://...", sdl), ...])
    if result.ok: Path("supergraph.graphql").write_text(result.supergraph)
    else: for e in result.errors: print(e.code, e.coordinate, e.message)
"""

from __future__ import annotations

from .pipeline import compose_supergraph
from .result import CompositionError, CompositionResult, Lookup, SubgraphInput

__all__ = ["compose_supergraph", "CompositionError", "CompositionResult", "Lookup", "SubgraphInput"]
