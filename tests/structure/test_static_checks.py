"""ruff and mypy over the project, with the settings in pyproject.toml ([tool.ruff], [tool.mypy]).

A finding fails the test and is printed as the tool prints it (file:line: code message), so
whoever sees it can fix it where it is. To reproduce:

    .venv/bin/python -m ruff check            # --fix applies the safe fixes
    .venv/bin/python -m mypy                  # strict on gateway/ and bff_common/
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from tests.structure.import_graph import ROOT
from tests.support.requires import missing


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(tool) is None:
        missing(f"{tool} is not installed (pip install -e '.[test]')")
    return subprocess.run([sys.executable, "-m", tool, *args], capture_output=True, text=True, cwd=ROOT, timeout=900)


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--output-format", "concise", "--no-cache")
    assert result.returncode == 0, f"ruff findings (fix them, or `ruff check --fix`):\n{result.stdout}{result.stderr}"


def test_mypy_finds_nothing() -> None:
    result = _run("mypy")
    assert result.returncode == 0, f"mypy findings:\n{result.stdout}{result.stderr}"
