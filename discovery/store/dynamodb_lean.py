"""A minimal DynamoDB client for the gateway's cold start: GetItem and Query (and PutItem, for caches).

botocore costs a gateway's cold start several hundred milliseconds (imports, then
loading the service model to build a client) for two small reads. This client
signs requests with bff_common/aws (AWS Signature V4) and speaks DynamoDB's JSON
protocol over the standard library's http.client on one kept-alive connection, with
the same method names and answer shapes as botocore's client (`get_item(**kwargs)`,
`query(**kwargs)`, binary values as bytes), so DynamoDBStore uses either. The
registry's writes always go through botocore; the gateway's shared caches
(gateway/shared_cache) put their items here.

It needs credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN), as Lambda provides them; `lean_client()` returns None otherwise
and the store falls back to botocore (profiles, SSO, instance roles...).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from bff_common.aws.json_api import AwsError, AwsUnavailable
from bff_common.aws.sigv4 import Credentials, configured_endpoint, credentials_from_env, region_from_env, sign

TARGET = "DynamoDB_20120810."


def lean_client(region: str | None, endpoint: str | None, timeout: float,
                environ: Mapping[str, str] | None = None) -> LeanDynamoDB | None:
    env = os.environ if environ is None else environ
    endpoint = endpoint or configured_endpoint("dynamodb", env)
    credentials = credentials_from_env(env)
    if credentials is None:
        if not endpoint:
            return None
        credentials = Credentials("local", "local")  # DynamoDB Local accepts any credentials
    region = region or region_from_env(env)
    return LeanDynamoDB(region, endpoint or f"https://dynamodb.{region}.amazonaws.com", credentials, timeout)


class LeanDynamoDB:
    def __init__(self, region: str, endpoint: str, credentials: Credentials, timeout: float) -> None:
        parts = urlsplit(endpoint)
        self.region, self.host, self.scheme = region, parts.netloc, parts.scheme
        self.credentials = credentials
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("GetItem", kwargs)

    def query(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("Query", kwargs)

    def put_item(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("PutItem", kwargs)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(params, default=_encode_bytes).encode()
        headers = self._signed_headers(operation, body)
        for attempt in (1, 2):  # one retry on a stale kept-alive connection
            try:
                connection = self._connect()
                connection.request("POST", "/", body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 2:
                    raise AwsUnavailable(f"DynamoDB did not answer ({type(exc).__name__})") from None
        try:
            answer = json.loads(payload or b"{}")
        except ValueError:
            raise AwsUnavailable(f"DynamoDB answered HTTP {response.status} with a body that is not JSON") from None
        if response.status >= 400:
            code = str(answer.get("__type", "")).rsplit("#", 1)[-1] or f"HTTP{response.status}"
            raise AwsError(code, str(answer.get("message") or answer.get("Message") or ""), response.status)
        return _decode_bytes(answer)

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self._connection = cls(self.host, timeout=self.timeout)
        return self._connection

    def _signed_headers(self, operation: str, body: bytes, now: datetime | None = None) -> dict[str, str]:
        return sign("POST", self.host, "/", {}, {"content-type": "application/x-amz-json-1.0",
                                                  "x-amz-target": TARGET + operation},
                    body, self.credentials, self.region, "dynamodb", now)


def _encode_bytes(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot send {type(value).__name__}")


def _decode_bytes(value: Any) -> Any:
    """Binary attribute values arrive base64-encoded; botocore gives bytes."""
    if isinstance(value, dict):
        if len(value) == 1 and "B" in value and isinstance(value["B"], str):
            return {"B": base64.b64decode(value["B"])}
        if len(value) == 1 and "BS" in value and isinstance(value["BS"], list):
            return {"BS": [base64.b64decode(v) for v in value["BS"]]}
        return {k: _decode_bytes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode_bytes(v) for v in value]
    return value
