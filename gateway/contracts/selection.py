"""Which contract a request gets: by path, by token claim, by client name; else the default.

A request *asks* for a contract by its path (`/graphql/mobile`) or its
`apollographql-client-name` header, and its verified token *grants* one when a
contract is bound to a claim (`azp: [mobile-app]`). The rules:

* the token's grant wins; asking for another contract is refused (403);
* asking for a contract bound to claims without a token that grants it is
  refused (403): a header alone never unlocks a claim-bound contract;
* a path and a client name asking for two different contracts is refused (400);
* nothing asked or granted: the default (the full API schema, a named
  contract, or refused).

Errors name the contract asked for, never another client's contract.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bff_common.contracts.definitions import DEFAULT_API, DEFAULT_REFUSE, Contracts

CLIENT_HEADER = "apollographql-client-name"


class ContractRefused(Exception):
    """The request may not have the contract it asks for (or any): a GraphQL error, no data."""

    def __init__(self, message: str, code: str, status: int) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status
        self.errors = [{"message": message, "extensions": {"code": code}}]


class ContractSelector:
    """Lookup tables built once per set of contracts; `select` is a few dict lookups per request."""

    __slots__ = ("by_client", "by_path", "by_claim", "claim_names", "bound", "default")

    def __init__(self, contracts: Contracts) -> None:
        self.by_client = {c: d.name for d in contracts.definitions for c in d.clients}
        self.by_path = {p.rstrip("/"): d.name for d in contracts.definitions for p in d.paths}
        self.by_claim = {(claim, v): d.name for d in contracts.definitions for claim, values in d.claims
                         for v in values}
        self.claim_names = tuple(sorted({claim for claim, _ in self.by_claim}))
        self.bound = frozenset(d.name for d in contracts.definitions if d.claims)
        self.default = contracts.default

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(self.by_path)

    def select(self, headers: Mapping[str, str], principal: Any = None, path: str | None = None) -> str | None:
        """The contract's name, or None for the full API schema; raises ContractRefused."""
        by_path = self.by_path.get(path.rstrip("/")) if path and self.by_path else None
        client = headers.get(CLIENT_HEADER) if self.by_client else None
        by_client = self.by_client.get(client) if client else None
        if by_path and by_client and by_path != by_client:
            raise ContractRefused(f'The path {path} serves contract "{by_path}", but the client name "{client}" '
                                  f'asks for contract "{by_client}": send one or the other.', "CONTRACT_CONFLICT",
                                  400)
        asked = by_path or by_client
        granted = self._granted(principal) if self.by_claim else None
        if granted is not None:
            if asked is not None and asked != granted:
                raise ContractRefused(f'Contract "{asked}" is not allowed for this caller\'s token.',
                                      "CONTRACT_NOT_ALLOWED", 403)
            return granted
        if asked is not None:
            if asked in self.bound:
                raise ContractRefused(f'Contract "{asked}" is bound to token claims, and this caller\'s token '
                                      'does not allow it.', "CONTRACT_NOT_ALLOWED", 403)
            return asked
        if self.default == DEFAULT_API:
            return None
        if self.default == DEFAULT_REFUSE:
            raise ContractRefused("This API is served per client: send your client name "
                                  f"({CLIENT_HEADER}), use your client's path, or sign in as your client.",
                                  "CONTRACT_REQUIRED", 403)
        return self.default

    def _granted(self, principal: Any) -> str | None:
        """The contract the verified token's claims select; refused when they select two."""
        claims = getattr(principal, "claims", None) or {}
        found: set[str] = set()
        for claim in self.claim_names:
            value = claims.get(claim)
            if value is None and claim in ("azp", "client_id"):
                value = getattr(principal, "client_name", None)
            for v in value if isinstance(value, (list, tuple)) else (value,):
                name = self.by_claim.get((claim, v)) if isinstance(v, str) else None
                if name is not None:
                    found.add(name)
        if len(found) > 1:
            raise ContractRefused(f'This caller\'s token matches contracts {", ".join(sorted(found))}; a token '
                                  'must select one contract.', "CONTRACT_AMBIGUOUS", 403)
        return found.pop() if found else None
