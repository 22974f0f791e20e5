"""The Lambda gateway's settings come from the environment, production-safe by default."""

import pytest

from bff_common.secrets import SecretError
from gateway.env_config import config_from_env


def test_defaults_are_production_settings():
    config = config_from_env({})
    assert config.introspection is False
    assert config.field_suggestions is False
    assert config.expose_subgraph_errors == frozenset()
    assert config.subgraph_api_keys == {}


def test_each_variable_opts_in():
    config = config_from_env({
        "BFF_INTROSPECTION": "true",
        "BFF_EXPOSE_SUBGRAPH_ERRORS": "accounts, reviews",
        "BFF_SUBGRAPH_API_KEYS": "accounts=ssm:/bff/prod/keys/accounts",
        "BFF_SUBGRAPH_URLS": "accounts=lambda:bff-prod-accounts",
        "BFF_SUBGRAPH_TIMEOUT": "5",
    })
    assert config.introspection is True
    assert config.expose_subgraph_errors == frozenset({"accounts", "reviews"})
    assert config.subgraph_api_keys == {"accounts": "ssm:/bff/prod/keys/accounts"}
    assert config.subgraph_urls == {"accounts": "lambda:bff-prod-accounts"}
    assert config.subgraph_timeout == 5.0
    assert config_from_env({"BFF_EXPOSE_SUBGRAPH_ERRORS": "*"}).expose_subgraph_errors == "*"


def test_a_raw_key_instead_of_a_reference_is_refused():
    with pytest.raises(SecretError):
        config_from_env({"BFF_SUBGRAPH_API_KEYS": "accounts=hunter2"})


def test_access_settings():
    config = config_from_env({"BFF_ACCESS_MODE": "reject", "BFF_IDENTITY_SECRET": "ssm:/bff/prod/identity"})
    assert (config.access_mode, config.identity_secret) == ("reject", "ssm:/bff/prod/identity")
    with pytest.raises(ValueError):
        config_from_env({"BFF_ACCESS_MODE": "allow-all"})
    with pytest.raises(SecretError):
        config_from_env({"BFF_IDENTITY_SECRET": "a-raw-secret"})
