"""bff.yaml reaches every setting; precedence defaults < file < env < flags; ${env.*} expansion."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from gateway.auth.config import AuthConfig
from gateway.config import GatewayConfig
from gateway.config.build import settings
from gateway.config.envvars import ENV_VARS
from gateway.config.errors import ConfigError
from gateway.operation.limits import OperationLimits
from tests.config.conftest import bff

# Each GatewayConfig field: a bff.yaml key path and a non-default value that must reach it.
REACHES: dict[str, tuple[str, Any]] = {
    "introspection": ("security.introspection", True),
    "subgraph_timeout": ("subgraphs.all.timeout", 3.5),
    "deadline_margin": ("subgraphs.all.deadline_margin", 2.5),
    "warm_lambda_subgraphs": ("subgraphs.all.warm_lambdas", False),
    "plan_cache_size": ("supergraph.plan_cache_size", 7),
    "cache_max_bytes": ("supergraph.cache_max_bytes", 1_000_000),
    "refused_cache_size": ("supergraph.refused_cache_size", 9),
    "get_queries": ("server.get_queries", True),
    "header_timeout": ("server.header_timeout", 2.5),
    "body_timeout": ("server.body_timeout", 4.5),
    "validate_in_thread_chars": ("server.validate_in_thread_chars", 99),
    "max_forwarded_header_bytes": ("server.forwarded_header_max_bytes", 512),
    "max_forwarded_headers_total_bytes": ("server.forwarded_headers_max_total_bytes", 1024),
    "metrics_operations": ("telemetry.metrics.operations", 5),
    "metrics_token": ("telemetry.metrics.token", "env:IDENTITY"),
    "subgraph_urls": ("subgraphs.accounts.url", "http://127.0.0.1:9/graphql"),
    "max_body_bytes": ("server.max_body_bytes", 1234),
    "subgraph_api_keys": ("subgraphs.accounts.api_key", "ssm:/bff/keys/accounts"),
    "limits": ("limits.max_depth", 3),
    "field_suggestions": ("security.suggestions", True),
    "apq": ("persisted_documents.apq.enabled", False),
    "apq_cache_size": ("persisted_documents.apq.cache_size", 5),
    "apq_shared_store": ("persisted_documents.apq.shared_store", "dynamodb://bff-cache"),
    "apq_shared_ttl": ("persisted_documents.apq.shared_ttl", 60.0),
    "trusted_documents_only": ("persisted_documents.trusted.enabled", True),
    "trusted_documents": ("persisted_documents.trusted.manifest", "/m.json"),
    "document_store": ("persisted_documents.trusted.from_registry", True),
    "telemetry": ("telemetry.metrics.exporter", "emf"),
    "expose_subgraph_errors": ("security.errors.expose_subgraphs", ["accounts"]),
    "exposed_error_codes": ("security.errors.exposed_codes", ["X"]),
    "subgraph_timeouts": ("subgraphs.accounts.timeout", 2.0),
    "subgraph_retries": ("subgraphs.all.retries.attempts", 0),
    "retry_base_delay": ("subgraphs.all.retries.base_delay", 0.2),
    "retry_max_delay": ("subgraphs.all.retries.max_delay", 3.0),
    "retry_timeouts": ("subgraphs.all.retries.on_timeout", True),
    "breaker_threshold": ("subgraphs.all.circuit_breaker.threshold", 1),
    "breaker_open_seconds": ("subgraphs.all.circuit_breaker.open_seconds", 1.5),
    "retry_overrides": ("subgraphs.reviews.retries.attempts", 4),
    "breaker_overrides": ("subgraphs.reviews.circuit_breaker.threshold", 1),
    "response_headers": ("subgraphs.all.headers.response", ["x-served-by"]),
    "subgraph_log_interval": ("telemetry.logs.subgraph_failure_interval", 5.0),
    "propagate_headers": ("subgraphs.all.headers.propagate", ["x-tenant"]),
    "csrf_prevention": ("server.csrf.enabled", False),
    "csrf_preflight_headers": ("server.csrf.required_headers", ["x-csrf"]),
    "cors_origins": ("server.cors.origins", ["https://a.example"]),
    "cors_allow_credentials": ("server.cors.allow_credentials", True),
    "cors_allow_headers": ("server.cors.allow_headers", ["x-a"]),
    "cors_max_age": ("server.cors.max_age", 1),
    "max_batch_size": ("server.batching.max_size", 4),
    "ide": ("server.ide", True),
    "ide_without_introspection": ("server.ide_without_introspection", True),
    "ide_default_query": ("server.ide_default_query", "{ me { id } }"),
    "access_mode": ("security.access.mode", "reject"),
    "access_policies": ("security.policies", {"admins": {"roles": ["admin"]}}),
    "identity_secret": ("security.identity_secret", "env:IDENTITY"),
    "plugins": ("plugins", [{"use": "json:JSONDecoder", "options": {"a": 1}}]),
    "contracts": ("contracts.definitions", {"mobile": {"include": ["mobile"], "clients": ["ios"]}}),
    "contract_default": ("contracts.default", "refuse"),
    "subscription_max_connections": ("server.subscriptions.max_connections", 5),
    "subscription_max_per_connection": ("server.subscriptions.max_per_connection", 3),
    "subscription_keepalive": ("server.subscriptions.keepalive", 0),
    "subscription_init_timeout": ("server.subscriptions.init_timeout", 1.5),
    "subscription_buffer": ("server.subscriptions.buffer", 8),
    "subscription_multiplex": ("server.subscriptions.multiplex", False),
    "subscription_dedupe": ("server.subscriptions.dedupe", False),
    "subscription_upstream_per_connection": ("server.subscriptions.upstream_per_connection", 10),
    "subscription_batch_entities": ("server.subscriptions.batch_entities", False),
    "subscription_batch_window": ("server.subscriptions.batch_window", 0.01),
    "subscription_table": ("server.subscriptions.table", "bff-dev-subscriptions"),
    "subscription_management_url": ("server.subscriptions.management_url",
                                    "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"),
    "subscription_urls": ("subgraphs.reviews.subscription_url", "wss://reviews.internal/graphql"),
    "defer": ("server.defer", False),
}
NEEDS = {"document_store": {"supergraph": {"registry": "sqlite:///:memory:"}},
         "contract_default": {"contracts": {"definitions": {"mobile": {"include": ["mobile"]}}}}}


def _tree(key: str, value: Any) -> dict[str, Any]:
    tree: Any = value
    for part in reversed(key.split(".")):
        tree = {part: tree}
    return tree


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _file(tmp_path: Path, tree: dict) -> str:
    path = tmp_path / "bff.yaml"
    path.write_text(json.dumps(tree))  # JSON is YAML
    return str(path)


def test_every_gateway_setting_is_reachable_from_the_file(tmp_path):
    missing = [f.name for f in dataclasses.fields(GatewayConfig) if f.name not in REACHES]
    assert not missing, f"GatewayConfig fields with no bff.yaml key (map them in gateway/config/): {missing}"
    baseline = settings(env={}).gateway
    for name, (key, value) in REACHES.items():
        tree = _merge(_tree(key, value), NEEDS.get(name, {}))
        if name == "trusted_documents_only":
            tree = _merge(tree, _tree("persisted_documents.trusted.manifest", "/m.json"))
        got = settings(_file(tmp_path, tree), env={"IDENTITY": "x"}).gateway
        assert getattr(got, name) != getattr(baseline, name), f"{key} does not change GatewayConfig.{name}"


def test_every_auth_and_limit_setting_is_a_key_of_its_section():
    from gateway.config.model import Jwt, Limits

    assert set(Jwt.__struct_fields__) == {f.name for f in dataclasses.fields(AuthConfig)}
    assert set(Limits.__struct_fields__) == {f.name for f in dataclasses.fields(OperationLimits)}


def test_jwt_settings_from_the_file_reach_authconfig(tmp_path):
    tree = {"security": {"jwt": {"jwks_url": "https://idp.example/jwks.json", "issuer": "https://idp.example/",
                                 "audiences": ["api"], "roles_claim": "cognito:groups", "leeway": 5,
                                 "jwks_timeout": 2, "rest_refusal": "deny", "allow_anonymous": True}}}
    auth = settings(_file(tmp_path, tree), env={}).auth
    assert (auth.issuer, auth.audiences, auth.roles_claim, auth.leeway) == ("https://idp.example/", ("api",),
                                                                          "cognito:groups", 5)
    assert auth.jwks_timeout == 2 and auth.rest_refusal == "deny" and auth.anonymous_allowed


def test_hs256_secret_is_a_reference_in_the_file_and_a_value_only_in_its_variable(tmp_path):
    secret = "s" * 40
    by_reference = settings(_file(tmp_path, {"security": {"jwt": {"hs256_secret": "env:MY_SECRET"}}}),
                            env={"MY_SECRET": secret}).auth
    assert by_reference.hs256_secret == secret.encode()
    from_variable = settings(env={"BFF_JWT_HS256_SECRET": secret})
    assert from_variable.auth.hs256_secret == secret.encode()
    # the configuration holds where the secret is, never the secret
    assert from_variable.loaded.model.security.jwt.hs256_secret == "env:BFF_JWT_HS256_SECRET"
    with pytest.raises(ConfigError, match="must be a reference"):
        settings(_file(tmp_path, {"security": {"jwt": {"hs256_secret": secret}}}), env={})


def test_precedence_defaults_file_env_flags(tmp_path):
    path = _file(tmp_path, {"subgraphs": {"all": {"timeout": 5}}, "server": {"port": 4100}})
    assert settings(env={}).gateway.subgraph_timeout == 30.0
    assert settings(path, env={}).gateway.subgraph_timeout == 5.0
    over = settings(path, env={"BFF_SUBGRAPH_TIMEOUT": "7", "BFF_PORT": "4200"},
                    flags=[("server.port", 4300, "--port")])
    assert over.gateway.subgraph_timeout == 7.0 and over.server.port == 4300
    assert over.loaded.source("subgraphs.all.timeout") == "env BFF_SUBGRAPH_TIMEOUT"
    assert over.loaded.source("server.port") == "flag --port"
    assert settings(path, env={}).loaded.source("server.port").endswith("bff.yaml:1")
    assert over.loaded.source("server.host") == "default"


def test_config_show_names_each_source(tmp_path):
    path = tmp_path / "bff.yaml"
    path.write_text("server:\n  port: 4100\nsecurity:\n  introspection: false\n")
    shown = bff("config", "show", str(path), "--json", env={"BFF_INTROSPECTION": "1"})
    assert shown.returncode == 0, shown.stderr
    rows = json.loads(shown.stdout)
    assert rows["server.port"] == {"value": 4100, "source": f"{path}:2"}
    assert rows["security.introspection"] == {"value": True, "source": "env BFF_INTROSPECTION"}
    assert rows["server.host"] == {"value": "127.0.0.1", "source": "default"}


def test_env_expansion_in_the_file(tmp_path):
    path = tmp_path / "bff.yaml"
    path.write_text("server:\n  port: ${env.PORT}\n  host: ${env.HOST:-0.0.0.0}\n"
                    "subgraphs:\n  accounts:\n    url: http://${env.ACCOUNTS_HOST}:4001/graphql\n")
    got = settings(str(path), env={"PORT": "4555", "ACCOUNTS_HOST": "accounts.internal"})
    assert got.server.port == 4555 and got.server.host == "0.0.0.0"
    assert got.gateway.subgraph_urls == {"accounts": "http://accounts.internal:4001/graphql"}
    with pytest.raises(ConfigError, match=r"\$\{env.PORT\} is not set"):
        settings(str(path), env={"ACCOUNTS_HOST": "a"})


def test_relative_files_in_the_file_are_relative_to_it(tmp_path):
    (tmp_path / "conf").mkdir()
    path = tmp_path / "conf" / "bff.yaml"
    path.write_text("supergraph:\n  file: ../supergraph.graphql\n")
    assert settings(str(path), env={}).supergraph.file == str(tmp_path / "supergraph.graphql")


def test_every_variable_of_the_table_sets_a_key_the_file_has():
    from gateway.config.validate import validate

    for var in ENV_VARS:
        key = var.path.replace("*", "accounts")
        unknown = [p for p in validate(_tree(key, None)) if "unknown key" in p.message]
        assert not unknown, f"{var.name} -> {var.path}: {unknown}"


def test_schema_is_generated_from_the_model():
    result = bff("config", "schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    root = schema["$defs"]["BffFile"]
    assert set(root["properties"]) == {"supergraph", "server", "subgraphs", "limits", "security",
                                       "persisted_documents", "telemetry", "plugins", "contracts"}
    assert root.get("additionalProperties") is False
    assert set(schema["$defs"]["Limits"]["properties"]) == {f.name for f in dataclasses.fields(OperationLimits)}


def test_the_example_file_is_valid_and_used_by_bff_dev():
    from gateway.dev import DEV_CONFIG, _parser

    assert _parser().parse_args([]).config == str(DEV_CONFIG)
    result = bff("config", "check", str(DEV_CONFIG))
    assert result.returncode == 0, result.stderr
    example = settings(str(DEV_CONFIG), env={}, dev=True)
    assert example.gateway.introspection and example.gateway.ide and example.auth.anonymous_allowed


def test_the_schema_accepts_the_example_and_refuses_what_validation_refuses():
    import jsonschema
    import yaml

    from gateway.config.schema import json_schema
    from gateway.dev import DEV_CONFIG

    schema = json_schema()
    example = yaml.safe_load(DEV_CONFIG.read_text().replace("${env.DEV_PORT:-4000}", "4000"))
    jsonschema.validate(example, schema)
    for bad in ({"server": {"cors": {"origin": []}}}, {"subgraphs": {"all": {"timeout": -1}}},
                {"security": {"access": {"mode": "allow-all"}}}, {"security": {"policies": {"p": {"rolez": []}}}},
                {"plugins": [{"use": "nomodule"}]}):
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
        assert errors, bad


def test_a_subgraphs_retries_and_breaker_override_all_key_by_key(tmp_path):
    """`subgraphs.NAME.retries` / `.circuit_breaker` hold only the keys written there; the gateway fills the
    rest from `subgraphs.all` (tests/resilience/test_per_subgraph.py shows it on real subgraphs)."""
    tree = {"subgraphs": {"all": {"retries": {"attempts": 1, "base_delay": 0.3},
                                  "circuit_breaker": {"threshold": 9, "open_seconds": 4}},
                          "reviews": {"retries": {"attempts": 5, "on_timeout": True},
                                      "circuit_breaker": {"open_seconds": 60}},
                          "accounts": {"timeout": 2}}}
    got = settings(_file(tmp_path, tree), env={"BFF_SUBGRAPH_RETRIES": "3"}).gateway
    assert got.subgraph_retries == 3 and got.retry_base_delay == 0.3  # env beats the file for `all`
    assert got.retry_overrides == {"reviews": {"max_retries": 5, "retry_timeouts": True}}
    assert got.breaker_overrides == {"reviews": {"open_seconds": 60}}
    assert (got.breaker_threshold, got.breaker_open_seconds) == (9, 4)


def test_config_show_gives_a_subgraphs_override_the_values_it_takes_from_all(tmp_path):
    path = _file(tmp_path, {"subgraphs": {"all": {"retries": {"attempts": 1, "base_delay": 0.3}},
                                          "reviews": {"retries": {"attempts": 5}}}})
    result = bff("config", "show", path, "--json")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["subgraphs.reviews.retries.attempts"] == {"value": 5, "source": f"{path}:1"}
    assert shown["subgraphs.reviews.retries.base_delay"] == {"value": 0.3, "source": f"subgraphs.all ({path}:1)"}
    assert shown["subgraphs.reviews.retries.max_delay"]["source"] == "subgraphs.all (default)"
