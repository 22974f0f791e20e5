"""Operation limits: refuse documents that are too big, too deep or too expensive.

A public endpoint must not let one request cost the gateway or the subgraphs
more than a bounded amount of work. Two stages:

* `check_source` runs before parsing, on the raw text: its size in bytes and
  its number of lexical tokens (counted with graphql-core's lexer, stopping at
  the limit), so a huge document is refused for the price of reading the limit.
* `measure` walks a parsed, validated operation once (fragments are measured
  once each, whatever the number of spreads); `check` compares the figures with
  the limits. The gateway caches the figures, so a warm request pays nothing.

Every refusal is a request error whose message names the limit, its value and
the measured figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class OperationLimits:
    """Limits per operation; None switches one off. The defaults suit a public endpoint."""

    max_document_bytes: int | None = 100_000
    max_tokens: int | None = 5_000
    max_depth: int | None = 15
    max_aliases: int | None = 30
    max_root_fields: int | None = 20
    max_directives: int | None = 50
    max_cost: int | None = 5_000
    # List size assumed for a list field without @listSize or a slicing argument.
    default_list_size: int = 10

    @classmethod
    def off(cls) -> "OperationLimits":
        """No limits at all (trusted callers, tests)."""
        return cls(None, None, None, None, None, None, None)


@dataclass(slots=True)
class Measures:
    """What `measure` found in one operation (fragments expanded)."""

    depth: int
    aliases: int
    root_fields: int
    directives: int
    # Whether __schema or __type is asked anywhere (aliased, in fragments, nested).
    introspection: bool = False


def limit_error(code: str, what: str, name: str, limit: int, figure: str, measured: int) -> Exception:
    """The request error for one exceeded limit."""
    from .prepare import RequestError

    message = f"{what}: {figure} {measured} exceeds {name} {limit}."
    return RequestError([{"message": message, "extensions": {"code": code, "limit": limit, "measured": measured}}])


def check_source(query: str, limits: OperationLimits) -> None:
    """Refuse an oversized document before it is parsed (size first: it costs nothing)."""
    max_bytes = limits.max_document_bytes
    if max_bytes is not None and len(query) * 4 > max_bytes:  # UTF-8 is at most 4 bytes a character
        size = len(query) if len(query) > max_bytes else len(query.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise limit_error("DOCUMENT_TOO_LARGE", "The document is too large", "max_document_bytes",
                              max_bytes, "size in bytes", size)
    max_tokens = limits.max_tokens
    if max_tokens is not None and len(query) > max_tokens:  # every token takes at least one character
        count = count_tokens(query, max_tokens + 1)
        if count > max_tokens:
            raise limit_error("TOO_MANY_TOKENS", "The document has too many tokens", "max_tokens",
                              max_tokens, "token count", count)


def count_tokens(query: str, stop_at: int) -> int:
    """Lexical tokens in `query` (comments excluded), counting no further than `stop_at`.

    A lexing error ends the count: the parser will report it properly.
    """
    from graphql.error import GraphQLError
    from graphql.language import Lexer, Source, TokenKind

    lexer = Lexer(Source(query))
    eof = TokenKind.EOF
    count = 0
    try:
        while count < stop_at and lexer.advance().kind is not eof:
            count += 1
    except GraphQLError:
        pass
    return count


def measure(operation: Any, fragments: dict[str, Any]) -> Measures:
    """Depth, aliases, root fields and directives of an operation, through its fragments.

    Depth counts fields only (fragments are transparent; introspection fields count
    like any other). Aliases and directives count every occurrence as executed, so a
    fragment spread ten times counts ten times. Validation has ruled out fragment
    cycles, so each fragment is measured once and memoized.
    """
    walk = _Walk(fragments)
    try:
        depth, aliases, directives, root_fields = walk.selection_set(operation.selection_set)
    except RecursionError:
        from .prepare import RequestError

        raise RequestError([{"message": "The operation is too deep: it nests beyond what can be measured.",
                             "extensions": {"code": "OPERATION_TOO_DEEP"}}]) from None
    directives += len(operation.directives or ())
    for definition in operation.variable_definitions or ():
        directives += len(definition.directives or ())
    return Measures(depth=depth, aliases=aliases, root_fields=root_fields, directives=directives,
                    introspection=walk.introspection)


def check(measures: Measures, limits: OperationLimits) -> None:
    """Refuse the operation if a figure passes its limit (the first one found is reported)."""
    if limits.max_depth is not None and measures.depth > limits.max_depth:
        raise limit_error("OPERATION_TOO_DEEP", "The operation is too deep", "max_depth",
                          limits.max_depth, "depth", measures.depth)
    if limits.max_aliases is not None and measures.aliases > limits.max_aliases:
        raise limit_error("TOO_MANY_ALIASES", "The operation has too many aliases", "max_aliases",
                          limits.max_aliases, "alias count", measures.aliases)
    if limits.max_root_fields is not None and measures.root_fields > limits.max_root_fields:
        raise limit_error("TOO_MANY_ROOT_FIELDS", "The operation has too many root fields", "max_root_fields",
                          limits.max_root_fields, "root field count", measures.root_fields)
    if limits.max_directives is not None and measures.directives > limits.max_directives:
        raise limit_error("TOO_MANY_DIRECTIVES", "The operation has too many directives", "max_directives",
                          limits.max_directives, "directive count", measures.directives)


_INTROSPECTION = frozenset(("__schema", "__type"))


class _Walk:
    """One pass over selection sets: (depth, aliases, directives, fields at this level)."""

    def __init__(self, fragments: dict[str, Any]) -> None:
        self.fragments = fragments
        self.memo: dict[str, tuple[int, int, int, int]] = {}
        self.introspection = False

    def selection_set(self, selection_set: Any) -> tuple[int, int, int, int]:
        from graphql.language import FieldNode, FragmentSpreadNode

        depth = aliases = directives = width = 0
        for s in selection_set.selections:
            directives += len(s.directives or ())
            if isinstance(s, FieldNode):
                width += 1
                if s.name.value in _INTROSPECTION:
                    self.introspection = True
                if s.alias is not None:
                    aliases += 1
                if s.selection_set is not None:
                    d, a, n, _ = self.selection_set(s.selection_set)
                    depth, aliases, directives = max(depth, d + 1), aliases + a, directives + n
                else:
                    depth = max(depth, 1)
                continue
            if isinstance(s, FragmentSpreadNode):
                d, a, n, w = self.fragment(s.name.value)
            else:
                d, a, n, w = self.selection_set(s.selection_set)
            depth, aliases, directives, width = max(depth, d), aliases + a, directives + n, width + w
        return depth, aliases, directives, width

    def fragment(self, name: str) -> tuple[int, int, int, int]:
        found = self.memo.get(name)
        if found is None:
            definition = self.fragments.get(name)
            if definition is None:
                return 0, 0, 0, 0
            d, a, n, w = self.selection_set(definition.selection_set)
            found = self.memo[name] = (d, a, n + len(definition.directives or ()), w)
        return found
