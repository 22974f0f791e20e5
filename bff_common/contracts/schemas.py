"""Every contract's API schema for one supergraph, built together and checked together.

Used by the gateway (one schema per contract, beside the full API schema) and
by the registry (each publish, remove and contract change checks that every
contract still yields a valid schema). A contract that does not is reported
with its name, the element and the reason (`ContractError.errors`); tags no
element carries are warnings, not errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .definitions import ContractDefinition

__all__ = ["ContractSchemas", "ContractsInvalid", "build_contract_schemas"]


class ContractsInvalid(ValueError):
    """One or more contracts yield no valid API schema; `problems` is [(contract, message)]."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f'contract "{name}": {message}' for name, message in problems))


@dataclass(slots=True)
class ContractSchemas:
    """name -> the contract's API schema (graphql-core), with the coordinates it removed."""

    schemas: dict[str, Any] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    # Human-readable warnings (tags nobody carries), each naming its contract.
    warnings: list[str] = field(default_factory=list)


def build_contract_schemas(supergraph: Any, definitions: Iterable[ContractDefinition]) -> ContractSchemas:
    """Build every contract's schema from a supergraph (SDL text or parsed document); raises
    ContractsInvalid listing every contract that fails, not just the first."""
    from graphql import DocumentNode, parse

    from .filter import ContractError, build_contract

    document = supergraph if isinstance(supergraph, DocumentNode) else parse(supergraph, no_location=True)
    out = ContractSchemas()
    problems: list[tuple[str, str]] = []
    for definition in definitions:
        try:
            built = build_contract(document, definition.filter())
        except ContractError as error:
            problems += [(definition.name, message) for message in error.errors]
            continue
        out.schemas[definition.name] = built.schema
        out.removed[definition.name] = built.removed
        if built.unknown_tags:
            out.warnings.append(f'contract "{definition.name}": no element carries the tag(s) '
                                f'{", ".join(built.unknown_tags)} (a typo?)')
    if problems:
        raise ContractsInvalid(problems)
    return out
