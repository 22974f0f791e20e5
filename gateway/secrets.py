"""Secret references: where a key lives, never the key itself.

Configuration and the registry hold references, resolved once (at a cold
start) and cached for the life of the process:

    env:NAME                      an environment variable
    ssm:/path/to/parameter        AWS SSM Parameter Store (decrypted SecureString)
    secretsmanager:NAME[#FIELD]   AWS Secrets Manager; FIELD picks a key of a JSON secret

boto3 is imported only when an AWS reference is resolved.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

SCHEMES = ("env", "ssm", "secretsmanager")


class SecretError(ValueError):
    """A reference that cannot be resolved. The message names the reference, never a value."""


def is_reference(value: str) -> bool:
    scheme, sep, rest = value.partition(":")
    return bool(sep and rest) and scheme in SCHEMES


class SecretResolver:
    """Resolves references once and caches the values (thread-safe)."""

    def __init__(self, clients: dict[str, Any] | None = None) -> None:
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()
        self._clients = dict(clients or {})  # "ssm" / "secretsmanager" -> boto3 client (tests inject)

    def resolve(self, reference: str) -> str:
        cached = self._cache.get(reference)
        if cached is not None:
            return cached
        with self._lock:
            if reference not in self._cache:
                self._cache[reference] = self._fetch(reference)
            return self._cache[reference]

    def _fetch(self, reference: str) -> str:
        scheme, _, rest = reference.partition(":")
        if scheme == "env":
            value = os.environ.get(rest)
            if not value:
                raise SecretError(f"secret {reference}: environment variable {rest} is not set")
            return value
        if scheme == "ssm":
            try:
                response = self._client("ssm").get_parameter(Name=rest, WithDecryption=True)
            except Exception as error:  # botocore's errors: report the reference and the error class only
                raise SecretError(f"secret {reference}: SSM lookup failed ({type(error).__name__})") from None
            return response["Parameter"]["Value"]
        if scheme == "secretsmanager":
            name, _, field = rest.partition("#")
            try:
                response = self._client("secretsmanager").get_secret_value(SecretId=name)
            except Exception as error:
                raise SecretError(f"secret {reference}: Secrets Manager lookup failed ({type(error).__name__})") from None
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

    def _client(self, service: str) -> Any:
        client = self._clients.get(service)
        if client is None:
            import boto3

            client = self._clients[service] = boto3.client(service)
        return client


def parse_mapping(text: str) -> dict[str, str]:
    """`"accounts=ssm:/bff/accounts, reviews=env:REVIEWS_KEY"` -> {name: reference}."""
    result: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, reference = part.partition("=")
        if not sep or not name.strip() or not is_reference(reference.strip()):
            raise SecretError(f"expected NAME=REFERENCE (env:, ssm: or secretsmanager:), got {part.split('=')[0]!r}=...")
        result[name.strip()] = reference.strip()
    return result
