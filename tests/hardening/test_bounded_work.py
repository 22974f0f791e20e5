"""Issue 12, findings 1, 2, 6 (directives) and 8: bounded work per request, whatever the document.

Run on the example graph (services/supergraph.graphql) with production settings; the documents
tested here are refused or planned before any subgraph is called.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from pathlib import Path

import pytest

from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.operation.limits import OperationLimits
from gateway.request import GraphQLRequest

from .conftest import code_of, run

EXAMPLE = (Path(__file__).resolve().parents[2] / "services" / "supergraph.graphql").read_text()
# Finding 1: 17.6 KB, within the size and token limits; about a second of validation on the event loop.
ISSUE_DOCUMENT = "{ courses { " + "instructor { coursesTaught { title } } " * 450 + "} }"
# Finding 8: viewer -> enrollments -> course -> instructor -> coursesTaught -> reviews -> author -> enrollments.
SEVEN_LEVELS = ("{ me { enrollments { course { instructor { coursesTaught { reviews { author { enrollments "
                "{ id progress } } } } } } } } }")


def example(**settings) -> Gateway:
    return Gateway(EXAMPLE, GatewayConfig.production(**settings))


def plans(gateway: Gateway, query: str) -> bool:
    """The document passes every check and is planned (`bff plan`; no subgraph is called)."""
    return "Fetch" in gateway.explain(query)


async def test_the_issue_document_is_refused_before_validation():
    gateway = example()
    assert len(ISSUE_DOCUMENT.encode()) > 17_000
    start = time.perf_counter()
    body = await run(gateway, ISSUE_DOCUMENT)
    elapsed = time.perf_counter() - start
    assert body["errors"][0]["extensions"] == {"code": "TOO_MANY_SELECTIONS", "limit": 200, "measured": 450}
    assert elapsed < 0.5, f"{elapsed * 1000:.0f} ms"


async def test_repeated_same_named_fields_are_bounded_by_their_comparisons():
    gateway = example()
    chain = "instructor { coursesTaught { instructor { coursesTaught { title } } } } "
    assert plans(gateway, "{ courses { " + chain * 10 + "} }")
    body = await run(gateway, "{ courses { " + chain * 60 + "} }")  # 60 selections: under max_selections
    assert code_of(body) == "TOO_MANY_FIELD_PAIRS"
    # leaves are cheap to compare: 49 copies of one scalar pass (1,176 pairs)
    assert plans(gateway, "{ courses { " + "title " * 49 + "} }")


async def test_fields_and_spreads_are_counted_as_executed():
    gateway = example()
    # each level spreads the next twice: 2^11 spreads of a fragment with two fields, in 12 short fragments
    fragments = " ".join(f"fragment L{i} on Course {{ ...L{i + 1} ...L{i + 1} }}" for i in range(11))
    query = "{ courses { ...L0 } } " + fragments + " fragment L11 on Course { id title }"
    assert code_of(await run(gateway, query)) == "TOO_MANY_FIELDS"
    spreads = "{ courses { ...A } } fragment A on Course { " + "...B " * 30 + "} fragment B on Course { " + \
              "...C " * 30 + "} fragment C on Course { id }"
    assert code_of(await run(gateway, spreads)) == "TOO_MANY_FRAGMENT_SPREADS"


async def test_a_fragment_cycle_is_refused_without_measuring_forever():
    body = await run(example(), "{ courses { ...A } } fragment A on Course { instructor { coursesTaught { ...A } } }")
    assert code_of(body) == "GRAPHQL_VALIDATION_FAILED" and "within itself" in body["errors"][0]["message"]


async def test_refused_documents_are_remembered_by_digest(monkeypatch):
    import graphql

    gateway = example()
    calls = []
    original = graphql.validate
    monkeypatch.setattr(graphql, "validate", lambda *a, **k: calls.append(1) or original(*a, **k))
    query = "{ courses { nope } }"
    first, second = await run(gateway, query), await run(gateway, query)
    assert first == second and code_of(first) == "GRAPHQL_VALIDATION_FAILED"
    assert calls == [1]  # the second answer came from the refusals, not from validation


async def test_a_document_the_request_cannot_run_is_refused_before_validation(monkeypatch):
    """550 operations and no operationName: nothing can run, so nothing is validated (it took 250 ms,
    tests/hardening/attack_load.py); the refusal is not remembered, since another request may name one."""
    import graphql

    gateway = example()
    calls = []
    original = graphql.validate
    monkeypatch.setattr(graphql, "validate", lambda *a, **k: calls.append(1) or original(*a, **k))
    query = "".join(f"query Q{i} {{ courses {{ id title }} }}\n" for i in range(550))
    start = time.perf_counter()
    body = await run(gateway, query)
    elapsed = time.perf_counter() - start
    assert body["errors"] == [{"message": "Must provide operation name if query contains multiple operations.",
                               "extensions": {"code": "OPERATION_RESOLUTION_FAILURE"}}]
    assert code_of(await run(gateway, query, operation_name="Q600")) == "OPERATION_RESOLUTION_FAILURE"
    assert calls == [] and elapsed < 0.5, f"{elapsed * 1000:.0f} ms"
    # an invalid document that cannot run either: the operation is what the client must fix first
    assert code_of(await run(gateway, "query A { nope } query B { nope }")) == "OPERATION_RESOLUTION_FAILURE"
    assert calls == []
    # the same 550 operations, naming one: validated once, planned, ready to run
    assert gateway.explain(query, "Q7").count("Fetch") == 1 and calls == [1]


async def test_documents_that_fail_the_limits_are_never_cached():
    """Finding 2: 81 distinct 27 KB documents that fail the limits left ~113 MB in the caches (41 here)."""
    gateway = example()
    aliases = " ".join(f"a{i}: title" for i in range(31))  # 31 aliases > max_aliases 30
    padding = "instructor { coursesTaught { id title description } } " * 500
    documents = ["{ courses { " + aliases + " " + padding + "} } # " + str(n) for n in range(41)]
    assert 26_000 < len(documents[0]) < 28_000
    await run(gateway, documents[0])
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for document in documents[1:]:
        assert code_of(await run(gateway, document)) == "TOO_MANY_ALIASES"
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(gateway._documents) == 0 and len(gateway._plans) == 0
    assert grown < 5_000_000, f"{grown / 1e6:.1f} MB kept for refused documents"  # main: over 100 MB


async def test_caches_are_bounded_by_bytes():
    gateway = example(cache_max_bytes=3_000_000)
    for n in range(40):  # each ~8 KB document used twice: big documents are cached from their second use
        query = '{ course(id: "' + "x" * 8_000 + '") { title } } # ' + str(n)
        for _ in range(2):
            gateway.explain(query)
    assert 0 < len(gateway._documents) < 40 and gateway._documents.nbytes <= 3_000_000
    assert 0 < len(gateway._plans) < 40 and gateway._plans.nbytes <= 3_000_000


async def test_ten_unknown_directives_are_one_error():
    body = await run(example(), "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }")
    assert body == {"errors": [{"message": "Unknown directive: @aa.",
                                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}
    body = await run(example(), "{ __typename @aa @bb(x: 1) }")
    assert [e["message"] for e in body["errors"]] == ["Unknown directives: @aa, @bb."]


def test_the_seven_level_query_passes_the_default_limits():
    """Finding 8: no ordinary query is refused by default where the schema does not size its lists."""
    from bff_common.principal import Principal
    from gateway.plan.printer import print_plan
    from services.policies import EXAMPLE_POLICIES

    viewer = Principal("user", subject="u1", roles=frozenset({"admin"}))  # sees every field of the example graph
    gateway = example(access_policies=EXAMPLE_POLICIES)  # as `bff dev` runs it
    prepared, _ = gateway._prepare(GraphQLRequest(SEVEN_LEVELS, principal=viewer))
    assert print_plan(prepared.plan).count("Fetch(service:") >= 4  # planned across the services
    assert prepared.estimate > 5_000  # measured with 10 items a list, and reported in the request log
    strict = example(limits=OperationLimits(default_list_size=10))  # the operator asks for assumed sizes
    with pytest.raises(ValueError, match="estimated cost .* exceeds max_cost 5000"):
        strict.explain(SEVEN_LEVELS)


async def test_the_estimated_cost_is_in_the_request_log():
    import io
    import json
    import logging

    from gateway.telemetry import TelemetrySettings

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("bff.request")
    logger.addHandler(handler)
    try:
        gateway = example(telemetry=TelemetrySettings(log_level=logging.INFO))
        await gateway.execute(GraphQLRequest("{ courses { nope } }"))
        response = await gateway.execute(GraphQLRequest(SEVEN_LEVELS))
    finally:
        logger.removeHandler(handler)
    refused, ran = (json.loads(line) for line in stream.getvalue().splitlines())
    assert refused["cost"] is None
    assert ran["cost"] == response.cost and response.cost > 5_000
