"""Operation limits: just under each limit runs, just over is refused with the named error."""

from __future__ import annotations

import time

import pytest

from gateway.config import GatewayConfig
from gateway.operation.limits import OperationLimits

from .conftest import code_of, http_client, run


def nested(depth: int) -> str:
    """A query `depth` fields deep: node { child { ... { name } } }."""
    return "{ node { " + "child { " * (depth - 2) + "name" + " }" * (depth - 1) + " }"


async def test_depth_just_under_runs_and_just_over_is_refused(make_gateway):
    gateway = make_gateway()
    ok = await run(gateway, nested(15))
    assert code_of(ok) is None and ok["data"]["node"]["child"]
    refused = await run(gateway, nested(16))
    assert refused == {"errors": [{
        "message": "The operation is too deep: depth 16 exceeds max_depth 15.",
        "extensions": {"code": "OPERATION_TOO_DEEP", "limit": 15, "measured": 16}}]}


async def test_depth_counts_through_fragments(make_gateway):
    gateway = make_gateway()
    fragment = "fragment Deep on Node { child { ...Deeper } } fragment Deeper on Node { child { name } }"

    def query(children: int) -> str:  # node, `children` child fields, then child, child, name via the fragments
        return "{ node { " + "child { " * children + "... on Node { ...Deep } " + "} " * children + "} } " + fragment

    assert code_of(await run(gateway, query(11))) is None  # depth 15
    body = await run(gateway, query(12))
    assert code_of(body) == "OPERATION_TOO_DEEP" and "depth 16" in body["errors"][0]["message"]


async def test_depth_counts_introspection_fields(make_gateway):
    gateway = make_gateway(introspection=True)
    type_ref = "ofType { " * 12 + "name" + " }" * 12
    query = "{ __schema { types { fields { type { " + type_ref + " } } } } }"
    body = await run(gateway, query)
    assert code_of(body) == "OPERATION_TOO_DEEP"
    assert "depth 17 exceeds max_depth 15" in body["errors"][0]["message"]


async def test_standard_introspection_query_fits_the_default_limits(make_gateway):
    from graphql import get_introspection_query

    gateway = make_gateway(introspection=True)
    body = await run(gateway, get_introspection_query(descriptions=True, specified_by_url=True,
                                                      directive_is_repeatable=True, input_value_deprecation=True))
    assert "errors" not in body and body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_aliases_counted_as_executed_through_fragment_spreads(make_gateway):
    gateway = make_gateway()
    thirty = " ".join(f"a{i}: name" for i in range(30))
    assert code_of(await run(gateway, "{ node { " + thirty + " } }")) is None
    body = await run(gateway, "{ node { " + thirty + " a30: name } }")
    assert code_of(body) == "TOO_MANY_ALIASES"
    assert body["errors"][0]["message"] == "The operation has too many aliases: alias count 31 exceeds max_aliases 30."
    sixteen = " ".join(f"a{i}: name" for i in range(16))
    spread_twice = "{ node { ...F child { ...F } } } fragment F on Node { " + sixteen + " }"
    assert code_of(await run(gateway, spread_twice)) == "TOO_MANY_ALIASES"


async def test_root_fields(make_gateway):
    gateway = make_gateway()
    twenty = " ".join(f"t{i}: tags" for i in range(20))
    ok = await run(gateway, "{ " + twenty + " }")
    assert code_of(ok) is None and ok["data"]["t19"] == ["a", "b"]
    body = await run(gateway, "{ " + twenty + " ... on Query { t20: tags } }")
    assert code_of(body) == "TOO_MANY_ROOT_FIELDS"
    assert "root field count 21 exceeds max_root_fields 20" in body["errors"][0]["message"]


async def test_directives(make_gateway):
    gateway = make_gateway()
    fifty = " ".join("name @skip(if: false)" for _ in range(49))
    assert code_of(await run(gateway, "{ node @skip(if: false) { " + fifty + " } }")) is None  # 50
    body = await run(gateway, "{ node @skip(if: false) { " + fifty + " name @include(if: true) } }")  # 51
    assert code_of(body) == "TOO_MANY_DIRECTIVES"
    assert "directive count 51 exceeds max_directives 50" in body["errors"][0]["message"]


def list_of(n: int) -> str:
    """`{ count(values: [1, ...]) }` with 9 + n tokens."""
    return "{ count(values: [" + ", ".join("1" for _ in range(n)) + "]) }"


async def test_tokens(make_gateway):
    gateway = make_gateway()
    ok = await run(gateway, list_of(4991))  # 5000 tokens
    assert ok == {"data": {"count": 4991}}
    body = await run(gateway, list_of(4992))
    assert body == {"errors": [{
        "message": "The document has too many tokens: token count 5001 exceeds max_tokens 5000.",
        "extensions": {"code": "TOO_MANY_TOKENS", "limit": 5000, "measured": 5001}}]}


async def test_comments_are_not_tokens(make_gateway):
    gateway = make_gateway()
    assert code_of(await run(gateway, "# note\n" * 6000 + "{ tags }")) is None


async def test_document_size_in_bytes(make_gateway):
    gateway = make_gateway()
    head = "{ tags } #"
    assert code_of(await run(gateway, head + "x" * (100_000 - len(head)))) is None
    body = await run(gateway, head + "x" * (100_001 - len(head)))
    assert body["errors"][0]["extensions"] == {"code": "DOCUMENT_TOO_LARGE", "limit": 100_000, "measured": 100_001}
    # bytes, not characters: 60 000 two-byte characters are 120 000 bytes
    body = await run(gateway, head + "é" * 60_000)
    assert code_of(body) == "DOCUMENT_TOO_LARGE" and "size in bytes 120010" in body["errors"][0]["message"]


async def test_a_megabyte_of_tokens_is_refused_before_parsing(make_gateway):
    flood = "{ " + "a " * 500_000 + "}"
    by_size = make_gateway()
    start = time.perf_counter()
    body = await run(by_size, flood)
    assert code_of(body) == "DOCUMENT_TOO_LARGE"
    assert time.perf_counter() - start < 0.05
    by_tokens = make_gateway(limits=OperationLimits(max_document_bytes=None))
    start = time.perf_counter()
    body = await run(by_tokens, flood)
    elapsed = time.perf_counter() - start
    assert code_of(body) == "TOO_MANY_TOKENS"
    assert elapsed < 0.05, f"{elapsed * 1000:.1f} ms"


async def test_limits_can_be_switched_off(make_gateway):
    gateway = make_gateway(limits=OperationLimits.off())
    assert code_of(await run(gateway, nested(40))) is None
    assert code_of(await run(gateway, list_of(6000))) is None


async def test_refusal_over_http_is_a_400_request_error(make_gateway):
    async with http_client(make_gateway()) as client:
        response = await client.post("/graphql", json={"query": nested(16)})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert "data" not in response.json() and code_of(response.json()) == "OPERATION_TOO_DEEP"


async def test_a_warm_request_pays_no_limit_checks(make_gateway, monkeypatch):
    import gateway.operation.limits as limits

    gateway = make_gateway()
    assert code_of(await run(gateway, nested(5))) is None
    calls = []
    for name in ("check_source", "measure", "check"):
        original = getattr(limits, name)
        monkeypatch.setattr(limits, name, lambda *a, _o=original, _n=name: calls.append(_n) or _o(*a))
    assert code_of(await run(gateway, nested(5))) is None
    assert calls == []
    assert code_of(await run(gateway, nested(6))) is None
    assert calls == ["check_source", "measure", "check"]


@pytest.mark.parametrize("config", [GatewayConfig(), GatewayConfig.production()])
def test_limits_are_on_by_default(config):
    assert config.limits == OperationLimits()
    assert config.limits.max_depth == 15 and config.limits.max_cost == 5000
