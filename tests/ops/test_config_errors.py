"""Configuration mistakes are one clear line, never a traceback: `bff serve` exits 2 naming the mistake
before it listens. On Lambda a mistake in the settings fails the invocation with a ConfigError naming it
(docs/configuration.md; nothing is kept half-built), and a gateway that cannot be built from valid settings
(a missing file, an unknown HTTP client) logs one ERROR line and answers 503 in GraphQL's format."""

from __future__ import annotations

import json
import logging

import pytest

from gateway.cli import main as bff
from gateway.http import lambda_handler
from tests.support.lambda_events import http_api_v2_event, invoke

from .conftest import ROOT

SUPERGRAPH = str(ROOT / "services" / "supergraph.graphql")

# (environment, arguments after `bff serve`, what the one line must say)
SERVE_MISTAKES = [
    ({"BFF_JWT_JWKS_URL": "https://idp.test/jwks.json"}, [], "BFF_JWT_ISSUER"),
    ({"BFF_JWT_JWKS_URL": "http://idp.example.com/jwks.json", "BFF_JWT_ISSUER": "i", "BFF_JWT_AUDIENCE": "a"}, [],
     "must be https"),
    ({"BFF_JWT_HS256_SECRET": "s", "BFF_JWT_LEEWAY": "abc"}, [], "BFF_JWT_LEEWAY"),
    ({"BFF_HTTP_CLIENT": "curl"}, [], "BFF_HTTP_CLIENT"),
    ({"BFF_METRICS": "statsd"}, [], "BFF_METRICS"),
    ({"BFF_LOG_LEVEL": "LOUD"}, [], "BFF_LOG_LEVEL"),
    ({"BFF_USAGE": "postgres://db/usage"}, [], "unknown registry"),
    ({"BFF_SUBGRAPH_API_KEYS": "accounts"}, [], "'accounts'"),
    ({"BFF_SUBGRAPH_API_KEYS": "accounts=env:BFF_TEST_NO_SUCH_KEY"}, [], "BFF_TEST_NO_SUCH_KEY is not set"),
    ({}, ["--subgraph-url", "nope=http://127.0.0.1:9/graphql"], '"nope" has a URL configured'),
    ({}, ["--supergraph", "no-such-file.graphql"], "no-such-file.graphql"),
    ({}, ["--registry", "postgres://db/registry"], "unknown registry"),
    ({}, ["--registry", "sqlite:///no/such/dir/registry.db"], "no directory"),
    ({}, ["--registry", "sqlite:///registry.db", "--fallback-supergraph", "missing.graphql"], "missing.graphql"),
]


@pytest.mark.parametrize(("env", "args", "says"), SERVE_MISTAKES, ids=[m[2] for m in SERVE_MISTAKES])
def test_bff_serve_names_the_mistake_in_one_line(env, args, says, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if not any(a in ("--supergraph", "--registry") for a in args):
        args = ["--supergraph", SUPERGRAPH, *args]
    assert bff(["serve", *args, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = [x for x in err.splitlines() if x.startswith("bff serve: error:")]
    assert says in line, err


# (bff.yaml text, what the one line must say): mistakes in the file, named by file, line or key
FILE_MISTAKES = [
    ("supergraph: [\n", "bff.yaml:2:1: not valid YAML"),
    ("supergraph:\n  file: nope.graphql\n", "nope.graphql"),
    (f"supergraph:\n  file: {SUPERGRAPH}\nsubgraphs:\n  nope:\n    url: http://127.0.0.1:9/graphql\n",
     "`subgraphs.nope.url`"),
    (f"supergraph:\n  file: {SUPERGRAPH}\nsubgraphs:\n  nope:\n    timeout: 2\n", "`subgraphs.NAME.timeout`"),
    (f"supergraph:\n  file: {SUPERGRAPH}\nplugins:\n  - use: json:nope\n", "bff.yaml:4: `plugins[0].use`"),
    (f"supergraph:\n  file: {SUPERGRAPH}\nsecurity:\n  jwt:\n    jwks_url: https://idp.test/jwks.json\n",
     "issuer with jwks_url"),
]


@pytest.mark.parametrize(("text", "says"), FILE_MISTAKES, ids=[m[1] for m in FILE_MISTAKES])
def test_bff_serve_names_a_config_file_mistake_in_one_line(text, says, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bff.yaml").write_text(text)
    assert bff(["serve", "--config", "bff.yaml", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [x for x in err.splitlines() if x.startswith("bff serve: error:")]
    assert lines and any(says in line for line in lines), err


@pytest.fixture
def lambda_container(monkeypatch):
    """A fresh Lambda container (the handler and its gateway are built on the first invocation)."""
    for name in ("BFF_REGISTRY", "BFF_SUPERGRAPH", "BFF_JWT_JWKS_URL", "BFF_JWT_HS256_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(lambda_handler, "_handler", None)
    monkeypatch.setattr(lambda_handler, "_gateway_factory", lambda_handler._build_gateway)


LAMBDA_MISTAKES = [
    ({}, "BFF_SUPERGRAPH"),
    ({"BFF_SUPERGRAPH": "/no/such/supergraph.graphql"}, "/no/such/supergraph.graphql"),
    ({"BFF_SUPERGRAPH": SUPERGRAPH, "BFF_HTTP_CLIENT": "curl"}, "BFF_HTTP_CLIENT"),
]


@pytest.mark.parametrize(("env", "says"), LAMBDA_MISTAKES, ids=[m[1] for m in LAMBDA_MISTAKES])
def test_lambda_logs_one_line_and_answers_503(env, says, lambda_container, monkeypatch, caplog):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.INFO, logger="bff")
    for path in ("/graphql", "/ready"):
        event = http_api_v2_event("POST" if path == "/graphql" else "GET", path=path,
                                  body=json.dumps({"query": "{ __typename }"}) if path == "/graphql" else None,
                                  headers={"content-type": "application/json"})
        [result] = invoke(event)
        assert result["statusCode"] == 503
        body = json.loads(result["body"])
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert says not in result["body"]  # the details are for the operator's log
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and all(r.exc_info is None for r in errors), "a traceback was logged"
    assert any(says in r.getMessage() for r in errors)



def test_lambda_jwt_mistake_fails_the_invocation_naming_it(lambda_container, monkeypatch):
    from gateway.config.errors import ConfigError

    for name, value in {"BFF_SUPERGRAPH": SUPERGRAPH, "BFF_JWT_JWKS_URL": "http://idp.example.com/jwks.json",
                        "BFF_JWT_ISSUER": "i", "BFF_JWT_AUDIENCE": "a"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="BFF_JWT_JWKS_URL .*must be https"):
        invoke(http_api_v2_event("GET", path="/ready"))
    assert lambda_handler._handler is None
