"""Operation limits: refuse documents that are too big, too deep or too expensive.

A public endpoint must not let one request cost the gateway or the subgraphs
more than a bounded amount of work. Two stages, both before validation (whose cost grows with the square of
same-named fields, so it must not see an unbounded document):

* `check_source` runs before parsing, on the raw text: its size in bytes and
  its number of lexical tokens (counted with graphql-core's lexer, stopping at
  the limit), so a huge document is refused for the price of reading the limit.
* `measure` walks the parsed document once (fragments are measured once each,
  whatever the number of spreads): depth, aliases, root fields, directives,
  selections per selection set, fields and spreads as executed, and an estimate
  of the comparisons validation will make; `check` compares them with the
  limits. A document that passes is cached, so a warm request pays nothing.

Every refusal is a request error whose message names the limit, its value and
the measured figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    # List size assumed for a list field without @listSize or a slicing argument. None (the default):
    # such a list counts once towards max_cost, so the limit bites only where the schema (@listSize,
    # @cost) or the client (a slicing argument) says how big lists are; the estimate with
    # `reported_list_size` is still measured and reported. Set a number to enforce assumed sizes too.
    default_list_size: int | None = None
    reported_list_size: int = 10
    # Bounds on validation's work, checked before validation runs (see `measure`):
    # selections written in one selection set, fields and fragment spreads as executed (through
    # fragments, summed over the document's operations), and comparisons of same-named fields (a pair
    # of fields with selections weighs 10: comparing them costs about that much more than two leaves).
    max_selections: int | None = 200
    max_fields: int | None = 2_000
    max_fragment_spreads: int | None = 500
    max_field_pairs: int | None = 5_000
    # Big new documents are prepared in one paced thread (gateway/prepare_worker.py). At most
    # `prepare_queue` of them wait for it; past that a request is refused (after a pause) with HTTP 503 and
    # SERVER_BUSY (a flood would otherwise grow the queue's memory and latency without limit). A
    # document that waited more than `prepare_wait` seconds is refused rather than prepared for a
    # client that has likely given up. Cached documents never queue.
    prepare_queue: int | None = 64
    prepare_wait: float | None = 10.0

    @classmethod
    def off(cls) -> "OperationLimits":
        """No limits at all (trusted callers, tests)."""
        return cls(None, None, None, None, None, None, None, max_selections=None, max_fields=None,
                   max_fragment_spreads=None, max_field_pairs=None, prepare_queue=None, prepare_wait=None)


# What each limit means, for the configuration reference and the BFF_LIMITS_* table (gateway/config).
MEANINGS: dict[str, str] = {
    "max_document_bytes": "bytes of one GraphQL document",
    "max_tokens": "lexical tokens of one document, counted before it is parsed",
    "max_depth": "nesting depth of an operation's selections",
    "max_aliases": "aliased fields in one operation",
    "max_root_fields": "fields at the root of one operation",
    "max_directives": "directives in one document",
    "max_cost": "estimated cost (@cost, @listSize, slicing arguments; docs/limits.md)",
    "default_list_size": "list size assumed where neither schema nor client says (null: counted once)",
    "reported_list_size": "list size used for the reported cost estimate",
    "max_selections": "selections written in one selection set",
    "max_fields": "fields and fragment spreads as executed, through fragments",
    "max_fragment_spreads": "fragment spreads as executed",
    "max_field_pairs": "comparisons of same-named fields validation would make",
    "prepare_queue": "big new documents that may wait for the preparing thread; past it 503 SERVER_BUSY",
    "prepare_wait": "seconds a document may wait for the preparing thread before it is refused",
}


@dataclass(slots=True)
class Measures:
    """What `measure` found in a document (fragments expanded; the largest operation's figures
    for depth, aliases, root fields and directives, sums over the document for fields and spreads)."""

    depth: int
    aliases: int
    root_fields: int
    directives: int
    selections: int = 0
    fields: int = 0
    spreads: int = 0
    field_pairs: int = 0
    # Operations (by name) that ask __schema or __type anywhere (aliased, in fragments, nested).
    introspection: set[str | None] = field(default_factory=set)


def limit_error(code: str, what: str, name: str, limit: int, figure: str, measured: int) -> Exception:
    """The request error for one exceeded limit."""
    from .errors import RequestError

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
    first = lexer.token
    eof = TokenKind.EOF
    count = 0
    try:
        while count < stop_at and lexer.advance().kind is not eof:
            count += 1
    except GraphQLError:
        pass
    unlink_tokens(first)
    return count


def unlink_tokens(token: Any) -> None:
    """Cut the lexer's tokens' back links. Tokens are a doubly linked list, so every parse leaves
    thousands of reference cycles for the garbage collector, whose full collections then stall
    the process (measured: 200-300 ms pauses under attack); singly linked, they are freed at once."""
    while token is not None:
        token.prev = None
        token = token.next


def measure(document: Any, limits: OperationLimits | None = None) -> Measures:
    """The figures of a parsed (not yet validated) document, for `check`.

    Runs before validation so that validation's own cost is bounded: its
    overlapping-fields rule compares every pair of same-named fields in a
    selection set (through fragments), so 450 copies of one field cost a second.
    Operations are measured through their fragments (each fragment once,
    memoized); a fragment cycle is refused here, as validation would. The pair
    estimate is skipped when the field count alone already exceeds its limit.
    """
    from graphql.language import FragmentDefinitionNode, OperationDefinitionNode

    limits = limits or OperationLimits()
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    walk = _Walk(fragments)
    found = Measures(depth=0, aliases=0, root_fields=0, directives=0)
    roots = []
    try:
        for operation in operations:
            depth, aliases, directives, width, fields, spreads = walk.selection_set(operation.selection_set)
            directives += len(operation.directives or ())
            for variable in operation.variable_definitions or ():
                directives += len(variable.directives or ())
            found.depth, found.aliases = max(found.depth, depth), max(found.aliases, aliases)
            found.root_fields, found.directives = max(found.root_fields, width), max(found.directives, directives)
            found.fields += fields
            found.spreads += spreads
            if walk.introspection:
                found.introspection.add(operation.name.value if operation.name else None)
                walk.introspection = False
            roots.append([operation.selection_set])
        for name, fragment in fragments.items():  # validated too, even when no operation spreads them
            if name not in walk.memo:
                _, _, _, _, fields, spreads = walk.fragment(name)
                found.fields += fields
                found.spreads += spreads
                roots.append([fragment.selection_set])
    except RecursionError:
        from .errors import RequestError

        raise RequestError([{"message": "The operation is too deep: it nests beyond what can be measured.",
                             "extensions": {"code": "OPERATION_TOO_DEEP"}}]) from None
    found.selections = walk.widest
    if limits.max_fields is None or found.fields <= limits.max_fields:
        budget = limits.max_field_pairs
        found.field_pairs = walk.pairs(roots, budget if budget is not None else 1 << 62)
    return found


def check(measures: Measures, limits: OperationLimits) -> None:
    """Refuse the document if a figure passes its limit (the first one found is reported)."""
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
    if limits.max_selections is not None and measures.selections > limits.max_selections:
        raise limit_error("TOO_MANY_SELECTIONS", "A selection set is too wide", "max_selections",
                          limits.max_selections, "selection count", measures.selections)
    if limits.max_fields is not None and measures.fields > limits.max_fields:
        raise limit_error("TOO_MANY_FIELDS", "The document selects too many fields", "max_fields",
                          limits.max_fields, "field count", measures.fields)
    if limits.max_fragment_spreads is not None and measures.spreads > limits.max_fragment_spreads:
        raise limit_error("TOO_MANY_FRAGMENT_SPREADS", "The document spreads too many fragments",
                          "max_fragment_spreads", limits.max_fragment_spreads, "spread count", measures.spreads)
    if limits.max_field_pairs is not None and measures.field_pairs > limits.max_field_pairs:
        raise limit_error("TOO_MANY_FIELD_PAIRS", "The document repeats fields too often (every pair of fields "
                          "answering under one name is compared)", "max_field_pairs",
                          limits.max_field_pairs, "pair count", measures.field_pairs)


_INTROSPECTION = frozenset(("__schema", "__type"))
# Extra weight of a pair of same-named fields that both have selections (measured: ~30x a pair of leaves).
COMPOSITE_PAIR_WEIGHT = 10


class _Walk:
    """One pass over selection sets through fragments:
    (depth, aliases, directives, fields at this level, fields, fragment spreads)."""

    def __init__(self, fragments: dict[str, Any]) -> None:
        self.fragments = fragments
        self.memo: dict[str, tuple[int, int, int, int, int, int]] = {}
        self.active: set[str] = set()  # fragments being expanded (cycle guard)
        self.introspection = False
        self.introspective: set[str] = set()  # fragments that ask __schema / __type
        self.widest = 0  # most selections written in one selection set

    def selection_set(self, selection_set: Any) -> tuple[int, int, int, int, int, int]:
        from graphql.language import FieldNode, FragmentSpreadNode

        depth = aliases = directives = width = fields = spreads = 0
        selections = selection_set.selections
        self.widest = max(self.widest, len(selections))
        for s in selections:
            directives += len(s.directives or ())
            if isinstance(s, FieldNode):
                width += 1
                fields += 1
                if s.name.value in _INTROSPECTION:
                    self.introspection = True
                if s.alias is not None:
                    aliases += 1
                if s.selection_set is not None:
                    d, a, n, _, f, p = self.selection_set(s.selection_set)
                    depth, aliases, directives = max(depth, d + 1), aliases + a, directives + n
                    fields, spreads = fields + f, spreads + p
                else:
                    depth = max(depth, 1)
                continue
            if isinstance(s, FragmentSpreadNode):
                d, a, n, w, f, p = self.fragment(s.name.value)
                spreads += 1
            else:
                d, a, n, w, f, p = self.selection_set(s.selection_set)
            depth, aliases, directives, width = max(depth, d), aliases + a, directives + n, width + w
            fields, spreads = fields + f, spreads + p
        return depth, aliases, directives, width, fields, spreads

    def fragment(self, name: str) -> tuple[int, int, int, int, int, int]:
        found = self.memo.get(name)
        if found is None:
            definition = self.fragments.get(name)
            if definition is None:
                return 0, 0, 0, 0, 0, 0  # validation reports the unknown fragment
            if name in self.active:
                from .errors import RequestError

                raise RequestError([{"message": f'Cannot spread fragment "{name}" within itself.',
                                     "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}])
            self.active.add(name)
            outer, self.introspection = self.introspection, False
            d, a, n, w, f, p = self.selection_set(definition.selection_set)
            if self.introspection:
                self.introspective.add(name)
            self.introspection = outer
            self.active.discard(name)
            found = self.memo[name] = (d, a, n + len(definition.directives or ()), w, f, p)
        if name in self.introspective:
            self.introspection = True
        return found

    def pairs(self, roots: list[list[Any]], budget: int) -> int:
        """Comparisons validation's overlapping-fields rule makes, estimated (stops past `budget`).

        Fields answering under the same name are merged, as execution merges them;
        each group of n costs n(n-1)/2 comparisons (pairs of fields with selections weigh
        COMPOSITE_PAIR_WEIGHT more) plus those of its merged children.
        Fragment spreads are compared pairwise and with the fields beside them.
        """
        from graphql.language import FieldNode, FragmentSpreadNode

        total = 0
        work = list(roots)
        while work:
            counts: dict[str, int] = {}
            composite: dict[str, int] = {}
            children: dict[str, list[Any]] = {}
            stack = list(work.pop())
            while stack:
                selections = stack.pop().selections
                spread = 0
                for s in selections:
                    if isinstance(s, FieldNode):
                        key = (s.alias or s.name).value
                        counts[key] = counts.get(key, 0) + 1
                        if s.selection_set is not None:
                            composite[key] = composite.get(key, 0) + 1
                            children.setdefault(key, []).append(s.selection_set)
                    elif isinstance(s, FragmentSpreadNode):
                        spread += 1
                        definition = self.fragments.get(s.name.value)
                        if definition is not None:
                            stack.append(definition.selection_set)
                    else:
                        stack.append(s.selection_set)
                if spread:
                    total += spread * (spread - 1) // 2 + spread * (len(selections) - spread)
            for key, n in counts.items():
                c = composite.get(key, 0)
                total += n * (n - 1) // 2 + COMPOSITE_PAIR_WEIGHT * c * (c - 1) // 2
            if total > budget:
                return total
            work.extend(children.values())
        return total
