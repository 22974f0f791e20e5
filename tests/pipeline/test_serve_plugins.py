"""Plugins from bff.yaml through a real `bff serve --config` process: the audit log and a header rule
(seen by a real subgraph), and a plugin that cannot start stopping the start with exit 2."""

from __future__ import annotations

import json

import httpx

from tests.config.conftest import bff, serving


def _config(tmp_path, supergraph: str, plugins: str) -> str:
    (tmp_path / "supergraph.graphql").write_text(supergraph)
    path = tmp_path / "bff.yaml"
    path.write_text(f"supergraph:\n  file: {tmp_path / 'supergraph.graphql'}\nplugins:\n{plugins}")
    return str(path)


def test_plugins_from_the_config_file_under_bff_serve(supergraph, tmp_path):
    log = tmp_path / "audit.jsonl"
    config = _config(tmp_path, supergraph, f"""\
  - use: gateway.plugins.audit_log:AuditLog
    options: {{path: {log}, deny_clients: [scraper]}}
  - use: tests.pipeline.plugins:SetHeader
    options: {{subgraph: people, name: X-Tenant, value: acme}}
""")
    query = 'query Mine { me { name posts { title } } tenant: header(name: "x-tenant") }'
    with serving("--config", config) as url:
        ok = httpx.post(url, json={"query": query}, headers={"apollographql-client-name": "web"})
        refused = httpx.post(url, json={"query": query}, headers={"apollographql-client-name": "scraper"})
    assert ok.status_code == 200
    assert ok.json() == {"data": {"me": {"name": "Ada", "posts": [{"title": "post 1.0"}, {"title": "post 1.1"}]},
                                  "tenant": "acme"}}
    assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(line["operation"], line["outcome"], line["subgraphs"]) for line in lines] == [
        ("Mine", "ok", ["people", "posts"]), (None, "refused", [])]


def test_a_plugin_that_cannot_start_stops_bff_serve(supergraph, tmp_path):
    config = _config(tmp_path, supergraph, """\
  - use: tests.pipeline.plugins:Broken
    options: {level: 7}
""")
    result = bff("serve", "--config", config, "--port", "0")
    assert result.returncode == 2
    assert "plugins[0] (tests.pipeline.plugins:Broken): Broken(level) raised RuntimeError: cannot start at level 7" \
        in result.stderr
    assert "Traceback" not in result.stderr
