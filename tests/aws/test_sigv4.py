"""The hand-made AWS requests on the cold path are the ones botocore sends: same URL, body, signed
headers and signature (captured from boto3's own client at the moment it would send), and
botocore's SigV4 accepts what the gateway actually puts on the wire."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from bff_common.aws.json_api import JsonApi
from bff_common.aws.sigv4 import Credentials, credentials_from_env, endpoint_url, sign
from gateway.execute.lambda_transport import invoke_request

KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


class _Captured(Exception):
    pass


def botocore_request(service: str, operation: str, token: str | None, **params: Any) -> Any:
    """The request boto3's client would send for `operation` (signed), captured before it leaves."""
    import boto3

    client = boto3.client(service, region_name="eu-west-1", aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                          aws_session_token=token)
    captured = {}

    def grab(request: Any, **_: Any) -> None:
        captured["request"] = request
        raise _Captured()

    client.meta.events.register(f"before-send.{service}.{operation}", grab)
    with pytest.raises(_Captured):
        getattr(client, {"Invoke": "invoke", "GetParameters": "get_parameters",
                         "GetSecretValue": "get_secret_value"}[operation])(**params)
    return captured["request"]


def timestamp(request: Any) -> datetime:
    return datetime.strptime(request.headers["X-Amz-Date"].decode() + "+0000", "%Y%m%dT%H%M%SZ%z")


def signed_names(authorization: str) -> str:
    return authorization.split("SignedHeaders=")[1].split(",")[0]


@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEXAMPLETOKEN"])
@pytest.mark.parametrize("alias", [None, "snapstart"])
def test_lambda_invoke_is_botocores_request(token: str | None, alias: str | None) -> None:
    event = b'{"version":"2.0","body":"{\\"query\\":\\"{ a }\\"}"}'
    params: dict[str, Any] = {"FunctionName": "bff-dev-accounts", "InvocationType": "RequestResponse",
                              "Payload": event}
    if alias:
        params["Qualifier"] = alias
    theirs = botocore_request("lambda", "Invoke", token, **params)
    url, ours = invoke_request("https://lambda.eu-west-1.amazonaws.com", "bff-dev-accounts", alias, event,
                               Credentials(KEY, SECRET, token), "eu-west-1", timestamp(theirs))
    assert url == theirs.url
    assert theirs.body == event
    assert ours["authorization"] == theirs.headers["Authorization"].decode()
    assert signed_names(ours["authorization"]) == signed_names(theirs.headers["Authorization"].decode())
    assert ours["x-amz-invocation-type"] == "RequestResponse"


@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEXAMPLETOKEN"])
def test_ssm_get_parameters_is_botocores_request(token: str | None) -> None:
    params = {"Names": ["/bff/dev/keys/accounts", "/bff/dev/keys/reviews"], "WithDecryption": True}
    theirs = botocore_request("ssm", "GetParameters", token, **params)
    api = JsonApi("ssm", "AmazonSSM", credentials=Credentials(KEY, SECRET, token), region="eu-west-1",
                  endpoint="https://ssm.eu-west-1.amazonaws.com")
    body, ours = api.request("GetParameters", params, timestamp(theirs))
    assert body == theirs.body
    assert ours["x-amz-target"] == theirs.headers["X-Amz-Target"].decode() == "AmazonSSM.GetParameters"
    assert ours["content-type"] == theirs.headers["Content-Type"].decode()
    assert ours["authorization"] == theirs.headers["Authorization"].decode()


def test_secrets_manager_get_secret_value_is_botocores_request() -> None:
    theirs = botocore_request("secretsmanager", "GetSecretValue", None, SecretId="bff/reviews")
    api = JsonApi("secretsmanager", "secretsmanager", credentials=Credentials(KEY, SECRET), region="eu-west-1",
                  endpoint="https://secretsmanager.eu-west-1.amazonaws.com")
    body, ours = api.request("GetSecretValue", {"SecretId": "bff/reviews"}, timestamp(theirs))
    assert json.loads(body) == json.loads(theirs.body)
    assert ours["authorization"] == theirs.headers["Authorization"].decode()


def test_environment_credentials_region_and_endpoints() -> None:
    env = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_SESSION_TOKEN": "t"}
    assert credentials_from_env(env) == Credentials("a", "b", "t")
    assert credentials_from_env({"AWS_ACCESS_KEY_ID": "a"}) is None  # then botocore's chain (profiles, SSO)
    assert endpoint_url("ssm", "eu-west-1", {}) == "https://ssm.eu-west-1.amazonaws.com"
    assert endpoint_url("ssm", "eu-west-1", {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000/"}) == "http://127.0.0.1:5000"
    assert endpoint_url("ssm", "eu-west-1", {"AWS_ENDPOINT_URL": "http://x", "AWS_ENDPOINT_URL_SSM": "http://y"}) \
        == "http://y"


def test_signing_is_deterministic_and_covers_every_header() -> None:
    when = datetime(2026, 11, 29, 10, 0, 0)
    one = sign("POST", "h", "/", {}, {"X-Amz-Target": "T"}, b"{}", Credentials(KEY, SECRET), "eu-west-1", "ssm", when)
    two = sign("POST", "h", "/", {}, {"x-amz-target": "T"}, b"{}", Credentials(KEY, SECRET), "eu-west-1", "ssm", when)
    assert one == two and signed_names(one["authorization"]) == "host;x-amz-date;x-amz-target"
    other = sign("POST", "h", "/", {}, {"x-amz-target": "T"}, b"{ }", Credentials(KEY, SECRET), "eu-west-1", "ssm",
                 when)
    assert other["authorization"] != one["authorization"]  # the body is signed
