"""The import graph of bff_common/, gateway/, discovery/ and services/ has no circles,
and every module imports on its own in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

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
    script = (
        "import importlib, subprocess, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    r = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True, text=True)\n"
        "    if r.returncode:\n"
        "        failed.append(name + ': ' + (r.stderr.strip().splitlines() or ['?'])[-1])\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True,
                            cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", "modules that do not import on their own:\n" + result.stdout
