"""The import graph of bff_common/, gateway/, discovery/ and services/ has no circles,
and every module imports on its own in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from tests.structure.import_graph import ROOT, cycles, edges, modules


def test_no_import_cycles() -> None:
    graph = edges()
    found = cycles(graph)
    detail = []
    for component in found:
        members = set(component)
        detail.append("circle: " + ", ".join(component))
        detail += [f"  {e.source}:{e.line} imports {e.target}{' (lazily)' if e.lazy else ''}"
                   for e in graph if e.source in members and e.target in members]
    assert not found, "\n".join(detail)


def test_cycle_check_finds_a_planted_circle(tmp_path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import B\nA = 1\n")
    (package / "b.py").write_text("def f():\n    from pkg.a import A\n    return A\nB = 2\n")
    (package / "c.py").write_text("from . import a\n")
    assert cycles(edges(tmp_path, ("pkg",))) == [["pkg.a", "pkg.b"]]


def test_each_gateway_module_imports_in_a_fresh_interpreter() -> None:
    """Imported first and alone, each module must load: an order-dependent circle fails here."""
    names = [name for name in modules()
             if name.split(".")[0] in ("gateway", "bff_common") and not name.endswith("__main__")]

    def failure(name: str) -> str | None:
        result = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True,
                                cwd=ROOT, timeout=120)
        return None if result.returncode == 0 else f"{name}: {(result.stderr.strip().splitlines() or ['?'])[-1]}"

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failed = [f for f in pool.map(failure, names) if f is not None]
    assert not failed, "modules that do not import on their own:\n" + "\n".join(failed)
