"""The gateway's lean DynamoDB reader: signatures identical to botocore's, answers identical
to botocore's against DynamoDB Local, and botocore not imported on the read path."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

import pytest

from bff_common.aws.sigv4 import Credentials
from discovery.store.dynamodb_lean import LeanDynamoDB, lean_client


@pytest.mark.parametrize("token", [None, "FwoGZXIvYXdzEXAMPLETOKEN"])
def test_signature_matches_botocores(token):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotocoreCredentials

    client = LeanDynamoDB("eu-west-1", "https://dynamodb.eu-west-1.amazonaws.com",
                          Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token), 5.0)
    body = json.dumps({"TableName": "bff-registry", "Key": {"pk": {"S": "GRAPH"}, "sk": {"S": "HEAD"}}}).encode()
    request = AWSRequest(method="POST", url="https://dynamodb.eu-west-1.amazonaws.com/", data=body,
                         headers={"content-type": "application/x-amz-json-1.0",
                                  "x-amz-target": "DynamoDB_20120810.GetItem"})
    SigV4Auth(BotocoreCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token),
              "dynamodb", "eu-west-1").add_auth(request)
    when = datetime.strptime(request.headers["X-Amz-Date"] + "+0000", "%Y%m%dT%H%M%SZ%z")
    ours = client._signed_headers("GetItem", body, now=when)
    assert ours["authorization"] == request.headers["Authorization"]
    if token:
        assert ours["x-amz-security-token"] == token


def test_no_lean_client_without_credentials_in_the_environment():
    assert lean_client("eu-west-1", None, 5.0, environ={}) is None
    assert lean_client("eu-west-1", None, 5.0, environ={"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"})


def test_reads_match_botocore_against_dynamodb_local(dynamodb_local, monkeypatch):
    from discovery.store.dynamodb import DynamoDBStore
    from discovery.store.dynamodb_lean import LeanDynamoDB

    table = "lean-check"
    writer = DynamoDBStore(table, endpoint=dynamodb_local, create=True)
    blob = bytes(range(256)) * 3
    writer._client.put_item(TableName=table, Item={"pk": {"S": "P"}, "sk": {"S": "1"}, "data": {"B": blob},
                                                   "n": {"N": "7"}})
    lean = DynamoDBStore(table, endpoint=dynamodb_local)
    assert isinstance(lean._reader, LeanDynamoDB)
    args = {"TableName": table, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "P"}}}
    assert lean._call("query", **args)["Items"] == writer._client.query(**args)["Items"]
    assert lean._call("get_item", TableName=table, Key={"pk": {"S": "P"}, "sk": {"S": "1"}})["Item"]["data"]["B"] == blob


def test_a_missing_table_is_a_store_error_through_the_lean_client(dynamodb_local):
    from discovery.store.base import StoreError
    from discovery.store.dynamodb import DynamoDBStore

    with pytest.raises(StoreError, match="does not exist"):
        DynamoDBStore("no-such-table", endpoint=dynamodb_local).current_version()


def test_gateway_read_path_does_not_import_botocore(dynamodb_local):
    code = (f"from discovery.store.dynamodb import DynamoDBStore; import sys; "
            f"DynamoDBStore('lean-check', endpoint={dynamodb_local!r}).current_version(); "
            f"print('botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
