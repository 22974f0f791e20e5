"""deploy/measure_cold_start.py still measures what it says: its smoke mode packages the functions, runs them
as Lambda does (python3.12 -I -B from the zips and layers), serves the registry's graph (not the fallback)
and answers the three-service query; it has broken silently before, when nothing ran it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.support.dynamodb_local import find_jar
from tests.support.requires import missing

from .inprocess import ROOT, load_build
from .osls import require_osls

pytestmark = pytest.mark.slow


def test_smoke_run_prints_figures_from_the_registry_graph() -> None:
    require_osls()
    if find_jar() is None:
        missing("DynamoDB Local (tests/dynamodb) is needed by deploy/measure_cold_start.py")
    if load_build().python312() is None:
        missing("python3.12 (pyenv) is needed: the measurement runs the packages on the Lambda runtime's Python")
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(ROOT / "deploy" / "measure_cold_start.py"), "--smoke"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    figures = report["this"]
    print(f"\nmeasure_cold_start --smoke: {took:.0f} s; gateway {figures['gateway']['init_plus_first_answer_ms']} ms, "
          f"service {figures['service_accounts']['init_plus_first_answer_ms']} ms")
    assert report["runs"] == 1
    for figure in ("gateway", "gateway_fully_cold", "service_accounts"):
        assert figures[figure]["init_ms"] > 0 and figures[figure]["first_answer_ms"] > 0, figures[figure]
    assert figures["gateway_fully_cold"]["service_cold_starts"] >= 3  # courses, accounts, reviews each started
    assert "init_ms" in figures["authorizer_rs256"], figures["authorizer_rs256"]
    assert figures["gateway_warm_invoke_wall_ms"] > 0
