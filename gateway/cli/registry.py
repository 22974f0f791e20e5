"""`bff registry | publish | remove | services | history | supergraph`: the registry's commands (discovery/cli.py)."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    """argv starts with the command's name (the registry commands share one parser)."""
    from discovery.cli import main as registry_main

    return registry_main(argv)
