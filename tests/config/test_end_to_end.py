"""Each section of bff.yaml changes what a user sees, through a real `bff serve --config` process."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.config.conftest import SUPERGRAPH, serving
from tests.support.asgi_server import serve_in_thread

INTROSPECT = {"query": "{ __schema { queryType { name } } }"}


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bff.yaml"
    path.write_text(text)
    return str(path)


def test_cors_preflight_from_an_allowed_and_a_foreign_origin(tmp_path):
    config = _write(tmp_path, f"""
supergraph:
  file: {SUPERGRAPH}
server:
  cors:
    origins: [https://app.example.com]
    max_age: 120
""")
    with serving("--config", config) as url:
        ask = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
        allowed = httpx.options(url, headers={"origin": "https://app.example.com", **ask})
        foreign = httpx.options(url, headers={"origin": "https://evil.example.net", **ask})
    assert allowed.headers.get("access-control-allow-origin") == "https://app.example.com"
    assert allowed.headers.get("access-control-max-age") == "120"
    assert "access-control-allow-origin" not in foreign.headers


def test_introspection_from_the_environment_on_bff_serve(tmp_path):
    with serving("--supergraph", str(SUPERGRAPH)) as url:
        refused = httpx.post(url, json=INTROSPECT).json()
    with serving("--supergraph", str(SUPERGRAPH), env={"BFF_INTROSPECTION": "1"}) as url:
        answered = httpx.post(url, json=INTROSPECT).json()
    assert "data" not in refused or refused["data"] is None, refused
    assert refused["errors"]
    assert answered["data"] == {"__schema": {"queryType": {"name": "Query"}}}


def test_flag_beats_environment_beats_file(tmp_path):
    config = _write(tmp_path, f"supergraph:\n  file: {SUPERGRAPH}\nsecurity:\n  introspection: false\n")
    with serving("--config", config, env={"BFF_INTROSPECTION": "true"}) as url:
        from_env = httpx.post(url, json=INTROSPECT).json()
    assert from_env.get("data") == {"__schema": {"queryType": {"name": "Query"}}}
    config = _write(tmp_path, f"supergraph:\n  file: {SUPERGRAPH}\nserver:\n  batching:\n    max_size: 0\n")
    with serving("--config", config, env={"BFF_MAX_BATCH_SIZE": "0", "BFF_INTROSPECTION": "1"}) as url:
        batch = httpx.post(url, json=[INTROSPECT, INTROSPECT])
    assert batch.status_code == 400  # batching stays off: file and env agree


class _Recorder:
    """The real accounts service, behind a wrapper that records request headers and can be made slow."""

    def __init__(self) -> None:
        from services.accounts.app import app

        self.app = app
        self.headers: list[dict[str, str]] = []
        self.delay = 0.0
        self.answer_headers: list[tuple[str, str]] = []  # added to its /graphql answers

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http" and scope["path"] == "/graphql":
            self.headers.append({k.decode().lower(): v.decode() for k, v in scope["headers"]})
            if self.delay:
                await asyncio.sleep(self.delay)
            extra = [(k.encode(), v.encode()) for k, v in self.answer_headers]
            if extra:
                inner = send

                async def send(message):  # type: ignore[no-untyped-def]
                    if message["type"] == "http.response.start":
                        message = {**message, "headers": [*message.get("headers", []), *extra]}
                    await inner(message)
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def accounts():
    recorder = _Recorder()
    with serve_in_thread(recorder, health_path=None) as server:
        yield recorder, server.graphql_url


def test_per_subgraph_timeout_and_header_rule(tmp_path, accounts):
    recorder, accounts_url = accounts
    config = _write(tmp_path, f"""
supergraph:
  file: {SUPERGRAPH}
subgraphs:
  all:
    timeout: 30
    retries: {{attempts: 0}}
  accounts:
    url: {accounts_url}
    timeout: 0.5
    headers:
      propagate: [x-tenant]
""")
    with serving("--config", config) as url:
        recorder.delay = 0.0
        ok = httpx.post(url, json={"query": "{ users { id } }"}, headers={"x-tenant": "t1", "x-other": "no"})
        sent = recorder.headers[-1]
        recorder.delay = 3.0
        started = time.monotonic()
        slow = httpx.post(url, json={"query": "{ users { id } }"}, timeout=20)
        elapsed = time.monotonic() - started
        recorder.delay = 0.0
    assert ok.status_code == 200 and ok.json()["data"]["users"], ok.text
    assert sent.get("x-tenant") == "t1" and "x-other" not in sent
    body = slow.json()
    assert body["data"] is None or body["data"].get("users") is None, body
    assert body["errors"], body
    assert elapsed < 2.5, f"the 0.5 s timeout of subgraphs.accounts did not apply ({elapsed:.1f} s)"


def test_response_header_rule_through_bff_serve(tmp_path, accounts):
    recorder, accounts_url = accounts
    config = _write(tmp_path, f"""
supergraph:
  file: {SUPERGRAPH}
subgraphs:
  accounts:
    url: {accounts_url}
    headers:
      response: [x-served-by, x-accounts-*]
""")
    recorder.answer_headers = [("X-Served-By", "accounts-3"), ("X-Accounts-Region", "eu-west-1"),
                               ("X-Internal-Build", "42"), ("Set-Cookie", "seen=1; HttpOnly")]
    try:
        with serving("--config", config) as url:
            ruled = httpx.post(url, json={"query": "{ users { id } }"})
        with serving("--supergraph", str(SUPERGRAPH), "--subgraph-url", f"accounts={accounts_url}") as url:
            unruled = httpx.post(url, json={"query": "{ users { id } }"})
    finally:
        recorder.answer_headers = []
    assert ruled.status_code == 200 and ruled.json()["data"]["users"], ruled.text
    assert ruled.headers.get("x-served-by") == "accounts-3"
    assert ruled.headers.get("x-accounts-region") == "eu-west-1"
    assert "x-internal-build" not in ruled.headers  # named by no rule
    assert ruled.headers.get_list("set-cookie") == ["seen=1; HttpOnly"]  # always merged
    assert unruled.json()["data"]["users"], unruled.text
    assert "x-served-by" not in unruled.headers and unruled.headers.get_list("set-cookie") == ["seen=1; HttpOnly"]


def test_a_bad_config_starts_nothing(tmp_path):
    from tests.config.conftest import bff

    config = _write(tmp_path, f"supergraph:\n  file: {SUPERGRAPH}\nserver:\n  cors:\n    origin: [x]\n")
    result = bff("serve", "--config", config, "--port", "0")
    assert result.returncode == 2
    assert "GraphQL endpoint" not in result.stdout
    assert "`server.cors.origin`: unknown key; did you mean `origins`?" in result.stderr
    assert "Traceback" not in result.stderr


def test_limits_persisted_documents_and_telemetry_sections(tmp_path):
    apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}
    deep = {"query": "{ courses { instructor { name } } }"}
    with serving("--supergraph", str(SUPERGRAPH)) as url:
        default_deep = httpx.post(url, json=deep).json()
        default_apq = httpx.post(url, json=apq).json()
        default_metrics = httpx.get(url.replace("/graphql", "/metrics"))
    config = _write(tmp_path, f"""
supergraph: {{file: {SUPERGRAPH}}}
limits: {{max_depth: 2}}
persisted_documents: {{apq: {{enabled: false}}}}
telemetry: {{metrics: {{exporter: prometheus}}}}
""")
    with serving("--config", config) as url:
        limited = httpx.post(url, json=deep).json()
        no_apq = httpx.post(url, json=apq).json()
        metrics = httpx.get(url.replace("/graphql", "/metrics"))
    codes = lambda body: [e.get("extensions", {}).get("code") for e in body.get("errors", [])]  # noqa: E731
    assert "MAX_DEPTH_EXCEEDED" not in str(codes(default_deep)) and "depth" not in str(default_deep).lower()
    assert any("depth" in (e.get("message") or "").lower() for e in limited["errors"]), limited
    assert codes(default_apq) == ["PERSISTED_QUERY_NOT_FOUND"], default_apq
    assert codes(no_apq) != ["PERSISTED_QUERY_NOT_FOUND"] and no_apq["errors"], no_apq
    assert default_metrics.status_code == 404 and metrics.status_code == 200
