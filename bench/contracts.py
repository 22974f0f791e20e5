"""What contracts cost: gateway throughput with 3 contracts in use vs 1, and memory per contract.

    .venv/bin/python bench/contracts.py [--iterations 4000] [--rounds 5]

Throughput is `Gateway.execute` in-process over the example supergraph, with the
subgraphs' answers recorded once (the example services' schemas executed in
process) and replayed instantly: only the gateway's own work is measured. One
gateway serves the web, mobile and partner contracts; the "1 contract" batches
all come from the ios client (mobile), the "3 contracts" batches rotate ios
(client name), web (client name) and a partner token (claim and path). A gateway
with no contracts runs in the same loop for reference. Batches are interleaved
(A/B/C, `--rounds` times) so the ratios come from one run on one machine.

Memory per contract: tracemalloc's count of what building each contract's schema
keeps (ContractServing with that contract alone, then with all three).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERY = "{ courses { id title averageRating enrollmentCount } }"
CONTRACTS = {
    "web": {"exclude": ["internal"], "clients": ["web"]},
    "mobile": {"include": ["mobile"], "exclude": ["internal"], "clients": ["ios", "android"],
               "paths": ["/graphql/mobile"]},
    "partner": {"include": ["partner"], "claims": {"azp": ["partner-portal"]}, "paths": ["/graphql/partner"]},
}


class InProcessSubgraphs:
    """Answers a subgraph request by executing the example service's schema in this process."""

    def __init__(self) -> None:
        from services.catalog import SERVICES

        self.schemas = {s.name: s.load_schema() for s in SERVICES}
        self.answers: dict[tuple[str, bytes], bytes] = {}

    async def send(self, service: str, url: str, body: dict, headers: dict | None = None, call: Any = None) -> dict:
        import copy

        import orjson

        key = (service, orjson.dumps(body))  # before executing: the service may change the variables it is given
        body = copy.deepcopy(body)
        result = await self.schemas[service].execute(body["query"], variable_values=body.get("variables"))
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [{"message": e.message} for e in result.errors]
        self.answers[key] = orjson.dumps(payload)
        return payload

    async def aclose(self) -> None:
        pass


class Canned:
    """Replays recorded answers, parsing them as the HTTP transport would."""

    def __init__(self, answers: dict[tuple[str, bytes], bytes]) -> None:
        self.answers = answers

    async def send(self, service: str, url: str, body: dict, headers: dict | None = None, call: Any = None) -> dict:
        import orjson

        return orjson.loads(self.answers[(service, orjson.dumps(body))])

    async def aclose(self) -> None:
        pass


def _requests() -> dict[str, Any]:
    from bff_common.principal import ANONYMOUS, Principal
    from gateway.request import GraphQLRequest

    partner = Principal("viewer", subject="p1", client_name="partner-portal", claims={"azp": "partner-portal"})
    return {
        "ios": GraphQLRequest(QUERY, headers={"apollographql-client-name": "ios"}, principal=ANONYMOUS),
        "web": GraphQLRequest(QUERY, headers={"apollographql-client-name": "web"}, principal=ANONYMOUS),
        "partner": GraphQLRequest(QUERY, principal=partner, path="/graphql/partner"),
        "plain": GraphQLRequest(QUERY, principal=ANONYMOUS),
    }


def throughput(iterations: int, rounds: int) -> dict[str, Any]:
    from bff_common.contracts.definitions import parse_contracts
    from gateway.config import GatewayConfig
    from gateway.gateway import Gateway

    sdl = (ROOT / "services" / "supergraph.graphql").read_text()
    contracts, problems = parse_contracts(CONTRACTS)
    assert not problems, problems
    requests = _requests()

    async def run() -> dict[str, Any]:
        recorder = InProcessSubgraphs()
        recording = Gateway(sdl, GatewayConfig(contracts=contracts.definitions), transport=recorder)
        for name in ("ios", "web", "partner"):
            response = await recording.execute(requests[name])
            assert not response.body.get("errors"), response.body
        with_contracts = Gateway(sdl, GatewayConfig(contracts=contracts.definitions),
                                 transport=Canned(recorder.answers))
        without = Gateway(sdl, GatewayConfig(), transport=Canned(recorder.answers))
        one = [requests["ios"]]
        three = [requests["ios"], requests["web"], requests["partner"]]
        plain = [requests["plain"]]

        async def batch(gateway: Gateway, mix: list[Any], n: int) -> float:
            t0 = time.perf_counter()
            for i in range(n):
                await gateway.execute(mix[i % len(mix)])
            return n / (time.perf_counter() - t0)

        for gateway, mix in ((with_contracts, three), (without, plain)):  # warm: every cache filled
            await batch(gateway, mix, 300)
        results: dict[str, list[float]] = {"1 contract": [], "3 contracts": [], "no contracts": []}
        kinds = [("1 contract", with_contracts, one), ("3 contracts", with_contracts, three),
                 ("no contracts", without, plain)]
        for r in range(rounds):  # the order turns each round, so no kind always runs first
            for name, gateway, mix in kinds[r % 3:] + kinds[:r % 3]:
                results[name].append(await batch(gateway, mix, iterations))
        return {name: round(statistics.median(values)) for name, values in results.items()}

    return asyncio.run(run())


def memory() -> dict[str, Any]:
    from graphql import parse

    from bff_common.contracts.definitions import parse_contracts
    from gateway.contracts.serving import ContractServing

    sdl = (ROOT / "services" / "supergraph.graphql").read_text()
    document = parse(sdl, no_location=True)
    contracts, _ = parse_contracts(CONTRACTS)
    ContractServing(document, contracts)  # imports and graphql-core's first-use caches out of the way
    sizes = {}
    for n in ["all", *(d.name for d in contracts.definitions)]:
        chosen = contracts.definitions if n == "all" else tuple(d for d in contracts.definitions if d.name == n)
        subset = type(contracts)(chosen, contracts.default)
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        kept = ContractServing(document, subset)
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        sizes[n] = sum(s.size_diff for s in after.compare_to(before, "filename"))
        del kept
    from bff_common.api_schema import build_api_schema

    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    api = build_api_schema(document)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    api_bytes = sum(s.size_diff for s in after.compare_to(before, "filename"))
    del api
    return {"contract_schemas_bytes": sizes, "full_api_schema_bytes": api_bytes, "supergraph_sdl_bytes": len(sdl)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=4000, help="requests per batch")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved batches of each kind")
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)
    rates = throughput(args.iterations, args.rounds)
    mem = memory()
    base = rates["1 contract"]
    print("requests/s (Gateway.execute in process, replayed subgraphs; median of the rounds):")
    for name, rate in rates.items():
        print(f"  {name:<13} {rate:>7}  ({rate / base:.2f} of 1 contract)")
    sizes = mem["contract_schemas_bytes"]
    print("memory kept by the contracts' schemas (tracemalloc): " + ", ".join(
        f"{name} {size / 1024:.0f} KiB" for name, size in sizes.items() if name != "all")
          + f"; all three {sizes['all'] / 1024:.0f} KiB (the full API schema: "
          f"{mem['full_api_schema_bytes'] / 1024:.0f} KiB, from a {mem['supergraph_sdl_bytes'] / 1024:.0f} KiB "
          "supergraph)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
