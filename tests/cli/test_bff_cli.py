"""The `bff` command as a user runs it: exit codes, messages, and what gets imported."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"

PRODUCTS = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Query { topProducts: [Product!]! }
type Product @key(fields: "id") { id: ID! name: String! }
"""
REVIEWS = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Product @key(fields: "id") { id: ID! reviews: [Review!]! }
type Review { body: String! }
"""
QUERY = "query Top { topProducts { name reviews { body } } }"


def bff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def assert_usage_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.fixture(scope="module")
def supergraph(tmp_path_factory) -> Path:
    if not (shutil.which("node") and (NODE_DIR / "node_modules").is_dir()):
        from tests.support.requires import missing

        missing("node and tests/node/node_modules are needed; run scripts/test")
    subgraphs = [
        {"name": "products", "url": "http://127.0.0.1:4001/graphql", "sdl": PRODUCTS},
        {"name": "reviews", "url": "http://127.0.0.1:4002/graphql", "sdl": REVIEWS},
    ]
    proc = subprocess.run(["node", "compose.mjs"], input=json.dumps(subgraphs), capture_output=True,
                          text=True, cwd=NODE_DIR, timeout=120)
    assert proc.returncode == 0, proc.stderr
    path = tmp_path_factory.mktemp("cli") / "supergraph.graphql"
    path.write_text(proc.stdout)
    return path


def test_plan_prints_the_query_plan(supergraph, tmp_path):
    query_file = tmp_path / "top.graphql"
    query_file.write_text(QUERY)
    result = bff("plan", "--supergraph", str(supergraph), str(query_file))
    assert result.returncode == 0, result.stderr
    plan = result.stdout
    assert plan.startswith("QueryPlan {")
    assert 'Fetch(service: "products")' in plan
    assert 'Flatten(path: "topProducts.@")' in plan
    assert plan.index('"products"') < plan.index('"reviews"')  # reviews need the products' keys first


def test_plan_reads_the_query_from_stdin_with_operation_name_and_variables(supergraph):
    query = QUERY + "\nquery Other($n: Boolean!) { topProducts { name @include(if: $n) } }"
    result = bff("plan", "--supergraph", str(supergraph), "-", "--operation-name", "Other",
                 "--variables", '{"n": true}', stdin=query)
    assert result.returncode == 0, result.stderr
    assert 'Fetch(service: "products")' in result.stdout
    assert "reviews" not in result.stdout


def test_plan_of_an_invalid_query_is_a_clear_error(supergraph):
    result = bff("plan", "--supergraph", str(supergraph), "-", stdin="{ nope }")
    assert_usage_error(result, "bff plan: error:", "nope")


@pytest.mark.parametrize("variables, message", [("{not json", "not valid JSON"), ("[1]", "must be a JSON object")])
def test_plan_with_bad_variables_is_a_clear_error(supergraph, variables, message):
    result = bff("plan", "--supergraph", str(supergraph), "-", "--variables", variables, stdin=QUERY)
    assert_usage_error(result, "--variables", message)


def test_plan_with_a_missing_query_file_is_a_clear_error(supergraph, tmp_path):
    result = bff("plan", "--supergraph", str(supergraph), str(tmp_path / "missing.graphql"))
    assert_usage_error(result, "cannot read query file", "missing.graphql")


@pytest.mark.parametrize("command", ["plan", "serve"])
def test_a_missing_supergraph_is_a_clear_error(command, tmp_path):
    args = [command, "--supergraph", str(tmp_path / "nope.graphql")] + (["-"] if command == "plan" else [])
    result = bff(*args, stdin=QUERY)
    assert_usage_error(result, f"bff {command}: error:", "nope.graphql")


def test_an_invalid_supergraph_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.graphql"
    path.write_text("type Query {")
    result = bff("serve", "--supergraph", str(path))
    assert_usage_error(result, "bff serve: error:", "broken.graphql")


def test_serve_rejects_a_malformed_subgraph_url():
    result = bff("serve", "--supergraph", "x.graphql", "--subgraph-url", "accounts")
    assert_usage_error(result, "NAME=URL")


def test_serve_rejects_a_subgraph_url_for_an_unknown_subgraph(supergraph):
    result = bff("serve", "--supergraph", str(supergraph), "--subgraph-url", "nope=http://127.0.0.1:1/graphql")
    assert_usage_error(result, "nope")


def test_no_command_prints_usage():
    result = bff()
    assert_usage_error(result, "usage: bff")
    assert "serve" in result.stderr and "plan" in result.stderr and "dev" in result.stderr


def test_dev_hands_every_argument_to_gateway_dev(monkeypatch):
    import gateway.dev
    from gateway.cli import main

    seen: list[list[str]] = []
    monkeypatch.setattr(gateway.dev, "main", lambda argv: seen.append(list(argv)) or 7)
    assert main(["dev", "--port", "0", "--help"]) == 7
    assert seen == [["--port", "0", "--help"]]


def test_plan_does_not_import_the_server(supergraph):
    code = (
        "import sys\n"
        "from gateway.cli import main\n"
        f"rc = main(['plan', '--supergraph', {str(supergraph)!r}, '-'])\n"
        "print('loaded:', [m for m in ('uvicorn', 'mangum', 'strawberry') if m in sys.modules])\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], input=QUERY, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "loaded: []" in result.stdout
