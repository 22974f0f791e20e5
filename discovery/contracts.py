"""The registry's contract checks: every contract still valid, and no contract's clients broken.

Run on every change of the graph (publish, remove) and of a contract definition
(`Registry.set_contract` / `remove_contract`). A contract that yields no valid
API schema is refused with the contract, the element and the reason
(CONTRACT_INVALID). A change that breaks a contract's schema is refused naming
the clients that used the field through that contract (usage is recorded per
contract, discovery/usage.py), unless breaking changes are allowed.
"""

from __future__ import annotations

from typing import Any

from bff_common.contracts.definitions import ContractDefinition, definitions_from_json

from .model import Problem


def check_contracts(supergraph: str | None, contracts: str | None) -> tuple[list[Problem], list[str]]:
    """(CONTRACT_INVALID problems, warnings) for the contracts stored as JSON over `supergraph`."""
    definitions = definitions_from_json(contracts)
    if not definitions or not supergraph:
        return [], []
    from bff_common.contracts.schemas import ContractsInvalid, build_contract_schemas

    try:
        return [], build_contract_schemas(supergraph, definitions).warnings
    except ContractsInvalid as error:
        return [Problem("CONTRACT_INVALID", f'contract "{name}": {message}', coordinate=_element(message))
                for name, message in error.problems], []


def contract_breaking(store: Any, old_supergraph: str | None, old_contracts: str | None,
                      new_supergraph: str | None, new_contracts: str | None, days: int | None) -> list[Problem]:
    """Breaking changes per contract (each contract's old schema against its new one), filtered by the
    usage recorded for that contract: only the clients that used a field through it are named."""
    old = {d.name: d for d in definitions_from_json(old_contracts)}
    new = {d.name: d for d in definitions_from_json(new_contracts)}
    if not old_supergraph or not old:
        return []
    from graphql import GraphQLSchema
    from graphql.utilities import find_breaking_changes

    from bff_common.contracts.schemas import ContractsInvalid, build_contract_schemas

    from .usage import filter_breaking

    try:
        before = build_contract_schemas(old_supergraph, old.values()).schemas
    except ContractsInvalid:
        return []  # the stored version was refused when written; nothing to compare against
    after: dict[str, Any] = {}
    if new_supergraph:
        kept = [new[name] for name in old if name in new]
        after = build_contract_schemas(new_supergraph, kept).schemas  # validity is check_contracts' job
    problems: list[Problem] = []
    for name, schema in sorted(before.items()):
        changes = find_breaking_changes(schema, after.get(name) or GraphQLSchema())
        # A standard scalar no field uses any more: the fields that used it are reported themselves.
        found = [Problem("BREAKING_CHANGE", f"{c.type.name.lower()}: {c.description}") for c in changes
                 if not c.description.startswith("Standard scalar ")]
        for p in filter_breaking(store, found, days, contract=name):
            problems.append(Problem(p.code, f'contract "{name}": {p.message}', p.subgraphs, p.coordinate))
    return problems


def definitions_with(contracts: str | None, definition: ContractDefinition) -> str | None:
    """The stored JSON with `definition` added or replaced."""
    from bff_common.contracts.definitions import definitions_to_json

    rest = [d for d in definitions_from_json(contracts) if d.name != definition.name]
    return definitions_to_json([*rest, definition])


def definitions_without(contracts: str | None, name: str) -> str | None:
    from bff_common.contracts.definitions import definitions_to_json

    return definitions_to_json([d for d in definitions_from_json(contracts) if d.name != name])


def _element(message: str) -> str | None:
    """The schema element a contract error names ("Type.field" at the start of graphql-core's messages)."""
    import re

    m = re.search(r'"([A-Z_a-z]\w*(?:\.[A-Za-z_]\w*(?:\(\w+:\))?)?)"', message) or re.search(
        r"query type (\w+)", message)
    return m.group(1) if m else None
