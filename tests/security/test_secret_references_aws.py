"""Secret references resolved from AWS SSM Parameter Store and Secrets Manager, against a
real (moto) AWS API server on loopback, through boto3 as the gateway uses it."""

from __future__ import annotations

import json

import moto.server as moto_server
import pytest

from bff_common.secrets import SecretError, SecretResolver


@pytest.fixture(scope="module")
def aws(monkeypatch_module):
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch_module.setenv(name, value)
    import boto3

    ssm = boto3.client("ssm")
    secrets = boto3.client("secretsmanager")
    ssm.put_parameter(Name="/bff/test/keys/accounts", Value="ssm-accounts-key", Type="SecureString")
    secrets.create_secret(Name="bff/reviews", SecretString=json.dumps({"apiKey": "sm-reviews-key"}))
    secrets.create_secret(Name="bff/plain", SecretString="sm-plain-key")
    yield endpoint
    server.stop()


@pytest.fixture(scope="module")
def monkeypatch_module():
    patch = pytest.MonkeyPatch()
    yield patch
    patch.undo()


def test_ssm_secure_string(aws):
    assert SecretResolver().resolve("ssm:/bff/test/keys/accounts") == "ssm-accounts-key"


def test_secrets_manager_string_and_json_field(aws):
    resolver = SecretResolver()
    assert resolver.resolve("secretsmanager:bff/plain") == "sm-plain-key"
    assert resolver.resolve("secretsmanager:bff/reviews#apiKey") == "sm-reviews-key"


def test_missing_parameter_names_the_reference_not_a_value(aws):
    with pytest.raises(SecretError) as error:
        SecretResolver().resolve("ssm:/bff/test/keys/nope")
    assert "ssm:/bff/test/keys/nope" in str(error.value) and "ParameterNotFound" in str(error.value)
    with pytest.raises(SecretError, match="no field 'nope'"):
        SecretResolver().resolve("secretsmanager:bff/reviews#nope")


def test_resolved_once_per_process(aws):
    import boto3

    resolver = SecretResolver()
    assert resolver.resolve("ssm:/bff/test/keys/accounts") == "ssm-accounts-key"
    boto3.client("ssm").put_parameter(Name="/bff/test/keys/accounts", Value="rotated", Type="SecureString",
                                      Overwrite=True)
    assert resolver.resolve("ssm:/bff/test/keys/accounts") == "ssm-accounts-key"
    assert SecretResolver().resolve("ssm:/bff/test/keys/accounts") == "rotated"
