"""`bff plan`: print the query plan of an operation without running it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .parsing import InputError, command_parser, fail, read_text


def main(argv: Sequence[str]) -> int:
    parser = command_parser(
        "bff plan", "Print the query plan of an operation (which subgraph fetches, in which order) without "
        "running it.", "echo '{ courses { title } }' | bff plan --supergraph services/supergraph.graphql -")
    parser.add_argument("--supergraph", required=True, metavar="FILE", help="composed supergraph SDL file")
    parser.add_argument("query_file", metavar="QUERY_FILE", help="file holding the operation, or - for stdin")
    parser.add_argument("--variables", metavar="JSON", help="variables as a JSON object")
    parser.add_argument("--operation-name", metavar="NAME", help="operation to plan when the document has several")
    args = parser.parse_args(list(argv))
    try:
        query = read_text(args.query_file, "query file")
        variables = None
        if args.variables is not None:
            import json

            try:
                variables = json.loads(args.variables)
            except ValueError as exc:
                raise InputError(f"--variables is not valid JSON: {exc}") from None
            if not isinstance(variables, dict):
                raise InputError("--variables must be a JSON object")
        from ..config import GatewayConfig

        gateway = load_gateway(args.supergraph, GatewayConfig())
        try:
            plan = gateway.explain(query, args.operation_name, variables)
        except Exception as exc:
            raise InputError(str(exc) or type(exc).__name__) from None
    except InputError as exc:
        return fail("plan", str(exc))
    print(plan)
    return 0


def load_gateway(supergraph: str, config: Any) -> Any:
    """Gateway.from_file, with a bad supergraph reported as an input error instead of a traceback."""
    from ..gateway import Gateway

    try:
        return Gateway.from_file(supergraph, config)
    except OSError as exc:
        raise InputError(f"cannot read supergraph {supergraph!r}: {exc.strerror or exc}") from None
    except Exception as exc:
        raise InputError(f"cannot build the gateway from {supergraph!r}: {exc or type(exc).__name__}") from None
