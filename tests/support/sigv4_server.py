"""A loopback HTTP server speaking the Lambda Invoke API and SSM GetParameters, that refuses any request
whose AWS Signature V4 botocore does not compute identically (403, as AWS answers).

`functions` maps a function name to `answer(event) -> (status, headers, payload)`; every request is
recorded in `requests` (function or operation, parsed body, start and end times).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY, SECRET, TOKEN, REGION = "AKIALOCALTEST", "local-test-secret", "local-test-token", "eu-west-1"
Answer = Callable[[dict[str, Any]], tuple[int, dict[str, str], Any]]


def botocore_accepts(method: str, url: str, headers: dict[str, str], body: bytes, service: str) -> bool:
    """Whether botocore's SigV4, given the request's signed headers and date, computes the same signature."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    authorization = headers.get("authorization", "")
    if not authorization.startswith("AWS4-HMAC-SHA256 ") or "x-amz-date" not in headers:
        return False
    names = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(method=method, url=url, data=body, headers={n: headers.get(n, "") for n in names})
    request.context["timestamp"] = headers["x-amz-date"]
    auth = SigV4Auth(Credentials(KEY, SECRET, TOKEN), service, REGION)
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    return authorization.rsplit("Signature=", 1)[1] == expected


@dataclass
class SigV4Server:
    functions: dict[str, Answer] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def environ(self) -> dict[str, str]:
        """What a Lambda environment holds for the gateway to reach this server."""
        return {"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN,
                "AWS_REGION": REGION, "AWS_ENDPOINT_URL": self.url}

    def __enter__(self) -> SigV4Server:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                parts = urlsplit(self.path)
                service = "ssm" if headers.get("x-amz-target", "").startswith("AmazonSSM.") else "lambda"
                if not botocore_accepts("POST", f"http://{headers['host']}{self.path}", headers, body, service):
                    return self._send(403, {"message": "The request signature we calculated does not match"},
                                      {"x-amzn-errortype": "InvalidSignatureException"})
                record: dict[str, Any] = {"start": time.monotonic(), "body": json.loads(body or b"{}"),
                                          "headers": headers}
                owner.requests.append(record)
                if service == "ssm":
                    record["name"] = headers["x-amz-target"]
                    names = record["body"]["Names"]
                    found = [{"Name": n, "Value": owner.parameters[n], "Type": "SecureString"}
                             for n in names if n in owner.parameters]
                    status, extra, payload = 200, {}, {"Parameters": found, "InvalidParameters": [
                        n for n in names if n not in owner.parameters]}
                else:
                    name = parts.path.split("/")[3]
                    record["name"], record["qualifier"] = name, parse_qs(parts.query).get("Qualifier", [None])[0]
                    answer = owner.functions.get(name)
                    if answer is None:
                        status, extra, payload = 404, {"x-amzn-errortype": "ResourceNotFoundException"}, {
                            "Type": "User", "Message": f"Function not found: arn:aws:lambda:{REGION}:0:function:{name}"}
                    else:
                        status, extra, payload = answer(record["body"])
                record["end"] = time.monotonic()
                self._send(status, payload, extra)

            def _send(self, status: int, payload: Any, extra: dict[str, str]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def graphql_answer(data: dict[str, Any], delay: float = 0.0) -> Answer:
    """A service function answering every invoke with `data` as an HTTP API proxy response."""
    def answer(event: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        if delay:
            time.sleep(delay)
        return 200, {}, {"statusCode": 200, "headers": {"content-type": "application/json"},
                         "body": json.dumps({"data": data}), "isBase64Encoded": False}
    return answer
