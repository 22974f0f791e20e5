"""GraphiQL as a person meets it: `bff dev` started as the README says, the page opened in Debian's
headless Chromium (driven by playwright-core from ide/node_modules, no downloaded browser).

Screenshots of each step are written to tests/ide/screenshots/ (ignored by git) for a look.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.services.test_bff_dev import DevProcess
from tests.support.requires import missing

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "ide" / "browser_check.mjs"
SHOTS = Path(__file__).with_name("screenshots")


def _browser_ready() -> None:
    if not (os.environ.get("CHROMIUM") or shutil.which("chromium")):
        missing("Debian's chromium is not installed")
    if shutil.which("node") is None or not (ROOT / "ide" / "node_modules" / "playwright-core").is_dir():
        missing("playwright-core is not installed in ide/node_modules")


@pytest.fixture(scope="module")
def dev_gateway():
    dev = DevProcess("--port", "0", "--services-port-base", "0")
    try:
        assert dev.wait_for("Ctrl-C stops everything.", timeout=60), dev.stdout + dev.kill()
        yield dev
    finally:
        dev.kill()


def test_bff_dev_banner_names_graphiql(dev_gateway):
    assert "GraphiQL at http://127.0.0.1:" in dev_gateway.stdout


def test_graphiql_loads_offline_runs_a_query_and_completes_fields(dev_gateway):
    _browser_ready()
    url = dev_gateway.url("GraphiQL at")
    done = subprocess.run(["node", str(CHECK), url, str(SHOTS)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in report, report["error"]
    # Everything the page needed came from the gateway itself: no CDN, nothing external, nothing failed.
    assert report["external"] == [] and report["failed"] == []
    assert any(r.endswith("/ide/graphiql.js") for r in report["requests"])
    assert any(r.endswith("/ide/graphql.worker.js") for r in report["requests"])
    # The default query (the example graph's) ran and its data is shown.
    assert '"title"' in report["steps"]["response"] and "Introduction" in report["steps"]["response"]
    # Autocomplete inside `courses { }` offers Course's fields, read from the schema by introspection.
    assert "title" in report["steps"]["suggestions"] and "averageRating" in report["steps"]["suggestions"]
    # The documentation explorer shows the schema's root types.
    assert "Query" in report["steps"]["docs"]
    for shot in ("1-loaded.png", "2-ran.png", "3-autocomplete.png", "4-docs.png"):
        assert (SHOTS / shot).stat().st_size > 10_000
