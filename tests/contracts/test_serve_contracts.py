"""End to end through `bff serve`: one process serving the example graph's contracts at once.

The four example services run over HTTP; the registry (SQLite) holds them and the contract
definitions (web, mobile by client name and path, partner bound to a token claim); `bff serve
--registry` is one process. Clients in the same run see different schemas, introspection
included, and a field outside a caller's contract does not exist for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from bff_common.contracts.definitions import parse_contracts
from discovery.client import open_registry
from discovery.registry import PublishRequest
from services.catalog import SERVICES
from tests.support.py_peers import serve_asgi

ROOT = Path(__file__).resolve().parents[2]
SECRET = "contracts-test-hs256-secret-of-32-bytes!"
CONTRACTS = {
    "web": {"exclude": ["internal"], "clients": ["web"]},
    "mobile": {"include": ["mobile"], "exclude": ["internal"], "clients": ["ios", "android"],
               "paths": ["/graphql/mobile"]},
    "partner": {"include": ["partner"], "claims": {"azp": ["partner-portal"]}, "paths": ["/graphql/partner"]},
}
ROOTS = "{ __schema { queryType { fields { name } } } }"


def token(**claims) -> str:
    """An HS256 JWT signed with SECRET (the gateway verifies it with BFF_JWT_HS256_SECRET)."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": "partner-1", "exp": int(time.time()) + 600, **claims}).encode())
    signature = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    """(GraphQL URL, the bff serve process) over a registry with the example services and contracts."""
    tmp = tmp_path_factory.mktemp("contracts")
    registry_url = f"sqlite:///{tmp}/registry.db"
    with ExitStack() as stack:
        registry = open_registry(registry_url, create=True)
        for service in SERVICES:
            url = stack.enter_context(serve_asgi(service.create_app())) + "/graphql"
            sdl = service.load_schema().execute_sync("{ _service { sdl } }").data["_service"]["sdl"]
            outcome = registry.publish(PublishRequest(service.name, url, sdl, "test"))
            assert outcome.ok, outcome
        contracts, problems = parse_contracts(CONTRACTS)
        assert not problems
        for definition in contracts.definitions:
            assert registry.set_contract(definition, "test").ok
        registry.store.close()
        env = {**os.environ, "BFF_JWT_HS256_SECRET": SECRET, "BFF_ALLOW_ANONYMOUS": "true",
               "BFF_USAGE": registry_url, "BFF_USAGE_FLUSH_SECONDS": "0.2"}
        proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--registry", registry_url, "--port", "0",
                                 "--introspection"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=env, cwd=ROOT)
        stack.callback(proc.wait, 10)
        stack.callback(proc.terminate)
        line = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "GraphQL endpoint at" not in line:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                pytest.fail(f"bff serve exited with {proc.returncode}")
        url = re.search(r"(http://\S+/graphql)", line).group(1)
        yield url, proc, registry_url


def ask(url: str, query: str, headers: dict | None = None, variables: dict | None = None) -> httpx.Response:
    return httpx.post(url, json={"query": query, "variables": variables}, timeout=30,
                      headers={"accept": "application/graphql-response+json", **(headers or {})})


def roots(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [f["name"] for f in response.json()["data"]["__schema"]["queryType"]["fields"]]


def test_two_clients_in_one_process_see_different_schemas_introspection_included(gateway):
    url, proc, _ = gateway
    ios = {"apollographql-client-name": "ios"}
    web = {"apollographql-client-name": "web"}
    assert roots(ask(url, ROOTS, ios)) == ["me", "courses", "course", "review", "latestReviews"]
    assert roots(ask(url, ROOTS, web)) == ["me", "user", "users", "courses", "course", "enrollments", "review",
                                           "latestReviews"]
    assert roots(ask(url, ROOTS, {"authorization": f"Bearer {token(azp='partner-portal')}"})) == ["courses", "course"]
    assert "userByEmail" in roots(ask(url, ROOTS))  # no contract matches: the full API schema (the default)
    assert roots(ask(url.replace("/graphql", "/graphql/mobile"), ROOTS)) == roots(ask(url, ROOTS, ios))
    course = '{ __type(name: "Course") { fields { name } } }'
    mobile_course = [f["name"] for f in ask(url, course, ios).json()["data"]["__type"]["fields"]]
    web_course = [f["name"] for f in ask(url, course, web).json()["data"]["__type"]["fields"]]
    assert "ratingSummary" not in mobile_course and "students" not in mobile_course
    assert "ratingSummary" in web_course and "students" in web_course
    # Data through each contract, from the same process.
    mobile = ask(url, "{ courses { title averageRating reviews { rating } } }", ios).json()
    assert "errors" not in mobile and mobile["data"]["courses"][0]["title"]
    partner = ask(url.replace("/graphql", "/graphql/partner"), "{ courses { title ratingSummary } }",
                  {"authorization": f"Bearer {token(azp='partner-portal')}"}).json()
    assert "errors" not in partner and "/5 from" in partner["data"]["courses"][0]["ratingSummary"] or \
        "no reviews" in partner["data"]["courses"][0]["ratingSummary"]
    assert proc.poll() is None


def test_a_field_outside_the_contract_does_not_exist_for_that_caller(gateway):
    url, _, _ = gateway
    ios = {"apollographql-client-name": "ios"}
    hidden = ask(url, "{ courses { id ratingSummary } }", ios)
    unknown = ask(url, "{ courses { id ratingSumary } }", ios)
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == {"errors": [{"message": "Cannot query field 'ratingSummary' on type 'Course'.",
                                         "locations": [{"line": 1, "column": 16}],
                                         "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}
    assert unknown.json()["errors"][0]["message"] == "Cannot query field 'ratingSumary' on type 'Course'."
    # A type outside the contract: introspection answers null, as for a type that does not exist.
    assert ask(url, '{ __type(name: "Enrollment") { name } }', {"apollographql-client-name": "web"}).json()[
        "data"]["__type"] == {"name": "Enrollment"}
    assert ask(url, '{ __type(name: "Enrollment") { name } }', ios).json()["data"]["__type"] is not None
    partner = {"authorization": f"Bearer {token(azp='partner-portal')}"}
    assert ask(url, '{ __type(name: "User") { name } }', partner).json()["data"]["__type"] is None
    # Variables are coerced against the contract too: an input of a hidden argument is refused.
    refused = ask(url, "query($n: Int!) { latestReviews(limit: $n) { id } }", partner, {"n": 2})
    assert refused.status_code == 400 and "latestReviews" in refused.json()["errors"][0]["message"]


def test_a_request_claiming_a_contract_its_token_does_not_allow_is_refused(gateway):
    url, _, _ = gateway
    partner_path = url.replace("/graphql", "/graphql/partner")
    no_token = ask(partner_path, "{ courses { id } }")
    assert no_token.status_code == 403
    assert no_token.json() == {"errors": [{"message": 'Contract "partner" is bound to token claims, and this '
                                                      "caller's token does not allow it.",
                                           "extensions": {"code": "CONTRACT_NOT_ALLOWED"}}]}
    other = ask(partner_path, "{ courses { id } }", {"authorization": f"Bearer {token(azp='someone-else')}"})
    assert other.status_code == 403 and 'Contract "partner"' in other.json()["errors"][0]["message"]
    # A partner token asking for the mobile contract by client name.
    mixed = ask(url, "{ courses { id } }", {"apollographql-client-name": "ios",
                                             "authorization": f"Bearer {token(azp='partner-portal')}"})
    assert mixed.status_code == 403
    assert mixed.json()["errors"][0]["message"] == 'Contract "mobile" is not allowed for this caller\'s token.'
    # Neither error names another client's contract; an unknown path is a plain 404.
    assert "partner" not in mixed.text
    assert httpx.post(url + "/nope", json={"query": "{ courses { id } }"}).status_code == 404


def test_usage_is_recorded_per_contract_and_a_change_breaking_only_mobile_names_its_clients(gateway):
    url, _, registry_url = gateway
    mobile = ask(url, "{ course(id: \"c1\") { description } }", {"apollographql-client-name": "android",
                                                                "apollographql-client-version": "3.2"})
    assert "errors" not in mobile.json()
    registry = open_registry(registry_url)
    deadline = time.monotonic() + 30
    rows: list = []
    while time.monotonic() < deadline:
        ask(url, "{ course(id: \"c1\") { id } }", {"apollographql-client-name": "web"})  # triggers the flush
        rows = [r for r in registry.store.usage("2000-01-01", "Course.description") if r.client == "android"]
        if rows:
            break
        time.sleep(0.3)
    assert [(r.client, r.client_version, r.contract) for r in rows] == [("android", "3.2", "mobile")]
    # Course.description loses its mobile tag: the full API schema is unchanged, mobile loses the field.
    courses = next(s for s in SERVICES if s.name == "courses")
    sdl = courses.load_schema().execute_sync("{ _service { sdl } }").data["_service"]["sdl"]
    tagged = 'description: String! @tag(name: "mobile") @tag(name: "partner")'
    assert tagged in sdl
    endpoint = registry.show("courses").endpoint
    outcome = registry.publish(PublishRequest("courses", endpoint, sdl.replace(tagged, 'description: String! '
                                                                                      '@tag(name: "partner")'), "t"))
    assert not outcome.ok
    assert [p.message for p in outcome.problems] == [
        'contract "mobile": field_removed: Field Course.description was removed. (still used in the last 30 days '
        'by: android 3.2)']
    registry.store.close()
