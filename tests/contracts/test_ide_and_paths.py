"""A contract's own path serves GraphQL and GraphiQL over that contract's schema (ASGI app, in process)."""

from __future__ import annotations

from pathlib import Path

import httpx

from bff_common.contracts.definitions import parse_contracts
from gateway.config import GatewayConfig
from gateway.gateway import Gateway
from gateway.http.asgi import create_app
from tests.support.asgi_server import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]


def test_graphiql_at_a_contract_path_opens_on_that_contract():
    contracts, _ = parse_contracts({"mobile": {"include": ["mobile"], "paths": ["/graphql/mobile"]},
                                    "partner": {"include": ["partner"], "paths": ["/graphql/partner"]}})
    config = GatewayConfig(introspection=True, ide=True, contracts=contracts.definitions)
    gateway = Gateway((ROOT / "services" / "supergraph.graphql").read_text(), config)
    with serve_in_thread(create_app(gateway, config)) as server:
        page = httpx.get(server.base_url + "/graphql/partner", headers={"accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'href="../ide/graphiql.css"' in page.text and 'src="../ide/graphiql.js"' in page.text
        assert '"endpoint": "partner"' in page.text and '"defaultQuery": "{\\n  courses {' in page.text
        assert httpx.get(server.base_url + "/ide/graphiql.css").status_code == 200  # what ../ide/ resolves to
        full = httpx.get(server.graphql_url, headers={"accept": "text/html"}).text
        assert 'href="ide/graphiql.css"' in full and '"endpoint": "graphql"' in full
        # What that page's introspection gets at its endpoint: the partner schema.
        answer = httpx.post(server.base_url + "/graphql/partner",
                            json={"query": "{ __schema { queryType { fields { name } } } }"}).json()
        assert [f["name"] for f in answer["data"]["__schema"]["queryType"]["fields"]] == ["courses", "course"]
        assert httpx.post(server.base_url + "/graphql/other", json={"query": "{ __typename }"}).status_code == 404
