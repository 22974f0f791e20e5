"""The registry's interfaces: the HTTP API (with its deploy token), its client, and the `bff` subcommands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from registry_support import ACCOUNTS, LINK, REVIEWS

from discovery.client import HttpRegistry, open_registry
from discovery.http_api import ApiConfig, create_registry_app
from discovery.registry import PublishRequest
from tests.support.asgi_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "deploy-token-for-tests"


@pytest.fixture
def api(tmp_path):
    registry = open_registry(f"sqlite:///{tmp_path}/api.db", create=True)
    app = create_registry_app(registry, ApiConfig(deploy_token=TOKEN))
    with serve_in_thread(app, health_path=None) as server:
        yield server.base_url


def test_publishing_needs_the_deploy_token(api):
    body = {"endpoint": "http://a.local/graphql", "sdl": ACCOUNTS}
    assert httpx.put(f"{api}/v1/services/accounts", json=body).status_code == 401
    wrong = httpx.put(f"{api}/v1/services/accounts", json=body, headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Bearer")
    ok = httpx.put(f"{api}/v1/services/accounts", json=body, headers={"authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json()["version"] == 1
    assert httpx.get(f"{api}/v1/version").status_code == 401  # reads need a token unless the registry is local
    assert httpx.get(f"{api}/v1/version", headers={"authorization": f"Bearer {TOKEN}"}).json() == {"version": 1}
    assert httpx.delete(f"{api}/v1/services/accounts").status_code == 401


def test_reads_can_be_protected(tmp_path):
    app = create_registry_app(open_registry(f"sqlite:///{tmp_path}/r.db", create=True), ApiConfig(deploy_token=TOKEN, read_token="r"))
    with serve_in_thread(app, health_path=None) as server:
        assert httpx.get(f"{server.base_url}/v1/version").status_code == 401
        assert httpx.get(f"{server.base_url}/v1/version", headers={"authorization": "Bearer r"}).json() == {"version": 0}


def test_publishing_disabled_without_a_configured_token(tmp_path):
    app = create_registry_app(open_registry(f"sqlite:///{tmp_path}/r.db", create=True), ApiConfig())
    with serve_in_thread(app, health_path=None) as server:
        r = httpx.put(f"{server.base_url}/v1/services/a", json={}, headers={"authorization": "Bearer x"})
        assert r.status_code == 403 and r.json()["errors"][0]["code"] == "PUBLISHING_DISABLED"


def test_http_client_round_trip_and_refusals(api):
    client = HttpRegistry(api, token=TOKEN)
    assert client.publish(PublishRequest("accounts", "http://a.local/graphql", ACCOUNTS, "ci")).version == 1
    assert client.publish(PublishRequest("reviews", "http://r.local/graphql", REVIEWS, "ci")).version == 2
    clash = client.publish(PublishRequest("clash", "http://c.local/graphql", LINK + "type Query { me: Int }", "ci"))
    assert not clash.ok and any(p.coordinate == "Query.me" for p in clash.problems)
    bad = httpx.put(f"{api}/v1/services/x", content=b"not json", headers={"authorization": f"Bearer {TOKEN}"})
    assert bad.status_code == 400
    typed = httpx.put(f"{api}/v1/services/x", json={"endpoint": 5, "sdl": ACCOUNTS},
                      headers={"authorization": f"Bearer {TOKEN}"})
    assert typed.status_code == 400 and typed.json()["errors"] == [{"code": "BAD_REQUEST",
                                                                    "message": "endpoint must be a string"}]
    missing = httpx.put(f"{api}/v1/services/x", json={"endpoint": "http://x.local/graphql"},
                        headers={"authorization": f"Bearer {TOKEN}"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["code"] == "INVALID_SDL"
    huge = httpx.put(f"{api}/v1/services/x", json={"endpoint": "http://x/", "sdl": "#" * 2_100_000},
                     headers={"authorization": f"Bearer {TOKEN}"})
    assert huge.status_code == 413
    assert [s.name for s in client.services()] == ["accounts", "reviews"]
    assert client.show("reviews").sdl == REVIEWS and client.show("nope") is None
    assert [e.service for e in client.history()] == ["accounts", "reviews"]
    stored = client.supergraph()
    assert stored.version == 2 and "join__Graph" in stored.sdl
    refused = client.remove("reviews", "ci")  # over HTTP too, remove runs the breaking-change check
    assert not refused.ok and refused.problems[0].code == "BREAKING_CHANGE" and client.version() == 2
    assert client.remove("reviews", "ci", allow_breaking=True).version == 3 and client.version() == 3


def _bff(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gateway", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=60, env={"PATH": "/usr/bin:/bin", "BFF_PUBLISHER": "cli-test",
                                                            "PYTHONPATH": str(ROOT)})


def test_cli_publish_services_history_supergraph(tmp_path):
    reg = ["--registry", f"sqlite:///{tmp_path}/cli.db"]
    schema = tmp_path / "accounts.graphql"
    schema.write_text(ACCOUNTS)
    done = _bff("publish", "--name", "accounts", "--url", "http://a.local/graphql", "--schema", str(schema), *reg,
                "--create")
    assert done.returncode == 0 and "graph version 1" in done.stdout, done.stderr
    assert _bff("publish", "--name", "reviews", "--url", "http://r.local/graphql", "--schema", "-", *reg,
                stdin=REVIEWS).returncode == 0
    listed = _bff("services", *reg)
    assert listed.stdout.splitlines()[0].startswith("accounts\thttp://a.local/graphql")
    history = _bff("history", "reviews", *reg)
    assert "v2" in history.stdout and "cli-test" in history.stdout
    out = tmp_path / "sg.graphql"
    assert _bff("supergraph", "-o", str(out), *reg).returncode == 0 and "join__Graph" in out.read_text()
    refused = _bff("remove", "reviews", *reg)  # its fields leave the API: breaking, like a publish dropping them
    assert refused.returncode == 1 and "BREAKING_CHANGE" in refused.stderr and "--allow-breaking" in refused.stderr
    removed = _bff("remove", "reviews", "--allow-breaking", *reg)
    assert removed.returncode == 0 and "graph version 3" in removed.stdout


def test_cli_errors_are_one_line_with_exit_codes(tmp_path):
    reg = ["--registry", f"sqlite:///{tmp_path}/cli.db"]
    missing = _bff("publish", "--name", "a", "--url", "http://a/graphql", "--schema", str(tmp_path / "nope"), *reg)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "cannot read schema" in missing.stderr
    bad = tmp_path / "bad.graphql"
    bad.write_text("type Query {")
    refused = _bff("publish", "--name", "a", "--url", "http://a/graphql", "--schema", str(bad), *reg)
    assert refused.returncode == 1 and "INVALID_SDL" in refused.stderr and "Traceback" not in refused.stderr
    assert _bff("services", "--registry", "ftp://x").returncode == 2
    down = _bff("services", "--registry", "http://127.0.0.1:9/")
    assert down.returncode == 1 and "cannot reach the registry" in down.stderr and "Traceback" not in down.stderr
    unreachable = _bff("publish", "--name", "a", "--url", "http://127.0.0.1:9/graphql", *reg)
    assert unreachable.returncode == 1 and "cannot reach http://127.0.0.1:9/graphql" in unreachable.stderr
    assert _bff("supergraph", *reg).returncode == 1
