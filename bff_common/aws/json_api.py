"""One call to an AWS JSON-protocol API (SSM, Secrets Manager): POST / with X-Amz-Target.

Blocking (http.client): these calls happen once, at a cold start, before anything else
runs. No retries: the caller decides (a secret that cannot be read stops the start with
a message naming the reference).
"""

from __future__ import annotations

import http.client
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .sigv4 import Credentials, credentials_from_env, endpoint_url, region_from_env, sign


class AwsError(Exception):
    """An error answer from the service, shaped like botocore's ClientError (`.response`)."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.status = code, status
        self.response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}


class AwsUnavailable(OSError):
    """The service could not be reached or did not answer in time."""


class JsonApi:
    """A JSON-protocol AWS service: `call("GetParameters", {...})` -> the answer's JSON."""

    def __init__(self, service: str, target_prefix: str, json_version: str = "1.1", *,
                 credentials: Credentials | None = None, region: str | None = None, endpoint: str | None = None,
                 timeout: float = 5.0) -> None:
        self.service, self.target_prefix, self.json_version = service, target_prefix, json_version
        self.region = region or region_from_env()
        self.credentials = credentials or credentials_from_env()
        parts = urlsplit(endpoint or endpoint_url(service, self.region))
        self.scheme, self.host, self.path = parts.scheme, parts.netloc, parts.path or "/"
        self.timeout = timeout

    def request(self, operation: str, params: dict[str, Any],
                now: datetime | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and signed headers of one call (botocore sends the same: tests/aws/test_sigv4.py)."""
        if self.credentials is None:
            raise AwsUnavailable("no AWS credentials in the environment")
        body = json.dumps(params).encode()
        headers = sign("POST", self.host, self.path, {}, {
            "content-type": f"application/x-amz-json-{self.json_version}",
            "x-amz-target": f"{self.target_prefix}.{operation}"}, body, self.credentials, self.region, self.service,
            now)
        return body, headers

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        body, headers = self.request(operation, params)
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        connection = cls(self.host, timeout=self.timeout)
        try:
            connection.request("POST", self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise AwsUnavailable(f"{self.service} did not answer ({type(exc).__name__})") from None
        finally:
            connection.close()
        try:
            answer = json.loads(payload or b"{}")
        except ValueError:
            raise AwsUnavailable(
                f"{self.service} answered HTTP {response.status} with a body that is not JSON") from None
        if response.status >= 400:
            code = str(answer.get("__type", "")).rsplit("#", 1)[-1] or f"HTTP{response.status}"
            raise AwsError(code, str(answer.get("message") or answer.get("Message") or ""), response.status)
        if not isinstance(answer, dict):
            raise AwsUnavailable(f"{self.service} answered JSON that is not an object")
        return answer
