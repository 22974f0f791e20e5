"""Secret references: where a key lives, never the key itself.

Configuration and the registry hold references, resolved once (at a cold
start) and cached for the life of the process:

    env:NAME                      an environment variable
    ssm:/path/to/parameter        AWS SSM Parameter Store (decrypted SecureString)
    secretsmanager:NAME[#FIELD]   AWS Secrets Manager; FIELD picks a key of a JSON secret

The AWS calls are signed here (bff_common/aws) when credentials are in the environment;
boto3 is imported only without them. In the shared layer because the gateway, the
registry's HTTP API (its tokens) and the services (their keys) all resolve references.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from typing import Any

SCHEMES = ("env", "ssm", "secretsmanager")


class SecretError(ValueError):
    """A reference that cannot be resolved. The message names the reference, never a value."""


def is_reference(value: str) -> bool:
    scheme, sep, rest = value.partition(":")
    return bool(sep and rest) and scheme in SCHEMES


class SecretResolver:
    """Resolves references once and caches the values (thread-safe).

    `resolve_many` reads every `ssm:` reference in ONE GetParameters call (ten names per
    call, the API's limit) instead of one GetParameter each. AWS calls go through
    bff_common/aws (signed here, no botocore: boto3's import and client cost a cold start
    250+ ms, see bff_common/aws/__init__.py) when credentials are in the environment, as on
    Lambda; otherwise through boto3 and its credential chain (profiles, SSO, instance roles).
    """

    def __init__(self, clients: dict[str, Any] | None = None, timeout: float = 5.0) -> None:
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()
        self._clients = dict(clients or {})  # "ssm" / "secretsmanager" -> boto3-shaped client (tests inject)
        self.timeout = timeout

    def resolve(self, reference: str) -> str:
        cached = self._cache.get(reference)
        if cached is not None:
            return cached
        return self.resolve_many([reference])[reference]

    def resolve_many(self, references: Iterable[str]) -> dict[str, str]:
        """{reference: value} for all of them; SecretError names the first that cannot be resolved."""
        wanted = list(dict.fromkeys(references))
        with self._lock:
            missing = [r for r in wanted if r not in self._cache]
            ssm = [r for r in missing if r.startswith("ssm:") and r[4:]]
            if ssm:
                self._cache.update(self._fetch_ssm(ssm))
            for reference in missing:
                if reference not in self._cache:
                    self._cache[reference] = self._fetch(reference)
            return {r: self._cache[r] for r in wanted}

    def _fetch(self, reference: str) -> str:
        scheme, _, rest = reference.partition(":")
        if scheme == "env":
            value = os.environ.get(rest)
            if not value:
                raise SecretError(f"secret {reference}: environment variable {rest} is not set")
            return value
        if scheme == "secretsmanager" and rest:
            name, _, field = rest.partition("#")
            try:
                response = self._call("secretsmanager", "GetSecretValue", {"SecretId": name})
            except Exception as error:  # AWS errors: report the reference and the error's code or class only
                raise SecretError(f"secret {reference}: Secrets Manager lookup failed ({_code(error)})") from None
            value = response.get("SecretString")
            if value is None:
                raise SecretError(f"secret {reference}: not a string secret")
            if field:
                try:
                    value = json.loads(value)[field]
                except (ValueError, KeyError, TypeError):
                    raise SecretError(f"secret {reference}: no field {field!r} in the JSON secret") from None
            return str(value)
        raise SecretError(f"not a secret reference: expected one of {', '.join(s + ':' for s in SCHEMES)}")

    def _fetch_ssm(self, references: list[str]) -> dict[str, str]:
        """SSM parameters (decrypted SecureStrings) by reference: GetParameters, ten names per call."""
        values: dict[str, str] = {}
        for start in range(0, len(references), 10):
            chunk = references[start:start + 10]
            try:
                response = self._call("ssm", "GetParameters", {"Names": [r[4:] for r in chunk], "WithDecryption": True})
            except Exception as error:
                raise SecretError(f"secret {chunk[0]}: SSM lookup failed ({_code(error)})") from None
            found = {p.get("Name"): p.get("Value") for p in response.get("Parameters") or ()}
            for reference in chunk:
                value = found.get(reference[4:])
                if value is None:
                    raise SecretError(f"secret {reference}: SSM lookup failed (ParameterNotFound)")
                values[reference] = value
        return values

    def _call(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        client = self._clients.get(service)
        if client is None:
            from bff_common.aws.sigv4 import credentials_from_env

            if credentials_from_env() is not None:
                from bff_common.aws.json_api import JsonApi

                client = JsonApi(service, _TARGETS[service], timeout=self.timeout)
            else:
                import boto3

                client = boto3.client(service)
            self._clients[service] = client
        if hasattr(client, "call"):  # bff_common.aws.json_api.JsonApi
            answer: object = client.call(operation, params)
        else:  # a boto3 client
            answer = getattr(client, _SNAKE[operation])(**params)
        if not isinstance(answer, dict):
            raise TypeError(f"{service} {operation} answered {type(answer).__name__}, not an object")
        return answer


_TARGETS = {"ssm": "AmazonSSM", "secretsmanager": "secretsmanager"}
_SNAKE = {"GetParameters": "get_parameters", "GetSecretValue": "get_secret_value"}


def _code(error: Exception) -> str:
    """An AWS error's code (botocore's or bff_common.aws's), else its class name: never a value."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if code:
            return str(code)
    return type(error).__name__


def parse_mapping(text: str) -> dict[str, str]:
    """`"accounts=ssm:/bff/accounts, reviews=env:REVIEWS_KEY"` -> {name: reference}."""
    result: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, reference = part.partition("=")
        if not sep or not name.strip() or not is_reference(reference.strip()):
            raise SecretError("expected NAME=REFERENCE (env:, ssm: or secretsmanager:), "
                              f"got {part.split('=')[0]!r}=...")
        result[name.strip()] = reference.strip()
    return result
