"""The operator's INFO line when a supergraph is loaded or swapped in, on logger "bff.supergraph".

One line per graph the gateway starts serving: its version (the registry's
number, or `sha256:…` of a file's text), its services, and where it came from
(`registry`, `file`, or `fallback`: the bundled file used because the registry
could not be read at a cold start).
"""

from __future__ import annotations

import logging
from typing import Any

LOGGER = "bff.supergraph"
logger = logging.getLogger(LOGGER)

REGISTRY, FILE, FALLBACK = "registry", "file", "fallback"


def file_version(sdl: str) -> str:
    """A file's version as the log shows it: the first 12 hex digits of its SHA-256."""
    import hashlib

    return "sha256:" + hashlib.sha256(sdl.encode()).hexdigest()[:12]


def graph_loaded(gateway: Any, *, version: Any, source: str, previous: Any = None) -> None:
    """Log that `gateway` now serves supergraph `version` from `source` (after `previous`, on a swap)."""
    if not logger.isEnabledFor(logging.INFO):
        return
    services = sorted(s.name for s in gateway.supergraph.subgraphs.values())
    verb = f"swapped in (was {previous})" if previous is not None else "loaded"
    logger.info("supergraph version %s %s from %s: %d services (%s)", version, verb, source, len(services),
                ", ".join(services))
