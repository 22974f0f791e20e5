"""Contracts (docs/contracts.md): what the gateway serves per client and what the registry checks.

filter.py       the tag filter: one contract's API schema from a supergraph (Apollo's semantics)
definitions.py  a contract's definition (tags, and which requests get it); checks needing no schema
schemas.py      every contract's schema for one supergraph, built and checked together

Shared by the gateway (serving, gateway/contracts/) and the registry (checks on every change).
"""

from .definitions import ContractDefinition, Contracts, parse_contracts

__all__ = ["ContractDefinition", "Contracts", "parse_contracts"]
