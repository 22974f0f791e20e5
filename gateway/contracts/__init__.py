"""Per-client contracts served by one gateway (docs/contracts.md).

definitions.py  what a contract is (tags) and which requests get it; checks that need no schema
schemas.py      every contract's API schema for one supergraph, checked together
The tag filter itself is gateway/supergraph/contracts.py.
"""

from .definitions import ContractDefinition, Contracts, parse_contracts

__all__ = ["ContractDefinition", "Contracts", "parse_contracts"]
