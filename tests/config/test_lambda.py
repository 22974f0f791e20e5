"""The Lambda handler reads BFF_CONFIG (a bff.yaml inside the package) under the same BFF_* names."""

from __future__ import annotations

import json

from gateway.http import lambda_handler
from tests.config.conftest import SUPERGRAPH
from tests.support.lambda_events import http_api_v2_event, invoke

INTROSPECT = json.dumps({"query": "{ __schema { queryType { name } } }"})


def _fresh_container(monkeypatch, tmp_path, text: str) -> None:
    for name in ("BFF_SUPERGRAPH", "BFF_REGISTRY", "BFF_INTROSPECTION", "BFF_ALLOW_ANONYMOUS", "BFF_JWT_JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "bff.yaml"
    path.write_text(text)
    monkeypatch.setenv("BFF_CONFIG", str(path))
    monkeypatch.setattr(lambda_handler, "_handler", None)
    monkeypatch.setattr(lambda_handler, "_gateway_factory", lambda_handler._build_gateway)


def test_lambda_reads_bff_config(monkeypatch, tmp_path):
    _fresh_container(monkeypatch, tmp_path, f"""
supergraph:
  file: {SUPERGRAPH}
server:
  cors:
    origins: [https://app.example.com]
security:
  introspection: true
""")
    preflight = http_api_v2_event("OPTIONS", headers={"origin": "https://app.example.com",
                                                      "access-control-request-method": "POST"})
    query = http_api_v2_event("POST", body=INTROSPECT, headers={"content-type": "application/json"})
    cors, answer = invoke(preflight, query)
    assert cors["headers"].get("access-control-allow-origin") == "https://app.example.com", cors
    assert json.loads(answer["body"])["data"] == {"__schema": {"queryType": {"name": "Query"}}}


def test_environment_overrides_the_file_on_lambda_too(monkeypatch, tmp_path):
    _fresh_container(monkeypatch, tmp_path, f"supergraph:\n  file: {SUPERGRAPH}\nsecurity:\n  introspection: true\n")
    monkeypatch.setenv("BFF_INTROSPECTION", "false")
    [answer] = invoke(http_api_v2_event("POST", body=INTROSPECT, headers={"content-type": "application/json"}))
    assert json.loads(answer["body"]).get("data") is None


def test_a_bad_file_on_lambda_fails_the_invocation_naming_the_problem(monkeypatch, tmp_path):
    import pytest

    from gateway.config.errors import ConfigError

    _fresh_container(monkeypatch, tmp_path, f"supergraph:\n  file: {SUPERGRAPH}\nserver:\n  cors:\n    origin: [x]\n")
    with pytest.raises(ConfigError, match=r"`server.cors.origin`: unknown key; did you mean `origins`\?"):
        invoke(http_api_v2_event("POST", body=INTROSPECT, headers={"content-type": "application/json"}))
    assert lambda_handler._handler is None  # nothing half-built: the next invocation reads the file again


def test_the_authorizer_reads_security_jwt_from_bff_config(tmp_path):
    from gateway.auth.authenticate import Authenticator

    path = tmp_path / "bff.yaml"
    path.write_text("security:\n  jwt:\n    hs256_secret: env:JWT_SECRET\n    allow_anonymous: false\n"
                    "    roles_claim: cognito:groups\n")
    auth = Authenticator.from_env({"BFF_CONFIG": str(path), "JWT_SECRET": "k" * 32})
    assert auth.config.hs256_secret == b"k" * 32 and auth.config.roles_claim == "cognito:groups"
    assert not auth.config.anonymous_allowed and auth.config.algorithms == {"HS256"}


def test_the_authorizer_reading_bff_config_loads_no_graphql_and_no_gateway():
    import subprocess
    import sys

    from tests.config.conftest import ROOT

    code = ("import sys\nfrom gateway.auth.authenticate import Authenticator\n"
            "Authenticator.from_env({'BFF_CONFIG': 'examples/bff.yaml'})\n"
            "print([m for m in ('graphql', 'gateway.gateway', 'gateway.access', 'mangum') if m in sys.modules])\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.stdout.strip() == "[]", (result.stdout, result.stderr)
