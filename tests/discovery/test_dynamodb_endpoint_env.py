"""Issue 13: a `dynamodb://TABLE` registry honours AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL on its
read path (the lean client a gateway's cold start uses) as on its write path (botocore), against
DynamoDB Local."""

from __future__ import annotations

import uuid

import pytest
from registry_support import ACCOUNTS

from bff_common.aws.sigv4 import configured_endpoint
from discovery.registry import PublishRequest, Registry
from discovery.store import open_store
from discovery.store.dynamodb_lean import LeanDynamoDB

ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


@pytest.fixture
def aws_env(monkeypatch):
    for name in ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")  # as Lambda provides them: the lean reader is used
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    return monkeypatch


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"])
@pytest.mark.parametrize("reader", ["lean", "botocore"])
def test_the_endpoint_variables_reach_reads_and_writes(dynamodb_local, aws_env, variable, reader):
    aws_env.setenv(variable, dynamodb_local)
    aws_env.setenv("BFF_DYNAMODB_CLIENT", reader)
    url = f"dynamodb://env{uuid.uuid4().hex[:10]}"  # no endpoint in the URL: the environment names it
    writer = Registry(open_store(url, create=True))
    assert writer.publish(PublishRequest("accounts", "http://a.local/graphql", ACCOUNTS, "test")).version == 1
    store = open_store(url)
    assert isinstance(store._reader, LeanDynamoDB) == (reader == "lean")
    assert store.current_version() == 1 and "join__Graph" in (store.supergraph().sdl or "")
    assert [s.name for s in Registry(store).services()] == ["accounts"]
    store.close()
    writer.store.close()


def test_the_dynamodb_variable_wins_and_the_ignore_switch_is_honoured():
    both = {"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8001", "AWS_ENDPOINT_URL": "http://127.0.0.1:8002"}
    assert configured_endpoint("dynamodb", both) == "http://127.0.0.1:8001"
    assert configured_endpoint("dynamodb", {"AWS_ENDPOINT_URL": "http://127.0.0.1:8002"}) == "http://127.0.0.1:8002"
    assert configured_endpoint("dynamodb", {**both, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}) is None
    assert configured_endpoint("dynamodb", {}) is None


def test_registry_init_creates_a_dynamodb_table_on_purpose(dynamodb_local, aws_env):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_local,
           "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "AWS_REGION": "us-east-1"}

    def bff(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "gateway", *args], capture_output=True, text=True, cwd=root,
                              timeout=60, env=env)

    url = f"dynamodb://init{uuid.uuid4().hex[:10]}"
    missing = bff("services", "--registry", url)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr and missing.stderr.count("\n") == 1
    assert f"no registry at {url}" in missing.stderr and "bff registry init" in missing.stderr
    created = bff("registry", "init", url)
    assert created.returncode == 0 and f"registry {url} ready (graph version 0)" in created.stdout, created.stderr
    assert bff("services", "--registry", url).stdout.strip() == "no services published"
