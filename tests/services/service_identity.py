"""Identities signed for the example services the way the gateway signs them (test secret)."""

from __future__ import annotations

from typing import Any

from bff_common.identity import sign_identity
from bff_common.principal import ANONYMOUS, Principal

SECRET = "services-test-identity-secret"
ADMIN = Principal("viewer", subject="u1", roles=frozenset({"student", "admin"}))


def signed(service: str, body: bytes, principal: Any = ANONYMOUS, verdicts: dict | None = None,
           method: str = "POST") -> dict[str, str]:
    """Headers for one request; `body`: the bytes POSTed, or a GET's query string."""
    return sign_identity(principal, SECRET, service=service, body=body, verdicts=verdicts, method=method)
