"""graphql-http's server audit (the GraphQL-over-HTTP spec's conformance checks)
against `bff serve` as a user starts it, over a real strawberry subgraph."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import strawberry
from http_doubles import serve
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    def product(self, id: strawberry.ID) -> Product | None:
        return Product(id=id, name="Chair")


@strawberry.type
class Mutation:
    @strawberry.mutation
    def touch(self) -> bool:
        return True


# federation 2.7: a link version both reference composers know.
SCHEMA = Schema(query=Query, mutation=Mutation, federation_version="2.7")


def require_node() -> None:
    if shutil.which("node") and (NODE_DIR / "node_modules" / "graphql-http").is_dir():
        return
    from tests.support.requires import missing

    missing("node and tests/node/node_modules (graphql-http) are needed; run scripts/test")


def compose(subgraphs: list[dict]) -> str:
    proc = subprocess.run(["node", "compose.mjs"], input=json.dumps(subgraphs), capture_output=True,
                          text=True, cwd=NODE_DIR, timeout=120)
    assert proc.returncode == 0, f"composition failed: {proc.stderr}"
    return proc.stdout


def start_bff_serve(supergraph: Path, logs: Path) -> tuple[subprocess.Popen, str]:
    """`python -m gateway serve --port 0`; returns the process and the URL it prints.

    Output goes to a file, not a pipe: uvicorn's access log must never block on a full pipe.
    """
    with logs.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--supergraph", str(supergraph), "--port", "0", "--introspection"],
            # full-text GET is off (production): the audit's GET cases are MAY (notices), not MUST/SHOULD
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        for line in logs.read_text().splitlines():
            if line.startswith("bff: GraphQL endpoint at http://"):
                return proc, line.split(" at ", 1)[1].strip()
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    pytest.fail(f"bff serve did not start:\n{logs.read_text()[-4000:]}")


def wait_healthy(url: str) -> None:
    health = url.rsplit("/graphql", 1)[0] + "/health"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(health).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{health} never answered 200")


def test_bff_serve_passes_the_graphql_over_http_audit(tmp_path):
    require_node()
    with serve(GraphQL(SCHEMA), lifespan="off") as subgraph_base:
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(compose([{"name": "catalog", "url": f"{subgraph_base}/graphql", "sdl": SCHEMA.as_str()}]))
        proc, url = start_bff_serve(supergraph, tmp_path / "bff-serve.log")
        try:
            wait_healthy(url)
            audit = subprocess.run(["node", "http-audit.mjs", url], capture_output=True, text=True,
                                   cwd=NODE_DIR, timeout=120)
            assert audit.returncode == 0, audit.stderr
            results = json.loads(audit.stdout)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    assert len(results) >= 50  # the audit ran in full
    failed = [r for r in results if r["status"] in ("warn", "error")]
    report = "\n".join(
        f"  {r['id']} [{r['status']}] {r['name']}: {r.get('reason')} "
        f"(got {r.get('responseStatus')}: {r.get('responseBody')})"
        for r in failed
    )
    assert not failed, f"{len(failed)} GraphQL-over-HTTP audits failed:\n{report}"
