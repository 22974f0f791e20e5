"""The gateway's own AWS calls on a real socket: the Lambda Invoke API and SSM GetParameters as
served by a loopback server that accepts only signatures botocore computes identically
(tests/support/sigv4_server.py). Failures map to client-safe errors; nothing is retried past
the deadline; the first request warms the other Lambda subgraphs; no botocore on the way."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from bff_common.secrets import SecretError, SecretResolver
from gateway.execute.lambda_transport import LambdaTransport
from gateway.execute.transport import SubgraphFailure
from tests.support.sigv4_server import SigV4Server, graphql_answer

QUERY = {"query": "{ ok }"}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[SigV4Server]:
    with SigV4Server() as server:
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("BFF_LAMBDA_ENDPOINT_URL", raising=False)
        monkeypatch.delenv("AWS_ENDPOINT_URL_LAMBDA", raising=False)
        monkeypatch.delenv("AWS_ENDPOINT_URL_SSM", raising=False)
        yield server


async def test_invoke_is_signed_as_botocore_signs_it_and_answers(aws: SigV4Server) -> None:
    aws.functions["bff-dev-accounts"] = graphql_answer({"ok": True})
    transport = LambdaTransport()
    result = await transport.send("accounts", "lambda:bff-dev-accounts:snapstart", QUERY, {"x-api-key": "k"})
    assert result == {"data": {"ok": True}}
    [request] = aws.requests
    assert request["name"] == "bff-dev-accounts" and request["qualifier"] == "snapstart"
    assert request["headers"]["x-amz-invocation-type"] == "RequestResponse"
    assert request["body"]["headers"]["x-api-key"] == "k" and json.loads(request["body"]["body"]) == QUERY
    await transport.aclose()


async def test_the_x_ray_trace_header_rides_on_the_invoke(aws: SigV4Server) -> None:
    """API Gateway's X-Amzn-Trace-Id (propagated from the client request) goes on the Invoke call itself, as
    the X-Ray SDK sends it, so a service with active tracing joins the gateway's trace; the call stays
    signed as botocore signs it (the server refuses otherwise)."""
    aws.functions["bff-dev-accounts"] = graphql_answer({"ok": True})
    transport = LambdaTransport()
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    assert await transport.send("accounts", "lambda:bff-dev-accounts", QUERY, {"x-amzn-trace-id": trace}) == \
        {"data": {"ok": True}}
    assert await transport.send("accounts", "lambda:bff-dev-accounts", QUERY, {"x-api-key": "k"}) == \
        {"data": {"ok": True}}
    traced, untraced = aws.requests
    assert traced["headers"]["x-amzn-trace-id"] == trace
    assert "x-amzn-trace-id" not in untraced["headers"]
    await transport.aclose()


async def test_a_bad_signature_is_refused_and_said_safely(aws: SigV4Server, monkeypatch: pytest.MonkeyPatch) -> None:
    aws.functions["f"] = graphql_answer({"ok": True})
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    transport = LambdaTransport()
    with pytest.raises(SubgraphFailure, match='^Subgraph "accounts" could not be reached$'):
        await transport.send("accounts", "lambda:f", QUERY)
    assert aws.requests == []  # the server refused it before recording
    await transport.aclose()


@pytest.mark.parametrize(("answer", "message"), [
    (lambda e: (200, {"x-amz-function-error": "Unhandled"}, {"errorMessage": "boom", "errorType": "KeyError"}),
     'Subgraph "accounts" failed while answering'),
    (lambda e: (429, {"x-amzn-errortype": "TooManyRequestsException"},
                {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}),
     'Subgraph "accounts" is throttled; try again later'),
    (lambda e: (200, {}, {"statusCode": 502, "body": "Bad Gateway"}), 'Subgraph "accounts" answered HTTP 502'),
])
async def test_failures_are_client_safe(aws: SigV4Server, answer, message: str) -> None:
    aws.functions["f"] = answer
    transport = LambdaTransport()
    with pytest.raises(SubgraphFailure) as caught:
        await transport.send("accounts", "lambda:f", QUERY)
    assert str(caught.value) == message
    with pytest.raises(SubgraphFailure, match='^Subgraph "accounts" could not be reached$'):
        await transport.send("accounts", "lambda:no-such-function", QUERY)
    await transport.aclose()


async def test_a_slow_function_times_out_once_without_hidden_retries(aws: SigV4Server) -> None:
    aws.functions["slow"] = graphql_answer({"ok": True}, delay=1.5)
    transport = LambdaTransport(timeout=0.3)
    started = time.monotonic()
    with pytest.raises(SubgraphFailure, match="did not answer in time") as caught:
        await transport.send("reviews", "lambda:slow", QUERY)
    assert caught.value.timeout and time.monotonic() - started < 1.0
    await asyncio.sleep(1.5)
    assert len(aws.requests) == 1  # botocore's client would have sent it again
    await transport.aclose()


async def test_the_first_request_warms_the_other_functions_once(aws: SigV4Server) -> None:
    health = {"statusCode": 200, "body": json.dumps({"status": "ok"})}
    for name in ("courses", "accounts", "reviews"):
        delay = 0.4 if name == "accounts" else 0.0

        def answer(event, delay=delay, name=name):
            time.sleep(delay if event["rawPath"] == "/health" else 0.0)
            if event["rawPath"] == "/health":
                return 200, {}, health
            return graphql_answer({name: True})(event)
        aws.functions[f"bff-dev-{name}"] = answer
    urls = tuple(f"lambda:bff-dev-{n}" for n in ("courses", "accounts", "reviews"))
    transport = LambdaTransport(warm=urls)
    assert await transport.send("courses", urls[0], QUERY) == {"data": {"courses": True}}
    await asyncio.sleep(0.05)
    assert await transport.send("accounts", urls[1], QUERY) == {"data": {"accounts": True}}
    seen = [(r["name"], r["body"]["rawPath"]) for r in aws.requests]
    assert sorted(seen[:3]) == [("bff-dev-accounts", "/health"), ("bff-dev-courses", "/graphql"),
                                ("bff-dev-reviews", "/health")]  # courses is not warmed: it is being invoked
    warm, real = [r for r in aws.requests if r["name"] == "bff-dev-accounts"]
    assert real["start"] >= warm["end"]  # waited for the warm-up: its environment takes the request
    await transport.send("courses", urls[0], QUERY)
    assert len(aws.requests) == 5  # no second round of warm-ups
    await transport.aclose()


def test_ssm_references_resolve_in_one_batched_call(aws: SigV4Server) -> None:
    names = [f"/bff/dev/keys/{n}" for n in ("accounts", "courses", "enrollments", "reviews")]
    aws.parameters.update({n: f"key-{i}" for i, n in enumerate(names)})
    resolver = SecretResolver()
    values = resolver.resolve_many([f"ssm:{n}" for n in names] + ["ssm:/bff/dev/keys/accounts"])
    assert values == {f"ssm:{n}": f"key-{i}" for i, n in enumerate(names)}
    assert [r["name"] for r in aws.requests] == ["AmazonSSM.GetParameters"]
    assert aws.requests[0]["body"] == {"Names": names, "WithDecryption": True}
    assert resolver.resolve("ssm:/bff/dev/keys/reviews") == "key-3" and len(aws.requests) == 1  # cached


def test_a_missing_parameter_names_the_reference_never_a_value(aws: SigV4Server) -> None:
    aws.parameters["/bff/dev/keys/accounts"] = "the-accounts-key"
    with pytest.raises(SecretError) as error:
        SecretResolver().resolve_many(["ssm:/bff/dev/keys/accounts", "ssm:/bff/dev/keys/nope"])
    assert str(error.value) == "secret ssm:/bff/dev/keys/nope: SSM lookup failed (ParameterNotFound)"
    assert "the-accounts-key" not in str(error.value)


def test_the_cold_path_imports_no_botocore(aws: SigV4Server) -> None:
    """A fresh process resolving its keys from SSM and invoking a function never imports boto3/botocore."""
    aws.parameters["/bff/dev/keys/accounts"] = "k"
    aws.functions["bff-dev-accounts"] = graphql_answer({"ok": True})
    code = ("import asyncio, sys\n"
            "from bff_common.secrets import SecretResolver\n"
            "from gateway.execute.lambda_transport import LambdaTransport\n"
            "key = SecretResolver().resolve('ssm:/bff/dev/keys/accounts')\n"
            "async def main():\n"
            "    t = LambdaTransport()\n"
            "    print(await t.send('accounts', 'lambda:bff-dev-accounts', {'query': '{ ok }'}, {'x-api-key': key}))\n"
            "    await t.aclose()\n"
            "asyncio.run(main())\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                            env={**aws.environ(), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["{'data': {'ok': True}}", "[]"]
