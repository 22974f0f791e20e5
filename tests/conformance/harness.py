"""Scenario harness for the federation conformance suite.

A scenario module declares

    SCENARIO = Scenario("keys", [PySubgraph("accounts", make_app), NodeSubgraph("catalog", "keys_catalog.mjs"), ...])
    CASES = [Case("id", "query { ... }", {"data": ...}, requests={"accounts": 1}), ...]

and the conftest gives it a module-scoped `env` (subgraphs started once, the
supergraph composed from their `_service { sdl }`, our Gateway in-process and an
@apollo/gateway reference started on first use) and parametrizes `case` over
CASES. The usual three tests per module:

    async def test_gateway(case, env):      await env.check_ours(case)       # ours == expected
    async def test_apollo_reference(case, env): await env.check_apollo(case) # expected == @apollo/gateway
    async def test_differential(case, env): await env.differential(case)     # ours == @apollo/gateway
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support.compose import compose
from tests.support.node_peers import NodePeer, start_apollo_gateway, start_node_subgraph
from tests.support.py_peers import RecordingApp, closed_port_url, serve_asgi

# ---------------------------------------------------------------- declarations


@dataclass
class PySubgraph:
    """A Python subgraph: `make_app()` returns an ASGI app (e.g. strawberry GraphQL(schema));
    `reset()` restores its seed data before every case."""

    name: str
    make_app: Callable[[], Any]
    reset: Callable[[], None] | None = None


@dataclass
class NodeSubgraph:
    """An @apollo/subgraph service from tests/node/subgraphs/<module>."""

    name: str
    module: str


@dataclass
class DownSubgraph:
    """A subgraph in the supergraph that nobody serves (connection refused)."""

    name: str
    sdl: str


@dataclass
class Scenario:
    name: str
    subgraphs: list
    composer: str = "guild"


@dataclass
class Case:
    id: str
    query: str
    expected: dict  # the whole response body: {"data": ...} and/or {"errors": [...]}
    variables: dict | None = None
    operation_name: str | None = None
    # Exact number of requests each subgraph must receive (unlisted subgraphs: 0). None: not checked.
    requests: dict[str, int] | None = None
    # Extra checks on the subgraph request logs: fn({name: [ {query, variables, operationName} ]}).
    check_requests: Callable[[dict], None] | None = None
    # "exact": errors compared by message and path; "paths": by path only (gateway-made messages);
    # "present": at least one error, whatever it says.
    errors: str = "exact"
    # Set when @apollo/gateway is known to answer differently: the reason (its checks xfail).
    apollo_differs: str | None = None
    # Known difference in the request pattern only (counts not checked against Apollo).
    apollo_requests_differ: str | None = None


# ---------------------------------------------------------------- comparison


def ordered(value: Any) -> Any:
    """JSON value with object key order made significant (GraphQL orders fields as queried)."""
    if isinstance(value, dict):
        return [(k, ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def _error_keys(errors: list[dict], mode: str) -> list:
    keys = []
    for e in errors:
        path = e.get("path")
        if mode == "exact":
            keys.append((e.get("message"), json.dumps(path)))
        else:
            keys.append(json.dumps(path))
    return sorted(keys)


def assert_body(got: dict, expected: dict, mode: str = "exact", who: str = "gateway") -> None:
    assert isinstance(got, dict), f"{who}: response is not an object: {got!r}"
    if "data" in expected:
        assert "data" in got, f"{who}: no data in {json.dumps(got)}"
        assert ordered(got["data"]) == ordered(expected["data"]), (
            f"{who}: data differs\n  got:      {json.dumps(got['data'])}\n  expected: {json.dumps(expected['data'])}"
            f"\n  errors: {json.dumps(got.get('errors'))}"
        )
    else:
        assert "data" not in got or got["data"] is None, f"{who}: expected no data (request error), got {json.dumps(got)}"
    exp_errors = expected.get("errors") or []
    got_errors = got.get("errors") or []
    if not exp_errors:
        assert not got_errors, f"{who}: unexpected errors {json.dumps(got_errors)}"
        return
    assert got_errors, f"{who}: expected errors {json.dumps(exp_errors)}, got none"
    for e in got_errors:
        assert isinstance(e.get("message"), str) and e["message"], f"{who}: error without message: {e}"
    if mode == "present":
        return
    assert _error_keys(got_errors, mode) == _error_keys(exp_errors, mode), (
        f"{who}: errors differ ({mode})\n  got:      {json.dumps(got_errors)}\n  expected: {json.dumps(exp_errors)}"
    )


def assert_no_leaks(body: dict, urls: list[str]) -> None:
    text = json.dumps(body)
    for url in urls:
        hostport = re.sub(r"^https?://", "", url).split("/")[0]
        assert hostport not in text, f"response leaks an internal address ({hostport}): {text}"
    for marker in ("Traceback", "stacktrace", 'File "', ".py\", line"):
        assert marker not in text, f"response leaks a stack trace ({marker!r}): {text}"


def entity_calls(log: list[dict]) -> list[dict]:
    return [r for r in log if r.get("query") and "_entities" in r["query"]]


def representations(log: list[dict]) -> list[list]:
    """The representations list of each `_entities` request in a log."""
    out = []
    for r in entity_calls(log):
        for v in (r.get("variables") or {}).values():
            if isinstance(v, list) and v and isinstance(v[0], dict) and "__typename" in v[0]:
                out.append(v)
    return out


# ---------------------------------------------------------------- environment


class Env:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._stack: list[Callable[[], None]] = []
        self.urls: dict[str, str] = {}
        self.base_urls: dict[str, str] = {}
        self.supergraph: str = ""
        self._ours = None
        self._apollo: NodePeer | None = None
        self.http = httpx.AsyncClient(timeout=30)

    # -- lifecycle
    def start(self) -> Env:
        try:
            # Node peers first, without waiting: they start in parallel with the rest.
            pending: dict[str, NodePeer] = {}
            for sg in self.scenario.subgraphs:
                if isinstance(sg, NodeSubgraph):
                    peer = start_node_subgraph(sg.module, sg.name, wait=False)
                    self._stack.append(peer.stop)
                    pending[sg.name] = peer
            for sg in self.scenario.subgraphs:
                if isinstance(sg, PySubgraph):
                    app = RecordingApp(sg.make_app(), on_reset=sg.reset)
                    cm = serve_asgi(app)
                    base = cm.__enter__()
                    self._stack.append(lambda cm=cm: cm.__exit__(None, None, None))
                    self.base_urls[sg.name] = base
                    self.urls[sg.name] = base + "/graphql"
                elif isinstance(sg, NodeSubgraph):
                    peer = pending[sg.name].wait_ready()
                    self.base_urls[sg.name] = peer.base_url
                    self.urls[sg.name] = peer.url
                elif isinstance(sg, DownSubgraph):
                    self.urls[sg.name] = closed_port_url()
                else:
                    raise TypeError(sg)
            self.supergraph = self._compose()
            # The reference gateway starts in the background; tests wait for it on first use.
            self._apollo = start_apollo_gateway(self.supergraph, wait=False)
        except BaseException:
            self.stop()
            raise
        return self

    def _compose(self) -> str:
        inputs = []
        for sg in self.scenario.subgraphs:
            sdl = sg.sdl if isinstance(sg, DownSubgraph) else self._fetch_sdl(self.urls[sg.name])
            inputs.append({"name": sg.name, "url": f"http://{sg.name}.subgraph.invalid/graphql", "sdl": sdl})
        self.subgraph_sdls = {i["name"]: i["sdl"] for i in inputs}
        supergraph = compose(inputs, self.scenario.composer)
        for sg in self.scenario.subgraphs:
            supergraph = supergraph.replace(f"http://{sg.name}.subgraph.invalid/graphql", self.urls[sg.name])
        return supergraph

    @staticmethod
    def _fetch_sdl(url: str) -> str:
        r = httpx.post(url, json={"query": "{ _service { sdl } }"}, timeout=30)
        r.raise_for_status()
        return r.json()["data"]["_service"]["sdl"]

    def stop(self) -> None:
        if self._apollo:
            self._apollo.stop()
            self._apollo = None
        while self._stack:
            try:
                self._stack.pop()()
            except Exception:  # noqa: BLE001 - stop the rest regardless
                pass

    async def aclose(self) -> None:
        if self._ours is not None:
            await self._ours.aclose()
        await self.http.aclose()
        self.stop()

    # -- our gateway (built on first use, so Apollo-only runs work while it is unfinished)
    @property
    def gateway(self):
        if self._ours is None:
            from gateway.config import GatewayConfig
            from gateway.gateway import Gateway

            self._ours = Gateway(self.supergraph, GatewayConfig(subgraph_timeout=10.0))
        return self._ours

    @property
    def apollo(self) -> NodePeer:
        if self._apollo is None:
            self._apollo = start_apollo_gateway(self.supergraph)
        return self._apollo.wait_ready()

    # -- subgraph request logs
    async def reset(self) -> None:
        for base in self.base_urls.values():
            (await self.http.delete(base + "/__requests")).raise_for_status()

    async def requests(self) -> dict[str, list[dict]]:
        out = {}
        for name, base in self.base_urls.items():
            r = await self.http.get(base + "/__requests")
            r.raise_for_status()
            out[name] = r.json()
        return out

    # -- running operations
    async def run_ours(self, query: str, variables: dict | None = None, operation_name: str | None = None):
        from gateway.request import GraphQLRequest

        return await self.gateway.execute(GraphQLRequest(query=query, variables=variables, operation_name=operation_name))

    async def run_apollo(self, query: str, variables: dict | None = None, operation_name: str | None = None) -> dict:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        if operation_name is not None:
            payload["operationName"] = operation_name
        r = await self.http.post(self.apollo.url, json=payload, headers={"accept": "application/json"})
        return r.json()

    def explain(self, query: str, operation_name: str | None = None, variables: dict | None = None) -> str:
        return self.gateway.explain(query, operation_name=operation_name, variables=variables)

    # -- checks
    def _check_counts(self, case: Case, logs: dict[str, list[dict]], who: str) -> None:
        if case.requests is not None:
            got = {name: len(log) for name, log in logs.items() if log}
            want = {name: n for name, n in case.requests.items() if n}
            assert got == want, f"{who}: subgraph request counts {got}, expected {want}\n{_fmt_logs(logs)}"
        if case.check_requests is not None:
            case.check_requests(logs)

    async def check_ours(self, case: Case) -> None:
        await self.reset()
        response = await self.run_ours(case.query, case.variables, case.operation_name)
        body = response.body
        assert_body(body, case.expected, case.errors, "our gateway")
        if "data" not in case.expected:
            assert response.request_error, f"request error expected to set request_error: {body}"
        assert_no_leaks(body, list(self.urls.values()))
        self._check_counts(case, await self.requests(), "our gateway")

    async def check_apollo(self, case: Case) -> None:
        try:
            await self._check_apollo(case)
        except AssertionError:
            if case.apollo_differs:
                pytest.xfail(f"@apollo/gateway known to differ: {case.apollo_differs}")
            raise

    async def _check_apollo(self, case: Case) -> None:
        await self.reset()
        body = await self.run_apollo(case.query, case.variables, case.operation_name)
        assert_body(body, case.expected, case.errors, "@apollo/gateway")
        if not case.apollo_requests_differ:
            self._check_counts(case, await self.requests(), "@apollo/gateway")

    async def differential(self, case: Case) -> None:
        try:
            await self._differential(case)
        except AssertionError:
            if case.apollo_differs:
                pytest.xfail(f"@apollo/gateway known to differ: {case.apollo_differs}")
            raise

    async def _differential(self, case: Case) -> None:
        await self.reset()
        theirs = await self.run_apollo(case.query, case.variables, case.operation_name)
        await self.reset()
        ours = (await self.run_ours(case.query, case.variables, case.operation_name)).body
        # Data exactly; errors loosely (the same paths carry errors; messages may be worded differently).
        assert_body(ours, {k: v for k, v in theirs.items() if k in ("data", "errors")}, "paths" if case.errors != "present" else "present", "our gateway vs @apollo/gateway")


def _fmt_logs(logs: dict[str, list[dict]]) -> str:
    lines = []
    for name, log in logs.items():
        for r in log:
            q = re.sub(r"\s+", " ", r.get("query") or "")
            lines.append(f"  {name}: {q[:300]} vars={json.dumps(r.get('variables'))[:300]}")
    return "\n".join(lines)


def strawberry_app(**schema_kwargs):
    """A strawberry federation subgraph as an ASGI app. Federation 2.7: the newest
    link version both reference composers (Guild's and Apollo's) know."""
    import strawberry
    from strawberry.asgi import GraphQL

    schema_kwargs.setdefault("federation_version", "2.7")
    return GraphQL(strawberry.federation.Schema(**schema_kwargs))
