"""A minimal DynamoDB client for the gateway's cold start: GetItem and Query (and PutItem, for caches).

botocore costs a gateway's cold start several hundred milliseconds (imports, then
loading the service model to build a client) for two small reads. This client
signs requests itself (AWS Signature V4) and speaks DynamoDB's JSON protocol over
the standard library's http.client, with the same method names and answer shapes
as botocore's client (`get_item(**kwargs)`, `query(**kwargs)`, binary values as
bytes), so DynamoDBStore uses either. The registry's writes always go through
botocore; the gateway's shared caches (gateway/shared_cache) put their items here.

It needs credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN), as Lambda provides them; `lean_client()` returns None otherwise
and the store falls back to botocore (profiles, SSO, instance roles...).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

TARGET = "DynamoDB_20120810."


class LeanClientError(Exception):
    """An error answer from DynamoDB, shaped like botocore's ClientError (`.response`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.response = {"Error": {"Code": code, "Message": message}}


class LeanUnavailable(OSError):
    """DynamoDB could not be reached or did not answer in time."""


def configured_endpoint(environ: "dict[str, str] | os._Environ[str] | None" = None) -> str | None:
    """The endpoint the AWS environment names for DynamoDB, as botocore resolves it:
    AWS_ENDPOINT_URL_DYNAMODB, else AWS_ENDPOINT_URL, both ignored when
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (DynamoDB Local and LocalStack users set these)."""
    env = os.environ if environ is None else environ
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    return env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL") or None


def lean_client(region: str | None, endpoint: str | None, timeout: float,
                environ: dict[str, str] | None = None) -> LeanDynamoDB | None:
    env = os.environ if environ is None else environ
    endpoint = endpoint or configured_endpoint(env)
    key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        if not endpoint:
            return None
        key, secret = "local", "local"  # DynamoDB Local accepts any credentials
    region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    return LeanDynamoDB(region, endpoint or f"https://dynamodb.{region}.amazonaws.com", key, secret,
                        env.get("AWS_SESSION_TOKEN"), timeout)


class LeanDynamoDB:
    def __init__(self, region: str, endpoint: str, access_key: str, secret_key: str,
                 session_token: str | None, timeout: float) -> None:
        parts = urlsplit(endpoint)
        self.region, self.host, self.scheme = region, parts.netloc, parts.scheme
        self.access_key, self.secret_key, self.session_token = access_key, secret_key, session_token
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
                    raise LeanUnavailable(f"DynamoDB did not answer ({type(exc).__name__})") from None
        try:
            answer = json.loads(payload or b"{}")
        except ValueError:
            raise LeanUnavailable(f"DynamoDB answered HTTP {response.status} with a body that is not JSON") from None
        if response.status >= 400:
            code = str(answer.get("__type", "")).rsplit("#", 1)[-1] or f"HTTP{response.status}"
            raise LeanClientError(code, str(answer.get("message") or answer.get("Message") or ""))
        return _decode_bytes(answer)

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            self._connection = cls(self.host, timeout=self.timeout)
        return self._connection

    def _signed_headers(self, operation: str, body: bytes, now: datetime | None = None) -> dict[str, str]:
        now = now or datetime.now(UTC)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        headers = {"content-type": "application/x-amz-json-1.0", "host": self.host,
                   "x-amz-date": amz_date, "x-amz-target": TARGET + operation}
        if self.session_token:
            headers["x-amz-security-token"] = self.session_token
        names = sorted(headers)
        canonical = "\n".join(["POST", "/", "", *(f"{n}:{headers[n]}" for n in names), "",
                               ";".join(names), hashlib.sha256(body).hexdigest()])
        scope = f"{day}/{self.region}/dynamodb/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + self.secret_key).encode()
        for part in (day, self.region, "dynamodb", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                    f"SignedHeaders={';'.join(names)}, Signature={signature}")
        return headers


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
