"""Trusted documents in the registry: check a client's batch before anything is written.

A batch is registered for one client name and version. Every document must hash
(sha256 of its UTF-8 text) to the id it is given under, and must parse and
validate against the CURRENT API schema; one bad document refuses the whole
batch with a problem per document (its hash as the coordinate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .model import Problem

MAX_NAME = 200


def normalize(documents: Mapping[str, str] | Sequence[str]) -> tuple[dict[str, str], list[Problem]]:
    """{sha256: text} from a mapping (ids verified) or a list (ids computed); problems for mismatches."""
    from bff_common.documents import sha256_hex

    if isinstance(documents, Mapping):
        result, problems = {}, []
        for sha, text in documents.items():
            if not isinstance(text, str) or sha256_hex(text) != str(sha).lower():
                problems.append(Problem("HASH_MISMATCH", f"the document given as {sha} does not have that sha256",
                                        coordinate=str(sha)))
            else:
                result[sha.lower()] = text
        return result, problems
    if not all(isinstance(text, str) for text in documents):
        return {}, [Problem("BAD_DOCUMENT", "documents must be strings")]
    return {sha256_hex(text): text for text in documents}, []


def check_client(client: str, version: str) -> list[Problem]:
    problems = []
    for what, value in (("client name", client), ("client version", version)):
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
            problems.append(Problem("BAD_CLIENT", f"the {what} must be a non-empty string of at most {MAX_NAME} characters"))
    return problems


def validate_documents(supergraph: str | None, documents: Mapping[str, str], contracts: str | None = None,
                       client: str | None = None) -> list[Problem]:
    """Problems for documents that do not parse or validate against the API schema of `supergraph`, or
    against the contract `client` gets when a contract names that client (docs/contracts.md)."""
    if supergraph is None:
        return [Problem("NO_SUPERGRAPH", "nothing is published: documents are checked against the current API schema")]
    from graphql import GraphQLError, parse, validate

    from bff_common.api_schema import build_api_schema
    from bff_common.contracts.definitions import definitions_from_json

    contract = next((d for d in definitions_from_json(contracts) if client in d.clients), None)
    if contract is not None:
        from bff_common.contracts.schemas import build_contract_schemas

        schema = build_contract_schemas(supergraph, [contract]).schemas[contract.name]
    else:
        schema = build_api_schema(supergraph)
    where = f' (contract "{contract.name}" of client "{client}")' if contract is not None else ""
    problems = []
    for sha, text in documents.items():
        try:
            errors = validate(schema, parse(text))
        except GraphQLError as exc:
            errors = [exc]
        if errors:
            problems.append(Problem("INVALID_DOCUMENT", "; ".join(e.message for e in errors[:5]) + where,
                                    coordinate=sha))
    return problems
