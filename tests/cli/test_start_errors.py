"""Issue 13: configuration mistakes found at start are one line and exit 2, never a traceback; syntax
errors say where."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from discovery.client import open_registry
from discovery.registry import PublishRequest

ROOT = Path(__file__).resolve().parents[1].parent
SUPERGRAPH = ROOT / "services" / "supergraph.graphql"
ACCOUNTS = ('extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])\n'
            'type Query { me: User }\ntype User @key(fields: "id") { id: ID! name: String }\n')


def bff(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BFF_", "AWS_"))}
    return subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, input=stdin, env={**clean, **(env or {})})


def one_line(result: subprocess.CompletedProcess, command: str, *fragments: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"bff {command}: error: ")
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


@pytest.mark.parametrize("env, fragment", [
    ({"BFF_JWT_JWKS_URL": "https://idp.example.com/.well-known/jwks.json"}, "BFF_JWT_ISSUER is required"),
    ({"BFF_JWT_JWKS_URL": "http://idp.example.com/.well-known/jwks.json", "BFF_JWT_ISSUER": "https://idp.example.com/",
      "BFF_JWT_AUDIENCE": "api"}, "must be https"),
    ({"BFF_JWT_HS256_SECRET": "short"}, "at least 32 bytes"),
], ids=["jwks-without-issuer", "http-jwks", "short-secret"])
def test_a_jwt_misconfiguration_is_one_line_and_exit_2(env, fragment):
    one_line(bff("serve", "--supergraph", str(SUPERGRAPH), "--port", "0", env=env), "serve", fragment)


def test_a_missing_fallback_supergraph_is_an_error_at_start(tmp_path):
    url = f"sqlite:///{tmp_path}/reg.db"
    assert open_registry(url, create=True).publish(PublishRequest("accounts", "http://a.local/graphql", ACCOUNTS, "t")).ok
    missing = tmp_path / "bundled.graphql"
    result = bff("serve", "--registry", url, "--fallback-supergraph", str(missing), "--port", "0")
    one_line(result, "serve", f"the fallback supergraph '{missing}' does not exist")


def test_syntax_errors_carry_line_and_column(tmp_path):
    broken = tmp_path / "broken.graphql"
    broken.write_text(SUPERGRAPH.read_text() + "\ntype Oops {\n  field: \n}\n")
    line = SUPERGRAPH.read_text().count("\n") + 4
    where = f"at line {line}, column 1"
    one_line(bff("serve", "--supergraph", str(broken), "--port", "0"), "serve", "does not parse", where)
    one_line(bff("plan", "--supergraph", str(broken), "-", stdin="{ courses { id } }"), "plan", where)
    query = bff("plan", "--supergraph", str(SUPERGRAPH), "-", stdin="{ courses {\n  id title(\n} }")
    one_line(query, "plan", "Syntax Error", "(line 3, column 1)")
