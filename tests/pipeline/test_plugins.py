"""User plugins through the real gateway: the audit-log example over HTTP, a header rule seen by a
real subgraph, the hooks' order and what each sees, and every way a plugin entry can be wrong."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from gateway.auth.authenticate import Authenticator
from gateway.auth.config import AuthConfig
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.http.asgi import create_app
from gateway.pipeline import PluginError, Reject, check_plugin_specs, load_plugins
from gateway.request import GraphQLRequest
from tests.auth.idp import claims, hs256_token
from tests.support.asgi_server import serve_in_thread

SECRET = b"pipeline-test-secret-0123456789ab"
QUERY = "query MyPosts { me { name posts { title } } }"


def test_audit_log_plugin_through_the_http_app(supergraph, tmp_path):
    log = tmp_path / "audit.jsonl"
    config = GatewayConfig(plugins=[{"use": "gateway.plugins.audit_log:AuditLog",
                                     "options": {"path": str(log), "deny_clients": ["scraper"]}}])
    gateway = Gateway(supergraph, config)
    app = create_app(gateway, config, Authenticator(AuthConfig(hs256_secret=SECRET)))
    token = hs256_token(SECRET, claims(sub="ada"))
    with serve_in_thread(app) as server:
        ok = httpx.post(server.graphql_url, json={"query": QUERY, "operationName": "MyPosts"},
                        headers={"authorization": f"Bearer {token}", "apollographql-client-name": "web"})
        refused = httpx.post(server.graphql_url, json={"query": QUERY},
                             headers={"authorization": f"Bearer {token}", "apollographql-client-name": "scraper"})
        bad = httpx.post(server.graphql_url, json={"query": "{ me { nope } }"},
                         headers={"authorization": f"Bearer {token}"})
    asyncio.run(gateway.aclose())
    assert ok.status_code == 200 and ok.json() == {
        "data": {"me": {"name": "Ada", "posts": [{"title": "post 1.0"}, {"title": "post 1.1"}]}}}
    assert refused.status_code == 403
    assert refused.json() == {"errors": [{"message": 'Client "scraper" may not use this API.',
                                          "extensions": {"code": "FORBIDDEN"}}]}
    assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 3
    first, second, third = lines
    assert first["principal"] == {"kind": "viewer", "subject": "ada"}
    assert (first["client"], first["operation"], first["kind"], first["outcome"]) == ("web", "MyPosts", "query", "ok")
    assert first["subgraphs"] == ["people", "posts"] and len(first["sha256"]) == 64
    assert (second["client"], second["outcome"], second["subgraphs"], second["errors"]) == (
        "scraper", "refused", [], {"FORBIDDEN": 1})
    assert third["outcome"] == "refused" and third["operation"] is None
    assert third["errors"] == {"GRAPHQL_VALIDATION_FAILED": 1}


def test_header_rule_plugin_changes_the_header_a_real_subgraph_sees(supergraph):
    specs = [{"use": "tests.pipeline.plugins:SetHeader",
              "options": {"subgraph": "people", "name": "X-Tenant", "value": "acme"}}]
    # x-tenant from the client is propagated by the rules, then replaced by the plugin for "people";
    # a client's x-bff-principal never passes, even when a rule names it.
    config = GatewayConfig(plugins=specs, propagate_headers={"*": ["x-tenant", "x-bff-principal"]})
    gateway = Gateway(supergraph, config)
    query = '{ tenant: header(name: "x-tenant") spoof: header(name: "x-bff-principal") }'
    response = asyncio.run(_execute(gateway, GraphQLRequest(query, headers={"x-tenant": "evil",
                                                                            "x-bff-principal": "admin"})))
    assert response.body == {"data": {"tenant": "acme", "spoof": ""}}
    plain = Gateway(supergraph, GatewayConfig(propagate_headers={"*": ["x-tenant"]}))
    response = asyncio.run(_execute(plain, GraphQLRequest(query, headers={"x-tenant": "evil"})))
    assert response.body == {"data": {"tenant": "evil", "spoof": ""}}


async def _execute(gateway: Gateway, request: GraphQLRequest):
    try:
        return await gateway.execute(request)
    finally:
        await gateway.aclose()


class Recorder:
    """Every hook, sync and async, recording what it saw."""

    def __init__(self, name: str, seen: list) -> None:
        self.name, self.seen = name, seen

    async def on_request(self, ctx):
        self.seen.append((self.name, "request", ctx.query is not None, ctx.operation))

    def on_operation(self, ctx):
        self.seen.append((self.name, "operation", ctx.operation.name, ctx.operation.kind, ctx.variables))

    def on_plan(self, ctx):
        self.seen.append((self.name, "plan", len(ctx.prepared.plan.fetches)))

    def on_subgraph_request(self, ctx, call):
        self.seen.append((self.name, "subgraph_request", call.service))

    async def on_subgraph_response(self, ctx, call):
        self.seen.append((self.name, "subgraph_response", call.service, call.error is None,
                          "data" in (call.response or {})))

    def on_execute(self, ctx):
        self.seen.append((self.name, "execute", sorted(ctx.data)))

    def on_response(self, ctx):
        self.seen.append((self.name, "response", ctx.response.request_error))
        ctx.response_headers[f"x-{self.name}"] = "1"
        ctx.extensions[self.name] = True


def test_hooks_run_in_order_and_see_the_request(supergraph):
    seen: list = []
    gateway = Gateway(supergraph, GatewayConfig(plugins=[Recorder("a", seen), Recorder("b", seen)]))
    response = asyncio.run(_execute(gateway, GraphQLRequest("query Q($n: String!) { me { name } header(name: $n) }",
                                                            "Q", variables={"n": "x-none"})))
    assert response.body == {"data": {"me": {"name": "Ada"}, "header": ""}, "extensions": {"a": True, "b": True}}
    assert response.headers["x-a"] == response.headers["x-b"] == "1"
    assert seen == [
        ("a", "request", True, None), ("b", "request", True, None),
        ("a", "operation", "Q", "query", {"n": "x-none"}), ("b", "operation", "Q", "query", {"n": "x-none"}),
        ("a", "plan", 1), ("b", "plan", 1),
        ("a", "subgraph_request", "people"), ("b", "subgraph_request", "people"),
        ("b", "subgraph_response", "people", True, True), ("a", "subgraph_response", "people", True, True),
        ("a", "execute", ["header", "me"]), ("b", "execute", ["header", "me"]),
        ("b", "response", False), ("a", "response", False),
    ]


def test_subgraph_hooks_see_a_failed_call(supergraph):
    seen: list = []
    config = GatewayConfig(plugins=[Recorder("a", seen)], subgraph_urls={"people": "http://127.0.0.1:9/graphql"},
                           subgraph_retries=0)
    response = asyncio.run(_execute(Gateway(supergraph, config), GraphQLRequest("{ me { name } }")))
    assert response.body["errors"][0]["extensions"]["code"] == "SUBGRAPH_REQUEST_FAILED"
    assert ("a", "subgraph_response", "people", False, False) in seen


class RejectMutations:
    def on_operation(self, ctx):
        if ctx.operation.kind == "mutation" or ctx.operation.name == "Forbidden":
            raise Reject("Not today.", code="NOT_ALLOWED", status=422)


def test_on_operation_may_reject(supergraph):
    gateway = Gateway(supergraph, GatewayConfig(plugins=[RejectMutations()]))
    response = asyncio.run(_execute(gateway, GraphQLRequest("query Forbidden { me { name } }")))
    assert response.request_error and response.status == 422
    assert response.body == {"errors": [{"message": "Not today.", "extensions": {"code": "NOT_ALLOWED"}}]}


def test_async_hooks_are_refused_where_they_must_be_plain():
    class AsyncPlan:
        async def on_plan(self, ctx):
            pass

    from gateway.pipeline import Pipeline

    with pytest.raises(TypeError, match="AsyncPlan.on_plan must be a plain function"):
        Pipeline([AsyncPlan()])


@pytest.mark.parametrize("spec, message", [
    ({"use": "tests.pipeline.nowhere:Plugin"},
     r"plugins\[0\] \(tests.pipeline.nowhere:Plugin\): module 'tests.pipeline.nowhere' does not import: "
     r"ModuleNotFoundError"),
    ({"use": "tests.pipeline.plugins:Missing"},
     r"plugins\[0\] \(tests.pipeline.plugins:Missing\): module 'tests.pipeline.plugins' has no 'Missing'"),
    ({"use": "tests.pipeline.plugins:Broken", "options": {"level": 3}},
     r"plugins\[0\] \(tests.pipeline.plugins:Broken\): Broken\(level\) raised RuntimeError: cannot start at level 3"),
    ({"use": "tests.pipeline.plugins:SetHeader", "options": {"subgraph": "a"}},
     r"SetHeader\(subgraph\) raised TypeError: .*missing 2 required"),
    ({"use": "tests.pipeline.plugins:NoHooks"},
     r"plugins\[0\] \(tests.pipeline.plugins:NoHooks\): NoHooks is not a plugin \(it has none of the hooks"),
    ({"use": "tests.pipeline.plugins.SetHeader"}, r"plugins\[0\]: 'use' must be 'package.module:Class'"),
    ({"use": "tests.pipeline.plugins:SetHeader", "option": {}}, r"plugins\[0\]: unknown key 'option'"),
    ({"use": "tests.pipeline.plugins:SetHeader", "options": ["a"]}, r"'options' must be a mapping"),
    ("tests.pipeline.plugins:SetHeader", r"plugins\[0\]: str is not a plugin"),
])
def test_plugin_entries_that_do_not_load_say_why(spec, message):
    with pytest.raises(PluginError, match=message):
        load_plugins([spec])
    problems = check_plugin_specs([{"use": "gateway.plugins.audit_log:AuditLog"}, spec])
    assert len(problems) == 1 and problems[0].startswith("plugins[1]")


def test_a_bad_plugin_stops_the_gateway_from_starting(supergraph):
    with pytest.raises(PluginError, match=r"plugins\[0\] \(tests.pipeline.plugins:Broken\)"):
        Gateway(supergraph, GatewayConfig(plugins=[{"use": "tests.pipeline.plugins:Broken",
                                                    "options": {"level": 1}}]))
    with pytest.raises(PluginError, match="deny_clients must be a list"):
        load_plugins([{"use": "gateway.plugins.audit_log:AuditLog", "options": {"deny_clients": "scraper"}}])
